package intakerule_test

import (
	"testing"
	"time"

	"segretariato/internal/intakerule"
	"segretariato/internal/localtime"
)

func TestAfterToday(t *testing.T) {
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)   // 11:00 in Rome
	late := time.Date(2026, 11, 27, 23, 30, 0, 0, time.UTC) // 00:30 on the 28th in Rome
	for _, c := range []struct {
		name string
		t    time.Time
		now  time.Time
		want bool
	}{
		{"now", now, now, false},
		{"earlier today", now.Add(-9 * time.Hour), now, false},
		{"later today in Rome", time.Date(2026, 11, 27, 23, 59, 0, 0, localtime.Rome), now, false},
		{"tomorrow's first minute in Rome", time.Date(2026, 11, 28, 0, 0, 0, 0, localtime.Rome), now, true},
		{"within 24 hours but tomorrow in Rome", now.Add(13 * time.Hour), now, true},
		{"yesterday", now.AddDate(0, 0, -1), now, false},
		{"far in the future", time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC), now, true},
		{"a date stored as UTC midnight: today", time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC), now, false},
		{"a date stored as UTC midnight: tomorrow", time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC), now, true},
		{"now is already tomorrow in Rome", time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC), late, false},
		{"the day after Rome's tomorrow", time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC), late, true},
		{"an old birth date (Rome's local mean time)", time.Date(1880, 1, 1, 0, 0, 0, 0, time.UTC), now, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := intakerule.AfterToday(c.t, c.now); got != c.want {
				t.Errorf("AfterToday(%v, %v) = %v, want %v", c.t, c.now, got, c.want)
			}
		})
	}
}
