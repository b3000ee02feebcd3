// Package inorder holds what the generated GraphQL code calls in place of
// gqlgen's concurrent helpers (internal/gqlgenrun writes the calls): the
// elements of a list are marshalled one after another, on the goroutine
// of the field that holds the list.
package inorder

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
)

// MarshalSlice has graphql.MarshalSliceConcurrently's signature and
// contract (every element set, one that panics reads null and reports
// the panic, unless omitPanicHandler), without a goroutine an element:
// the lists of this API hold records already loaded (ent's eager loading,
// the reference-data cache, the per-request facts of the privacy rules),
// so a goroutine each bought nothing but their creation, their stacks and
// their scheduling (BENCHMARKS.md). The worker limit (third argument) is
// moot and ignored.
func MarshalSlice(ctx context.Context, length int, _ int64, omitPanicHandler bool,
	marshalElement func(ctx context.Context, i int) graphql.Marshaler) graphql.Array {
	ret := make(graphql.Array, length)
	for i := range length {
		fc := &graphql.FieldContext{Index: &i}
		ret[i] = element(graphql.WithFieldContext(ctx, fc), i, omitPanicHandler, marshalElement)
	}
	return ret
}

func element(ctx context.Context, i int, omitPanicHandler bool, marshal func(context.Context, int) graphql.Marshaler) (m graphql.Marshaler) {
	if !omitPanicHandler {
		defer func() {
			if r := recover(); r != nil {
				graphql.AddError(ctx, graphql.Recover(ctx, r))
				m = graphql.Null
			}
		}()
	}
	return marshal(ctx, i)
}
