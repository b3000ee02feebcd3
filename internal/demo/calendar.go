package demo

import (
	"time"
)

// slot is one opening of the charter's weekly timetable, in local time.
type slot struct {
	weekday          time.Weekday
	startH, startM   int
	endH, endM       int
	startStr, endStr string
}

// timetable is Scheda 2's: Monday 15.30-17, Wednesday 16.30-18.30, Friday
// 9.30-11.30 (5.5 hours, two afternoon openings).
var timetable = []slot{
	{time.Monday, 15, 30, 17, 0, "15:30", "17:00"},
	{time.Wednesday, 16, 30, 18, 30, "16:30", "18:30"},
	{time.Friday, 9, 30, 11, 30, "09:30", "11:30"},
}

// monthWeight shapes the demand over the year: a quiet August and
// Christmas, busy autumn and January.
var monthWeight = [12]float64{1.1, 1.0, 1.05, 1.0, 1.0, 0.95, 0.85, 0.55, 1.05, 1.15, 1.1, 0.85}

// calendar holds the days of the demo year.
type calendar struct {
	year  int
	loc   *time.Location
	start time.Time // 1 January 00:00 local
	end   time.Time // the end of the year or now, whichever comes first
	// holidays are the national holidays and the patron saint's day.
	holidays map[[2]int]bool
	// closed are the Mondays of the weeks the desk stays closed.
	closed map[time.Time]bool
}

func newCalendar(year int, loc *time.Location, now time.Time) *calendar {
	c := &calendar{
		year:  year,
		loc:   loc,
		start: time.Date(year, 1, 1, 0, 0, 0, 0, loc),
		end:   time.Date(year+1, 1, 1, 0, 0, 0, 0, loc),
	}
	if now.Before(c.end) {
		c.end = now
	}
	em, ed := EasterMonday(year)
	c.holidays = map[[2]int]bool{
		{1, 1}: true, {1, 6}: true, {em, ed}: true, {4, 25}: true, {5, 1}: true,
		{6, 2}: true, {6, 19}: true, // Santi Gervasio e Protasio, the town's patrons
		{8, 15}: true, {11, 1}: true, {12, 8}: true, {12, 25}: true, {12, 26}: true,
	}
	// Closed: the second and third weeks of August and Christmas week.
	c.closed = map[time.Time]bool{
		c.monday(time.Date(year, 8, 8, 0, 0, 0, 0, loc)):   true,
		c.monday(time.Date(year, 8, 15, 0, 0, 0, 0, loc)):  true,
		c.monday(time.Date(year, 12, 25, 0, 0, 0, 0, loc)): true,
	}
	return c
}

// monday returns local midnight of the Monday of d's week.
func (c *calendar) monday(d time.Time) time.Time {
	d = time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, c.loc)
	return d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
}

func (c *calendar) isHoliday(d time.Time) bool {
	return c.holidays[[2]int{int(d.Month()), d.Day()}]
}

func (c *calendar) isClosedWeek(d time.Time) bool { return c.closed[c.monday(d)] }

func isWeekend(d time.Time) bool { return d.Weekday() == time.Saturday || d.Weekday() == time.Sunday }

// days returns local midnight of every day of the year that has fully
// passed before the calendar's end.
func (c *calendar) days() []time.Time {
	var out []time.Time
	for d := c.start; d.Year() == c.year; d = d.AddDate(0, 0, 1) {
		if d.AddDate(0, 0, 1).After(c.end) {
			break
		}
		out = append(out, d)
	}
	return out
}

// at returns the instant of local time h:m on day d.
func (c *calendar) at(d time.Time, h, m int) time.Time {
	return time.Date(d.Year(), d.Month(), d.Day(), h, m, 0, 0, c.loc)
}

// EasterMonday returns the month and day of Easter Monday (Gregorian
// computus, Meeus/Jones/Butcher).
func EasterMonday(y int) (int, int) {
	a, b, cc := y%19, y/100, y%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := cc/4, cc%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	t := time.Date(y, time.Month(month), day+1, 0, 0, 0, 0, time.UTC)
	return int(t.Month()), t.Day()
}
