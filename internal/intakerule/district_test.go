package intakerule_test

import (
	"testing"

	"segretariato/internal/intake"
	"segretariato/internal/intakecsv"
)

// districtCases are spellings of districts and what they normalise to.
var districtCases = []struct {
	name, in, display, key string
}{
	{"empty", "", "", ""},
	{"only spaces", "  \t \n", "", ""},
	{"as written", "Villaggio Argentia", "Villaggio Argentia", "villaggio argentia"},
	{"trimmed", "  Centro ", "Centro", "centro"},
	{"inner spaces collapsed", "Villaggio  \t Argentia", "Villaggio Argentia", "villaggio argentia"},
	{"upper case kept, key folded", "VILLAGGIO ARGENTIA ", "VILLAGGIO ARGENTIA", "villaggio argentia"},
	{"non-breaking space", "San\u00a0Rocco", "San Rocco", "san rocco"},
	{"ideographic space", "San\u3000Rocco", "San Rocco", "san rocco"},
	{"accents", "Città  Alta", "Città Alta", "città alta"},
	{"upper-case accent", "CITTÀ ALTA", "CITTÀ ALTA", "città alta"},
	{"apostrophe and hyphen", " Sant'Anna-Borgo ", "Sant'Anna-Borgo", "sant'anna-borgo"},
	{"zero-width space is not a space", "San\u200bRocco", "San\u200bRocco", "san\u200brocco"},
	{"invalid UTF-8: the key replaces it", "Borgo\xff", "Borgo\xff", "borgo\ufffd"},
	{"Turkish dotted I", "İzmir", "İzmir", "izmir"},
}

func TestOldDistrictFunctionsAgree(t *testing.T) {
	for _, c := range districtCases {
		t.Run(c.name, func(t *testing.T) {
			if got := intake.NormaliseDistrict(c.in); got != c.display {
				t.Errorf("intake.NormaliseDistrict(%q) = %q, want %q", c.in, got, c.display)
			}
			if got := intakecsv.NormalizeDistrict(c.in); got != c.display {
				t.Errorf("intakecsv.NormalizeDistrict(%q) = %q, want %q", c.in, got, c.display)
			}
			if got := intake.DistrictKey(c.in); got != c.key {
				t.Errorf("intake.DistrictKey(%q) = %q, want %q", c.in, got, c.key)
			}
			if got := intakecsv.NormalizeDistrictKey(c.in); got != c.key {
				t.Errorf("intakecsv.NormalizeDistrictKey(%q) = %q, want %q", c.in, got, c.key)
			}
		})
	}
}
