package schema

import (
	"regexp"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
)

var hhmm = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)

// SatisfactionSurvey is the yearly survey of the citizens who used the
// service; the charter's target is at least 70% satisfied.
type SatisfactionSurvey struct{ ent.Schema }

// Mixin of SatisfactionSurvey.
func (SatisfactionSurvey) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of SatisfactionSurvey.
func (SatisfactionSurvey) Fields() []ent.Field {
	return []ent.Field{
		field.Int("year").Range(2000, 2200).
			Annotations(entgql.OrderField("YEAR")),
		field.String("title").NotEmpty().MaxLen(300),
		field.Time("opened_on").Optional().Nillable(),
		field.Time("closed_on").Optional().Nillable(),
	}
}

// Edges of SatisfactionSurvey.
func (SatisfactionSurvey) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("responses", SurveyResponse.Type).
			Annotations(entgql.RelayConnection(), skipInputs),
	}
}

// Annotations of SatisfactionSurvey.
func (SatisfactionSurvey) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.RelayConnection(),
		entgql.QueryField(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
		entgql.MultiOrder(),
	}
}

// SurveyResponse is one anonymous answer to a satisfaction survey.
type SurveyResponse struct{ ent.Schema }

// Mixin of SurveyResponse.
func (SurveyResponse) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of SurveyResponse.
func (SurveyResponse) Fields() []ent.Field {
	return []ent.Field{
		field.Time("answered_on").
			Annotations(entgql.OrderField("ANSWERED_ON")),
		// score is the overall rating, 1 (very unsatisfied) to 5 (very satisfied).
		field.Int("score").Range(1, 5).
			Annotations(entgql.OrderField("SCORE")),
		// satisfied is the answer the charter's 70% target counts.
		field.Bool("satisfied"),
		field.Text("comment").Optional().MaxLen(2000),
		field.Int("survey_id"),
	}
}

// Edges of SurveyResponse.
func (SurveyResponse) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("survey", SatisfactionSurvey.Type).Ref("responses").Field("survey_id").Unique().Required(),
	}
}

// Annotations of SurveyResponse.
func (SurveyResponse) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.RelayConnection(),
		entgql.Mutations(entgql.MutationCreate()),
		entgql.MultiOrder(),
	}
}
