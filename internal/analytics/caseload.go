package analytics

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"segretariato/ent/schema/schematype"
	"segretariato/internal/apperr"
	"segretariato/internal/dimension"
	"segretariato/internal/metrics"
	"segretariato/internal/rollup"
	"segretariato/internal/sqlbind"
)

// CaseloadRow is one operator's load over the contacts of a filter. It
// names operators and is meant for the coordinator: it is never
// suppressed.
type CaseloadRow struct {
	OperatorID int    `json:"operatorId"`
	Email      string `json:"email"`
	Name       string `json:"name"`
	Role       string `json:"role"`
	Active     bool   `json:"active"`
	// Contacts held in the filter's range, and the distinct identified
	// citizens they concern.
	Contacts int `json:"contacts"`
	Citizens int `json:"citizens"`
	// OpenReferrals are the referrals of those contacts still PROPOSED or
	// ACCEPTED (waiting for a step).
	OpenReferrals int `json:"openReferrals"`
	// PendingFollowUps are those contacts whose outcome is FOLLOW_UP (the
	// desk promised to call back).
	PendingFollowUps int `json:"pendingFollowUps"`
}

// Caseload counts, per operator, the contacts of the filter, their
// citizens, their open referrals and the follow-ups they promised. Every
// active social worker is listed, with zeros when idle, and so is any
// other operator who held a contact of the filter; rows are ordered by
// e-mail. With no filter but the dates, the figures come from the cells
// kept per month and operator (internal/rollup: two statements, the
// citizens' sets and the sums of open referrals and follow-ups) and the
// facts of the days at the range's edges (two more, when there are
// some); otherwise one statement counts the facts. One more reads the
// operators. It returns INVALID errors for a bad filter,
// INTERNAL ones for database failures.
func (e *Engine) Caseload(ctx context.Context, f Filter) ([]CaseloadRow, error) {
	defer e.Metrics.Answer(metrics.AnswerCaseload, time.Now())
	days, err := checkFilter(f)
	if err != nil {
		return nil, err
	}
	var ops []CaseloadRow
	err = e.rows(ctx, "SELECT id, email, name, role, active FROM operators", nil, func(scan func(...any) error) error {
		var r CaseloadRow
		if err := scan(&r.OperatorID, &r.Email, &r.Name, &r.Role, &r.Active); err != nil {
			return err
		}
		ops = append(ops, r)
		return nil
	})
	if err != nil {
		return nil, apperr.Wrap(err, apperr.Internal, "internal error")
	}
	var byOp map[int]CaseloadRow
	if standard([]dimension.Dimension{dimension.Operator}, f) {
		byOp, err = e.caseloadFromCells(ctx, days, ops)
	} else {
		byOp, err = e.caseloadFromFacts(ctx, f)
	}
	if err != nil {
		return nil, err
	}
	onlyOps := f.Values[dimension.Operator]
	var rows []CaseloadRow
	for _, op := range ops {
		r, held := byOp[op.OperatorID]
		if !held && (op.Role != "SOCIAL_WORKER" || !op.Active || (len(onlyOps) > 0 && !slices.Contains(onlyOps, op.Email))) {
			continue
		}
		r.OperatorID, r.Email, r.Name, r.Role, r.Active = op.OperatorID, op.Email, op.Name, op.Role, op.Active
		rows = append(rows, r)
	}
	slices.SortFunc(rows, func(a, b CaseloadRow) int { return strings.Compare(a.Email, b.Email) })
	return rows, nil
}

// caseloadFromFacts counts the caseload in one statement over the facts
// of the filter's contacts.
func (e *Engine) caseloadFromFacts(ctx context.Context, f Filter) (map[int]CaseloadRow, error) {
	rel, err := e.relation(relationSpec{filter: f}, nil)
	if err != nil {
		return nil, err
	}
	query := "SELECT x.operator_id, COUNT(*), COUNT(DISTINCT x.citizen_id), " +
		"COALESCE(SUM(" + rel.refOpen + "), 0), SUM(CASE WHEN x.k_outcome = '" + string(schematype.OutcomeFollowUp) + "' THEN 1 ELSE 0 END) " +
		rel.sql() + " GROUP BY x.operator_id"
	byOp := map[int]CaseloadRow{}
	err = e.rows(ctx, query, rel.b.Args, func(scan func(...any) error) error {
		var r CaseloadRow
		if err := scan(&r.OperatorID, &r.Contacts, &r.Citizens, &r.OpenReferrals, &r.PendingFollowUps); err != nil {
			return err
		}
		byOp[r.OperatorID] = r
		return nil
	})
	if err != nil {
		return nil, apperr.Wrap(err, apperr.Internal, "internal error")
	}
	return byOp, nil
}

// caseloadFromCells counts the caseload of a range of days: contacts and
// citizens per operator's e-mail from the cells (and the edge days'
// facts), open referrals and follow-ups from the same cells, and the
// facts of the edge days.
func (e *Engine) caseloadFromCells(ctx context.Context, days dayRange, ops []CaseloadRow) (map[int]CaseloadRow, error) {
	cells, _, err := e.cellRows(ctx, []dimension.Dimension{dimension.Operator}, dimension.Month, days, false)
	if err != nil {
		return nil, apperr.Wrap(err, apperr.Internal, "internal error")
	}
	ids := make(map[string]int, len(ops))
	for _, op := range ops {
		ids[op.Email] = op.OperatorID
	}
	byOp := map[int]CaseloadRow{}
	for _, r := range cells {
		id, ok := ids[r.keys[0]]
		if !ok { // the cells follow every change of an e-mail
			return nil, apperr.New(apperr.Internal, "internal error")
		}
		byOp[id] = CaseloadRow{OperatorID: id, Contacts: r.c[mContacts], Citizens: r.c[mCitizens]}
	}
	add := func(id, open, follow int) {
		r := byOp[id]
		r.OperatorID, r.OpenReferrals, r.PendingFollowUps = id, r.OpenReferrals+open, r.PendingFollowUps+follow
		byOp[id] = r
	}
	b := &sqlbind.Binder{Postgres: e.sqlFor().postgres}
	whole, edges, ok := split(days, dimension.Month)
	if ok {
		q := "SELECT key, SUM(referrals_open), SUM(follow_ups) FROM demand_cells WHERE grain = " + b.Arg(rollup.GrainMonth) +
			" AND dim = " + b.Arg(string(dimension.Operator))
		if whole.from != "" {
			q += " AND period >= " + b.Arg(dimension.PeriodKey(dimension.Month, parseDay(whole.from)))
		}
		if whole.to != "" {
			q += " AND period < " + b.Arg(dimension.PeriodKey(dimension.Month, parseDay(whole.to)))
		}
		err := e.rows(ctx, q+" GROUP BY key", b.Args, func(scan func(...any) error) error {
			var email string
			var open, follow int
			if err := scan(&email, &open, &follow); err != nil {
				return err
			}
			id, ok := ids[email]
			if !ok {
				return errors.New("analytics: a cell of an unknown operator")
			}
			add(id, open, follow)
			return nil
		})
		if err != nil {
			return nil, apperr.Wrap(err, apperr.Internal, "internal error")
		}
	}
	if len(edges) > 0 {
		b := &sqlbind.Binder{Postgres: e.sqlFor().postgres}
		var ors []string
		for _, r := range edges {
			ors = append(ors, "(day >= "+b.Arg(r.from)+" AND day < "+b.Arg(r.to)+")")
		}
		q := "SELECT operator_id, SUM(referrals_open), SUM(CASE WHEN k_outcome = '" + string(schematype.OutcomeFollowUp) + "' THEN 1 ELSE 0 END)" +
			" FROM contact_facts WHERE " + strings.Join(ors, " OR ") + " GROUP BY operator_id"
		err := e.rows(ctx, q, b.Args, func(scan func(...any) error) error {
			var id, open, follow int
			if err := scan(&id, &open, &follow); err != nil {
				return err
			}
			add(id, open, follow)
			return nil
		})
		if err != nil {
			return nil, apperr.Wrap(err, apperr.Internal, "internal error")
		}
	}
	return byOp, nil
}
