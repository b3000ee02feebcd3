package graph

import (
	"context"

	"segretariato/internal/analytics"
	"segretariato/internal/dimension"
)

// The analytics resolvers: the engine answers for the request's operator
// (internal/analytics/viewer.go); these adapt the types.

func (r *Resolver) demand(ctx context.Context, groupBy []dimension.Dimension, period *dimension.PeriodUnit, in *analytics.FilterInput) (*analytics.Report, error) {
	return r.Analytics.DemandFor(ctx, groupBy, unit(period), in)
}

func (r *Resolver) referralFunnel(ctx context.Context, period *dimension.PeriodUnit, in *analytics.FilterInput) ([]*analytics.FunnelRow, error) {
	rows, err := r.Analytics.FunnelFor(ctx, unit(period), in)
	return pointers(rows), err
}

func (r *Resolver) caseload(ctx context.Context, in *analytics.FilterInput) ([]*analytics.CaseloadRow, error) {
	rows, err := r.Analytics.CaseloadFor(ctx, in)
	return pointers(rows), err
}

// unit is the period of an answer: the schema's default, MONTH, when the
// client sends an explicit null.
func unit(p *dimension.PeriodUnit) dimension.PeriodUnit {
	if p == nil {
		return dimension.Month
	}
	return *p
}

func pointers[T any](xs []T) []*T {
	out := make([]*T, len(xs))
	for i := range xs {
		out[i] = &xs[i]
	}
	return out
}
