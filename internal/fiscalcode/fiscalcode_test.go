package fiscalcode

import (
	"encoding/csv"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// now is fixed so that the century rule is deterministic.
var now = time.Date(2026, time.November, 27, 10, 0, 0, 0, time.UTC)

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestParseAtValid(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Info
	}{
		{"man born in Milan", "RSSMRA80A01F205X", Info{"RSSMRA80A01F205X", date(1980, 1, 1), "M"}},
		{"lower case and spaces", "  rssmra80a01f205x\t", Info{"RSSMRA80A01F205X", date(1980, 1, 1), "M"}},
		{"woman: day plus 40", "BNCLRA85T65H501K", Info{"BNCLRA85T65H501K", date(1985, 12, 25), "F"}},
		{"born abroad in the 2000s", "VRDGPP05C12Z100X", Info{"VRDGPP05C12Z100X", date(2005, 3, 12), "M"}},
		{"29 February 2000", "FRRSFO00B69F205E", Info{"FRRSFO00B69F205E", date(2000, 2, 29), "F"}},
		{"31 April is not a day but 31 January is", "LMRLNO82M44A794A", Info{"LMRLNO82M44A794A", date(1982, 8, 4), "F"}},
		{"year after now's goes to the previous century", "GLLLRA26T41F704F", Info{"GLLLRA26T41F704F", date(1926, 12, 1), "F"}},
		{"omocodia: one letter", "RSSMRA80A01F20RS", Info{"RSSMRA80A01F20RS", date(1980, 1, 1), "M"}},
		{"omocodia: two letters", "RSSMRA80A01F2LRD", Info{"RSSMRA80A01F2LRD", date(1980, 1, 1), "M"}},
		{"omocodia: Belfiore all letters", "RSSMRA80A01FNLRS", Info{"RSSMRA80A01FNLRS", date(1980, 1, 1), "M"}},
		{"omocodia: day", "RSSMRA80ALMFNLRV", Info{"RSSMRA80ALMFNLRV", date(1980, 1, 1), "M"}},
		{"omocodia: every digit", "RSSMRAULALMFNLRD", Info{"RSSMRAULALMFNLRD", date(1980, 1, 1), "M"}},
		{"omocodia in the sample data", "SPSNIO06P47E09QG", Info{"SPSNIO06P47E09QG", date(2006, 9, 7), "F"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseAt(tt.in, now)
			if err != nil {
				t.Fatalf("ParseAt: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseAt mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseAtInvalid(t *testing.T) {
	tests := []struct {
		name string
		in   string
		now  time.Time
		want error
	}{
		{"empty", "", now, ErrLength},
		{"15 characters", "RSSMRA80A01F205", now, ErrLength},
		{"17 characters", "RSSMRA80A01F205XX", now, ErrLength},
		{"inner space", "RSSMRA80 01F205X", now, ErrFormat},
		{"digit in the surname", "R5SMRA80A01F205X", now, ErrFormat},
		{"letter that is not omocodia in the year", "RSSMRA8AA01F205X", now, ErrFormat},
		{"digit as month", "RSSMRA80101F205X", now, ErrFormat},
		{"digit as Belfiore letter", "RSSMRA80A011205X", now, ErrFormat},
		{"digit as check character", "RSSMRA80A01F2050", now, ErrFormat},
		{"non-ASCII letter", "RSSMRÀ80A01F205X", now, ErrFormat},
		{"wrong check letter", "RSSMRA80A01F205Y", now, ErrChecksum},
		{"typo in the name", "RSSMRB80A01F205X", now, ErrChecksum},
		{"month letter F", "RSSMRA80F01F205J", now, ErrDate},
		{"day 00", "RSSMRA80A00F205Y", now, ErrDate},
		{"day 32", "RSSMRA80A32F205F", now, ErrDate},
		{"day 40", "RSSMRA80A40F205C", now, ErrDate},
		{"day 72", "RSSMRA80A72F205J", now, ErrDate},
		{"31 April", "RSSMRA80D31F205G", now, ErrDate},
		{"29 February 2001", "FRRSFO01B69F205F", now, ErrDate},
		{"29 February 1900 when 2000 is in the future", "FRRSFO00B69F205E", date(1999, 1, 1), ErrDate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseAt(tt.in, tt.now)
			if !errors.Is(err, tt.want) {
				t.Fatalf("ParseAt error = %v, want %v", err, tt.want)
			}
			if got != (Info{}) {
				t.Errorf("ParseAt returned %+v with an error, want zero Info", got)
			}
			if tt.in != "" && strings.Contains(err.Error(), strings.TrimSpace(tt.in)[:6]) {
				t.Errorf("error message %q leaks the code", err)
			}
		})
	}
}

func TestCenturyRule(t *testing.T) {
	// Born on now's date: not in the future, so this century.
	code := "XXXYYY26S27F205" // 27 November 2026
	code += string(CheckLetter(code))
	info, err := ParseAt(code, now)
	if err != nil {
		t.Fatal(err)
	}
	if want := date(2026, 11, 27); !info.BirthDate.Equal(want) {
		t.Errorf("birth date = %v, want %v", info.BirthDate, want)
	}
	// One day later: the previous century.
	code = "XXXYYY26S28F205"
	code += string(CheckLetter(code))
	info, err = ParseAt(code, now)
	if err != nil {
		t.Fatal(err)
	}
	if want := date(1926, 11, 28); !info.BirthDate.Equal(want) {
		t.Errorf("birth date = %v, want %v", info.BirthDate, want)
	}
	// The calendar date of now counts in now's own location.
	rome := time.FixedZone("CET", 3600)
	info, err = ParseAt(code, time.Date(2026, 11, 28, 0, 30, 0, 0, rome)) // 27 Nov in UTC
	if err != nil {
		t.Fatal(err)
	}
	if want := date(2026, 11, 28); !info.BirthDate.Equal(want) {
		t.Errorf("birth date = %v, want %v", info.BirthDate, want)
	}
}

func TestParseUsesToday(t *testing.T) {
	info, err := Parse("RSSMRA80A01F205X")
	if err != nil || info.BirthDate.Year() != 1980 {
		t.Fatalf("Parse = %+v, %v", info, err)
	}
}

func TestCheckLetter(t *testing.T) {
	for in, want := range map[string]byte{
		"RSSMRA80A01F205": 'X',
		"RSSMRA80A01F20":  0, // too short
		"rssmra80a01f205": 0, // lower case is not normalised here
		"RSSMRA80A01F20-": 0,
	} {
		if got := CheckLetter(in); got != want {
			t.Errorf("CheckLetter(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestSampleCodes checks that every fiscal code of the shared intake sample
// is valid. The sample is part of the project: a missing file is a failure.
func TestSampleCodes(t *testing.T) {
	f, err := os.Open("../../testdata/intake-sample.csv")
	if err != nil {
		t.Fatalf("sample data missing: %v", err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	header, err := r.Read()
	if err != nil {
		t.Fatal(err)
	}
	col := -1
	for i, h := range header {
		if strings.EqualFold(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")), "fiscal_code") {
			col = i
		}
	}
	if col < 0 {
		t.Fatal("no fiscal_code column in the sample")
	}
	n := 0
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if rec[col] == "" {
			continue
		}
		n++
		line, _ := r.FieldPos(col)
		if _, err := ParseAt(rec[col], now); err != nil {
			t.Errorf("line %d: %v", line, err)
		}
	}
	if n < 500 {
		t.Errorf("only %d fiscal codes in the sample, want at least 500", n)
	}
}

func TestSameBirthDate(t *testing.T) {
	info, err := ParseAt("RSSMRA80A01F205X", now)
	if err != nil {
		t.Fatal(err)
	}
	for d, want := range map[time.Time]bool{
		date(1980, 1, 1): true,
		date(1880, 1, 1): true, // the century is not in the code
		date(1980, 1, 2): false,
		date(1981, 1, 1): false,
		time.Date(1980, 1, 1, 23, 0, 0, 0, time.FixedZone("X", -5*3600)): true, // its own calendar date
	} {
		if got := info.SameBirthDate(d); got != want {
			t.Errorf("SameBirthDate(%v) = %v, want %v", d, got, want)
		}
	}
}
