package analytics

import (
	"cmp"
	"context"
	"database/sql"
	"slices"
	"time"

	"segretariato/internal/apperr"
	"segretariato/internal/dimension"
	"segretariato/internal/metrics"
)

// FunnelRow is the referral funnel of one service in one period: the
// referrals of the period's contacts (the period is the contact's local
// date, as in Demand) and how far they went.
//
// The steps are reached-step counts, so the funnel reads as a cohort:
// Accepted counts every referral that was ever accepted (also those since
// completed, or cancelled after acceptance); Declined, Completed and
// Cancelled are final states. A step counts when its date is recorded or
// the current status implies it (COMPLETED implies accepted).
type FunnelRow struct {
	// Service is the service's code; ServiceName its name.
	Service     string `json:"service"`
	ServiceName string `json:"serviceName"`
	// Period is the key of the contacts' period ("2025-03").
	Period string `json:"period"`
	// Proposed counts all the referrals created.
	Proposed  *int `json:"proposed"`
	Accepted  *int `json:"accepted"`
	Declined  *int `json:"declined"`
	Completed *int `json:"completed"`
	Cancelled *int `json:"cancelled"`
	// CompletionRate is Completed / Proposed (0 to 1).
	CompletionRate *float64 `json:"completionRate"`
	// MedianDaysToAcceptance and MedianDaysToCompletion are medians of the
	// calendar days (Europe/Rome) from the contact to the step, over the
	// referrals that reached it; nil when none did.
	MedianDaysToAcceptance *float64 `json:"medianDaysToAcceptance"`
	MedianDaysToCompletion *float64 `json:"medianDaysToCompletion"`
	// Suppressed: a count of the row was withheld (Perturb), and so are
	// all its figures.
	Suppressed bool `json:"suppressed"`
}

// Funnel counts, per service and period, the referrals of the contacts of
// the filter (REFERRAL_SERVICE in the filter restricts the services). With
// suppress, each count is perturbed by the cell-key method on the
// referrals it counts (Perturb), and a row with any count withheld is
// withheld whole (its steps are nested, so one hidden step could be
// bounded from the others); the completion rate is then that of the
// perturbed counts (at most 1). The medians are not perturbed: they are
// shown only in rows whose counts are all 0 or K and more.
//
// With no filter but the dates, it reads the funnel cells kept per week
// and month and service (internal/rollup) of the whole periods of the
// range, one statement, and the referrals' facts of the days at its
// edges, one more; the medians come from the cells' counts per number of
// days. Otherwise counts and medians run in SQL over the referrals'
// facts, joined to the contacts' facts for a filter on another dimension:
// one statement (the medians with percentile_cont on PostgreSQL, with
// window functions on SQLite). One more reads the services. It returns
// INVALID errors for a bad request, INTERNAL ones for database failures.
func (e *Engine) Funnel(ctx context.Context, period dimension.PeriodUnit, f Filter, suppress bool) ([]FunnelRow, error) {
	defer e.Metrics.Answer(metrics.AnswerFunnel, time.Now())
	if period == "" {
		period = dimension.Month
	}
	if !period.Valid() {
		return nil, apperr.OnField("period", "unknown period unit")
	}
	days, err := checkFilter(f)
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	codes := map[int]string{}
	err = e.rows(ctx, "SELECT id, code, name FROM services", nil, func(scan func(...any) error) error {
		var id int
		var code, name string
		if err := scan(&id, &code, &name); err != nil {
			return err
		}
		codes[id], names[code] = code, name
		return nil
	})
	if err != nil {
		return nil, apperr.Wrap(err, apperr.Internal, "internal error")
	}
	var fs *funnelSums
	if standard([]dimension.Dimension{dimension.Period}, f) {
		fs, err = e.funnelFromCells(ctx, period, days, codes, suppress)
	} else {
		fs, err = e.funnelFromFacts(ctx, period, f, suppress)
	}
	if err != nil {
		return nil, err
	}
	order, byKey, medians := fs.order, fs.byKey, fs.medians
	slices.SortFunc(order, func(a, b funnelKey) int {
		return cmp.Or(cmp.Compare(a.service, b.service), cmp.Compare(a.period, b.period))
	})
	k := e.k()
	rows := make([]FunnelRow, 0, len(order))
	for _, kk := range order {
		r := byKey[kk]
		row := FunnelRow{Service: kk.service, ServiceName: names[kk.service], Period: kk.period}
		var shown [5]*int
		for i, n := range r.n {
			shown[i] = &n
			if suppress {
				shown[i] = Perturb(n, r.keys[i], k)
			}
			if shown[i] == nil {
				row.Suppressed = true
			}
		}
		if !row.Suppressed {
			row.Proposed, row.Accepted, row.Declined, row.Completed, row.Cancelled = shown[0], shown[1], shown[2], shown[3], shown[4]
			if *shown[0] > 0 {
				rate := min(1, float64(*shown[3])/float64(*shown[0]))
				row.CompletionRate = &rate
			}
			if v, ok := medians[1][kk]; ok {
				row.MedianDaysToAcceptance = &v
			}
			if v, ok := medians[2][kk]; ok {
				row.MedianDaysToCompletion = &v
			}
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// funnelKey is a funnel row's service code and period.
type funnelKey struct{ service, period string }

// funnelRaw is a funnel row's counts and their key sums.
type funnelRaw struct {
	n    [5]int
	keys [5]int64
}

// funnelSums are the funnel's rows before perturbation: their counts, and
// the median days to acceptance (medians[1]) and completion (medians[2]).
type funnelSums struct {
	order   []funnelKey
	byKey   map[funnelKey]*funnelRaw
	medians [3]map[funnelKey]float64
}

func newFunnelSums() *funnelSums {
	return &funnelSums{byKey: map[funnelKey]*funnelRaw{}, medians: [3]map[funnelKey]float64{nil, {}, {}}}
}

// funnelFromFacts counts the funnel in one statement over the referrals'
// facts of the filter.
func (e *Engine) funnelFromFacts(ctx context.Context, period dimension.PeriodUnit, f Filter, suppress bool) (*funnelSums, error) {
	rel, err := e.relation(relationSpec{group: []dimension.Dimension{dimension.Period}, period: period, filter: f, referrals: true}, nil)
	if err != nil {
		return nil, err
	}
	// The record key of each referral, for the key sums of the perturbed
	// counts (0 in an exact answer).
	rk := "0"
	if suppress {
		rk = "r.record_key"
	}
	s := e.sqlFor()
	real := "REAL"
	if s.postgres {
		real = "DOUBLE PRECISION"
	}
	// The counts of the steps (columns prefixed by t) and their key sums.
	counts := func(t, rk string) string {
		out := "COUNT(*)"
		steps := []string{"accepted", "declined", "completed", "cancelled"}
		for _, st := range steps {
			out += ", SUM(" + t + st + ")"
		}
		out += ", SUM(" + rk + ")"
		for _, st := range steps {
			out += ", SUM(" + t + st + " * " + rk + ")"
		}
		return out
	}
	var query string
	if s.postgres {
		// One pass: the counts and both medians (percentile_cont: the
		// middle value, or the mean of the two middle ones) per service
		// and period.
		median := func(col string) string { return "percentile_cont(0.5) WITHIN GROUP (ORDER BY r." + col + ")" }
		query = "SELECT 0, s.code, " + rel.keys[dimension.Period] + ", " + counts("r.", rk) + ", " +
			median("days_to_acceptance") + ", " + median("days_to_completion") + " " + rel.sql() + " GROUP BY s.code, " + rel.keys[dimension.Period]
	} else {
		// One statement over f, one row per referral: the counts per
		// service and period (kind 0), then the median days to
		// acceptance (1) and to completion (2): the middle row, or the
		// mean of the two middle rows, of each group ordered by days.
		median := func(kind, col string) string {
			return " UNION ALL SELECT " + kind + ", svc, period, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, AVG(CAST(" + col + " AS " + real + ")), NULL FROM (" +
				"SELECT svc, period, " + col + ", ROW_NUMBER() OVER (PARTITION BY svc, period ORDER BY " + col + ") AS rn," +
				" COUNT(*) OVER (PARTITION BY svc, period) AS cnt FROM f WHERE " + col + " IS NOT NULL) m" +
				" WHERE rn = (cnt + 1) / 2 OR rn = (cnt + 2) / 2 GROUP BY svc, period"
		}
		query = "WITH f AS MATERIALIZED (SELECT s.code AS svc, " + rel.keys[dimension.Period] + " AS period, " + rk + " AS rk," +
			" r.accepted, r.declined, r.completed, r.cancelled, r.days_to_acceptance AS d_acc, r.days_to_completion AS d_comp " + rel.sql() + ")" +
			" SELECT 0, svc, period, " + counts("", "rk") + ", NULL, NULL FROM f GROUP BY svc, period" +
			median("1", "d_acc") + median("2", "d_comp")
	}
	fs := newFunnelSums()
	err = e.rows(ctx, query, rel.b.Args, func(scan func(...any) error) error {
		var kind int
		var k funnelKey
		var n [5]int
		var ks [5]int64
		var m [2]sql.NullFloat64
		if err := scan(&kind, &k.service, &k.period, &n[0], &n[1], &n[2], &n[3], &n[4],
			&ks[0], &ks[1], &ks[2], &ks[3], &ks[4], &m[0], &m[1]); err != nil {
			return err
		}
		if kind != 0 { // a median alone (SQLite)
			m = [2]sql.NullFloat64{m[0], {}}
			if kind == 2 {
				m[0], m[1] = m[1], m[0]
			}
		} else {
			fs.byKey[k] = &funnelRaw{n, ks}
			fs.order = append(fs.order, k)
		}
		for i, v := range m {
			if v.Valid {
				fs.medians[i+1][k] = v.Float64
			}
		}
		return nil
	})
	if err != nil {
		return nil, apperr.Wrap(err, apperr.Internal, "internal error")
	}
	return fs, nil
}
