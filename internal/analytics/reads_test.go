package analytics_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"segretariato/ent/schema/schematype"
	"segretariato/internal/analytics"
	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
	"segretariato/internal/dimension"
)

// answers are every kind of answer of the engine, as cmd/server's API
// gives them (the CSV download is the demand answer written out).
type answers struct {
	Demand   *analytics.Report
	Funnel   []analytics.FunnelRow
	Caseload []analytics.CaseloadRow
	Quality  *analytics.QualityReport
}

func answersOf(t *testing.T, e *analytics.Engine) (answers, error) {
	t.Helper()
	ctx := context.Background()
	e.Now = func() time.Time { return time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC) }
	var a answers
	var err error
	groupBy := []dimension.Dimension{dimension.Operator, dimension.District, dimension.MainNeed, dimension.ReferralService}
	if a.Demand, err = e.Demand(ctx, groupBy, dimension.Month, analytics.Filter{}, false); err != nil {
		return a, err
	}
	if a.Funnel, err = e.Funnel(ctx, dimension.Month, analytics.Filter{}, false); err != nil {
		return a, err
	}
	if a.Caseload, err = e.Caseload(ctx, analytics.Filter{}); err != nil {
		return a, err
	}
	a.Quality, err = e.Quality(ctx, 2025)
	return a, err
}

// TestReadsAnswerEveryQuery checks that Engine.Reads, when set, answers
// every query of every answer: an engine over an empty database (the
// reference data alone) reading from a full one answers as an engine over
// the full one, and an engine whose Reads is closed answers nothing.
func TestReadsAnswerEveryQuery(t *testing.T) {
	for _, kind := range dbtest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			full := dbtest.Open(t, kind, database.Options{})
			f := qualityFixture(t, full)
			r := f.operator("r@example.it", schematype.RoleSocialWorker)
			k := f.contact(contactSpec{at: local(2025, 6, 2, 10, 0), operator: r, needs: []string{"ADM_INFO"},
				citizen: f.citizen(citizenSpec{district: "Centro"}), outcome: schematype.OutcomeReferredExternal})
			f.referral(referralSpec{contact: k, service: "CAF", proposed: local(2025, 6, 2, 10, 0)})
			want, err := answersOf(t, f.engine(0))
			if err != nil {
				t.Fatal(err)
			}
			if len(want.Demand.Cells) == 0 || len(want.Funnel) == 0 || len(want.Caseload) == 0 || len(want.Quality.Locations) == 0 {
				t.Fatalf("the full database answers nothing to compare: %+v", want)
			}

			empty := dbtest.Open(t, kind, database.Options{})
			e, err := analytics.New(empty, 0)
			if err != nil {
				t.Fatal(err)
			}
			e.Reads = full.SQL
			got, err := answersOf(t, e)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("reading from the full database (-want +got):\n%s", diff)
			}

			closed := dbtest.Open(t, kind, database.Options{})
			closed.Close()
			e.Reads = closed.SQL
			for name, ask := range map[string]func(context.Context) error{
				"demand": func(ctx context.Context) error {
					_, err := e.Demand(ctx, []dimension.Dimension{dimension.Operator}, dimension.Month, analytics.Filter{}, false)
					return err
				},
				"funnel": func(ctx context.Context) error {
					_, err := e.Funnel(ctx, dimension.Month, analytics.Filter{}, false)
					return err
				},
				"caseload": func(ctx context.Context) error { _, err := e.Caseload(ctx, analytics.Filter{}); return err },
				"quality":  func(ctx context.Context) error { _, err := e.Quality(ctx, 2025); return err },
			} {
				if err := ask(context.Background()); err == nil {
					t.Errorf("%s answered with Reads closed", name)
				}
			}
		})
	}
}
