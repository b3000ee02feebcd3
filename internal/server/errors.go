package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"segretariato/internal/apperr"
)

// clientErrors turns every error a resolver returns into an *apperr.Error,
// so the presenter can tell resolver errors (whose text may hold SQL) from
// the query's own parse and validation errors (which are about the query).
func clientErrors(ctx context.Context, next graphql.Resolver) (any, error) {
	res, err := next(ctx)
	if err != nil {
		return res, apperr.From(err)
	}
	return res, nil
}

// presentError puts the error's code in extensions.code. Internal errors
// reach the client as "internal error" and the log with their details;
// the log line names the request path but never the values.
func presentError(log *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		gerr := graphql.DefaultErrorPresenter(ctx, err)
		var ae *apperr.Error
		if !errors.As(err, &ae) {
			// An error a resolver reported itself (graphql.AddError, as
			// ent's nodes does for each id) reaches here past clientErrors,
			// wrapped on its path: ent's and the driver's errors get their
			// codes and plain messages as everywhere else.
			var ge *gqlerror.Error
			if errors.As(err, &ge) && ge.Err != nil {
				if e := apperr.From(ge.Err); e.Code != apperr.Internal {
					ae = e
				}
			}
		}
		if ae == nil {
			// Parse, validation and argument-coercion errors of gqlgen.
			if gerr.Extensions == nil {
				gerr.Extensions = map[string]any{}
			}
			if _, ok := gerr.Extensions["code"]; !ok {
				gerr.Extensions["code"] = string(apperr.Invalid)
			}
			return gerr
		}
		switch {
		case ae.Code == apperr.Internal:
			log.ErrorContext(ctx, "internal error", "path", gerr.Path.String(), "err", apperr.LogCause(ae))
		case apperr.IsFault(ae.Code):
			log.WarnContext(ctx, "service fault", "code", string(ae.Code), "path", gerr.Path.String(), "err", apperr.LogCause(ae))
		}
		gerr.Message = ae.Error()
		gerr.Extensions = map[string]any{"code": string(ae.Code)}
		if ae.Field != "" {
			gerr.Extensions["field"] = ae.Field
		}
		return gerr
	}
}

// recoverPanic keeps the process serving after a resolver panics.
func recoverPanic(log *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, p any) error {
		log.ErrorContext(ctx, "panic in resolver", "panic", fmt.Sprint(p))
		return apperr.New(apperr.Internal, "internal error")
	}
}

// pageLimits gives every connection field a page size: `first` defaults
// to def when neither `first` nor `last` is given, and a negative count or
// one above max is refused, so no query returns unbounded rows.
func pageLimits(def, max int) graphql.FieldMiddleware {
	return func(ctx context.Context, next graphql.Resolver) (any, error) {
		fc := graphql.GetFieldContext(ctx)
		if fc == nil || fc.Args == nil {
			return next(ctx)
		}
		first, hasFirst := fc.Args["first"]
		last, hasLast := fc.Args["last"]
		if !hasFirst && !hasLast {
			return next(ctx)
		}
		f, _ := first.(*int)
		l, _ := last.(*int)
		for name, n := range map[string]*int{"first": f, "last": l} {
			if n != nil && (*n < 0 || *n > max) {
				return nil, apperr.OnField(name, "must be between 0 and %d", max)
			}
		}
		if f == nil && l == nil {
			d := def
			fc.Args["first"] = &d
		}
		return next(ctx)
	}
}
