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

// Citizen is a person known to the service. Special-category data (health,
// family situations) is never kept here: it lives in contacts and notes.
type Citizen struct{ ent.Schema }

// Mixin of Citizen.
func (Citizen) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}, VersionMixin{}, RecordKeyMixin{}} }

// Fields of Citizen.
func (Citizen) Fields() []ent.Field {
	return []ent.Field{
		// fiscal_code is validated (checksum, omocodia) and stored upper-case
		// by the citizen hook; birth date and sex are read from it when not
		// given, and checked against it when given.
		// Only the holder and the coordinator read it (@personal); no
		// ordering by it, which would reveal it to others in scope.
		// It is unique among the citizens that are not a pending match
		// (see matched_citizen_id and Indexes).
		field.String("fiscal_code").Optional().Nillable().MaxLen(16).
			Annotations(personal),
		field.String("first_name").Optional().MaxLen(intakerule.MaxName).
			Annotations(entgql.OrderField("FIRST_NAME")),
		field.String("last_name").Optional().MaxLen(intakerule.MaxName).
			Annotations(entgql.OrderField("LAST_NAME")),
		field.Time("birth_date").Optional().Nillable().
			Annotations(entgql.OrderField("BIRTH_DATE")),
		field.Enum("sex").GoType(schematype.Sex("")).Optional().Nillable().
			Annotations(entgql.Type("Sex")),
		// citizenship is an ISO 3166-1 alpha-2 code.
		field.String("citizenship").Optional().Nillable().MaxLen(2).MinLen(2),
		// district is the district or frazione of residence, as first written;
		// district_key is its case-folded form, used to group.
		field.String("district").Optional().Nillable().MaxLen(intakerule.MaxDistrict).
			Annotations(entgql.OrderField("DISTRICT")),
		field.String("district_key").Optional().Nillable().MaxLen(intakerule.MaxDistrict).
			Annotations(entgql.Skip()),
		field.String("phone").Optional().MaxLen(40),
		field.String("email").Optional().MaxLen(254),
		field.String("address").Optional().MaxLen(300),
		// Consent to pass the citizen's data to other organisations
		// (external referrals).
		field.Bool("privacy_consent").Default(false),
		field.Time("consent_at").Optional().Nillable(),
		field.String("consent_scope").Optional().MaxLen(300),
		field.Time("consent_expires_at").Optional().Nillable(),
		field.Int("holder_id").Optional().Nillable(),
		// pseudonymised_at is set when the citizen was erased (GDPR art. 17):
		// contacts stay, so the statistics do not change. The API calls it
		// erasedAt (graph/schema/privacy.graphqls); an erased citizen is
		// never changed again.
		field.Time("pseudonymised_at").Optional().Nillable().
			Annotations(skipInputs, entgql.Directives(entgql.Deprecated("Use erasedAt."))),
		// matched_citizen_id is set when a social worker recorded, with the
		// fiscal code of a citizen already known to the service that they may
		// not see, a citizen of their own: a pending match for the
		// coordinator to confirm (internal/access, match.go). Not in the
		// GraphQL schema but through citizenMatches (coordinator only).
		field.Int("matched_citizen_id").Optional().Nillable().Annotations(entgql.Skip()),
	}
}

// Edges of Citizen.
func (Citizen) Edges() []ent.Edge {
	return []ent.Edge{
		// holder is the social worker who holds the case: set to the operator
		// who creates the citizen, never a client's choice.
		edge.From("holder", Operator.Type).Ref("citizens").Field("holder_id").Unique().
			Annotations(skipInputs),
		// shared_with are the social workers the coordinator shared the case
		// with, besides its holder.
		edge.To("shared_with", Operator.Type).
			Annotations(skipInputs),
		edge.To("contacts", Contact.Type).
			Annotations(entgql.RelayConnection(), entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		// pending_matches are the social workers' records of this citizen
		// waiting for the coordinator (matched_citizen_id).
		edge.To("pending_matches", Citizen.Type).Annotations(entgql.Skip()).
			From("matched_citizen").Field("matched_citizen_id").Unique().Annotations(entgql.Skip()),
	}
}

// Indexes of Citizen.
func (Citizen) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("last_name", "first_name"),
		index.Fields("holder_id"),
		// One known citizen per fiscal code; the pending matches repeat it.
		index.Fields("fiscal_code").Unique().Annotations(entsql.IndexWhere("matched_citizen_id IS NULL")),
	}
}

// Annotations of Citizen.
func (Citizen) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.RelayConnection(),
		entgql.QueryField(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
		entgql.MultiOrder(),
	}
}
