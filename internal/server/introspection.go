package server

import (
	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"segretariato/internal/apperr"
)

// maxIntrospectionDepth bounds the introspection part of an operation,
// counted as Limits.MaxDepth counts: the standard introspection query (graphql-js's
// getIntrospectionQuery, which GraphiQL, GraphQL Code Generator and Rover
// send) nests 15 levels, since it unwraps a type reference nine times.
const maxIntrospectionDepth = 16

// isIntrospection reports whether a field asks for the schema itself.
// __typename is not introspection: clients such as Apollo Client add it to
// every selection.
func isIntrospection(f *ast.Field) bool {
	return f.Name == "__schema" || f.Name == "__type"
}

// introspectionLimits judges the introspection fields of an operation
// (they only exist on the query root, so only the root selection, through
// its fragments, is searched): refused when allowed is false (production
// mode), else held to maxIntrospectionDepth. gqlparser's validation has
// already refused the introspection whose answer grows with the schema to
// a power (fields, inputFields, interfaces or possibleTypes nested three
// deep: its MaxIntrospectionDepth rule, as graphql-js's). The rest of the
// operation is held to Limits.MaxDepth by requestLimits, and the whole operation
// to the complexity limit.
func introspectionLimits(oc *graphql.OperationContext, allowed bool) *gqlerror.Error {
	for _, f := range rootIntrospection(oc.Operation.SelectionSet, oc.Doc.Fragments, map[string]bool{}) {
		if !allowed {
			return refuse(apperr.Forbidden, "introspection is disabled in production mode")
		}
		if err := checkIntrospection(f.SelectionSet, oc.Doc.Fragments, map[string]bool{}, 1); err != nil {
			return err
		}
	}
	return nil
}

func rootIntrospection(set ast.SelectionSet, frags ast.FragmentDefinitionList, seen map[string]bool) []*ast.Field {
	var found []*ast.Field
	for _, s := range set {
		switch s := s.(type) {
		case *ast.Field:
			if isIntrospection(s) {
				found = append(found, s)
			}
		case *ast.InlineFragment:
			found = append(found, rootIntrospection(s.SelectionSet, frags, seen)...)
		case *ast.FragmentSpread:
			if f := frags.ForName(s.Name); f != nil && !seen[s.Name] {
				seen[s.Name] = true
				found = append(found, rootIntrospection(f.SelectionSet, frags, seen)...)
			}
		}
	}
	return found
}

// checkIntrospection walks an introspection selection at a level (the
// introspection field's own is 1). visiting holds the fragments on the
// path, so a cycle cannot loop.
func checkIntrospection(set ast.SelectionSet, frags ast.FragmentDefinitionList, visiting map[string]bool, level int) *gqlerror.Error {
	for _, s := range set {
		var err *gqlerror.Error
		switch s := s.(type) {
		case *ast.Field:
			if level+1 > maxIntrospectionDepth {
				return refuse(apperr.Invalid, "the introspection query nests more than %d levels deep", maxIntrospectionDepth)
			}
			err = checkIntrospection(s.SelectionSet, frags, visiting, level+1)
		case *ast.InlineFragment:
			err = checkIntrospection(s.SelectionSet, frags, visiting, level)
		case *ast.FragmentSpread:
			if f := frags.ForName(s.Name); f != nil && !visiting[s.Name] {
				visiting[s.Name] = true
				err = checkIntrospection(f.SelectionSet, frags, visiting, level)
				delete(visiting, s.Name)
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// refuse is an error that refuses an operation before it runs.
func refuse(code apperr.Code, format string, args ...any) *gqlerror.Error {
	err := gqlerror.Errorf(format, args...)
	err.Extensions = map[string]any{"code": string(code)}
	return err
}
