package intakecsv

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"
)

const dataDir = "../../testdata/"

// testNow is after every date of the sample data.
var testNow = time.Date(2026, time.November, 27, 10, 0, 0, 0, time.UTC)

// codes from DOMAIN.md.
var (
	domainNeeds = set(`ECO_INCOME ECO_DEBT ECO_BENEFITS HOU_EVICTION HOU_PUBLIC HOU_HOMELESS
WRK_UNEMPLOYED WRK_TRAINING CARE_HOME CARE_RESIDENTIAL CARE_CAREGIVER HLT_MENTAL HLT_ADDICTION
HLT_ACCESS DIS_SUPPORT DIS_SCHOOL DIS_TRANSPORT FAM_PARENTING FAM_CONFLICT FAM_CHILD_PROTECTION
FAM_EDUCATION VIO_DOMESTIC MIG_DOCUMENTS MIG_LANGUAGE REL_LONELINESS ADM_PAPERWORK ADM_LEGAL ADM_INFO`)
	domainServices = set(`SSP SAD PASTI TRASPORTO CDI CDD RSA CPS SERD NPIA CONSULTORIO CPI CAV CARITAS CAF ALER SCUOLA`)
)

func openData(t testing.TB, name string) *os.File {
	t.Helper()
	f, err := os.Open(dataDir + name)
	if err != nil {
		t.Fatalf("sample data missing: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func sampleOptions(t testing.TB) Options {
	t.Helper()
	var emails []string
	if err := json.NewDecoder(openData(t, "intake-sample.operators.json")).Decode(&emails); err != nil {
		t.Fatal(err)
	}
	ops := map[string]bool{}
	for _, e := range emails {
		ops[e] = true
	}
	return Options{NeedCodes: domainNeeds, ServiceCodes: domainServices, OperatorEmails: ops, Now: testNow}
}

// readAll reads every row, collecting valid rows and all row errors; it
// fails the test on a fatal error.
func readAll(t testing.TB, r io.Reader, o Options) ([]*Row, RowErrors) {
	t.Helper()
	rd, err := NewReaderWithOptions(r, o)
	if err != nil {
		t.Fatalf("NewReader: %v", err)
	}
	var rows []*Row
	var errs RowErrors
	for {
		row, err := rd.Next()
		if err == io.EOF {
			return rows, errs
		}
		var re RowErrors
		switch {
		case errors.As(err, &re):
			if row == nil {
				t.Fatalf("Next returned RowErrors without a row")
			}
			errs = append(errs, re...)
		case err != nil:
			t.Fatalf("Next: %v", err)
		default:
			rows = append(rows, row)
		}
	}
}

// baseRow is a valid row; tests change some cells.
func baseRow() map[string]string {
	return map[string]string{
		ColContactRef: "T-1", ColOccurredAt: "2025-03-14T16:45", ColChannel: "IN_PERSON",
		ColOperatorEmail: "a.verdi@comune.example.it", ColFiscalCode: "RSSMRA80A01F205X",
		ColFirstName: "Mario", ColLastName: "Rossi", ColCitizenship: "IT", ColDistrict: "Centro",
		ColRequester: "SELF", ColTargetArea: "ADULTS", ColNeeds: "ECO_INCOME", ColResponses: "INFORMATION",
		ColOutcome: "INFORMED", ColDuration: "30",
	}
}

// csvOf writes a file with the given columns (all when nil) and rows.
func csvOf(t testing.TB, cols []string, rows ...map[string]string) string {
	if t != nil {
		t.Helper()
	}
	if cols == nil {
		cols = columns
	}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write(cols)
	for _, r := range rows {
		rec := make([]string, len(cols))
		for i, c := range cols {
			rec[i] = r[c]
		}
		w.Write(rec)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		panic(err) // writing to a bytes.Buffer cannot fail
	}
	return b.String()
}

func with(m map[string]string, kv ...string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

func strReader(s string) io.Reader { return strings.NewReader(s) }
