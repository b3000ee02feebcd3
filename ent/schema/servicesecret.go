package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"

	"segretariato/internal/access"
)

// ServiceSecret is a secret the service makes for itself on first start
// and keeps in the database, so that every instance over the same database
// uses the same one: the key of the audit trail's search hashes
// (internal/audit) when AUDIT_SEARCH_KEY does not set it. Only the system
// context reads or writes it; it is never in the GraphQL schema.
type ServiceSecret struct{ ent.Schema }

// Fields of ServiceSecret.
func (ServiceSecret) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").MaxLen(64).NotEmpty().Unique().Immutable(),
		field.Bytes("value").NotEmpty().Sensitive().Immutable(),
		field.Time("created_at").Default(now).Immutable(),
	}
}

// Annotations of ServiceSecret: nothing of it is in the GraphQL schema.
func (ServiceSecret) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}

// Policy of ServiceSecret: only the system context passes.
func (ServiceSecret) Policy() ent.Policy { return access.SystemOnlyPolicy() }
