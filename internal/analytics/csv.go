package analytics

import (
	"encoding/csv"
	"errors"
	"io"
	"strconv"
	"strings"

	"segretariato/internal/dimension"
)

// TotalKey is the key WriteCSV writes in the dimension columns of the
// total row.
const TotalKey = "TOTAL"

// WriteCSV writes a demand answer as CSV: a header of the dimension names
// and contacts, citizens, newCitizens, referrals, suppressed; one row per
// cell with its keys; then the total row, whose dimension columns hold
// TOTAL. A withheld figure is an empty field and suppressed is true.
// With excel, the file opens as it should in a spreadsheet set to
// Italian: UTF-8 byte-order mark, ';' separator, CRLF line ends.
//
// A key that a spreadsheet would read as a formula (starting with =, +,
// -, @, tab or carriage return: districts are free text) is written with
// a leading apostrophe. It returns an error when the answer does not
// match groupBy, or the writer's error.
func WriteCSV(w io.Writer, r *Report, groupBy []dimension.Dimension, excel bool) error {
	if r == nil {
		return errors.New("analytics: no report")
	}
	for _, c := range r.Cells {
		if len(c.Keys) != len(groupBy) {
			return errors.New("analytics: the report's cells do not match groupBy")
		}
	}
	if excel {
		if _, err := io.WriteString(w, "\uFEFF"); err != nil {
			return err
		}
	}
	cw := csv.NewWriter(w)
	if excel {
		cw.Comma = ';'
		cw.UseCRLF = true
	}
	header := make([]string, 0, len(groupBy)+5)
	for _, d := range groupBy {
		header = append(header, string(d))
	}
	header = append(header, "contacts", "citizens", "newCitizens", "referrals", "suppressed")
	if err := cw.Write(header); err != nil {
		return err
	}
	row := func(keys []string, c Cell) error {
		rec := make([]string, 0, len(header))
		for _, k := range keys {
			rec = append(rec, safeCell(k))
		}
		for _, n := range []*int{c.Contacts, c.Citizens, c.NewCitizens, c.Referrals} {
			if n == nil {
				rec = append(rec, "")
			} else {
				rec = append(rec, strconv.Itoa(*n))
			}
		}
		rec = append(rec, strconv.FormatBool(c.Suppressed))
		return cw.Write(rec)
	}
	for _, c := range r.Cells {
		if err := row(c.Keys, c); err != nil {
			return err
		}
	}
	total := make([]string, len(groupBy))
	for i := range total {
		total[i] = TotalKey
	}
	if err := row(total, r.Total); err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

// safeCell defuses a text a spreadsheet would run as a formula.
func safeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
