package intakecsv

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// FuzzReader: arbitrary bytes never make the reader panic or loop; every
// error names a line >= 2; every valid row keeps the Row invariants and
// reads back identical after going through the Writer.
func FuzzReader(f *testing.F) {
	header := strings.Join(columns, ",") + "\n"
	f.Add([]byte(csvOf(f, nil, baseRow())))
	f.Add([]byte(csvOf(f, nil, with(baseRow(), ColFiscalCode, "", ColFirstName, "", ColLastName, "", ColBirthYear, "1970", ColSex, "X"))))
	f.Add([]byte(csvOf(f, nil, with(baseRow(), ColOutcome, "REFERRED_EXTERNAL", ColReferralService, "CAF", ColNotes, "a\r\nb"))))
	f.Add([]byte("\uFEFF" + strings.ReplaceAll(header, ",", ";") + "T;01/02/2024 9:00;PHONE;a.verdi@comune.example.it;;;;;;;;;SELF;ADULTS;ADM_INFO;FORMS;INFORMED;;;;\r\n"))
	f.Add([]byte(header + "\"x\n\"\"y,\n"))
	f.Add([]byte(csvOf(f, nil, with(baseRow(), ColOutcome, "REFERRED_INTERNAL", ColReferralService, "SSP|caf|SSP",
		ColReferralStatus, "ACCEPTED|completed|PROPOSED", ColInformedAbout, "CARITAS|SAD"))))
	f.Add(windows1252(f, csvOf(f, nil, with(baseRow(), ColDistrict, "Citt\u00e0 Sant\u2019Angelo", ColNotes, "\u20ac 50"))))
	f.Add([]byte("contact_ref\n"))
	f.Add([]byte{})

	opt := Options{NeedCodes: domainNeeds, ServiceCodes: domainServices, Now: testNow, MaxRecordBytes: 4096}
	f.Fuzz(func(t *testing.T, data []byte) {
		rd, err := NewReaderWithOptions(bytes.NewReader(data), opt)
		if err != nil {
			return
		}
		var valid []*Row
		for i := 0; ; i++ {
			if i > len(data)+1 {
				t.Fatalf("more rows than bytes: the reader loops")
			}
			row, err := rd.Next()
			if err == io.EOF {
				break
			}
			var re RowErrors
			if errors.As(err, &re) {
				if row == nil || len(re) == 0 {
					t.Fatalf("RowErrors %v with row %v", re, row)
				}
				for _, e := range re {
					if e.Line < 2 || e.PhysicalLine < e.Line || e.Reason == "" {
						t.Fatalf("bad error %+v", e)
					}
				}
				continue
			}
			if err != nil {
				if !errors.Is(err, ErrRecordTooLarge) && !errors.Is(err, ErrMixedEncoding) {
					t.Fatalf("fatal error %v", err)
				}
				break
			}
			checkRow(t, row)
			valid = append(valid, row)
		}
		if len(valid) == 0 {
			return
		}
		var b bytes.Buffer
		w, _ := NewWriter(&b, WriterOptions{})
		for _, r := range valid {
			r.Line = 0
			w.Write(r)
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		o := opt
		o.MaxRecordBytes = 0
		rd2, err := NewReaderWithOptions(&b, o)
		if err != nil {
			t.Fatalf("reading back: %v", err)
		}
		for i, want := range valid {
			got, err := rd2.Next()
			if err != nil {
				t.Fatalf("reading back row %d: %v", i, err)
			}
			got.Line = 0
			if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(Row{}, "PhysicalLine")); diff != "" {
				t.Fatalf("round trip of row %d (-written +read):\n%s", i, diff)
			}
		}
	})
}

func checkRow(t *testing.T, r *Row) {
	t.Helper()
	switch {
	case r.Line < 2 || r.PhysicalLine < r.Line:
		t.Fatalf("line %d, physical %d", r.Line, r.PhysicalLine)
	case r.ContactRef == "" || r.OccurredAt.IsZero() || r.OccurredAt.Location().String() != "UTC":
		t.Fatalf("contact_ref or occurred_at missing: %+v", r)
	case r.Channel == "" || r.Requester == "" || r.TargetArea == "" || r.Outcome == "" || r.OperatorEmail == "":
		t.Fatalf("required enum missing: %+v", r)
	case len(r.Needs) == 0 || len(r.Responses) == 0:
		t.Fatalf("needs or responses empty: %+v", r)
	case r.FiscalCode == "" && (r.FirstName != "" || r.LastName != "" || r.BirthDate != nil):
		t.Fatalf("anonymous row with personal data: %+v", r)
	case r.FiscalCode != "" && (r.BirthDate == nil || r.Sex == "" || r.BirthYear != nil):
		t.Fatalf("identified row without birth date or sex: %+v", r)
	case (r.Outcome == OutcomeReferredInternal || r.Outcome == OutcomeReferredExternal) != (len(r.Referrals) > 0),
		slices.ContainsFunc(r.Referrals, func(x Referral) bool { return x.Service == "" || !referralStatuses[x.Status] }):
		t.Fatalf("referral fields inconsistent: %+v", r)
	case slices.Contains(r.InformedAbout, ""):
		t.Fatalf("empty informed-about code: %+v", r)
	case r.DurationMinutes != nil && (*r.DurationMinutes < 1 || *r.DurationMinutes > 480):
		t.Fatalf("duration %d", *r.DurationMinutes)
	}
}
