package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"segretariato/ent/schema/schematype"
	"segretariato/internal/intakerule"
)

// Contact is one intake event at the desk (colloquio, accesso): one intake
// card. A contact without a citizen is anonymous; it may still carry the
// person's sex and approximate birth year, so that age bands work.
type Contact struct{ ent.Schema }

// Mixin of Contact.
func (Contact) Mixin() []ent.Mixin {
	return []ent.Mixin{TimeMixin{}, VersionMixin{}, RecordKeyMixin{}, ErasedCitizenMixin{}}
}

// Fields of Contact.
func (Contact) Fields() []ent.Field {
	return []ent.Field{
		// contact_ref is the card's id in the municipality's old register; the
		// key that makes imports idempotent.
		field.String("contact_ref").Optional().Nillable().Unique().MaxLen(intakerule.MaxContactRef).
			Annotations(entgql.OrderField("CONTACT_REF")),
		field.Time("occurred_at").
			Annotations(entgql.OrderField("OCCURRED_AT")),
		field.Enum("channel").GoType(schematype.Channel("")).
			Annotations(entgql.OrderField("CHANNEL"), entgql.Type("Channel")),
		field.Enum("requester").GoType(schematype.Requester("")).
			Annotations(entgql.Type("Requester")),
		field.Enum("target_area").GoType(schematype.TargetArea("")).
			Annotations(entgql.OrderField("TARGET_AREA"), entgql.Type("TargetArea")),
		field.JSON("responses", []schematype.Response{}).
			Annotations(entgql.Type("[Response!]")),
		field.Enum("outcome").GoType(schematype.Outcome("")).
			Annotations(entgql.OrderField("OUTCOME"), entgql.Type("Outcome")),
		field.Int("duration_minutes").Optional().Nillable().Range(1, 480).
			Annotations(entgql.OrderField("DURATION_MINUTES")),
		// notes are free text and may hold special-category data.
		// notes are read only by the holder and the coordinator (@personal),
		// and are not filterable, which would reveal them to others.
		field.Text("notes").Optional().MaxLen(intakerule.MaxNotes).
			Annotations(personal, entgql.Skip(entgql.SkipWhereInput)),
		// Anonymous contacts only: what is known of the person.
		field.Enum("anonymous_sex").GoType(schematype.Sex("")).Optional().Nillable().
			Annotations(entgql.Type("Sex")),
		field.Int("anonymous_birth_year").Optional().Nillable().Range(intakerule.MinYear, 2200),
		field.Int("operator_id"),
		field.Int("citizen_id").Optional().Nillable(),
		field.Int("main_need_id"),
	}
}

// Edges of Contact.
func (Contact) Edges() []ent.Edge {
	return []ent.Edge{
		// operator is the social worker who held the contact: the authenticated
		// operator who records it, never a client's choice.
		edge.From("operator", Operator.Type).Ref("contacts").Field("operator_id").Unique().Required().
			Annotations(entgql.OrderField("OPERATOR_EMAIL"), skipInputs),
		edge.From("citizen", Citizen.Type).Ref("contacts").Field("citizen_id").Unique(),
		// main_need is the first reading of the need; it is always one of needs.
		// Its GraphQL field reads the reference data's cache (graph), not
		// the database.
		edge.To("main_need", NeedCategory.Type).Field("main_need_id").Unique().Required().
			Annotations(entgql.Skip(entgql.SkipType)),
		edge.To("needs", NeedCategory.Type),
		// informed_about are the services of the territory the citizen was told of.
		edge.To("informed_about", Service.Type),
		edge.To("referrals", Referral.Type).
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
	}
}

// Indexes of Contact: the date range every list and figure starts from,
// a social worker's case list (operator and date), a citizen's history
// (and whether a contact is the citizen's first), and the main need (for
// retiring a category). Target area, outcome and the other filters narrow
// a date range and need no index of their own: each index is paid for by
// every contact written, and imports write hundreds of thousands. The
// operator's index carries the target area, the id and the citizen on
// PostgreSQL (INCLUDE), so the count of a case list of a month and some
// areas (COUNT(id), ent's) is read from the index alone, not from a heap
// page for each contact of the month: the citizen is what a social
// worker's privacy rule reads besides the operator. For the same rule the
// citizen's index carries the operator: the count of a citizen's history
// (BENCHMARKS.md).
func (Contact) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("occurred_at"),
		index.Fields("operator_id", "occurred_at").Annotations(entsql.IncludeColumns("target_area", "id", "citizen_id")),
		index.Fields("citizen_id", "occurred_at").Annotations(entsql.IncludeColumns("operator_id")),
		index.Fields("main_need_id"),
	}
}

// Annotations of Contact.
func (Contact) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.RelayConnection(),
		entgql.QueryField(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
		entgql.MultiOrder(),
	}
}
