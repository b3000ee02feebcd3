package server

import (
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/validator/core"
	"github.com/vektah/gqlparser/v2/validator/rules"

	"segretariato/internal/apperr"
)

// isConnectionField reports whether a field is a Relay connection of
// entgql: a …Connection type with `first` and `last` arguments.
func isConnectionField(def *ast.FieldDefinition) bool {
	return def != nil && strings.HasSuffix(def.Type.Name(), "Connection") &&
		def.Arguments.ForName("first") != nil && def.Arguments.ForName("last") != nil
}

// defaultPageRule writes `first: page` into every connection field of a
// document that gives neither `first` nor `last`, at validation, before
// the document is cached. Both the cost (connectionComplexity) and the
// execution then read the same page: entgql loads a nested connection
// (citizens → contacts) with its parent, from the document's arguments,
// so a default set later, on the field's resolver context, would not
// reach it.
func defaultPageRule(page int) core.Rule {
	return core.Rule{Name: "DefaultPage", RuleFunc: func(observers *core.Events, _ core.AddErrFunc) {
		observers.OnField(func(w *core.Walker, f *ast.Field) {
			if !isConnectionField(f.Definition) || f.Arguments.ForName("first") != nil || f.Arguments.ForName("last") != nil {
				return
			}
			arg := f.Definition.Arguments.ForName("first")
			f.Arguments = append(f.Arguments, &ast.Argument{Name: "first", Position: f.Position, Value: &ast.Value{
				Kind: ast.IntValue, Raw: strconv.Itoa(page), Position: f.Position,
				ExpectedType: arg.Type, Definition: w.Schema.Types[arg.Type.Name()],
			}})
		})
	}}
}

// validationRules are gqlparser's rules and defaultPageRule.
func validationRules(page int) func() *rules.Rules {
	return func() *rules.Rules {
		r := rules.NewDefaultRules()
		rule := defaultPageRule(page)
		r.AddRule(rule.Name, rule.RuleFunc)
		return r
	}
}

// nullPage finds a nested connection field whose `first` and `last` are
// both null once the variables are read (`first: $n` with $n null): the
// default page written at validation does not reach it, and entgql would
// load every row, so it is refused. (A root connection gets the default
// page from pageLimits.) Only an operation with variables can have one.
func nullPage(oc *graphql.OperationContext) *gqlerror.Error {
	if len(oc.Operation.VariableDefinitions) == 0 {
		return nil
	}
	var walk func(set ast.SelectionSet, nested bool) *gqlerror.Error
	seen := map[bool]map[string]bool{false: {}, true: {}}
	walk = func(set ast.SelectionSet, nested bool) *gqlerror.Error {
		for _, s := range set {
			switch s := s.(type) {
			case *ast.Field:
				if nested && isConnectionField(s.Definition) {
					args := s.ArgumentMap(oc.Variables)
					if args["first"] == nil && args["last"] == nil {
						return refuse(apperr.Invalid, "%s: first or last must not be null", s.Alias)
					}
				}
				if err := walk(s.SelectionSet, true); err != nil {
					return err
				}
			case *ast.InlineFragment:
				if err := walk(s.SelectionSet, nested); err != nil {
					return err
				}
			case *ast.FragmentSpread:
				if f := oc.Doc.Fragments.ForName(s.Name); f != nil && !seen[nested][s.Name] {
					seen[nested][s.Name] = true
					if err := walk(f.SelectionSet, nested); err != nil {
						return err
					}
				}
			}
		}
		return nil
	}
	return walk(oc.Operation.SelectionSet, false)
}
