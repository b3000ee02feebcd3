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

// skipInputs keeps a field out of both generated mutation inputs: it is
// set by the server's rules, never directly by a client.
var skipInputs = entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)

// Referral (invio) sends a contact on to a service. Its status moves
// PROPOSED → ACCEPTED or DECLINED, ACCEPTED → COMPLETED, and any open
// status → CANCELLED; each move records its date and an event.
type Referral struct{ ent.Schema }

// Mixin of Referral.
func (Referral) Mixin() []ent.Mixin {
	return []ent.Mixin{TimeMixin{}, VersionMixin{}, RecordKeyMixin{}}
}

// Fields of Referral.
func (Referral) Fields() []ent.Field {
	return []ent.Field{
		field.Enum("status").GoType(schematype.ReferralStatus("")).Default(string(schematype.ReferralStatusProposed)).
			Annotations(entgql.OrderField("STATUS"), entgql.Type("ReferralStatus"), skipInputs),
		field.Time("proposed_at").
			Annotations(entgql.OrderField("PROPOSED_AT"), skipInputs),
		field.Time("accepted_at").Optional().Nillable().Annotations(skipInputs),
		field.Time("declined_at").Optional().Nillable().Annotations(skipInputs),
		field.Time("completed_at").Optional().Nillable().Annotations(skipInputs),
		field.Time("cancelled_at").Optional().Nillable().Annotations(skipInputs),
		field.Time("appointment_at").Optional().Nillable(),
		// When completed: whether it succeeded and, if not, why.
		field.Bool("successful").Optional().Nillable().Annotations(skipInputs),
		field.Enum("failure_reason").GoType(schematype.FailureReason("")).Optional().Nillable().
			Annotations(entgql.Type("FailureReason"), skipInputs),
		// notes are read only by the holder and the coordinator (@personal),
		// and are not filterable, which would reveal them to others.
		field.Text("notes").Optional().MaxLen(10000).
			Annotations(personal, entgql.Skip(entgql.SkipWhereInput)),
		// consent_override records that an external referral was made without
		// the citizen's recorded consent, under the operator's explicit override.
		field.Bool("consent_override").Default(false).Annotations(skipInputs),
		field.Int("contact_id").Immutable(),
		field.Int("service_id").Immutable(),
	}
}

// Edges of Referral.
func (Referral) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("contact", Contact.Type).Ref("referrals").Field("contact_id").Unique().Required().Immutable(),
		// Its GraphQL field reads the reference data's cache (graph).
		edge.To("service", Service.Type).Field("service_id").Unique().Required().Immutable().
			Annotations(entgql.OrderField("SERVICE_CODE"), entgql.Skip(entgql.SkipType)),
		edge.To("events", ReferralEvent.Type).
			Annotations(skipInputs),
	}
}

// Indexes of Referral.
func (Referral) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("status"),
		index.Fields("service_id", "proposed_at"),
		index.Fields("contact_id"),
	}
}

// Annotations of Referral: created and moved through internal/referral,
// which keeps the consent and transition rules.
func (Referral) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.RelayConnection(),
		entgql.QueryField(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
		entgql.MultiOrder(),
	}
}

// ReferralEvent is one step of a referral's history: the status it moved
// to, when, by whom, and why.
type ReferralEvent struct{ ent.Schema }

// Fields of ReferralEvent.
func (ReferralEvent) Fields() []ent.Field {
	return []ent.Field{
		field.Enum("from_status").GoType(schematype.ReferralStatus("")).Optional().Nillable().
			Annotations(entgql.Type("ReferralStatus")),
		field.Enum("to_status").GoType(schematype.ReferralStatus("")).
			Annotations(entgql.Type("ReferralStatus")),
		field.Time("at").Annotations(entgql.OrderField("AT")),
		field.Text("reason").Optional().MaxLen(2000),
		field.Int("operator_id").Optional().Nillable(),
		field.Time("created_at").Default(now).Immutable(),
	}
}

// Edges of ReferralEvent.
func (ReferralEvent) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("referral", Referral.Type).Ref("events").Unique().Required().Immutable(),
		edge.To("operator", Operator.Type).Field("operator_id").Unique(),
	}
}

// Indexes of ReferralEvent: a referral's history (the foreign
// key alone has no index on PostgreSQL nor SQLite).
func (ReferralEvent) Indexes() []ent.Index {
	return []ent.Index{index.Edges("referral")}
}

// Annotations of ReferralEvent: read-only through the API.
func (ReferralEvent) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection()}
}
