package server

import (
	"context"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"segretariato/internal/apperr"
)

// maxDepth bounds how deep a query may nest, fragments included: deeper
// than any screen of the dashboard needs, far from what an edge cycle
// (citizen → contacts → citizen → …) can be driven to.
const maxDepth = 12

// requestLimits refuses, before anything runs, an operation nested deeper
// than maxDepth, or carrying a NUL character in its text or variables.
// The introspection part of an operation (its __schema and __type fields)
// is not counted in its depth: introspectionLimits judges it, allowing it
// in development mode only.
type requestLimits struct {
	introspection bool
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = requestLimits{}

func (requestLimits) ExtensionName() string                   { return "RequestLimits" }
func (requestLimits) Validate(graphql.ExecutableSchema) error { return nil }
func (l requestLimits) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	if strings.IndexByte(oc.RawQuery, 0) >= 0 || hasNUL(map[string]any(oc.Variables)) {
		return refuse(apperr.Invalid, "the request contains a NUL character")
	}
	if d := depth(oc.Operation.SelectionSet, oc.Doc.Fragments, 0); d > maxDepth {
		return refuse(apperr.Invalid, "the query nests %d levels deep; at most %d are allowed", d, maxDepth)
	}
	return introspectionLimits(oc, l.introspection)
}

func depth(set ast.SelectionSet, frags ast.FragmentDefinitionList, level int) int {
	if level > maxDepth {
		return level // deep enough to refuse; stop walking (fragment cycles too)
	}
	deepest := level
	for _, s := range set {
		var d int
		switch s := s.(type) {
		case *ast.Field:
			if isIntrospection(s) {
				continue // judged by introspectionLimits
			}
			if len(s.SelectionSet) == 0 {
				d = level + 1
			} else {
				d = depth(s.SelectionSet, frags, level+1)
			}
		case *ast.InlineFragment:
			d = depth(s.SelectionSet, frags, level)
		case *ast.FragmentSpread:
			if f := frags.ForName(s.Name); f != nil {
				d = depth(f.SelectionSet, frags, level)
			}
		}
		deepest = max(deepest, d)
	}
	return deepest
}

// hasNUL reports whether a decoded JSON value holds a NUL character: no
// text of the service contains one and PostgreSQL cannot store it, so the
// client gets INVALID instead of a database error.
func hasNUL(v any) bool {
	switch v := v.(type) {
	case string:
		return strings.IndexByte(v, 0) >= 0
	case *string:
		return v != nil && strings.IndexByte(*v, 0) >= 0
	case map[string]any:
		for _, x := range v {
			if hasNUL(x) {
				return true
			}
		}
	case []any:
		for _, x := range v {
			if hasNUL(x) {
				return true
			}
		}
	}
	return false
}
