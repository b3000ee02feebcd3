package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Training is a course or day of professional training (formazione). The
// charter promises at least 8 days a year for each social worker.
type Training struct{ ent.Schema }

// Mixin of Training.
func (Training) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of Training.
func (Training) Fields() []ent.Field {
	return []ent.Field{
		field.String("title").NotEmpty().MaxLen(300).
			Annotations(entgql.OrderField("TITLE")),
		field.String("provider").Optional().MaxLen(200),
		field.Time("date").
			Annotations(entgql.OrderField("DATE")),
		// days may be a half day (0.5).
		field.Float("days").Range(0.5, 31),
		field.Float("hours").Optional().Nillable().Range(0.5, 248),
		field.Int("plan_id").Optional().Nillable(),
	}
}

// Edges of Training.
func (Training) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("attendees", Operator.Type),
		edge.From("plan", TrainingPlan.Type).Ref("trainings").Field("plan_id").Unique(),
	}
}

// Indexes of Training.
func (Training) Indexes() []ent.Index {
	return []ent.Index{index.Fields("date")}
}

// Annotations of Training.
func (Training) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.RelayConnection(),
		entgql.QueryField(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
		entgql.MultiOrder(),
	}
}

// TrainingPlan is the yearly training plan the charter requires.
type TrainingPlan struct{ ent.Schema }

// Mixin of TrainingPlan.
func (TrainingPlan) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of TrainingPlan.
func (TrainingPlan) Fields() []ent.Field {
	return []ent.Field{
		field.Int("year").Unique().Range(2000, 2200).
			Annotations(entgql.OrderField("YEAR")),
		field.String("title").NotEmpty().MaxLen(300),
		field.Time("approved_at").Optional().Nillable(),
		field.Text("description").Optional().MaxLen(10000),
	}
}

// Edges of TrainingPlan.
func (TrainingPlan) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("trainings", Training.Type),
	}
}

// Annotations of TrainingPlan.
func (TrainingPlan) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.RelayConnection(),
		entgql.QueryField(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
		entgql.MultiOrder(),
	}
}
