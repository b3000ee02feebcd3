package analytics

import (
	"context"
	"slices"
	"strings"
	"time"

	"segretariato/internal/apperr"
	"segretariato/internal/dimension"
	"segretariato/internal/metrics"
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
// e-mail. Counting runs in SQL: one statement, and one for the operators.
// It returns INVALID errors for a bad filter, INTERNAL ones for database
// failures.
func (e *Engine) Caseload(ctx context.Context, f Filter) ([]CaseloadRow, error) {
	defer e.Metrics.Answer(metrics.AnswerCaseload, time.Now())
	rel, err := e.relation(relationSpec{filter: f}, nil)
	if err != nil {
		return nil, err
	}
	query := "SELECT x.operator_id, COUNT(*), COUNT(DISTINCT x.citizen_id), " +
		"COALESCE(SUM(" + rel.refOpen + "), 0), SUM(CASE WHEN x.k_outcome = 'FOLLOW_UP' THEN 1 ELSE 0 END) " +
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
	onlyOps := f.Values[dimension.Operator]
	var rows []CaseloadRow
	err = e.rows(ctx, "SELECT id, email, name, role, active FROM operators", nil, func(scan func(...any) error) error {
		var id int
		var email, name, role string
		var active bool
		if err := scan(&id, &email, &name, &role, &active); err != nil {
			return err
		}
		r, held := byOp[id]
		if !held {
			if role != "SOCIAL_WORKER" || !active || (len(onlyOps) > 0 && !slices.Contains(onlyOps, email)) {
				return nil
			}
			r.OperatorID = id
		}
		r.Email, r.Name, r.Role, r.Active = email, name, role, active
		rows = append(rows, r)
		return nil
	})
	if err != nil {
		return nil, apperr.Wrap(err, apperr.Internal, "internal error")
	}
	slices.SortFunc(rows, func(a, b CaseloadRow) int { return strings.Compare(a.Email, b.Email) })
	return rows, nil
}
