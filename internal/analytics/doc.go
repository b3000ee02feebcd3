// Package analytics computes the aggregated reading of the social demand
// (the Segretariato's intake cards grouped and counted), the referral
// funnel, the social workers' caseload and the charter's quality report,
// following the counting contract of DOMAIN.md.
//
// The answers read the figures kept as the data changes (internal/rollup),
// never the raw contacts: each contact's fact (its key in every dimension
// of internal/dimension, computed when it was written) and the cells per
// ISO week and month (counts, record-key sums, and the citizens as a
// roaring bitmap). A standard pivot (the period and at most one other
// dimension, dates only: cells.go) reads the cells of the whole weeks or
// months of its range and the facts of the edge days, and unions the
// citizen sets; any other answer groups the facts in one statement
// (demand.go, relation.go), on SQLite and PostgreSQL alike. Only the small
// result sets come into Go, for labels, ordering and suppression; then at
// most one statement per labelled dimension. The engine reads through
// database.DB.SQL (or Engine.Reads, a read replica), outside ent's privacy
// rules, so the caller (the resolver) decides who may ask what.
//
// Periods. A contact's period is its local date in Europe/Rome, as its
// fact holds it (day, week, month, quarter, year); a Filter's dates
// compare with that day. Weeks are ISO weeks keyed by ISO week-year
// (29 December 2025 is 2026-W01).
//
// Figures. contacts counts contacts; citizens distinct identified
// citizens; newCitizens the citizens whose first ever contact (over all
// time, whatever the filter; ties broken by id) is one of the cell's
// contacts; referrals the referrals of the cell's contacts, in the
// contact's period. By NEED a contact counts once in each need, by
// NEED_MACRO once in each distinct macro area of its needs, by
// REFERRAL_SERVICE once per service it was referred to (and the referrals
// figure counts that service's referrals only), with the key NONE when it
// has no referral; so the cells of those dimensions may add up to more
// than the total. Every other dimension partitions the contacts; a
// contact with no value is under UNKNOWN. ACCESS_TYPE (FIRST, RETURN,
// ANONYMOUS) is the derived "first contact or return" of DOMAIN.md.
//
// Disclosure control (for analysts): the cell-key method of the
// statistical offices (the ABS TableBuilder; England and Wales' 2021
// census; Eurostat's recommendation for the 2021 EU census round), with
// the threshold K (suppress.go). Every
// contact, citizen and referral carries a random record key fixed at its
// creation (internal/cellkey). A figure's noise, -2 to +2, is looked up
// from the sum of the keys of the records it counts (the contacts, the
// distinct citizens, the referrals), computed in the same grouping
// statement as the count; a true count of 1 to K-1, or a perturbed one
// under K, is withheld (nil), a zero is shown. The same records always get
// the same noise, whatever the question that selects them, so repeating a
// question gains nothing; two answers whose records differ (Jan–Mar and
// Jan–Feb; the total and all the citizenships but one) get independent
// noises, so their difference is the small group's size only by chance
// (one case in five) and the analyst cannot tell when. This holds across
// answers, which no suppression pattern within one answer can do, so
// there is no secondary suppression: an answer's margins minus its cells
// are just another difference. The total is perturbed on its own records: it is not the
// sum of the cells. The date ranges stay whole months (viewer.go), which
// bounds the ways one group can be isolated.
//
// The referral funnel perturbs each count on the referrals it counts and
// hides a whole row (service, period) when any of its counts is withheld:
// its steps are nested (completed within accepted within proposed), so a
// single hidden step could be bounded from the others.
// The caseload (which names operators) and the quality report are for the
// coordinator and are never suppressed.
package analytics
