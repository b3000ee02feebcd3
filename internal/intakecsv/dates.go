package intakecsv

import (
	"errors"
	"strings"
	"time"

	"segretariato/internal/localtime"
)

// Errors returned by ParseDate and ParseDateTime.
var (
	// ErrDateFormat: the text is not one of the accepted layouts.
	ErrDateFormat = errors.New("intakecsv: not a date in an accepted format")
	// ErrImpossibleDate: the layout is right but the date or time does not
	// exist (31/02/2025, 2025-13-01, 24:00).
	ErrImpossibleDate = errors.New("intakecsv: impossible date")
)

// DateStyle chooses how the Writer formats dates.
type DateStyle int

const (
	// ISO writes 2025-03-14 and 2025-03-14T16:45.
	ISO DateStyle = iota
	// Italian writes 14/03/2025 and 14/03/2025 16:45, as an Italian
	// spreadsheet does.
	Italian
)

// ParseDate parses a date without time, YYYY-MM-DD or DD/MM/YYYY (day and
// month may have one digit in the Italian form), surrounding spaces trimmed.
// It returns UTC midnight of that date, or ErrDateFormat or
// ErrImpossibleDate.
func ParseDate(s string) (time.Time, error) {
	y, m, d, err := parseDatePart(strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, err
	}
	return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC), nil
}

// ParseDateTime parses a date or date-time in loc (nil = localtime.Rome): YYYY-MM-DD,
// DD/MM/YYYY, or either followed by 'T' or a space and HH:MM or HH:MM:SS (the
// hour may have one digit). A date alone is local midnight. Around the
// daylight-saving changes it behaves as time.Date: a local time that does not
// exist (02:30 on the last Sunday of March) is moved an hour forward, and one
// that happens twice (02:30 on the last Sunday of October) is the second,
// standard-time instant. It returns ErrDateFormat or ErrImpossibleDate.
func ParseDateTime(s string, loc *time.Location) (time.Time, error) {
	if loc == nil {
		loc = localtime.Rome
	}
	s = strings.TrimSpace(s)
	datePart, timePart := s, ""
	if i := strings.IndexAny(s, "T "); i >= 0 {
		datePart, timePart = s[:i], s[i+1:]
		if timePart == "" {
			return time.Time{}, ErrDateFormat
		}
	}
	y, m, d, err := parseDatePart(datePart)
	if err != nil {
		return time.Time{}, err
	}
	var hh, mm, ss int
	if timePart != "" {
		parts := strings.Split(timePart, ":")
		if len(parts) < 2 || len(parts) > 3 {
			return time.Time{}, ErrDateFormat
		}
		var ok bool
		if hh, ok = digits(parts[0], 1, 2); !ok {
			return time.Time{}, ErrDateFormat
		}
		if mm, ok = digits(parts[1], 2, 2); !ok {
			return time.Time{}, ErrDateFormat
		}
		if len(parts) == 3 {
			if ss, ok = digits(parts[2], 2, 2); !ok {
				return time.Time{}, ErrDateFormat
			}
		}
		if hh > 23 || mm > 59 || ss > 59 {
			return time.Time{}, ErrImpossibleDate
		}
	}
	return time.Date(y, time.Month(m), d, hh, mm, ss, 0, loc), nil
}

// parseDatePart reads YYYY-MM-DD or D/M/YYYY.
func parseDatePart(s string) (y, m, d int, err error) {
	var ok1, ok2, ok3 bool
	switch {
	case strings.Count(s, "-") == 2:
		p := strings.Split(s, "-")
		y, ok1 = digits(p[0], 4, 4)
		m, ok2 = digits(p[1], 2, 2)
		d, ok3 = digits(p[2], 2, 2)
	case strings.Count(s, "/") == 2:
		p := strings.Split(s, "/")
		d, ok1 = digits(p[0], 1, 2)
		m, ok2 = digits(p[1], 1, 2)
		y, ok3 = digits(p[2], 4, 4)
	}
	if !ok1 || !ok2 || !ok3 {
		return 0, 0, 0, ErrDateFormat
	}
	if m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return 0, 0, 0, ErrImpossibleDate
	}
	return y, m, d, nil
}

// digits parses an unsigned decimal of min to max ASCII digits.
func digits(s string, min, max int) (int, bool) {
	if len(s) < min || len(s) > max {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

func daysIn(y, m int) int {
	return time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// FormatDate formats the calendar date of t (in t's own location: birth
// dates are UTC midnight) in the given style.
func FormatDate(t time.Time, style DateStyle) string {
	if style == Italian {
		return t.Format("02/01/2006")
	}
	return t.Format("2006-01-02")
}

// FormatDateTime formats an instant as Rome local time in the given style,
// with seconds only when they are not zero; fractions of a second are
// dropped. ParseDateTime reads the result back to the same instant
// (truncated to the second), except for an instant in the first of the two
// 02:00-03:00 hours of the October change, which the format cannot tell from
// the second.
func FormatDateTime(t time.Time, style DateStyle) string {
	t = t.In(localtime.Rome)
	layout := "2006-01-02T15:04"
	if style == Italian {
		layout = "02/01/2006 15:04"
	}
	if t.Second() != 0 {
		layout += ":05"
	}
	return t.Format(layout)
}
