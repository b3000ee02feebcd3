// Package localtime holds the desk's time zone and the two ways a calendar
// date becomes an instant: a date as stored (UTC midnight, as birth dates
// are) and the start of a local day (Europe/Rome midnight, as periods and
// date filters are).
package localtime

import (
	"time"
	_ "time/tzdata" // Europe/Rome must load on a machine without zoneinfo
)

// Rome is Europe/Rome, the time zone of the desk's local dates and times.
var Rome = mustLoad("Europe/Rome")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err) // cannot happen: time/tzdata is embedded
	}
	return loc
}

// MidnightUTC is t's calendar date, read in t's own location, as UTC
// midnight: the form of a stored date.
func MidnightUTC(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// LocalMidnight is the instant, in UTC, at which t's calendar date (read in
// t's own location, as written) begins in Rome.
func LocalMidnight(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, Rome).UTC()
}

// Today is now's calendar date in Rome, as UTC midnight.
func Today(now time.Time) time.Time { return MidnightUTC(now.In(Rome)) }
