package intakecsv

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"segretariato/internal/intakerule"
	"segretariato/internal/localtime"
)

func readSample(t *testing.T) []*Row {
	t.Helper()
	rows, errs := readAll(t, openData(t, "intake-sample.csv"), sampleOptions(t))
	if len(errs) > 0 {
		t.Fatalf("%d errors in the valid sample, first: %v", len(errs), errs[0])
	}
	if len(rows) != 600 {
		t.Fatalf("%d rows, want 600", len(rows))
	}
	return rows
}

func TestSampleValid(t *testing.T) {
	rows := readSample(t)
	prev := 1
	for _, r := range rows {
		if r.Line != prev+1 || r.PhysicalLine < r.Line {
			t.Fatalf("row %s: line %d (physical %d) after line %d", r.ContactRef, r.Line, r.PhysicalLine, prev)
		}
		prev = r.Line
	}
	// The file has multi-line notes: the physical numbering drifts.
	if last := rows[len(rows)-1]; last.PhysicalLine == last.Line {
		t.Errorf("no multi-line cell seen in the sample")
	}
}

func TestSampleInvalid(t *testing.T) {
	var expected []struct {
		Line   int    `json:"line"`
		Column string `json:"column"`
		Why    string `json:"why"`
	}
	if err := json.NewDecoder(openData(t, "intake-sample.invalid.expected.json")).Decode(&expected); err != nil {
		t.Fatal(err)
	}
	type e struct {
		Line           int
		Column, Reason string
	}
	var want []e
	for _, x := range expected {
		want = append(want, e{x.Line, x.Column, x.Why})
	}
	rows, errs := readAll(t, openData(t, "intake-sample.invalid.csv"), sampleOptions(t))
	var got []e
	for _, x := range errs {
		got = append(got, e{x.Line, x.Column, x.Reason})
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
	if n := len(rows) + len(want); n != 40 {
		t.Errorf("%d valid rows + %d invalid = %d, want 40", len(rows), len(want), n)
	}
}

// TestSampleAggregates recomputes some figures of intake-sample.expected.json
// from the rows: it checks the time zone (a contact's month is its Rome
// date), the sex and birth date taken from the fiscal code, and districts.
func TestSampleAggregates(t *testing.T) {
	var expected map[string]map[string]int
	if err := json.NewDecoder(openData(t, "intake-sample.expected.json")).Decode(&expected); err != nil {
		t.Fatal(err)
	}
	rows := readSample(t)
	got := map[string]map[string]int{}
	add := func(fig, key string) {
		if got[fig] == nil {
			got[fig] = map[string]int{}
		}
		got[fig][key]++
	}
	orUnknown := func(s string) string {
		if s == "" {
			return "UNKNOWN"
		}
		return s
	}
	// A district is shown under its most frequent spelling: the expected
	// figures say "Molino Vecchio" though "MOLINO VECCHIO " comes first in
	// the file.
	spellings := map[string]map[string]int{}
	citizens := map[string]bool{}
	for _, r := range rows {
		local := r.OccurredAt.In(localtime.Rome)
		year := fmt.Sprint(local.Year())
		add("contacts_by_month", local.Format("2006-01"))
		add("contacts_by_year_sex", year+"|"+orUnknown(r.Sex))
		add("contacts_by_year_citizenship", year+"|"+orUnknown(r.Citizenship))
		if r.District != "" {
			k := intakerule.DistrictKey(r.District)
			if spellings[k] == nil {
				spellings[k] = map[string]int{}
			}
			spellings[k][r.District]++
		}
		band := "UNKNOWN"
		age := -1
		switch {
		case r.BirthDate != nil:
			b := *r.BirthDate
			age = local.Year() - b.Year()
			if local.Month() < b.Month() || (local.Month() == b.Month() && local.Day() < b.Day()) {
				age--
			}
		case r.BirthYear != nil:
			age = local.Year() - *r.BirthYear
		}
		for _, b := range []struct {
			max  int
			name string
		}{{17, "0-17"}, {29, "18-29"}, {44, "30-44"}, {64, "45-64"}, {74, "65-74"}, {84, "75-84"}, {1 << 30, "85+"}} {
			if age >= 0 && age <= b.max {
				band = b.name
				break
			}
		}
		add("contacts_by_year_age_band", year+"|"+band)
		if r.FiscalCode == "" {
			add("anonymous_contacts", "all")
		} else {
			citizens[r.FiscalCode] = true
		}
	}
	districtName := map[string]string{}
	for k, m := range spellings {
		for s, n := range m {
			if best := districtName[k]; best == "" || n > m[best] || (n == m[best] && s < best) {
				districtName[k] = s
			}
		}
	}
	for _, r := range rows {
		name := "UNKNOWN"
		if r.District != "" {
			name = districtName[intakerule.DistrictKey(r.District)]
		}
		add("contacts_by_year_district", fmt.Sprint(r.OccurredAt.In(localtime.Rome).Year())+"|"+name)
	}
	got["distinct_citizens"] = map[string]int{"all": len(citizens)}
	for fig := range got {
		if diff := cmp.Diff(expected[fig], got[fig]); diff != "" {
			t.Errorf("%s (-expected +computed):\n%s", fig, diff)
		}
	}
}

// excelRewrite turns the sample into what an Italian Excel saves: ';'
// separators, a BOM, CRLF line ends and dd/mm/yyyy dates.
func excelRewrite(t *testing.T, in io.Reader) []byte {
	t.Helper()
	cr := csv.NewReader(in)
	var b bytes.Buffer
	b.WriteString("\uFEFF")
	cw := csv.NewWriter(&b)
	cw.Comma = ';'
	cw.UseCRLF = true
	header, err := cr.Read()
	if err != nil {
		t.Fatal(err)
	}
	cw.Write(header)
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		for i, h := range header {
			switch h {
			case ColOccurredAt:
				// 2025-03-14T16:45 → 14/03/2025 16:45 (also the ' ' variant)
				d, tm, _ := strings.Cut(strings.Replace(rec[i], "T", " ", 1), " ")
				p := strings.Split(d, "-")
				rec[i] = p[2] + "/" + p[1] + "/" + p[0] + " " + tm
			case ColBirthDate:
				if rec[i] != "" {
					p := strings.Split(rec[i], "-")
					rec[i] = p[2] + "/" + p[1] + "/" + p[0]
				}
			}
		}
		cw.Write(rec)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestExcelRewriteOfSample(t *testing.T) {
	want := readSample(t)
	excel := excelRewrite(t, openData(t, "intake-sample.csv"))
	if !bytes.HasPrefix(excel, []byte("\uFEFFbirth_year;")) || !bytes.Contains(excel, []byte("\r\n")) || !bytes.Contains(excel, []byte("/2025 ")) {
		t.Fatalf("rewrite does not look like Excel's: %q", excel[:60])
	}
	got, errs := readAll(t, bytes.NewReader(excel), sampleOptions(t))
	if len(errs) > 0 {
		t.Fatalf("errors: %v", errs[0])
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Excel rewrite reads differently (-original +excel):\n%s", diff)
	}
}

func TestWriterRoundTrip(t *testing.T) {
	want := readSample(t)
	// A contact with seconds, and one at a DST change, survive too.
	extra := *want[0]
	extra.Line, extra.ContactRef, extra.OccurredAt = len(want)+2, "X-1", time.Date(2025, 3, 30, 1, 30, 15, 0, time.UTC) // 03:30:15 CEST
	want = append(want, &extra)
	for _, o := range []WriterOptions{
		{},
		{Comma: ';', BOM: true, CRLF: true, DateStyle: Italian},
		{Comma: ',', CRLF: true},
	} {
		t.Run(fmt.Sprintf("%+v", o), func(t *testing.T) {
			var b bytes.Buffer
			w, err := NewWriter(&b, o)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range want {
				if err := w.Write(r); err != nil {
					t.Fatal(err)
				}
			}
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
			out := b.Bytes()
			sep := ","
			if o.Comma == ';' {
				sep = ";"
			}
			header := strings.Join(columns, sep)
			if o.BOM {
				header = "\uFEFF" + header
			}
			if !bytes.HasPrefix(out, []byte(header)) {
				t.Fatalf("output starts %q, want header %q", out[:40], header)
			}
			if got := bytes.Contains(out, []byte("\r\n")); got != o.CRLF {
				t.Errorf("CRLF in output = %v, want %v", got, o.CRLF)
			}
			got, errs := readAll(t, bytes.NewReader(out), sampleOptions(t))
			if len(errs) > 0 {
				t.Fatalf("errors reading back: %v", errs[0])
			}
			// Line numbers change: the sample's columns and physical lines are not ours.
			ignore := cmpopts.IgnoreFields(Row{}, "PhysicalLine")
			if diff := cmp.Diff(want, got, ignore); diff != "" {
				t.Errorf("round trip (-written +read):\n%s", diff)
			}
		})
	}
}

func TestWriterEmptyAndOptions(t *testing.T) {
	var b bytes.Buffer
	w, err := NewWriter(&b, WriterOptions{Comma: ';'})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if want := strings.Join(columns, ";") + "\n"; b.String() != want {
		t.Errorf("empty export = %q, want the header %q", b.String(), want)
	}
	if _, err := NewWriter(&b, WriterOptions{Comma: '\t'}); err != ErrComma {
		t.Errorf("tab separator: err = %v, want ErrComma", err)
	}

	b.Reset()
	w, _ = NewWriter(&b, WriterOptions{GuardFormulas: true})
	r := &Row{ContactRef: "=1+1", FirstName: "+39", LastName: "Rossi", District: "@home", Notes: "-2\nfine"}
	w.Write(r)
	w.Flush()
	rec, err := csv.NewReader(bytes.NewReader(b.Bytes()[bytes.IndexByte(b.Bytes(), '\n')+1:])).Read()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range []string{ColContactRef, ColFirstName, ColLastName, ColDistrict, ColNotes} {
		got = append(got, rec[columnIndex[c]])
	}
	if diff := cmp.Diff([]string{"'=1+1", "'+39", "Rossi", "'@home", "'-2\nfine"}, got); diff != "" {
		t.Errorf("guarded cells (-want +got):\n%s", diff)
	}
}
