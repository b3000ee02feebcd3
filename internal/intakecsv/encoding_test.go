package intakecsv

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/text/encoding/charmap"
)

// windows1252 encodes s as Italian Excel saves it by default.
func windows1252(t testing.TB, s string) []byte {
	t.Helper()
	b, err := charmap.Windows1252.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatalf("encoding the fixture as windows-1252: %v", err)
	}
	return b
}

// accented is a row with what Italian cards hold beyond ASCII.
func accented() map[string]string {
	return with(baseRow(), ColFirstName, "Niccolò", ColLastName, "D’Annunzio", ColDistrict, "Città Sant'Angelo",
		ColNotes, "Affitto di 450 € non pagato; è seguito dalla Caritas")
}

// readEncoded reads every row of data and returns them with the reader's
// final encoding.
func readEncoded(t *testing.T, data []byte, enc Encoding) ([]*Row, Encoding) {
	t.Helper()
	o := sampleOptions(t)
	o.Encoding = enc
	rd, err := NewReaderWithOptions(bytes.NewReader(data), o)
	if err != nil {
		t.Fatal(err)
	}
	var rows []*Row
	for {
		row, err := rd.Next()
		if err == io.EOF {
			return rows, rd.Encoding()
		}
		if err != nil {
			t.Fatalf("line %d: %v", len(rows)+2, err)
		}
		rows = append(rows, row)
	}
}

func TestWindows1252Detected(t *testing.T) {
	text := csvOf(t, nil, baseRow(), with(accented(), ColContactRef, "T-2"))
	want, enc := readEncoded(t, []byte(text), "")
	if enc != UTF8 {
		t.Fatalf("UTF-8 file read as %s", enc)
	}
	if want[1].District != "Città Sant'Angelo" || want[1].LastName != "D’Annunzio" || !strings.Contains(want[1].Notes, "450 €") {
		t.Fatalf("UTF-8 row = %+v", want[1])
	}
	for name, data := range map[string][]byte{
		"windows-1252":            windows1252(t, text),
		"windows-1252 with a BOM": append([]byte("\uFEFF"), windows1252(t, text)...),
		// Ã© (C3 A9) is valid UTF-8: only the whole file tells.
		"windows-1252, UTF-8-like bytes first": windows1252(t, csvOf(t, nil, with(baseRow(), ColNotes, "Ã©"), with(accented(), ColContactRef, "T-2"))),
	} {
		t.Run(name, func(t *testing.T) {
			got, enc := readEncoded(t, data, "")
			if enc != Windows1252 {
				t.Errorf("encoding = %s, want windows-1252", enc)
			}
			if len(got) != 2 {
				t.Fatalf("%d rows", len(got))
			}
			if name == "windows-1252, UTF-8-like bytes first" {
				if got[0].Notes != "Ã©" {
					t.Errorf("notes = %q, want the windows-1252 reading", got[0].Notes)
				}
				got[0] = want[0]
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("rows (-UTF-8 +windows-1252):\n%s", diff)
			}
		})
	}
	// Forcing the encoding reads the same.
	got, enc := readEncoded(t, windows1252(t, text), Windows1252)
	if enc != Windows1252 || cmp.Diff(want, got) != "" {
		t.Errorf("forced windows-1252: %s, rows differ: %s", enc, cmp.Diff(want, got))
	}
}

// TestWindows1252DecidedForTheWholeFile: a file whose first byte that is not
// UTF-8 comes after the detection window, behind UTF-8 text, stops the reader
// with ErrMixedEncoding (the caller reads it again as windows-1252), and
// reads right when forced.
func TestWindows1252DecidedForTheWholeFile(t *testing.T) {
	rows := []map[string]string{with(baseRow(), ColNotes, "Ã©")} // windows-1252 bytes C3 A9: valid UTF-8 "é"
	for i := 0; i < 2*detectWindow/200; i++ {
		rows = append(rows, with(baseRow(), ColContactRef, fmt.Sprint("F-", i)))
	}
	rows = append(rows, with(accented(), ColContactRef, "LAST"))
	data := windows1252(t, csvOf(t, nil, rows...))
	if bytes.IndexByte(data, 0xE0) < detectWindow {
		t.Fatalf("fixture too short: the first windows-1252 letter is inside the window")
	}
	rd, err := NewReaderWithOptions(bytes.NewReader(data), sampleOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	for {
		_, err := rd.Next()
		if errors.Is(err, ErrMixedEncoding) {
			break
		}
		var re RowErrors
		if err != nil && !errors.As(err, &re) {
			t.Fatalf("err = %v, want ErrMixedEncoding", err)
		}
	}
	got, enc := readEncoded(t, data, Windows1252)
	if enc != Windows1252 || got[0].Notes != "Ã©" || got[len(got)-1].District != "Città Sant'Angelo" {
		t.Errorf("forced: %s, first notes %q, last district %q", enc, got[0].Notes, got[len(got)-1].District)
	}
}

// TestWindows1252StillRefuses: NUL bytes are refused in a windows-1252 file
// too, and so are the bytes that have no windows-1252 character.
func TestWindows1252StillRefuses(t *testing.T) {
	// 0x81 is one of the five bytes windows-1252 leaves without a character.
	data := windows1252(t, csvOf(t, nil, with(accented(), ColNotes, "a\x00b"), with(accented(), ColContactRef, "T-2", ColFirstName, "Nicc#olò")))
	data = bytes.Replace(data, []byte("#"), []byte{0x81}, 1)
	o := sampleOptions(t)
	_, errs := readAll(t, bytes.NewReader(data), o)
	want := RowErrors{
		{Line: 2, PhysicalLine: 2, Column: ColNotes, Reason: ReasonControlCharacter},
		{Line: 3, PhysicalLine: 3, Column: ColFirstName, Reason: ReasonNotWindows1252},
	}
	if diff := cmp.Diff(want, errs); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
}

func TestUnknownEncoding(t *testing.T) {
	if _, err := NewReaderWithOptions(strReader(csvOf(t, nil, baseRow())), Options{Encoding: "latin-9"}); err == nil {
		t.Errorf("unknown encoding accepted")
	}
}

// TestSeveralReferrals: services and statuses pair up in order, a service
// may come twice, an empty status cell makes every referral PROPOSED, and
// informed_about is a list of services.
func TestSeveralReferrals(t *testing.T) {
	ref := func(m map[string]string) map[string]string {
		return with(m, ColOutcome, "REFERRED_EXTERNAL", ColInformedAbout, " caritas | SAD")
	}
	in := csvOf(t, nil,
		with(ref(baseRow()), ColReferralService, "CAF| sad |CAF", ColReferralStatus, "cancelled|ACCEPTED| PROPOSED"),
		with(ref(baseRow()), ColContactRef, "T-2", ColReferralService, "CAF|SAD"),
	)
	rows, errs := readAll(t, strReader(in), sampleOptions(t))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	want := [][]Referral{
		{{"CAF", "CANCELLED"}, {"SAD", "ACCEPTED"}, {"CAF", "PROPOSED"}},
		{{"CAF", "PROPOSED"}, {"SAD", "PROPOSED"}},
	}
	for i, r := range rows {
		if diff := cmp.Diff(want[i], r.Referrals); diff != "" {
			t.Errorf("row %d referrals (-want +got):\n%s", i, diff)
		}
		if diff := cmp.Diff([]string{"CARITAS", "SAD"}, r.InformedAbout); diff != "" {
			t.Errorf("row %d informed about (-want +got):\n%s", i, diff)
		}
	}
	// And they are written back in the same order.
	var b bytes.Buffer
	w, _ := NewWriter(&b, WriterOptions{})
	w.Write(rows[0])
	w.Flush()
	if !strings.Contains(b.String(), ",CAF|SAD|CAF,CANCELLED|ACCEPTED|PROPOSED,CARITAS|SAD,") {
		t.Errorf("written as %q", b.String())
	}
}
