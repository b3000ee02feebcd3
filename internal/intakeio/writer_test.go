package intakeio_test

import (
	"fmt"
	"slices"
	"testing"

	"entgo.io/ent/dialect"

	"segretariato/ent"
	"segretariato/ent/referralevent"
	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
	"segretariato/internal/intakeio"
)

// TestImportCopyWriterSameAsEntWriter: on PostgreSQL, the ent writer (as
// when COPY is not available) and the COPY writer write the same records,
// events' reasons and operators included, for a first import of the
// sample and for a re-import that creates, moves and deletes referrals.
func TestImportCopyWriterSameAsEntWriter(t *testing.T) {
	if !slices.Contains(dbtest.Kinds(t), dialect.Postgres) {
		t.Skip("needs TEST_DATABASE_URL (PostgreSQL)")
	}
	edited := v2Edited(t)
	for _, tc := range []struct {
		name  string
		files [][]byte
		batch int
	}{
		{"sample", [][]byte{dataFile(t, "intake-sample.csv")}, 150},
		{"re-import", [][]byte{[]byte(v2File), []byte(edited)}, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			type result struct {
				dump   map[string]string
				events []string
				sizes  counts
			}
			results := map[bool][]result{}
			for _, useCopy := range []bool{false, true} {
				*intakeio.CopyEnabled = useCopy
				db := dbtest.Open(t, dialect.Postgres, database.Options{})
				mustCreateOperators(t, db.Client, sampleOperators(t))
				for _, file := range tc.files {
					mustImport(t, db, file, intakeio.ImportOptions{BatchSize: tc.batch})
					results[useCopy] = append(results[useCopy], result{dump(t, db.Client), eventDump(t, db.Client), mustCount(t, db.Client)})
				}
			}
			*intakeio.CopyEnabled = true
			for i, want := range results[false] {
				got := results[true][i]
				checkSameDump(t, want.dump, got.dump)
				if !slices.Equal(want.events, got.events) {
					t.Errorf("import %d, events: ent writer %v, COPY writer %v", i+1, want.events, got.events)
				}
				if want.sizes != got.sizes {
					t.Errorf("import %d, table sizes: ent writer %+v, COPY writer %+v", i+1, want.sizes, got.sizes)
				}
			}
		})
	}
}

// eventDump lists every referral event, in id order, with what dump
// leaves out: its reason and operator.
func eventDump(t *testing.T, c *ent.Client) []string {
	t.Helper()
	events, err := c.ReferralEvent.Query().WithOperator().WithReferral(func(q *ent.ReferralQuery) { q.WithContact() }).
		Order(referralevent.ByID()).All(sysCtx())
	if err != nil {
		t.Fatalf("reading the events: %v", err)
	}
	out := make([]string, len(events))
	for i, e := range events {
		out[i] = fmt.Sprintf("%s: %s>%s %q %s", *e.Edges.Referral.Edges.Contact.ContactRef,
			str(e.FromStatus), e.ToStatus, e.Reason, e.Edges.Operator.Email)
	}
	return out
}
