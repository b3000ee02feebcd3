package region_test

import (
	"bytes"
	"crypto/sha256"
	"io"
	"os"
	"path/filepath"
	"testing"

	"segretariato/internal/fiscalcode"
	"segretariato/internal/intakecsv"
	"segretariato/internal/localtime"
	"segretariato/internal/refdata"
	"segretariato/internal/region"
)

// readerFor reads a generated file as the importer does: every need,
// service and operator e-mail must be known.
func readerFor(t *testing.T, r io.Reader) *intakecsv.Reader {
	t.Helper()
	need, svc, ops := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, n := range refdata.Needs {
		need[n.Code] = true
	}
	for _, s := range refdata.Services {
		svc[s.Code] = true
	}
	for _, o := range region.Operators() {
		ops[o.Email] = true
	}
	rd, err := intakecsv.NewReaderWithOptions(r, intakecsv.Options{NeedCodes: need, ServiceCodes: svc, OperatorEmails: ops})
	if err != nil {
		t.Fatal(err)
	}
	return rd
}

func TestGenerateShape(t *testing.T) {
	const n = 20_000
	var buf bytes.Buffer
	st, err := region.Generate(&buf, region.Config{Contacts: n, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	rd := readerFor(t, &buf)
	rows, anon, referred := 0, 0, 0
	citizens := map[string]int{}
	districts := map[string]int{}
	statuses := map[string]int{}
	mainNeeds := map[string]int{}
	years := map[int]int{}
	for {
		row, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("generated row invalid: %v", err)
		}
		rows++
		local := row.OccurredAt.In(localtime.Rome)
		years[local.Year()]++
		if h := local.Hour(); h < 9 || h >= 17 || local.Weekday() == 0 || local.Weekday() == 6 {
			t.Errorf("row %s outside opening hours: %s", row.ContactRef, local)
		}
		mainNeeds[row.Needs[0]]++
		if len(row.Needs) < 1 || len(row.Needs) > 3 {
			t.Errorf("row %s has %d needs", row.ContactRef, len(row.Needs))
		}
		if len(row.Referrals) > 0 {
			referred++
		}
		for _, r := range row.Referrals {
			statuses[r.Status]++
		}
		if row.FiscalCode == "" {
			anon++
			continue
		}
		if _, err := fiscalcode.Parse(row.FiscalCode); err != nil {
			t.Errorf("fiscal code %s: %v", row.FiscalCode, err)
		}
		citizens[row.FiscalCode]++
		districts[row.District]++
	}
	if rows != n || st.Contacts != n || st.Anonymous != anon || st.Citizens != len(citizens) {
		t.Fatalf("%d rows, %d anonymous, %d citizens; stats %+v", rows, anon, len(citizens), st)
	}
	if share := float64(anon) / n; share < 0.15 || share > 0.20 {
		t.Errorf("anonymous share %.3f, want 0.15-0.20", share)
	}
	if ratio := float64(len(citizens)) / n; ratio < 0.26 || ratio > 0.34 {
		t.Errorf("citizens per contact %.3f, want about 0.3", ratio)
	}
	if share := float64(referred) / n; share < 0.22 || share > 0.28 {
		t.Errorf("referred share %.3f, want about 0.25", share)
	}
	once, frequent := 0, 0
	for _, k := range citizens {
		if k == 1 {
			once++
		}
		if k >= 20 {
			frequent++
		}
	}
	if once < len(citizens)/2 || frequent == 0 {
		t.Errorf("%d of %d citizens came once, %d came 20 times or more: want most once and some often", once, len(citizens), frequent)
	}
	for _, s := range []string{"PROPOSED", "ACCEPTED", "DECLINED", "COMPLETED", "CANCELLED"} {
		if statuses[s] == 0 {
			t.Errorf("no referral %s: %v", s, statuses)
		}
	}
	for y := 2021; y <= 2025; y++ {
		if years[y] < n/7 {
			t.Errorf("year %d has %d contacts", y, years[y])
		}
	}
	if len(years) != 5 || len(districts) < 150 || mainNeeds["ECO_INCOME"] < 4*mainNeeds["VIO_DOMESTIC"] {
		t.Errorf("years %v, %d districts, main needs %v", years, len(districts), mainNeeds)
	}
}

func TestGenerateDeterministicAndCached(t *testing.T) {
	sum := func(cfg region.Config) [32]byte {
		var buf bytes.Buffer
		if _, err := region.Generate(&buf, cfg); err != nil {
			t.Fatal(err)
		}
		return sha256.Sum256(buf.Bytes())
	}
	a, b, c := sum(region.Config{Contacts: 2000, Seed: 5}), sum(region.Config{Contacts: 2000, Seed: 5}), sum(region.Config{Contacts: 2000, Seed: 6})
	if a != b || a == c {
		t.Errorf("same seed gave different files or another seed the same one")
	}
	dir := t.TempDir()
	cfg := region.Config{Contacts: 2000, Seed: 5}
	path, created, err := region.Cached(dir, cfg)
	if err != nil || !created || path != filepath.Join(dir, "region-2000-5.csv") {
		t.Fatalf("first Cached: %s %v %v", path, created, err)
	}
	data, err := os.ReadFile(path)
	if err != nil || sha256.Sum256(data) != a {
		t.Fatalf("cached file differs from Generate's: %v", err)
	}
	if _, created, err := region.Cached(dir, cfg); err != nil || created {
		t.Errorf("second Cached generated again: %v %v", created, err)
	}
}
