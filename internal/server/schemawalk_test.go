package server_test

import (
	"sort"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"

	"segretariato/graph/generated"
)

// The tests in fkids_test.go and personal_test.go are generated from the
// schema the server serves, so that a new foreign key or a new @personal
// field is covered without anyone adding it to a list.

func servedSchema(t *testing.T) *ast.Schema {
	t.Helper()
	return generated.NewExecutableSchema(generated.Config{}).Schema()
}

// fkPair is a foreign-key id field (citizenID) and the edge it names
// (citizen) on an object type.
type fkPair struct{ object, id, edge, target string }

// foreignKeyPairs lists every field of type ID whose name ends in ID (but
// id itself) on the schema's object types, with its edge; a foreign key
// without an edge fails the test, which then cannot tell what it should
// hide.
func foreignKeyPairs(t *testing.T, s *ast.Schema) []fkPair {
	t.Helper()
	var out []fkPair
	for _, def := range s.Types {
		if def.Kind != ast.Object || strings.HasPrefix(def.Name, "__") {
			continue
		}
		for _, f := range def.Fields {
			if f.Type.Name() != "ID" || f.Type.Elem != nil || f.Name == "id" || !strings.HasSuffix(f.Name, "ID") {
				continue
			}
			edge := def.Fields.ForName(strings.TrimSuffix(f.Name, "ID"))
			if edge == nil {
				t.Errorf("%s.%s looks like a foreign key but %s has no edge %s", def.Name, f.Name, def.Name, strings.TrimSuffix(f.Name, "ID"))
				continue
			}
			out = append(out, fkPair{def.Name, f.Name, edge.Name, edge.Type.Name()})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].object+out[i].id < out[j].object+out[j].id })
	return out
}

// selectionOf is how a test selects a field: a scalar by name, anything
// else by its __typename (which every object, list and connection has).
func selectionOf(s *ast.Schema, f *ast.FieldDefinition) string {
	for _, a := range f.Arguments {
		if a.Type.NonNull && a.DefaultValue == nil {
			return "" // not selectable without arguments
		}
	}
	if d := s.Types[f.Type.Name()]; d != nil && (d.Kind == ast.Object || d.Kind == ast.Interface || d.Kind == ast.Union) {
		return pageOf(f) + " { __typename }"
	}
	return f.Name
}

// pageOf names a field with a small page when it takes one, keeping the
// generated queries under the cost limit.
func pageOf(f *ast.FieldDefinition) string {
	if f.Arguments.ForName("first") != nil {
		return f.Name + "(first: 3)"
	}
	return f.Name
}
