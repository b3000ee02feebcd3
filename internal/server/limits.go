package server

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"segretariato/internal/apperr"
)

// requestLimits refuses, before anything runs, an operation nested deeper
// than MaxDepth, or whose variables carry a NUL character (an upload's
// file name included), a string or a list over its limit (documentLimits
// has checked the document's own values). The introspection part of an
// operation (its __schema and __type fields) is not counted in its depth:
// introspectionLimits judges it, allowing it in development mode only.
type requestLimits struct {
	Limits
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
	if err := l.checkVariables(map[string]any(oc.Variables)); err != nil {
		return err
	}
	if err := nullPage(oc); err != nil {
		return err
	}
	dc := depthCounter{frags: oc.Doc.Fragments, max: l.MaxDepth, memo: map[string]int{}}
	if d := dc.depth(oc.Operation.SelectionSet, 0); d > l.MaxDepth {
		return refuse(apperr.Invalid, "the query nests %d levels deep; at most %d are allowed", d, l.MaxDepth)
	}
	return introspectionLimits(oc, l.introspection)
}

// depthCounter measures how deep a selection nests. A fragment's own
// depth does not depend on where it is spread, so each is measured once:
// fragments spreading fragments twice over cannot make the walk
// exponential.
type depthCounter struct {
	frags ast.FragmentDefinitionList
	max   int
	memo  map[string]int // a fragment's depth below its spread; -1 while measured
}

func (c depthCounter) depth(set ast.SelectionSet, level int) int {
	if level > c.max {
		return level // deep enough to refuse; stop walking
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
				d = c.depth(s.SelectionSet, level+1)
			}
		case *ast.InlineFragment:
			d = c.depth(s.SelectionSet, level)
		case *ast.FragmentSpread:
			rel, ok := c.memo[s.Name]
			if !ok {
				c.memo[s.Name] = -1 // a cycle (refused by validation) counts nothing
				if f := c.frags.ForName(s.Name); f != nil {
					rel = c.depth(f.SelectionSet, 0)
				}
				c.memo[s.Name] = rel
			}
			d = level + max(rel, 0)
		}
		deepest = max(deepest, d)
	}
	return deepest
}

// DefaultComplexityLimit is Options.ComplexityLimit's default.
const DefaultComplexityLimit = 20000

// useLimits adds the request limits to the GraphQL server, after the
// persisted queries (which fill in the query's text): the document's
// limits before it is parsed, the default page at validation, the cost,
// depth and variables' limits before the operation runs.
func useLimits(srv *handler.Server, o Options, cache graphql.Cache[*ast.QueryDocument]) {
	srv.Use(documentLimits{Limits: o.Limits, cache: cache})
	srv.SetParserTokenLimit(o.MaxTokens)
	srv.SetValidationRulesFn(validationRules(o.DefaultPageSize))
	srv.Use(extension.FixedComplexityLimit(o.ComplexityLimit))
	srv.Use(requestLimits{Limits: o.Limits, introspection: o.Development})
}
