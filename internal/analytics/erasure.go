package analytics

import (
	"time"

	"segretariato/internal/localtime"
)

// Erased citizens (internal/dsr) keep neither birth date, citizenship nor
// district: their erasure copied, onto each of their contacts, the age band
// at the contact and the citizenship and district, which AGE_BAND,
// CITIZENSHIP and DISTRICT read when the citizen's record has none. The
// figures are the same before and after an erasure.

// erasedColumns are the contact's columns for an erased citizen, carried
// by the relation's first level.
const erasedColumns = ", c.erased_age_band, c.erased_citizenship, c.erased_district_key"

// erasedDistricts counts the erased citizens of each district spelling, as
// districtSpellings counts the others.
const erasedDistricts = "SELECT erased_district_key, erased_district, COUNT(DISTINCT citizen_id) FROM contacts" +
	" WHERE erased_district_key IS NOT NULL AND erased_district IS NOT NULL AND citizen_id IS NOT NULL" +
	" GROUP BY erased_district_key, erased_district"

// AgeBandAt is the AGE_BAND key of a citizen born on birth (a date: UTC
// midnight, as citizens store it) at a contact that occurred at at, as the
// figures compute it: whole years between the birth date and the
// contact's Europe/Rome local date; UNKNOWN without a birth date or before
// it.
func AgeBandAt(birth *time.Time, at time.Time) string {
	if birth == nil {
		return Unknown
	}
	b, l := birth.UTC(), at.In(localtime.Rome)
	age := l.Year() - b.Year()
	if int(l.Month())*100+l.Day() < int(b.Month())*100+b.Day() {
		age--
	}
	if age < 0 {
		return Unknown
	}
	for i, end := range ageBandEnds {
		if age < end {
			return AgeBands[i]
		}
	}
	return AgeBands[len(ageBandEnds)]
}
