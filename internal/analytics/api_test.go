package analytics_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"segretariato/internal/analytics"
	"segretariato/internal/apperr"
	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
	"segretariato/internal/dimension"
)

func TestNewThreshold(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		for k, want := range map[int]int{0: 5, 3: 3, 10: 10} {
			e, err := analytics.New(db, k)
			if err != nil || e.K != want {
				t.Errorf("New(%d) = %v, %v; want K %d", k, e, err, want)
			}
		}
		for _, k := range []int{-1, 1, 2} {
			if _, err := analytics.New(db, k); apperr.CodeOf(err) != apperr.Invalid {
				t.Errorf("New(%d): %v, want INVALID", k, err)
			}
		}
	})
}

// TestDemandSuppressed shows the cell-key method on the town, every
// record key set to 1000 so that the noises are known: a figure of n
// records has the cell key 1000·n mod 4096, so 7 contacts get +1 (2904),
// 8 get +2 (3904), 4 citizens +2 (4000), 3 new citizens or referrals +1
// (3000). By channel, PHONE has 1 contact: withheld. IN_PERSON and the
// total have the same 4 citizens: the same noise. The total is perturbed
// on its own records, not the sum of the cells.
func TestDemandSuppressed(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		eng := town(t, db).engine(3)
		setRecordKeys(t, db, 1000)
		rep, err := eng.Demand(context.Background(), dims("CHANNEL"), "", year2025, true)
		if err != nil {
			t.Fatal(err)
		}
		want := &analytics.Report{
			Cells: []analytics.Cell{
				{Keys: []string{"IN_PERSON"}, Labels: []string{"Di persona"}, Contacts: ptr(8), Citizens: ptr(6), NewCitizens: ptr(4), Referrals: ptr(4)},
				{Keys: []string{"PHONE"}, Labels: []string{"Telefono"}, Citizens: ptr(0), NewCitizens: ptr(0), Referrals: ptr(0), Suppressed: true},
			},
			Total: analytics.Cell{Keys: []string{}, Labels: []string{}, Contacts: ptr(10), Citizens: ptr(6), NewCitizens: ptr(4), Referrals: ptr(4)},
		}
		if diff := cmp.Diff(want, rep); diff != "" {
			t.Errorf("suppressed answer (-want +got):\n%s", diff)
		}

		var plain, excel bytes.Buffer
		if err := analytics.WriteCSV(&plain, rep, dims("CHANNEL"), false); err != nil {
			t.Fatal(err)
		}
		wantCSV := "CHANNEL,contacts,citizens,newCitizens,referrals,suppressed\n" +
			"IN_PERSON,8,6,4,4,false\n" +
			"PHONE,,0,0,0,true\n" +
			"TOTAL,10,6,4,4,false\n"
		if plain.String() != wantCSV {
			t.Errorf("CSV:\n%s\nwant:\n%s", plain.String(), wantCSV)
		}
		if err := analytics.WriteCSV(&excel, rep, dims("CHANNEL"), true); err != nil {
			t.Fatal(err)
		}
		wantExcel := "\uFEFF" + strings.ReplaceAll(strings.ReplaceAll(wantCSV, ",", ";"), "\n", "\r\n")
		if excel.String() != wantExcel {
			t.Errorf("Excel CSV: %q\nwant %q", excel.String(), wantExcel)
		}

		// A small total is hidden as well.
		rep, err = eng.Demand(context.Background(), dims("SEX"), "", analytics.Filter{
			From: year2025.From, To: year2025.To,
			Values: map[dimension.Dimension][]string{dimension.Outcome: {"FOLLOW_UP"}}}, true)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Total.Contacts != nil || !rep.Total.Suppressed || len(rep.Cells) != 1 || rep.Cells[0].Contacts != nil {
			t.Errorf("one contact: %+v", rep)
		}
	})
}

func TestWriteCSVDefusesFormulas(t *testing.T) {
	rep := &analytics.Report{
		Cells: []analytics.Cell{{Keys: []string{"=HYPERLINK(\"x\")", "2025"}, Contacts: ptr(7), Citizens: ptr(6), NewCitizens: ptr(5), Referrals: ptr(0)}},
		Total: analytics.Cell{Contacts: ptr(7), Citizens: ptr(6), NewCitizens: ptr(5), Referrals: ptr(0)},
	}
	var b bytes.Buffer
	if err := analytics.WriteCSV(&b, rep, dims("DISTRICT", "PERIOD"), false); err != nil {
		t.Fatal(err)
	}
	want := "DISTRICT,PERIOD,contacts,citizens,newCitizens,referrals,suppressed\n" +
		"\"'=HYPERLINK(\"\"x\"\")\",2025,7,6,5,0,false\n" +
		"TOTAL,TOTAL,7,6,5,0,false\n"
	if b.String() != want {
		t.Errorf("CSV:\n%s\nwant:\n%s", b.String(), want)
	}
	if err := analytics.WriteCSV(&b, rep, dims("DISTRICT"), false); err == nil {
		t.Error("a report that does not match groupBy was written")
	}
}

func TestEnumsGraphQL(t *testing.T) {
	var d dimension.Dimension
	if err := d.UnmarshalGQL("NEED_MACRO"); err != nil || d != dimension.NeedMacro {
		t.Errorf("UnmarshalGQL: %v %v", d, err)
	}
	if err := d.UnmarshalGQL("COLOUR"); err == nil {
		t.Error("an unknown dimension was accepted")
	}
	var p dimension.PeriodUnit
	if err := p.UnmarshalGQL("QUARTER"); err != nil || p != dimension.Quarter {
		t.Errorf("UnmarshalGQL: %v %v", p, err)
	}
	if err := p.UnmarshalGQL(3); err == nil {
		t.Error("a number was accepted as a period unit")
	}
	var b bytes.Buffer
	dimension.AgeBand.MarshalGQL(&b)
	dimension.Week.MarshalGQL(&b)
	if b.String() != `"AGE_BAND""WEEK"` {
		t.Errorf("MarshalGQL: %s", b.String())
	}
	in := &analytics.FilterInput{Values: []analytics.DimensionValues{
		{Dimension: dimension.Sex, Keys: []string{"F"}},
		{Dimension: dimension.Sex, Keys: []string{"M"}},
	}}
	if diff := cmp.Diff(map[dimension.Dimension][]string{dimension.Sex: {"F", "M"}}, in.Filter().Values); diff != "" {
		t.Errorf("FilterInput.Filter (-want +got):\n%s", diff)
	}
	var nilIn *analytics.FilterInput
	if f := nilIn.Filter(); f.From != nil || f.Values != nil {
		t.Error("a nil input is not an empty filter")
	}
}
