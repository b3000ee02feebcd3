package localtime_test

import (
	"testing"
	"time"

	"segretariato/internal/localtime"
)

func utc(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestRome(t *testing.T) {
	if got := localtime.Rome.String(); got != "Europe/Rome" {
		t.Fatalf("Rome = %q", got)
	}
	for _, c := range []struct {
		at   time.Time
		zone string
		off  int
	}{
		{time.Date(2025, 1, 15, 12, 0, 0, 0, time.UTC), "CET", 3600},
		{time.Date(2025, 7, 15, 12, 0, 0, 0, time.UTC), "CEST", 7200},
	} {
		if zone, off := c.at.In(localtime.Rome).Zone(); zone != c.zone || off != c.off {
			t.Errorf("%v in Rome: %s %d, want %s %d", c.at, zone, off, c.zone, c.off)
		}
	}
}

func TestMidnightUTC(t *testing.T) {
	for _, c := range []struct {
		name string
		in   time.Time
		want time.Time
	}{
		{"already midnight", utc(2025, 3, 14), utc(2025, 3, 14)},
		{"a UTC time", time.Date(2025, 3, 14, 23, 59, 59, 999, time.UTC), utc(2025, 3, 14)},
		{"the date as written in Rome, not in UTC", time.Date(2025, 3, 15, 0, 30, 0, 0, localtime.Rome), utc(2025, 3, 15)},
		{"late evening in Rome", time.Date(2025, 7, 1, 23, 30, 0, 0, localtime.Rome), utc(2025, 7, 1)},
		{"a zone behind UTC", time.Date(2025, 3, 14, 22, 0, 0, 0, time.FixedZone("-05", -5*3600)), utc(2025, 3, 14)},
		{"29 February", time.Date(2024, 2, 29, 12, 0, 0, 0, time.UTC), utc(2024, 2, 29)},
		{"a birth in 1900", time.Date(1900, 1, 1, 6, 0, 0, 0, time.UTC), utc(1900, 1, 1)},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := localtime.MidnightUTC(c.in)
			if !got.Equal(c.want) || got.Location() != time.UTC {
				t.Errorf("MidnightUTC(%v) = %v, want %v", c.in, got, c.want)
			}
		})
	}
}

func TestLocalMidnight(t *testing.T) {
	for _, c := range []struct {
		name string
		in   time.Time
		want time.Time
	}{
		{"a winter date", time.Date(2025, 1, 15, 0, 0, 0, 0, time.UTC), time.Date(2025, 1, 14, 23, 0, 0, 0, time.UTC)},
		{"a summer date", time.Date(2025, 7, 15, 0, 0, 0, 0, time.UTC), time.Date(2025, 7, 14, 22, 0, 0, 0, time.UTC)},
		{"the time of day is ignored", time.Date(2025, 7, 15, 23, 59, 0, 0, time.UTC), time.Date(2025, 7, 14, 22, 0, 0, 0, time.UTC)},
		{"the date as written, in its own zone", time.Date(2025, 7, 15, 1, 0, 0, 0, localtime.Rome), time.Date(2025, 7, 14, 22, 0, 0, 0, time.UTC)},
		{"the spring change day starts in winter time", time.Date(2025, 3, 30, 12, 0, 0, 0, time.UTC), time.Date(2025, 3, 29, 23, 0, 0, 0, time.UTC)},
		{"the autumn change day starts in summer time", time.Date(2025, 10, 26, 12, 0, 0, 0, time.UTC), time.Date(2025, 10, 25, 22, 0, 0, 0, time.UTC)},
		{"the day after the autumn change", time.Date(2025, 10, 27, 0, 0, 0, 0, time.UTC), time.Date(2025, 10, 26, 23, 0, 0, 0, time.UTC)},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := localtime.LocalMidnight(c.in)
			if !got.Equal(c.want) || got.Location() != time.UTC {
				t.Errorf("LocalMidnight(%v) = %v, want %v", c.in, got, c.want)
			}
		})
	}
}

func TestToday(t *testing.T) {
	for _, c := range []struct {
		name string
		now  time.Time
		want time.Time
	}{
		{"midday", time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC), utc(2026, 11, 27)},
		{"already tomorrow in Rome (winter)", time.Date(2026, 11, 27, 23, 30, 0, 0, time.UTC), utc(2026, 11, 28)},
		{"already tomorrow in Rome (summer)", time.Date(2026, 6, 30, 22, 30, 0, 0, time.UTC), utc(2026, 7, 1)},
		{"still today in Rome", time.Date(2026, 6, 30, 21, 59, 0, 0, time.UTC), utc(2026, 6, 30)},
		{"New Year's Eve in UTC, New Year in Rome", time.Date(2025, 12, 31, 23, 0, 0, 0, time.UTC), utc(2026, 1, 1)},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := localtime.Today(c.now); !got.Equal(c.want) || got.Location() != time.UTC {
				t.Errorf("Today(%v) = %v, want %v", c.now, got, c.want)
			}
		})
	}
}
