package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// ConsentEvent is one entry of a citizen's consent history: the consent
// to pass the citizen's data to other organisations (external referrals)
// given, with its scope and expiry, or withdrawn. The history is
// append-only: nothing changes or deletes an entry (the privacy policy
// and, on both databases, triggers), so a withdrawal never overwrites what
// was given. The citizen's current consent is its latest entry, when that
// is a GIVEN one not expired (internal/consent); the citizen's
// privacyConsent and consent* fields mirror it.
type ConsentEvent struct{ ent.Schema }

// Fields of ConsentEvent.
func (ConsentEvent) Fields() []ent.Field {
	return []ent.Field{
		field.Int("citizen_id").Immutable(),
		field.Enum("kind").Values("GIVEN", "WITHDRAWN").Immutable(),
		// at is when the consent was given or withdrawn (never in the
		// future, never before the citizen's previous entry).
		field.Time("at").Immutable(),
		// scope and expires_at: GIVEN only.
		field.String("scope").Optional().MaxLen(300).Immutable(),
		field.Time("expires_at").Optional().Nillable().Immutable(),
		// recorded_by_id is the operator who recorded the entry; nil for the
		// service's own work (demo data, retention).
		field.Int("recorded_by_id").Optional().Nillable().Immutable(),
		field.Time("created_at").Default(now).Immutable(),
	}
}

// Edges of ConsentEvent.
func (ConsentEvent) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("citizen", Citizen.Type).Field("citizen_id").Unique().Required().Immutable(),
		edge.To("recorded_by", Operator.Type).Field("recorded_by_id").Unique().Immutable(),
	}
}

// Indexes of ConsentEvent: a citizen's history, in order.
func (ConsentEvent) Indexes() []ent.Index {
	return []ent.Index{index.Fields("citizen_id", "at")}
}

// Annotations of ConsentEvent: read through Citizen.consentHistory, never
// written through the API but by the citizen's consent fields and
// withdrawConsent (internal/consent).
func (ConsentEvent) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipWhereInput, entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)}
}
