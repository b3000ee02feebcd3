package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"

	"segretariato/ent/schema/schematype"
)

// Service is a service of the territory that the desk informs about and
// refers to. `SSP` is the municipality's own professional social service
// (Scheda 3): a referral there is internal; any other is external and
// passes the citizen's data to another organisation.
type Service struct{ ent.Schema }

// Mixin of Service.
func (Service) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of Service.
func (Service) Fields() []ent.Field {
	return []ent.Field{
		field.String("code").NotEmpty().MaxLen(40).Unique().Immutable().
			Annotations(entgql.OrderField("CODE")),
		field.String("name").NotEmpty().MaxLen(200).
			Annotations(entgql.OrderField("NAME")),
		field.Enum("provider").GoType(schematype.Provider("")).
			Annotations(entgql.OrderField("PROVIDER"), entgql.Type("Provider")),
		field.Enum("kind").GoType(schematype.ServiceKind("")).
			Annotations(entgql.OrderField("KIND"), entgql.Type("ServiceKind")),
		field.JSON("target_areas", []schematype.TargetArea{}).
			Annotations(entgql.Type("[TargetArea!]")),
		// internal marks the municipality's own professional social service.
		field.Bool("internal").Default(false),
		field.String("location").Optional().MaxLen(300),
		field.String("hours").Optional().MaxLen(300),
		field.String("phone").Optional().MaxLen(100),
		field.String("email").Optional().MaxLen(254),
		field.String("website").Optional().MaxLen(300),
		field.Bool("active").Default(true),
	}
}

// Edges of Service.
func (Service) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("referrals", Referral.Type).Ref("service").
			Annotations(entgql.Skip()),
		edge.From("informed_contacts", Contact.Type).Ref("informed_about").
			Annotations(entgql.Skip()),
	}
}

// Annotations of Service.
func (Service) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.RelayConnection(),
		entgql.QueryField(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
		entgql.MultiOrder(),
	}
}
