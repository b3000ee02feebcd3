package server

import (
	"fmt"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"
	"github.com/vektah/gqlparser/v2/validator/rules"

	"segretariato/graph/generated"
)

// TestEveryConnectionFieldGetsTheDefaultPage goes through every field of
// the schema whose type is a connection, at the root or on an object
// type: each is one isConnectionField knows, and a document selecting it
// without `first` or `last` gets `first` set to the default page at
// validation, where both the cost and entgql's loading read it.
func TestEveryConnectionFieldGetsTheDefaultPage(t *testing.T) {
	schema := generated.NewExecutableSchema(generated.Config{}).Schema()
	found := map[string]bool{}
	for _, typ := range schema.Types {
		if typ.Kind != ast.Object || strings.HasPrefix(typ.Name, "__") {
			continue
		}
		for _, f := range typ.Fields {
			if !strings.HasSuffix(f.Type.Name(), "Connection") {
				continue
			}
			name := typ.Name + "." + f.Name
			found[name] = true
			if !isConnectionField(f) {
				t.Errorf("%s is a connection without first and last", name)
				continue
			}
			doc, err := parser.ParseQuery(&ast.Source{Input: fmt.Sprintf("fragment X on %s { %s { totalCount } }", typ.Name, f.Name)})
			if err != nil {
				t.Fatal(err)
			}
			validator.ValidateWithRules(schema, doc, rules.NewRules(defaultPageRule(7)))
			field := doc.Fragments[0].SelectionSet[0].(*ast.Field)
			if got := field.ArgumentMap(nil)["first"]; got != int64(7) {
				t.Errorf("%s without first: first = %v (%T), want the default page 7", name, got, got)
			}
		}
	}
	// The root connections and the nested ones.
	for _, want := range []string{"Query.citizens", "Query.contacts", "Citizen.contacts", "Operator.contacts"} {
		if !found[want] {
			t.Errorf("%s not found among the connection fields %v", want, found)
		}
	}
}
