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

// FunnelCell is the referral funnel of one service over one ISO week
// (grain W) or one month (grain M) of its contacts' local dates, summed
// from the referrals' facts: the referrals and those that reached each
// step, the sums of their record keys, and the days to acceptance and to
// completion as counts per number of days ("days:count" pairs in order
// of days), from which the median over any run of periods is exact. Its
// id is grain, period and service id.
type FunnelCell struct{ ent.Schema }

// Fields of FunnelCell.
func (FunnelCell) Fields() []ent.Field {
	fields := []ent.Field{
		field.String("id").Immutable(),
		field.String("grain"),
		field.String("period"),
		field.Int("service_id"),
	}
	for _, step := range []string{"proposed", "accepted", "declined", "completed", "cancelled"} {
		fields = append(fields, field.Int64(step), field.Int64(step+"_key"))
	}
	return append(fields, field.Text("to_acceptance"), field.Text("to_completion"))
}

// Indexes of FunnelCell: the funnel reads a grain's cells over a range of
// periods.
func (FunnelCell) Indexes() []ent.Index {
	return []ent.Index{index.Fields("grain", "period")}
}

// Annotations of FunnelCell.
func (FunnelCell) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}

// Policy of FunnelCell: only the system context passes.
func (FunnelCell) Policy() ent.Policy { return access.SystemOnlyPolicy() }
