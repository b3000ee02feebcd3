// Package intakerule holds the limits and derived values of the intake
// card that more than one path checks or computes: the ent schema and its
// hooks (internal/intake), the CSV validator (internal/intakecsv) and the
// bulk import's COPY (internal/intakeio). Each rule is written here once; it depends on nothing of the project but
// internal/localtime, so every one of those packages can import it.
package intakerule

import (
	"slices"
	"strings"
	"time"

	"segretariato/internal/localtime"
)

// District trims a district name and collapses its inner white space
// (including non-breaking spaces) to one space; case is kept. It is the
// form stored in citizen.district.
func District(s string) string { return strings.Join(strings.Fields(s), " ") }

// DistrictKey is the form two spellings of one district share, stored in
// citizen.district_key: District, then lower-cased ("VILLAGGIO ARGENTIA "
// and "Villaggio  Argentia" give "villaggio argentia").
func DistrictKey(s string) string { return strings.ToLower(District(s)) }

// Citizenship is the stored form of a citizenship: the ISO 3166-1 code
// trimmed and upper-cased ("it " gives "IT"). The citizen hook then
// refuses anything but two letters.
func Citizenship(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

// ContactNeeds are the needs a contact is stored with: needs, each once
// and in their order, and the main need always among them (last, when
// needs lack it).
func ContactNeeds(main int, needs []int) []int {
	out := make([]int, 0, len(needs)+1)
	for _, n := range append(needs[:len(needs):len(needs)], main) {
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

// MinYear is the earliest plausible year of a birth (a birth date, an
// anonymous contact's birth year) or of a contact.
const MinYear = 1900

// AfterToday reports whether t falls on a later calendar day, in Europe/Rome,
// than now: a contact or a birth may be dated today, not tomorrow. A date
// stored as UTC midnight keeps its calendar day in Rome (always ahead of
// UTC).
func AfterToday(t, now time.Time) bool {
	return localtime.MidnightUTC(t.In(localtime.Rome)).After(localtime.Today(now))
}

// Lengths, in bytes as ent's MaxLen counts them, of the intake card's text
// fields. The ent schema declares its columns with them and the import
// refuses a longer cell before the database would.
const (
	MaxContactRef = 64    // contact.contact_ref
	MaxName       = 100   // citizen.first_name, citizen.last_name
	MaxDistrict   = 100   // citizen.district and district_key (and their erased copies)
	MaxNotes      = 10000 // contact.notes
)
