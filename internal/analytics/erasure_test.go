package analytics_test

import (
	"testing"
	"time"

	"segretariato/internal/dimension"
)

// TestAgeBandAt checks the age band an erasure keeps on a contact at the
// bands' edges: the birthday counts from the contact's Europe/Rome local
// date, and a contact before the birth or without a birth date is UNKNOWN.
func TestAgeBandAt(t *testing.T) {
	birth := time.Date(2000, 3, 15, 0, 0, 0, 0, time.UTC)
	at := func(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, time.UTC) }
	tests := []struct {
		birth *time.Time
		at    time.Time
		want  string
	}{
		{nil, at(2020, 1, 1, 12), "UNKNOWN"},
		{&birth, at(1999, 12, 31, 12), "UNKNOWN"},
		{&birth, at(2000, 3, 15, 12), "0-17"},
		{&birth, at(2018, 3, 14, 12), "0-17"},
		{&birth, at(2018, 3, 15, 12), "18-29"},
		// 23:00 UTC on the 14th is already the 15th in Rome (UTC+1).
		{&birth, at(2018, 3, 14, 23), "18-29"},
		{&birth, at(2030, 3, 14, 12), "18-29"},
		{&birth, at(2030, 3, 15, 12), "30-44"},
		{&birth, at(2045, 3, 15, 12), "45-64"},
		{&birth, at(2065, 3, 15, 12), "65-74"},
		{&birth, at(2075, 3, 15, 12), "75-84"},
		{&birth, at(2085, 3, 14, 12), "75-84"},
		{&birth, at(2085, 3, 15, 12), "85+"},
		{&birth, at(2120, 1, 1, 12), "85+"},
	}
	for _, tt := range tests {
		if got := dimension.AgeBandAt(tt.birth, tt.at); got != tt.want {
			t.Errorf("AgeBandAt(%v, %v) = %s, want %s", tt.birth, tt.at, got, tt.want)
		}
	}
}
