package demo

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"segretariato/ent/schema/schematype"
	"segretariato/internal/fiscalcode"
)

const monthLetters = "ABCDEHLMPRST"

// FiscalCode builds the codice fiscale of a person born on birth (its
// calendar date) in the place with the given Belfiore code, without
// omocodia.
func FiscalCode(last, first string, birth time.Time, sex schematype.Sex, belfiore string) (string, error) {
	day := birth.Day()
	if sex == schematype.SexF {
		day += 40
	}
	s := fmt.Sprintf("%s%s%02d%c%02d%s",
		nameLetters(last, false), nameLetters(first, true),
		birth.Year()%100, monthLetters[birth.Month()-1], day, belfiore)
	c := fiscalcode.CheckLetter(s)
	if len(s) != 15 || c == 0 {
		return "", errors.New("demo: cannot build a fiscal code")
	}
	return s + string(c), nil
}

// nameLetters returns the three letters of a surname (forName false) or a
// name: its consonants then its vowels, padded with X; a name with four or
// more consonants takes the first, third and fourth.
func nameLetters(s string, forName bool) string {
	var cons, vows strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch {
		case strings.ContainsRune("AEIOU", r):
			vows.WriteRune(r)
		case 'A' <= r && r <= 'Z':
			cons.WriteRune(r)
		}
	}
	c := cons.String()
	if forName && len(c) >= 4 {
		c = c[:1] + c[2:4]
	}
	return (c + vows.String() + "XXX")[:3]
}
