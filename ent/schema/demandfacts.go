package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"segretariato/internal/access"
	"segretariato/internal/dimension"
)

// The demand figures kept as the data changes (internal/rollup): written
// in the transaction of every write that changes them, read by the
// analytics (internal/analytics), never in the GraphQL schema, and read or
// written only by the system context. They hold no personal data beyond
// what the contacts hold: keys of the dimensions and internal ids.

// ContactFact is one contact as the figures count it: its local day and
// periods, its key in every single-valued dimension (a column per entry of
// dimension.All, derived when the contact is written), whether it is its
// citizen's first contact, its referrals, and the record keys of the
// cell-key perturbation.
type ContactFact struct{ ent.Schema }

// Fields of ContactFact.
func (ContactFact) Fields() []ent.Field {
	fields := []ent.Field{
		field.Int("id").Immutable(), // the contact's id
		field.Int("citizen_id").Optional().Nillable(),
		field.Int("operator_id"),
		field.String("day"), // local date, YYYY-MM-DD
	}
	for _, u := range dimension.Units {
		fields = append(fields, field.String(u.Column()))
	}
	fields = append(fields,
		field.Int("is_first"),
		field.Int("record_key"),
		field.Int("citizen_key").Optional().Nillable(),
		field.Int("referrals"),
		field.Int("referrals_open"),
		field.Int("referrals_key"),
	)
	for _, d := range dimension.Single() {
		fields = append(fields, field.String(d.Dim.Column()))
	}
	// multi_keys repeats the contact's rows of contact_fact_values, so that
	// the figures' refresh reads a fact in one row (internal/rollup).
	fields = append(fields, field.Text("multi_keys").Default(""))
	return fields
}

// Indexes of ContactFact: the date range every answer starts from, in the
// (day, id) order a recomputation pages through, and a citizen's contacts
// with the stored first one found by one probe.
func (ContactFact) Indexes() []ent.Index {
	return []ent.Index{index.Fields("day", "id"), index.Fields("citizen_id", "is_first")}
}

// Annotations of ContactFact.
func (ContactFact) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}

// Policy of ContactFact: only the system context passes.
func (ContactFact) Policy() ent.Policy { return access.SystemOnlyPolicy() }

// ContactFactValue is one key of a contact in a multi-valued dimension
// (NEED, NEED_MACRO, REFERRAL_SERVICE): at least one per contact and
// dimension (UNKNOWN or NONE when it has none). Its id is the contact's
// id, the dimension and the key.
type ContactFactValue struct{ ent.Schema }

// Fields of ContactFactValue.
func (ContactFactValue) Fields() []ent.Field {
	return []ent.Field{
		field.String("id").Immutable(),
		field.Int("contact_id"),
		field.String("dim"),
		field.String("key"),
		// parent is the key of the dimension's parent (a need's macro area).
		field.String("parent").Default(""),
		field.Int("referrals").Default(0),
		field.Int("referrals_open").Default(0),
		field.Int("referrals_key").Default(0),
	}
}

// Indexes of ContactFactValue.
func (ContactFactValue) Indexes() []ent.Index {
	return []ent.Index{index.Fields("contact_id", "dim")}
}

// Annotations of ContactFactValue.
func (ContactFactValue) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}

// Policy of ContactFactValue: only the system context passes.
func (ContactFactValue) Policy() ent.Policy { return access.SystemOnlyPolicy() }

// DemandCell is the figures of one key of one dimension (or of all the
// contacts: dimension and key empty) over one ISO week (grain W) or one
// month (grain M) of local dates: the counts and sums of record keys,
// which add up over periods, and the set of the distinct citizens (a
// roaring bitmap of the citizens' numbers: the id within the citizens'
// range), which unions over periods. Its id is grain, dimension, period
// and key.
type DemandCell struct{ ent.Schema }

// Fields of DemandCell.
func (DemandCell) Fields() []ent.Field {
	return []ent.Field{
		field.String("id").Immutable(),
		field.String("grain"),
		field.String("dim"),
		field.String("period"),
		field.String("key"),
		field.Int64("contacts"),
		field.Int64("new_citizens"),
		field.Int64("referrals"),
		field.Int64("contacts_key"),
		field.Int64("new_key"),
		field.Int64("referrals_key"),
		// For the caseload: the contacts' open referrals (the dimension's
		// own, for REFERRAL_SERVICE) and the contacts whose outcome is a
		// promised follow-up.
		field.Int64("referrals_open").Default(0),
		field.Int64("follow_ups").Default(0),
		field.Bytes("citizens"),
	}
}

// Indexes of DemandCell: an answer reads one dimension's cells over a
// range of periods.
func (DemandCell) Indexes() []ent.Index {
	return []ent.Index{index.Fields("grain", "dim", "period")}
}

// Annotations of DemandCell.
func (DemandCell) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}

// Policy of DemandCell: only the system context passes.
func (DemandCell) Policy() ent.Policy { return access.SystemOnlyPolicy() }

// AnalyticsPending lists the contacts and citizens written in the current
// transaction whose figures are not yet brought up to date: triggers on
// the tables the figures read add the rows (so no write path can forget),
// and internal/rollup empties it before the transaction commits. On
// PostgreSQL a deferred constraint trigger refuses a commit that leaves a
// row in it.
type AnalyticsPending struct{ ent.Schema }

// Fields of AnalyticsPending.
func (AnalyticsPending) Fields() []ent.Field {
	return []ent.Field{
		field.Int("contact_id").Optional().Nillable(),
		field.Int("citizen_id").Optional().Nillable(),
		// period is a cell period to compute again from the facts at the
		// end of the transaction (grain|period), for writes that touch too
		// many cells to update them one by one.
		field.String("period").Optional().Nillable(),
	}
}

// Annotations of AnalyticsPending.
func (AnalyticsPending) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll), entsql.Annotation{Table: "analytics_pending"}}
}

// Policy of AnalyticsPending: only the system context passes.
func (AnalyticsPending) Policy() ent.Policy { return access.SystemOnlyPolicy() }
