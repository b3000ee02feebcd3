package analytics

import (
	"context"
	"time"

	"segretariato/ent/schema/schematype"
	"segretariato/internal/apperr"
	"segretariato/internal/auth"
	"segretariato/internal/dimension"
)

// The answers for the request's operator: the GraphQL queries and the CSV
// download both go through these, so the disclosure rules are the same on
// every path.

// Suppressed says whether the request's operator gets protected figures:
// everyone but the coordinator (in practice the analyst: the other roles
// may not ask) gets figures perturbed by the cell-key method and small
// ones withheld (Perturb); the coordinator gets exact figures.
func Suppressed(ctx context.Context) bool {
	v := auth.FromContext(ctx)
	return v == nil || v.Role != schematype.RoleCoordinator
}

// ViewerFilter converts the API's filter for the request's operator. For
// suppressed figures the date range must be whole months: fewer ways to
// isolate a small group by differencing (the perturbation defeats each
// one, see the package comment, and fewer of them leave the analyst fewer
// independent estimates to combine). It returns an INVALID error naming the bound.
func ViewerFilter(ctx context.Context, in *FilterInput) (Filter, error) {
	f := in.Filter()
	if Suppressed(ctx) {
		for name, d := range map[string]*time.Time{"filter.from": f.From, "filter.to": f.To} {
			if d != nil && d.Day() != 1 {
				return f, apperr.OnField(name, "must be the first day of a month for suppressed figures")
			}
		}
	}
	return f, nil
}

// DemandFor is Demand for the request's operator.
func (e *Engine) DemandFor(ctx context.Context, groupBy []dimension.Dimension, period dimension.PeriodUnit, in *FilterInput) (*Report, error) {
	f, err := ViewerFilter(ctx, in)
	if err != nil {
		return nil, err
	}
	return e.Demand(ctx, groupBy, period, f, Suppressed(ctx))
}

// FunnelFor is Funnel for the request's operator.
func (e *Engine) FunnelFor(ctx context.Context, period dimension.PeriodUnit, in *FilterInput) ([]FunnelRow, error) {
	f, err := ViewerFilter(ctx, in)
	if err != nil {
		return nil, err
	}
	return e.Funnel(ctx, period, f, Suppressed(ctx))
}

// CaseloadFor is Caseload for the request's operator (a coordinator: the
// caseload names operators and is never suppressed).
func (e *Engine) CaseloadFor(ctx context.Context, in *FilterInput) ([]CaseloadRow, error) {
	f, err := ViewerFilter(ctx, in)
	if err != nil {
		return nil, err
	}
	return e.Caseload(ctx, f)
}
