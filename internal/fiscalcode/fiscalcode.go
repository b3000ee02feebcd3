// Package fiscalcode validates the Italian codice fiscale of a natural person
// and reads the birth date and sex it encodes.
//
// A code has 16 characters: surname (3 letters), name (3 letters), year of
// birth (2 digits), month letter (ABCDEHLMPRST), day of birth (2 digits, +40
// for women), place of birth (a Belfiore code: one letter and 3 digits, Z…
// abroad) and a check letter. When two people would get the same code, the
// Agenzia delle Entrate replaces digits with the omocodia letters LMNPQRSTUV
// (0 to 9); such codes are valid and are a different person's code, so Parse
// keeps them as given.
//
// The package only checks what the code itself can prove: it does not know
// the Belfiore register, so a well-formed but unassigned place code passes,
// and it cannot tell whether a code was ever issued.
//
// Errors never contain the code or any part of it: codes are personal data.
package fiscalcode

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Info is what a valid code tells.
type Info struct {
	Code      string    // normalised: upper-case, trimmed
	BirthDate time.Time // UTC midnight of the birth date
	Sex       string    // "F" or "M"
}

// SameBirthDate reports whether d (any location; its calendar date counts)
// agrees with the code's birth date: same day, month and last two digits of
// the year. The code cannot tell 1925 from 2025, so a birth date given
// elsewhere may settle the century that ParseAt had to guess.
func (i Info) SameBirthDate(d time.Time) bool {
	y, m, day := d.Date()
	return m == i.BirthDate.Month() && day == i.BirthDate.Day() && y%100 == i.BirthDate.Year()%100
}

// Sentinel errors returned (possibly wrapped, test with errors.Is) by Parse
// and ParseAt. Their messages hold no personal data.
var (
	// ErrLength: after trimming, the code is not 16 characters long.
	ErrLength = errors.New("fiscal code must be 16 characters long")
	// ErrFormat: a character is not allowed at its position.
	ErrFormat = errors.New("fiscal code has a character that is not allowed at its position")
	// ErrChecksum: the 16th character is not the check letter of the first 15.
	ErrChecksum = errors.New("fiscal code check letter does not match")
	// ErrDate: the month letter or the day is invalid, or the date does not exist.
	ErrDate = errors.New("fiscal code does not encode a real birth date")
)

const (
	monthLetters    = "ABCDEHLMPRST"
	omocodiaLetters = "LMNPQRSTUV"
)

// kind of character allowed at each position.
const (
	letter = iota
	digitOrOmocodia
)

var layout = [15]int{
	letter, letter, letter, letter, letter, letter, // surname, name
	digitOrOmocodia, digitOrOmocodia, // year
	letter,                           // month
	digitOrOmocodia, digitOrOmocodia, // day
	letter,                                            // Belfiore letter
	digitOrOmocodia, digitOrOmocodia, digitOrOmocodia, // Belfiore number
}

// oddValues are the values of the characters at odd positions (1st, 3rd, …,
// 15th), indexed by letter (A-Z); a digit has the value of the letter with the
// same index (0 = A, 1 = B, …).
var oddValues = [26]int{
	1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18,
	20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23,
}

// Parse validates a code against today's date (time.Now); see ParseAt.
func Parse(code string) (Info, error) {
	return ParseAt(code, time.Now())
}

// ParseAt validates a code: surrounding white space is trimmed and letters
// are upper-cased, then the code must be 16 characters with letters and
// digits (or omocodia letters) at their positions (ErrLength, ErrFormat), the
// right check letter (ErrChecksum), and a real birth date (ErrDate). The
// two-digit year takes the latest century that does not put the birth after
// now's calendar date. Errors are checked in that order, so a mistyped
// character usually surfaces as ErrChecksum.
func ParseAt(code string, now time.Time) (Info, error) {
	s := strings.TrimSpace(code)
	if utf8.RuneCountInString(s) != 16 {
		return Info{}, ErrLength
	}
	var c [16]byte
	for i := 0; i < len(s); i++ {
		b := s[i]
		if b >= 0x80 {
			// Non-ASCII: 16 runes but more bytes; find the rune's position.
			return Info{}, fmt.Errorf("position %d: %w", utf8.RuneCountInString(s[:i])+1, ErrFormat)
		}
		if 'a' <= b && b <= 'z' {
			b -= 'a' - 'A'
		}
		c[i] = b
	}
	for i, k := range layout {
		b := c[i]
		ok := isLetter(b)
		if k == digitOrOmocodia {
			ok = isDigit(b) || strings.IndexByte(omocodiaLetters, b) >= 0
		}
		if !ok {
			return Info{}, fmt.Errorf("position %d: %w", i+1, ErrFormat)
		}
	}
	if !isLetter(c[15]) {
		return Info{}, fmt.Errorf("position 16: %w", ErrFormat)
	}
	if CheckLetter(string(c[:15])) != c[15] {
		return Info{}, ErrChecksum
	}

	yy := decodeDigit(c[6])*10 + decodeDigit(c[7])
	m := strings.IndexByte(monthLetters, c[8]) + 1
	if m == 0 {
		return Info{}, fmt.Errorf("month letter: %w", ErrDate)
	}
	day := decodeDigit(c[9])*10 + decodeDigit(c[10])
	sex := "M"
	if day > 40 {
		day -= 40
		sex = "F"
	}
	if day < 1 || day > 31 {
		return Info{}, fmt.Errorf("day: %w", ErrDate)
	}
	ny, nm, nd := now.Date()
	year := centuryStart(ny) + yy
	if after(year, m, day, ny, int(nm), nd) {
		year -= 100
	}
	if day > daysIn(year, m) {
		return Info{}, fmt.Errorf("day: %w", ErrDate)
	}
	return Info{
		Code:      string(c[:]),
		BirthDate: time.Date(year, time.Month(m), day, 0, 0, 0, 0, time.UTC),
		Sex:       sex,
	}, nil
}

// CheckLetter returns the check letter of the first 15 characters of a code
// (upper-case letters and digits), or 0 when the input is shorter than 15
// characters or holds another character.
func CheckLetter(first15 string) byte {
	if len(first15) < 15 {
		return 0
	}
	sum := 0
	for i := 0; i < 15; i++ {
		b := first15[i]
		var idx int
		switch {
		case isDigit(b):
			idx = int(b - '0')
		case isLetter(b):
			idx = int(b - 'A')
		default:
			return 0
		}
		if i%2 == 0 { // 1st, 3rd, … position: odd in 1-based counting
			sum += oddValues[idx]
		} else {
			sum += idx
		}
	}
	return byte('A' + sum%26)
}

func isLetter(b byte) bool { return 'A' <= b && b <= 'Z' }
func isDigit(b byte) bool  { return '0' <= b && b <= '9' }

// decodeDigit maps a digit or an omocodia letter to its value; the caller has
// checked the character is one of them.
func decodeDigit(b byte) int {
	if isDigit(b) {
		return int(b - '0')
	}
	return strings.IndexByte(omocodiaLetters, b)
}

// centuryStart returns the first year of y's century (2026 → 2000).
func centuryStart(y int) int {
	return y - ((y%100)+100)%100
}

// after reports whether date (y, m, d) is after (ry, rm, rd).
func after(y, m, d, ry, rm, rd int) bool {
	if y != ry {
		return y > ry
	}
	if m != rm {
		return m > rm
	}
	return d > rd
}

func daysIn(y, m int) int {
	return time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}
