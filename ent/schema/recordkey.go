package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/mixin"

	"segretariato/internal/cellkey"
)

// RecordKeyMixin gives a counted record (contact, citizen, referral) its
// record key for the cell-key perturbation of the analysts' figures
// (internal/cellkey, internal/analytics): random, drawn at creation on
// every ent path (the import's PostgreSQL COPY path sets it too), never
// changed, and never exposed: not in GraphQL (entgql.Skip), not in the
// JSON of an entity (the data subject's export marshals entities), not in
// the CSV export (it lists its columns).
type RecordKeyMixin struct{ mixin.Schema }

// Fields of the mixin.
func (RecordKeyMixin) Fields() []ent.Field {
	return []ent.Field{
		field.Int("record_key").
			Range(0, cellkey.Size-1).
			DefaultFunc(cellkey.New).
			Immutable().
			StructTag(`json:"-"`).
			Annotations(entgql.Skip()),
	}
}
