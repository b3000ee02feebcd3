package access

import (
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"segretariato/ent/schema/schematype"
)

// A schema of the shape entgql generates, with a restricted field that has
// an ordering too (the service's own schema has none, so the mechanism is
// tested here).
const guardSchema = `
directive @personal on FIELD_DEFINITION
type Query { people(where: PersonWhereInput, orderBy: [PersonOrder!]): Int, pets(where: PetWhereInput): Int }
type Person { name: String, secret: String @personal }
input PersonWhereInput { not: PersonWhereInput, and: [PersonWhereInput!], or: [PersonWhereInput!],
  name: String, secret: String, secretHasPrefix: String, secretIsNil: Boolean, secretive: Boolean, hasPetsWith: [PetWhereInput!] }
enum PersonOrderField { NAME SECRET }
input PersonOrder { field: PersonOrderField! }
type Pet { name: String }
input PetWhereInput { name: String, hasOwnerWith: [PersonWhereInput!] }
`

func guardUses(t *testing.T, query string, vars map[string]any) []FilterUse {
	t.Helper()
	s := gqlparser.MustLoadSchema(&ast.Source{Input: guardSchema})
	doc, errs := gqlparser.LoadQuery(s, query)
	if errs != nil {
		t.Fatal(errs)
	}
	g := NewFilterGuard(s, nil, nil)
	var uses []FilterUse
	for _, sel := range doc.Operations[0].SelectionSet {
		uses = append(uses, g.Uses(sel.(*ast.Field), vars)...)
	}
	return uses
}

func TestFilterGuardFindsRestrictedFields(t *testing.T) {
	for _, c := range []struct {
		query string
		vars  map[string]any
		field string // "" for none
	}{
		{`{ people(where: {secret: "x"}) }`, nil, "people.where.secret"},
		{`{ people(where: {not: {or: [{name: "a"}, {secretIsNil: true}]}}) }`, nil, "people.where.not.or[1].secretIsNil"},
		{`{ pets(where: {hasOwnerWith: {secretHasPrefix: "a"}}) }`, nil, "pets.where.hasOwnerWith.secretHasPrefix"},
		{`query($w: PetWhereInput) { pets(where: $w) }`, map[string]any{"w": map[string]any{"hasOwnerWith": []any{map[string]any{"secret": "a"}}}}, "pets.where.hasOwnerWith[0].secret"},
		{`{ people(orderBy: [{field: SECRET}]) }`, nil, "people.orderBy[0].field"},
		{`{ people(where: {name: "a", secretive: true}, orderBy: [{field: NAME}]) }`, nil, ""},
		{`{ people(where: {secret: null}) }`, nil, ""},
	} {
		uses := guardUses(t, c.query, c.vars)
		err := Refused(schematype.RoleSocialWorker, uses)
		if c.field == "" {
			if err != nil {
				t.Errorf("%s: refused: %v", c.query, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), "Person.secret") || !strings.Contains(err.Error(), c.field) {
			t.Errorf("%s: %v, want refused naming Person.secret at %s", c.query, err, c.field)
		}
		if err := Refused(schematype.RoleCoordinator, uses); err != nil {
			t.Errorf("%s: refused to the coordinator: %v", c.query, err)
		}
	}
}
