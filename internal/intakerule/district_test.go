package intakerule_test

import (
	"testing"

	"segretariato/internal/intakerule"
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

// The cases were first run against the two functions this package
// replaced (intake.NormaliseDistrict/DistrictKey and
// intakecsv.NormalizeDistrict/NormalizeDistrictKey), which agreed on all.
func TestDistrict(t *testing.T) {
	for _, c := range districtCases {
		t.Run(c.name, func(t *testing.T) {
			if got := intakerule.District(c.in); got != c.display {
				t.Errorf("District(%q) = %q, want %q", c.in, got, c.display)
			}
			if got := intakerule.DistrictKey(c.in); got != c.key {
				t.Errorf("DistrictKey(%q) = %q, want %q", c.in, got, c.key)
			}
			// The key of the display form is the key: the hook keys what it stores.
			if got := intakerule.DistrictKey(intakerule.District(c.in)); got != c.key {
				t.Errorf("DistrictKey(District(%q)) = %q, want %q", c.in, got, c.key)
			}
		})
	}
}
