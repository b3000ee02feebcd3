package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"segretariato/internal/access"
)

// IdempotencyKey is a client's Idempotency-Key on a mutation and the
// answer it got (internal/idempotency): a retry with the same key and the
// same request gets that answer again instead of a second execution. The
// row is claimed (no status yet) before the mutation runs and completed
// with the answer after it. The answer can hold personal data: only the
// service's system context reads or writes these rows, they are never in
// the GraphQL schema, and they are deleted once expired.
type IdempotencyKey struct{ ent.Schema }

// Fields of IdempotencyKey.
func (IdempotencyKey) Fields() []ent.Field {
	return []ent.Field{
		// The operator whose key it is: keys are scoped per operator.
		field.Int("operator_id").Immutable(),
		field.String("key").MaxLen(255).NotEmpty().Immutable(),
		// fingerprint is the SHA-256 of the normalised request, in hex.
		field.String("fingerprint").MaxLen(64).Immutable(),
		field.Time("created_at").Default(now).Immutable(),
		field.Time("expires_at"),
		// status is nil while the first request is in flight.
		field.Int("status").Optional().Nillable(),
		field.String("content_type").Optional(),
		field.Bytes("body").Optional().Sensitive(),
	}
}

// Indexes of IdempotencyKey: one row per operator and key, whichever
// server instance claims it first; expired rows are found by expires_at.
func (IdempotencyKey) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("operator_id", "key").Unique(),
		index.Fields("expires_at"),
	}
}

// Annotations of IdempotencyKey: nothing of it is in the GraphQL schema.
func (IdempotencyKey) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}

// Policy of IdempotencyKey: only the system context passes.
func (IdempotencyKey) Policy() ent.Policy { return access.SystemOnlyPolicy() }
