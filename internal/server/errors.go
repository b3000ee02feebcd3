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

// fieldRules is the one field middleware of the API, which every field
// of every answer goes through, so it calls its rules one after the other
// and not as a chain of middlewares (a closure each, for every field of
// every row): pageLimits, then the foreign keys' rule (access.ForeignKeys)
// around the resolver, then every error the resolver returned made an
// *apperr.Error, so the presenter can tell resolver errors (whose text
// may hold SQL) from the query's own parse and validation errors (which
// are about the query).
func fieldRules(foreignKeys graphql.FieldMiddleware, def, max int) graphql.FieldMiddleware {
	return func(ctx context.Context, next graphql.Resolver) (any, error) {
		if err := pageLimits(graphql.GetFieldContext(ctx), def, max); err != nil {
			return nil, err
		}
		res, err := foreignKeys(ctx, next)
		if err != nil {
			return res, apperr.From(err)
		}
		return res, nil
	}
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
			// ent's nodes does for each id) reaches here past fieldRules,
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
func pageLimits(fc *graphql.FieldContext, def, max int) error {
	if fc == nil || fc.Args == nil {
		return nil
	}
	first, hasFirst := fc.Args["first"]
	last, hasLast := fc.Args["last"]
	if !hasFirst && !hasLast {
		return nil
	}
	f, _ := first.(*int)
	l, _ := last.(*int)
	for _, a := range []struct {
		name string
		n    *int
	}{{"first", f}, {"last", l}} {
		if a.n != nil && (*a.n < 0 || *a.n > max) {
			return apperr.OnField(a.name, "must be between 0 and %d", max)
		}
	}
	if f == nil && l == nil {
		d := def
		fc.Args["first"] = &d
	}
	return nil
}
