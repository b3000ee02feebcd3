package rollup_test

import (
	"bytes"
	"context"
	"os"
	"testing"

	"segretariato/ent/privacy"
	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
	"segretariato/internal/intakeio"
	"segretariato/internal/rollup/rolluptest"
	"segretariato/internal/sample"
)

func importSample(t testing.TB, db *database.DB) {
	t.Helper()
	ctx := privacy.DecisionContext(context.Background(), privacy.Allow)
	sample.CreateOperators(t, db.Client)
	data, err := os.ReadFile("../../testdata/intake-sample.csv")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := intakeio.Import(ctx, db, bytes.NewReader(data), intakeio.ImportOptions{}); err != nil {
		t.Fatalf("importing the sample: %v", err)
	}
}

func TestSampleVerifies(t *testing.T) {
	for _, kind := range dbtest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			db := dbtest.Open(t, kind, database.Options{})
			importSample(t, db)
			rep := rolluptest.Check(t, db, "the sample")
			if rep.Contacts == 0 || rep.Cells == 0 {
				t.Fatalf("nothing verified: %+v", rep)
			}
		})
	}
}
