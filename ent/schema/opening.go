package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"segretariato/ent/schema/schematype"
)

// Location is a place where the desk is held (sede), with the charter's
// accessibility, privacy and comfort promises.
type Location struct{ ent.Schema }

// Mixin of Location.
func (Location) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of Location.
func (Location) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().MaxLen(200).
			Annotations(entgql.OrderField("NAME")),
		field.String("address").NotEmpty().MaxLen(300),
		field.Bool("accessible").Default(false),
		field.Bool("reserved_rooms").Default(false),
		field.Bool("waiting_area").Default(false),
		field.String("phone").Optional().MaxLen(100),
		field.String("email").Optional().MaxLen(254),
	}
}

// Edges of Location.
func (Location) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("sessions", OpeningSession.Type).Annotations(skipInputs),
		edge.To("hours", OpeningHour.Type).Annotations(skipInputs),
	}
}

// Annotations of Location.
func (Location) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.RelayConnection(),
		entgql.QueryField(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
		entgql.MultiOrder(),
	}
}

// OpeningHour is one slot of the desk's published weekly timetable.
type OpeningHour struct{ ent.Schema }

// Mixin of OpeningHour.
func (OpeningHour) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of OpeningHour.
func (OpeningHour) Fields() []ent.Field {
	return []ent.Field{
		// weekday is ISO: 1 Monday … 7 Sunday.
		field.Int("weekday").Range(1, 7).
			Annotations(entgql.OrderField("WEEKDAY")),
		// start and end are local "HH:MM" times (Europe/Rome).
		field.String("start").Match(hhmm),
		field.String("end").Match(hhmm),
		field.Time("valid_from").Optional().Nillable(),
		field.Time("valid_to").Optional().Nillable(),
		field.Int("location_id").Optional().Nillable(),
	}
}

// Edges of OpeningHour.
func (OpeningHour) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("location", Location.Type).Ref("hours").Field("location_id").Unique(),
	}
}

// Annotations of OpeningHour.
func (OpeningHour) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.RelayConnection(),
		entgql.QueryField(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
		entgql.MultiOrder(),
	}
}

// OpeningSession is a session the desk actually held.
type OpeningSession struct{ ent.Schema }

// Mixin of OpeningSession.
func (OpeningSession) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of OpeningSession.
func (OpeningSession) Fields() []ent.Field {
	return []ent.Field{
		field.Time("starts_at").
			Annotations(entgql.OrderField("STARTS_AT")),
		field.Time("ends_at").
			Annotations(entgql.OrderField("ENDS_AT")),
		field.String("notes").Optional().MaxLen(1000),
		field.Int("location_id").Optional().Nillable(),
	}
}

// Edges of OpeningSession.
func (OpeningSession) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("location", Location.Type).Ref("sessions").Field("location_id").Unique(),
	}
}

// Indexes of OpeningSession.
func (OpeningSession) Indexes() []ent.Index {
	return []ent.Index{index.Fields("starts_at")}
}

// Annotations of OpeningSession.
func (OpeningSession) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.RelayConnection(),
		entgql.QueryField(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
		entgql.MultiOrder(),
	}
}

// TimetablePublication records a date on which the opening hours were
// published (the charter: at least 4 times a year in the municipal
// periodical, permanently on the website).
type TimetablePublication struct{ ent.Schema }

// Mixin of TimetablePublication.
func (TimetablePublication) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of TimetablePublication.
func (TimetablePublication) Fields() []ent.Field {
	return []ent.Field{
		field.Time("published_on").
			Annotations(entgql.OrderField("PUBLISHED_ON")),
		field.Enum("medium").GoType(schematype.Medium("")).
			Annotations(entgql.Type("Medium")),
		field.String("reference").Optional().MaxLen(300),
	}
}

// Annotations of TimetablePublication.
func (TimetablePublication) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.RelayConnection(),
		entgql.QueryField(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
		entgql.MultiOrder(),
	}
}
