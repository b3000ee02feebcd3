package server

import (
	"strconv"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/validator/core"
	"github.com/vektah/gqlparser/v2/validator/rules"
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
