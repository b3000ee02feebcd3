package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"

	"segretariato/ent/schema/schematype"
)

// Operator is a member of staff: a social worker, the coordinator, an
// analyst or an administrator.
type Operator struct{ ent.Schema }

// Mixin of Operator.
func (Operator) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of Operator.
func (Operator) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().MaxLen(200).
			Annotations(entgql.OrderField("NAME")),
		field.String("email").NotEmpty().MaxLen(254).Unique().
			Annotations(entgql.OrderField("EMAIL")),
		field.Enum("role").GoType(schematype.Role("")).
			Annotations(entgql.OrderField("ROLE"), entgql.Type("Role")),
		field.Bool("active").Default(true).
			Annotations(entgql.OrderField("ACTIVE")),
		// oidc_subject is the `sub` of the operator's identity at the
		// municipality's OIDC provider; without it the provider's verified
		// e-mail identifies the operator.
		field.String("oidc_subject").Optional().Nillable().Unique().MaxLen(255),
		// token_hash is the SHA-256 of the operator's API token; the token
		// itself is never stored.
		field.String("token_hash").Optional().Nillable().Unique().Sensitive().
			Annotations(entgql.Skip()),
	}
}

// Edges of Operator.
func (Operator) Edges() []ent.Edge {
	return []ent.Edge{
		// Person-level edges are not filterable from an operator: a where
		// predicate through them would reveal rows the viewer cannot see.
		edge.To("contacts", Contact.Type).
			Annotations(entgql.RelayConnection(), entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput, entgql.SkipWhereInput)),
		edge.To("citizens", Citizen.Type).
			Annotations(entgql.RelayConnection(), entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput, entgql.SkipWhereInput)),
		edge.From("shared_citizens", Citizen.Type).Ref("shared_with").
			Annotations(entgql.Skip()),
		edge.From("trainings", Training.Type).Ref("attendees").
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
	}
}

// Annotations of Operator.
func (Operator) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.RelayConnection(),
		entgql.QueryField(),
		entgql.Mutations(entgql.MutationUpdate()),
		entgql.MultiOrder(),
	}
}
