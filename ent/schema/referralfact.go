package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"segretariato/internal/access"
	"segretariato/internal/dimension"
)

// ReferralFact is one referral as the referral funnel counts it, kept
// with the demand figures (internal/rollup): its contact's local day and
// periods, the steps it reached (1 or 0: the step's date is recorded or
// the status implies it), the calendar days (Europe/Rome) from the
// contact to its acceptance and completion dates when recorded, and its
// record key.
type ReferralFact struct{ ent.Schema }

// Fields of ReferralFact.
func (ReferralFact) Fields() []ent.Field {
	fields := []ent.Field{
		field.Int("id").Immutable(), // the referral's id
		field.Int("contact_id"),
		field.Int("service_id"),
		field.String("day"), // the contact's local date, YYYY-MM-DD
	}
	for _, u := range dimension.Units {
		fields = append(fields, field.String(u.Column()))
	}
	return append(fields,
		field.Int("accepted"),
		field.Int("declined"),
		field.Int("completed"),
		field.Int("cancelled"),
		field.Int("days_to_acceptance").Optional().Nillable(),
		field.Int("days_to_completion").Optional().Nillable(),
		field.Int("record_key"),
	)
}

// Indexes of ReferralFact: the date range the funnel starts from, and a
// contact's referrals.
func (ReferralFact) Indexes() []ent.Index {
	return []ent.Index{index.Fields("day"), index.Fields("contact_id")}
}

// Annotations of ReferralFact.
func (ReferralFact) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}

// Policy of ReferralFact: only the system context passes.
func (ReferralFact) Policy() ent.Policy { return access.SystemOnlyPolicy() }
