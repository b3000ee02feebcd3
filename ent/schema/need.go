package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"

	"segretariato/ent/schema/schematype"
)

// NeedCategory is a category of the two-level need taxonomy (macro area →
// category). Codes are stable; labels are editable. A category in use is
// deactivated, never deleted.
type NeedCategory struct{ ent.Schema }

// Mixin of NeedCategory.
func (NeedCategory) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of NeedCategory.
func (NeedCategory) Fields() []ent.Field {
	return []ent.Field{
		field.String("code").NotEmpty().MaxLen(40).Unique().Immutable().
			Annotations(entgql.OrderField("CODE")),
		field.Enum("macro_area").GoType(schematype.MacroArea("")).
			Annotations(entgql.OrderField("MACRO_AREA"), entgql.Type("MacroArea")),
		field.String("label_it").NotEmpty().MaxLen(200),
		field.String("label_en").NotEmpty().MaxLen(200),
		field.Int("position").Default(0).
			Annotations(entgql.OrderField("POSITION")),
		field.Bool("active").Default(true),
	}
}

// Edges of NeedCategory.
func (NeedCategory) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("contacts", Contact.Type).Ref("needs").
			Annotations(entgql.Skip()),
		edge.From("main_contacts", Contact.Type).Ref("main_need").
			Annotations(entgql.Skip()),
	}
}

// Annotations of NeedCategory.
func (NeedCategory) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.RelayConnection(),
		entgql.QueryField(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
		entgql.MultiOrder(),
	}
}
