// Package analytics computes the aggregated reading of the social demand
// (the Segretariato's intake cards grouped and counted), the referral
// funnel, the social workers' caseload and the charter's quality report,
// following the counting contract of DOMAIN.md.
//
// Grouping and counting run in SQL, on SQLite and PostgreSQL alike, with
// the same answers: contact rows are never loaded into Go to be counted;
// only the small result sets (cells) are, for labels, ordering and
// suppression. A demand answer is one statement (cells and total share
// the materialised contacts of the filter) plus one per labelled
// dimension; the engine reads through database.DB.SQL, outside ent's
// privacy rules, so the caller (the resolver) decides who may ask what.
//
// Periods. A contact's period is its local date in Europe/Rome. The date
// range of a Filter is turned into the UTC instants of local midnight, so
// it is an index range on contacts.occurred_at; each contact's bucket is
// computed in SQL from its local time (PostgreSQL: AT TIME ZONE; SQLite:
// the summer-time bounds of Go's zone data for the years around the
// range, the EU rule otherwise; see dialectSQL.localTimeUTC). Weeks are
// ISO weeks keyed by ISO week-year (29 December 2025 is 2026-W01).
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
// Suppression (for analysts). Each figure is judged on its own: a cell can
// show its contacts and withhold its newCitizens; Cell.Suppressed says
// that at least one figure of the cell is withheld (nil). Primary: any
// figure of 1..K-1, in a cell or the total. Secondary: in the total's
// group and, for pivots of two or more dimensions, every row and column
// (cells that share all keys but one: the margins a sibling answer
// shows), hidden cells come at least two at a time and add up to at least
// K+n-1 (n hidden cells), so that subtracting the visible cells from the
// margin leaves each hidden cell anywhere from 1 to K or more; the next
// smallest visible cell is hidden until that holds, and the total when no
// cell is left (suppressDemand). The rule is applied to NEED, NEED_MACRO,
// REFERRAL_SERVICE and to citizens as well, although their cells do not
// add up to the total. Zeros are shown. The rule protects one answer and
// its rows and columns; differently filtered answers (two date ranges a
// day apart, say) can still be subtracted from each other, so the API
// should let analysts choose whole months only.
//
// The referral funnel hides a whole row (service, period) when any of its
// counts is 1..K-1: its steps are nested (completed within accepted within
// proposed), so a single hidden step could be bounded from the others.
// The caseload (which names operators) and the quality report are for the
// coordinator and are never suppressed.
package analytics

import _ "time/tzdata" // Europe/Rome must load on a machine without zoneinfo
