package analytics

import (
	"cmp"
	"context"
	"database/sql"
	"slices"
	"strconv"
	"strings"
	"time"

	"segretariato/internal/apperr"
	"segretariato/internal/cellkey"
	"segretariato/internal/database"
	"segretariato/internal/dimension"
	"segretariato/internal/metrics"
	"segretariato/internal/sqlbind"
)

// DefaultK is the default small-cell threshold: counts 1 to K-1 are
// suppressed.
const DefaultK = 5

// MinK is the lowest threshold New accepts (the minimum of the rules of the
// Italian statistical system).
const MinK = 3

// Engine computes the demand figures, the referral funnel, the caseload
// and the charter's quality report. It holds no state between calls and
// is safe for concurrent use.
type Engine struct {
	DB *database.DB
	// Reads, when set, answers every query of the engine instead of
	// DB.SQL: a read replica of DB (same dialect and schema). Nil: DB.SQL.
	Reads *sql.DB
	// K is the small-cell threshold of suppressed answers.
	K int
	// Now is the clock of the quality report (which weeks are over); nil
	// means time.Now.
	Now func() time.Time
	// Metrics times the answers (segretariato_analytics_answer_duration_seconds);
	// nil: not timed.
	Metrics *metrics.Metrics
	keys    citizenKeys
}

// New returns an engine over db with threshold k; k = 0 means DefaultK.
// It returns an INVALID error when k is below MinK.
func New(db *database.DB, k int) (*Engine, error) {
	if k == 0 {
		k = DefaultK
	}
	if k < MinK {
		return nil, apperr.New(apperr.Invalid, "the suppression threshold must be at least %d", MinK)
	}
	return &Engine{DB: db, K: k}, nil
}

func (e *Engine) k() int {
	if e.K < MinK {
		return DefaultK
	}
	return e.K
}

func (e *Engine) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

// Cell is one combination of keys and its figures. In a suppressed
// (analyst's) answer the figures are perturbed and a small one is nil
// (Perturb); Suppressed says that at least one figure of the cell is
// withheld.
type Cell struct {
	// Keys are the cell's keys, one per dimension of the answer's groupBy,
	// in that order; Labels their Italian display names.
	Keys   []string `json:"keys"`
	Labels []string `json:"labels"`
	// Contacts is the number of contacts.
	Contacts *int `json:"contacts"`
	// Citizens is the number of distinct identified citizens.
	Citizens *int `json:"citizens"`
	// NewCitizens is the number of citizens whose first ever contact is one
	// of the cell's contacts.
	NewCitizens *int `json:"newCitizens"`
	// Referrals is the number of referrals of the cell's contacts (in a
	// REFERRAL_SERVICE cell, those to that service).
	Referrals  *int `json:"referrals"`
	Suppressed bool `json:"suppressed"`
}

// Report is a demand answer: the non-empty cells, in display order, and
// the total of the contacts the filter selects (not the sum of the cells,
// which exceeds it for NEED, NEED_MACRO and REFERRAL_SERVICE, and for
// citizens by period).
type Report struct {
	Cells []Cell `json:"cells"`
	Total Cell   `json:"total"`
}

// counts are a cell's four figures before suppression.
type counts [numMeasures]int

// keySums are, per figure, the sum of the record keys of the records it
// counts (suppress.go); zero in an exact answer.
type keySums [numMeasures]int64

const (
	mContacts = iota
	mCitizens
	mNewCitizens
	mReferrals
	numMeasures
)

// demandMeasures are the four figures over a relation's rows, then the
// sums of their record keys (suppress.go) when keyed, zeros otherwise. A
// contact is on one row at most per cell (see relation), and each citizen
// has one first contact, so only citizens needs a DISTINCT.
//
// The citizens' key sum adds each distinct citizen's key once: SUM(DISTINCT)
// over a value unique to the citizen, its number within the citizens' id
// range (ent's global ids give each type a range of 2^32) times
// cellkey.Size, plus its key; modulo cellkey.Size only the keys remain.
// The numbers are those of the citizens created, so the sum stays far
// below 2^63 (SQLite fails on overflow) short of tens of millions of
// citizens.
func (r *relation) demandMeasures(keyed bool) string {
	m := "COUNT(*), COUNT(DISTINCT x.citizen_id), COALESCE(SUM(x.is_first), 0), COALESCE(SUM(" + r.refCount + "), 0), "
	if !keyed {
		return m + "0, 0, 0, 0"
	}
	size := strconv.Itoa(cellkey.Size)
	return m + "COALESCE(SUM(x.record_key), 0), " +
		"COALESCE(SUM(DISTINCT (x.citizen_id % 4294967296) * " + size + " + x.citizen_key), 0) % " + size + ", " +
		"COALESCE(SUM(x.is_first * x.citizen_key), 0), COALESCE(SUM(" + r.refKey + "), 0)"
}

// row is one cell of an answer before its labels: its stored keys (nil:
// the total), its figures and their key sums.
type row struct {
	keys []string
	c    counts
	ks   keySums
}

// Demand counts the contacts of the filter grouped by groupBy (at most 4
// dimensions; none gives the total alone). period is the unit of the
// PERIOD dimension (MONTH when empty). With suppress, the figures are
// perturbed by the cell-key method and those under K withheld (Perturb;
// see the package comment).
//
// A standard pivot (the period and at most one other dimension, filtered
// by dates only) reads the cells kept per week or month (cells.go) and,
// for the days at the edges of the range that do not make a whole week or
// month, the contacts' facts; any other answer groups the facts in one
// statement. Then at most one statement per dimension reads its labels.
// It returns INVALID errors for a bad request, INTERNAL ones for database
// failures.
func (e *Engine) Demand(ctx context.Context, groupBy []dimension.Dimension, period dimension.PeriodUnit, f Filter, suppress bool) (*Report, error) {
	defer e.Metrics.Answer(metrics.AnswerDemand, time.Now())
	if err := checkGroupBy(groupBy); err != nil {
		return nil, err
	}
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
	var lk lookups
	if err := lk.load(ctx, e, groupBy); err != nil {
		return nil, apperr.Wrap(err, apperr.Internal, "internal error")
	}
	var rows []row
	var total row
	if standard(groupBy, f) {
		rows, total, err = e.cellRows(ctx, groupBy, period, days, suppress)
	} else {
		rows, total, err = e.factRows(ctx, groupBy, period, f, suppress)
	}
	if err != nil {
		return nil, apperr.Wrap(err, apperr.Internal, "internal error")
	}

	rep := &Report{Cells: make([]Cell, len(rows))}
	for i, r := range rows {
		cell := Cell{Keys: make([]string, len(groupBy)), Labels: make([]string, len(groupBy))}
		for j, d := range groupBy {
			k := lk.display(d, r.keys[j])
			cell.Keys[j] = k
			cell.Labels[j] = lk.label(d, k, period)
		}
		rep.Cells[i] = cell
	}
	// Display order: each dimension's order, then the key.
	idx := make([]int, len(rep.Cells))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		for i, d := range groupBy {
			ka, kb := rep.Cells[a].Keys[i], rep.Cells[b].Keys[i]
			if c := cmp.Compare(lk.rank(d, ka), lk.rank(d, kb)); c != 0 {
				return c
			}
			if c := cmp.Compare(ka, kb); c != 0 {
				return c
			}
		}
		return 0
	})
	cells := make([]Cell, len(idx))
	for i, j := range idx {
		cells[i] = rep.Cells[j]
		e.fill(&cells[i], rows[j].c, rows[j].ks, suppress)
	}
	rep.Cells = cells
	rep.Total = Cell{Keys: []string{}, Labels: []string{}}
	e.fill(&rep.Total, total.c, total.ks, suppress)
	return rep, nil
}

// factRows groups the facts of the filter's contacts: one statement, the
// cells then the total (flagged 1); the two relations bind their
// arguments in the order they are written.
func (e *Engine) factRows(ctx context.Context, groupBy []dimension.Dimension, period dimension.PeriodUnit, f Filter, keyed bool) ([]row, row, error) {
	b := &sqlbind.Binder{Postgres: e.sqlFor().postgres}
	var query strings.Builder
	nulls := make([]string, len(groupBy))
	if len(groupBy) > 0 {
		rel, err := e.relation(relationSpec{group: groupBy, period: period, filter: f}, b)
		if err != nil {
			return nil, row{}, err
		}
		exprs := make([]string, len(groupBy))
		for i, d := range groupBy {
			exprs[i] = rel.keys[d]
			nulls[i] = "NULL"
		}
		query.WriteString("SELECT 0, " + strings.Join(exprs, ", ") + ", " + rel.demandMeasures(keyed) + " " + rel.sql() +
			" GROUP BY " + strings.Join(exprs, ", ") + " UNION ALL ")
	}
	rel, err := e.relation(relationSpec{filter: f}, b)
	if err != nil {
		return nil, row{}, err
	}
	query.WriteString("SELECT 1, " + strings.Join(append(nulls, rel.demandMeasures(keyed)), ", ") + " " + rel.sql())

	var rows []row
	var total row
	err = e.rows(ctx, query.String(), b.Args, func(scan func(...any) error) error {
		var isTotal int
		keys := make([]sql.NullString, len(groupBy))
		var r row
		dst := make([]any, 0, 1+len(groupBy)+2*numMeasures)
		dst = append(dst, &isTotal)
		for i := range keys {
			dst = append(dst, &keys[i])
		}
		for i := range r.c {
			dst = append(dst, &r.c[i])
		}
		for i := range r.ks {
			dst = append(dst, &r.ks[i])
		}
		if err := scan(dst...); err != nil {
			return err
		}
		if isTotal == 1 {
			total = r
			return nil
		}
		r.keys = make([]string, len(groupBy))
		for i, k := range keys {
			r.keys[i] = k.String
			if !k.Valid {
				r.keys[i] = dimension.Unknown
			}
		}
		rows = append(rows, r)
		return nil
	})
	return rows, total, err
}

// fill sets a cell's figures: exact, or perturbed (Perturb), nil when
// withheld. The total is perturbed on its own records, like any cell, and
// is not the sum of the perturbed cells.
func (e *Engine) fill(c *Cell, v counts, ks keySums, perturb bool) {
	dst := [numMeasures]**int{&c.Contacts, &c.Citizens, &c.NewCitizens, &c.Referrals}
	for m := range numMeasures {
		n := v[m]
		p := &n
		if perturb {
			p = Perturb(n, ks[m], e.k())
		}
		if p == nil {
			c.Suppressed = true
		}
		*dst[m] = p
	}
}
