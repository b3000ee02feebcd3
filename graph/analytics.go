package graph

import (
	"context"
	"time"

	"segretariato/ent/schema/schematype"
	"segretariato/internal/analytics"
	"segretariato/internal/apperr"
	"segretariato/internal/auth"
)

// SuppressFor says whether the viewer gets suppressed figures: an analyst
// always does (small cells and what would recover them are withheld), a
// coordinator sees exact figures.
func SuppressFor(ctx context.Context) bool {
	v := auth.FromContext(ctx)
	return v == nil || v.Role != schematype.RoleCoordinator
}

// AnalyticsFilter converts the API's filter. For a suppressed answer the
// date range must be whole months: two answers whose ranges differ by a
// day could otherwise be subtracted to expose one person's contacts.
func AnalyticsFilter(ctx context.Context, in *analytics.FilterInput) (analytics.Filter, error) {
	f := in.Filter()
	if SuppressFor(ctx) {
		for name, d := range map[string]*time.Time{"filter.from": f.From, "filter.to": f.To} {
			if d != nil && d.Day() != 1 {
				return f, apperr.OnField(name, "must be the first day of a month for suppressed figures")
			}
		}
	}
	return f, nil
}

func (r *Resolver) demand(ctx context.Context, groupBy []analytics.Dimension, period *analytics.PeriodUnit, in *analytics.FilterInput) (*analytics.Report, error) {
	f, err := AnalyticsFilter(ctx, in)
	if err != nil {
		return nil, err
	}
	return r.Analytics.Demand(ctx, groupBy, unit(period), f, SuppressFor(ctx))
}

func (r *Resolver) referralFunnel(ctx context.Context, period *analytics.PeriodUnit, in *analytics.FilterInput) ([]*analytics.FunnelRow, error) {
	f, err := AnalyticsFilter(ctx, in)
	if err != nil {
		return nil, err
	}
	rows, err := r.Analytics.Funnel(ctx, unit(period), f, SuppressFor(ctx))
	return pointers(rows), err
}

func (r *Resolver) caseload(ctx context.Context, in *analytics.FilterInput) ([]*analytics.CaseloadRow, error) {
	f, err := AnalyticsFilter(ctx, in)
	if err != nil {
		return nil, err
	}
	rows, err := r.Analytics.Caseload(ctx, f)
	return pointers(rows), err
}

func unit(p *analytics.PeriodUnit) analytics.PeriodUnit {
	if p == nil {
		return analytics.PeriodUnit("MONTH")
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
