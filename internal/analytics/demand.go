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
	"segretariato/internal/database"
	"segretariato/internal/metrics"
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
	// K is the small-cell threshold of suppressed answers.
	K int
	// Now is the clock of the quality report (which weeks are over); nil
	// means time.Now.
	Now func() time.Time
	// Metrics times the answers (segretariato_analytics_answer_duration_seconds);
	// nil: not timed.
	Metrics *metrics.Metrics
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

// Cell is one combination of keys and its figures. In a suppressed answer
// a figure that could disclose a small count is nil, and Suppressed says
// that at least one figure of the cell is withheld.
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

// demandMeasures are the four figures over a relation's rows: a contact
// is on one row at most per cell (see relation), and each citizen has one
// first contact. The four key sums of an exact answer are zeros.
func (r *relation) demandMeasures() string {
	return "COUNT(*), COUNT(DISTINCT x.citizen_id), COALESCE(SUM(x.is_first), 0), COALESCE(SUM(" + r.refCount + "), 0), 0, 0, 0, 0"
}

// keyedSelect is the SELECT of a perturbed answer's cells (groups: the key
// expressions) or total (no groups; nulls stand for the keys of the
// cells), flagged isTotal: the four figures and the four key sums of
// their records (suppress.go), in one statement. The inner grouping is by
// cell and citizen, so that the outer one counts each citizen, and adds
// its key, once: COUNT(DISTINCT) cannot carry a sum along. A contact is on
// one row at most per cell, and a citizen's first contact is one contact,
// so f is 0 or 1 for a citizen.
func (r *relation) keyedSelect(isTotal string, groups, nulls []string) string {
	var inner, outer strings.Builder
	inner.WriteString("SELECT ")
	outer.WriteString("SELECT " + isTotal + ", ")
	for _, n := range nulls {
		outer.WriteString(n + ", ")
	}
	for i, g := range groups {
		alias := "g" + strconv.Itoa(i)
		inner.WriteString(g + " AS " + alias + ", ")
		outer.WriteString(alias + ", ")
	}
	inner.WriteString("x.citizen_id AS cid, COUNT(*) AS n, SUM(x.is_first) AS f, COALESCE(SUM(" + r.refCount + "), 0) AS r," +
		" SUM(x.rk) AS kn, MAX(x.ci_key) AS kc, COALESCE(SUM(" + r.refKey + "), 0) AS kr " + r.sql() +
		" GROUP BY " + strings.Join(append(slices.Clone(groups), "x.citizen_id"), ", "))
	outer.WriteString("COALESCE(SUM(g.n), 0), COUNT(g.cid), COALESCE(SUM(g.f), 0), COALESCE(SUM(g.r), 0)," +
		" COALESCE(SUM(g.kn), 0), COALESCE(SUM(g.kc), 0), COALESCE(SUM(CASE WHEN g.f > 0 THEN g.kc ELSE 0 END), 0), COALESCE(SUM(g.kr), 0)" +
		" FROM (" + inner.String() + ") g")
	if len(groups) > 0 {
		aliases := make([]string, len(groups))
		for i := range groups {
			aliases[i] = "g.g" + strconv.Itoa(i)
		}
		outer.WriteString(" GROUP BY " + strings.Join(aliases, ", "))
	}
	return outer.String()
}

// Demand counts the contacts of the filter grouped by groupBy (at most 4
// dimensions; none gives the total alone). period is the unit of the
// PERIOD dimension (MONTH when empty). With suppress, the figures are
// perturbed by the cell-key method and those under K withheld (Perturb;
// see the package comment).
//
// Grouping and counting run in the database: one statement for the cells
// and the total, and at most one per dimension for its labels. It
// returns INVALID errors for a bad request, INTERNAL ones for database
// failures.
func (e *Engine) Demand(ctx context.Context, groupBy []Dimension, period PeriodUnit, f Filter, suppress bool) (*Report, error) {
	defer e.Metrics.Answer(metrics.AnswerDemand, time.Now())
	if err := checkGroupBy(groupBy); err != nil {
		return nil, err
	}
	if period == "" {
		period = Month
	}
	if !period.Valid() {
		return nil, apperr.OnField("period", "unknown period unit")
	}
	h, err := e.head(relationSpec{group: groupBy, period: period, filter: f, firsts: true, keyed: suppress})
	if err != nil {
		return nil, err
	}
	var lk lookups
	if err := lk.load(ctx, e, groupBy); err != nil {
		return nil, apperr.Wrap(err, apperr.Internal, "internal error")
	}

	// One statement: the cells, then the total (flagged 1), over the same
	// materialised contacts; the tails bind their arguments in the order
	// they are written.
	var query strings.Builder
	query.WriteString(h.with)
	nulls := make([]string, len(groupBy))
	if len(groupBy) > 0 {
		cellsRel := h.tail(groupBy, false)
		exprs := make([]string, len(groupBy))
		for i, d := range groupBy {
			exprs[i] = cellsRel.keys[d]
			nulls[i] = "NULL"
		}
		if suppress {
			query.WriteString(cellsRel.keyedSelect("0", exprs, nil))
		} else {
			query.WriteString("SELECT 0, " + strings.Join(exprs, ", ") + ", " + cellsRel.demandMeasures() + " " + cellsRel.sql() +
				" GROUP BY " + strings.Join(exprs, ", "))
		}
		query.WriteString(" UNION ALL ")
	}
	totalRel := h.tail(nil, false)
	if suppress {
		query.WriteString(totalRel.keyedSelect("1", nil, nulls))
	} else {
		query.WriteString("SELECT 1, " + strings.Join(append(nulls, totalRel.demandMeasures()), ", ") + " " + totalRel.sql())
	}

	rep := &Report{}
	var cellCounts []counts
	var cellKeys []keySums
	var total counts
	var totalKeys keySums
	err = e.rows(ctx, query.String(), h.b.args, func(scan func(...any) error) error {
		var isTotal int
		keys := make([]sql.NullString, len(groupBy))
		var c counts
		var ks keySums
		dst := make([]any, 0, 1+len(groupBy)+2*numMeasures)
		dst = append(dst, &isTotal)
		for i := range keys {
			dst = append(dst, &keys[i])
		}
		for i := range c {
			dst = append(dst, &c[i])
		}
		for i := range ks {
			dst = append(dst, &ks[i])
		}
		if err := scan(dst...); err != nil {
			return err
		}
		if isTotal == 1 {
			total, totalKeys = c, ks
			return nil
		}
		cell := Cell{Keys: make([]string, len(groupBy)), Labels: make([]string, len(groupBy))}
		for i, d := range groupBy {
			k := keys[i].String
			if !keys[i].Valid {
				k = Unknown
			}
			if d == DimDistrict && k != Unknown {
				if s, ok := lk.districts[k]; ok {
					k = s
				}
			}
			cell.Keys[i] = k
			cell.Labels[i] = lk.label(d, k, period)
		}
		rep.Cells = append(rep.Cells, cell)
		cellCounts = append(cellCounts, c)
		cellKeys = append(cellKeys, ks)
		return nil
	})
	if err != nil {
		return nil, apperr.Wrap(err, apperr.Internal, "internal error")
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
		e.fill(&cells[i], cellCounts[j], cellKeys[j], suppress)
	}
	rep.Cells = cells
	rep.Total = Cell{Keys: []string{}, Labels: []string{}}
	e.fill(&rep.Total, total, totalKeys, suppress)
	return rep, nil
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
