package fiscalcode

import (
	"strings"
	"testing"
)

// asciiLower lower-cases ASCII letters only: strings.ToLower would also turn
// some non-ASCII letters (the Kelvin sign, dotted capital I) into ASCII ones,
// which legitimately changes the answer.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"RSSMRA80A01F205X", "rssmra80a01f205x", " BNCLRA85T65H501K ", "RSSMRAULALMFNLRD",
		"FRRSFO00B69F205E", "RSSMRA80A01F205Y", "RSSMRA80A32F205F", "", "RSSMRÀ80A01F205X",
		"\u212aSSMRA80A01F205X",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		info, err := ParseAt(in, now)
		lower, lerr := ParseAt(asciiLower(in), now)
		if (err == nil) != (lerr == nil) || info != lower || (err != nil && err.Error() != lerr.Error()) {
			t.Fatalf("lower-casing changed the answer: %+v, %v vs %+v, %v", info, err, lower, lerr)
		}
		if err != nil {
			return
		}
		if len(info.Code) != 16 || info.Code != strings.ToUpper(info.Code) {
			t.Fatalf("Code %q is not 16 upper-case characters", info.Code)
		}
		if info.Sex != "F" && info.Sex != "M" {
			t.Fatalf("Sex = %q", info.Sex)
		}
		if info.BirthDate.After(now) || info.BirthDate.Location().String() != "UTC" ||
			info.BirthDate.Hour() != 0 || info.BirthDate.Minute() != 0 {
			t.Fatalf("BirthDate = %v", info.BirthDate)
		}
		again, err := ParseAt(info.Code, now)
		if err != nil || again != info {
			t.Fatalf("re-parsing %q gave %+v, %v; want %+v", info.Code, again, err, info)
		}
	})
}
