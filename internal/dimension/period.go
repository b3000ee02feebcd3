package dimension

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"segretariato/internal/localtime"
)

// PeriodUnit is the length of the PERIOD dimension's buckets.
type PeriodUnit string

const (
	// Week keys are ISO weeks by ISO week-year: 29 December 2025 is 2026-W01.
	Week PeriodUnit = "WEEK"
	// Month keys look like 2025-03.
	Month PeriodUnit = "MONTH"
	// Quarter keys look like 2025-Q1.
	Quarter PeriodUnit = "QUARTER"
	// Year keys look like 2025.
	Year PeriodUnit = "YEAR"
)

// Units are the period units, shortest first.
var Units = []PeriodUnit{Week, Month, Quarter, Year}

// Values lists the period units.
func (PeriodUnit) Values() []string { return []string{"WEEK", "MONTH", "QUARTER", "YEAR"} }

// Valid reports whether p is a known unit.
func (p PeriodUnit) Valid() bool { return slices.Contains(p.Values(), string(p)) }

// MarshalGQL writes the unit as a GraphQL enum.
func (p PeriodUnit) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(p))) }

// UnmarshalGQL reads a GraphQL enum; it fails on an unknown unit.
func (p *PeriodUnit) UnmarshalGQL(v any) error {
	s, ok := v.(string)
	if !ok || !PeriodUnit(s).Valid() {
		return fmt.Errorf("not a valid PeriodUnit")
	}
	*p = PeriodUnit(s)
	return nil
}

// Column is the column of the contact facts that holds the period key in
// the unit ("p_month").
func (p PeriodUnit) Column() string { return "p_" + strings.ToLower(string(p)) }

// Day is the local date (Europe/Rome) of an instant, as a UTC midnight.
func Day(at time.Time) time.Time {
	l := at.In(localtime.Rome)
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, time.UTC)
}

// DayKey is the text of a local date: "2025-03-09".
func DayKey(day time.Time) string { return day.Format(time.DateOnly) }

// PeriodKey is the key of the period of unit that holds the local date
// day (a UTC midnight, as Day gives).
func PeriodKey(unit PeriodUnit, day time.Time) string {
	switch unit {
	case Week:
		y, w := day.ISOWeek()
		return fmt.Sprintf("%04d-W%02d", y, w)
	case Quarter:
		return fmt.Sprintf("%04d-Q%d", day.Year(), (int(day.Month())+2)/3)
	case Year:
		return fmt.Sprintf("%04d", day.Year())
	}
	return day.Format("2006-01")
}

// PeriodStart is the first local date of the period of unit that holds
// day; PeriodEnd the first one after it.
func PeriodStart(unit PeriodUnit, day time.Time) time.Time {
	switch unit {
	case Week:
		return day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7))
	case Quarter:
		return time.Date(day.Year(), time.Month((int(day.Month())-1)/3*3+1), 1, 0, 0, 0, 0, time.UTC)
	case Year:
		return time.Date(day.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return time.Date(day.Year(), day.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// PeriodEnd is the first local date after the period of unit that holds day.
func PeriodEnd(unit PeriodUnit, day time.Time) time.Time {
	s := PeriodStart(unit, day)
	switch unit {
	case Week:
		return s.AddDate(0, 0, 7)
	case Quarter:
		return s.AddDate(0, 3, 0)
	case Year:
		return s.AddDate(1, 0, 0)
	}
	return s.AddDate(0, 1, 0)
}

var monthNames = []string{"gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno",
	"luglio", "agosto", "settembre", "ottobre", "novembre", "dicembre"}

// PeriodLabel is the Italian name of a period key: "marzo 2025",
// "1° trimestre 2025", "settimana 9 del 2025 (24/02/2025 - 02/03/2025)".
func PeriodLabel(key string, unit PeriodUnit) string {
	switch unit {
	case Month:
		if len(key) == 7 {
			if m, err := strconv.Atoi(key[5:]); err == nil && m >= 1 && m <= 12 {
				return monthNames[m-1] + " " + key[:4]
			}
		}
	case Quarter:
		if i := strings.Index(key, "-Q"); i > 0 {
			return key[i+2:] + "° trimestre " + key[:i]
		}
	case Week:
		var y, w int
		if _, err := fmt.Sscanf(key, "%d-W%d", &y, &w); err == nil {
			mon := ISOWeekMonday(y, w)
			return fmt.Sprintf("settimana %d del %d (%s - %s)", w, y,
				mon.Format("02/01/2006"), mon.AddDate(0, 0, 6).Format("02/01/2006"))
		}
	}
	return key
}

// ISOWeekMonday is the Monday of ISO week w of ISO year y.
func ISOWeekMonday(y, w int) time.Time {
	jan4 := time.Date(y, time.January, 4, 0, 0, 0, 0, time.UTC)
	wd := (int(jan4.Weekday()) + 6) % 7 // Monday = 0
	return jan4.AddDate(0, 0, -wd+7*(w-1))
}

// PeriodBounds are the first local date of the period key of unit and the
// first one after it; ok is false for a key that is not of the unit.
func PeriodBounds(unit PeriodUnit, key string) (from, to time.Time, ok bool) {
	var y, n int
	switch unit {
	case Week:
		if _, err := fmt.Sscanf(key, "%d-W%d", &y, &n); err != nil || n < 1 || n > 53 {
			return from, to, false
		}
		from = ISOWeekMonday(y, n)
	case Month:
		t, err := time.Parse("2006-01", key)
		if err != nil {
			return from, to, false
		}
		from = t
	case Quarter:
		if _, err := fmt.Sscanf(key, "%d-Q%d", &y, &n); err != nil || n < 1 || n > 4 {
			return from, to, false
		}
		from = time.Date(y, time.Month(3*n-2), 1, 0, 0, 0, 0, time.UTC)
	case Year:
		if _, err := fmt.Sscanf(key, "%d", &y); err != nil {
			return from, to, false
		}
		from = time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)
	default:
		return from, to, false
	}
	return from, PeriodEnd(unit, from), PeriodKey(unit, from) == key
}
