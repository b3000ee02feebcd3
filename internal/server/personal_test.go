package server_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"

	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
)

// personalField is a field under @personal, on its object type.
type personalField struct{ object, field string }

func personalFields(s *ast.Schema) []personalField {
	var out []personalField
	for _, def := range s.Types {
		if def.Kind != ast.Object {
			continue
		}
		for _, f := range def.Fields {
			if f.Directives.ForName("personal") != nil {
				out = append(out, personalField{def.Name, f.Name})
			}
		}
	}
	return out
}

// nodeTypeOf is the object type a field leads to: its own type, a list's
// element, or a connection's node.
func nodeTypeOf(s *ast.Schema, f *ast.FieldDefinition) (string, bool) {
	def := s.Types[f.Type.Name()]
	if def == nil || def.Kind != ast.Object {
		return "", false
	}
	if edges := def.Fields.ForName("edges"); edges != nil && strings.HasSuffix(def.Name, "Connection") {
		if node := s.Types[edges.Type.Name()].Fields.ForName("node"); node != nil {
			return node.Type.Name(), true
		}
	}
	return def.Name, true
}

// wrapField selects inner through the field f (a connection through its
// edges' nodes).
func wrapField(s *ast.Schema, f *ast.FieldDefinition, inner string) string {
	if strings.HasSuffix(f.Type.Name(), "Connection") {
		return pageOf(f) + " { edges { node { " + inner + " } } }"
	}
	return pageOf(f) + " { " + inner + " }"
}

// pathsTo lists the queries (with %s where the selection goes) that reach
// objects of type target from a root connection of Query, directly or
// through one edge: the case list reaches citizens through contacts.
func pathsTo(s *ast.Schema, target string) []string {
	var out []string
	for _, root := range s.Query.Fields {
		if !strings.HasSuffix(root.Type.Name(), "Connection") || selectionOf(s, root) == "" {
			continue
		}
		n, _ := nodeTypeOf(s, root)
		if n == target {
			out = append(out, "{ "+wrapField(s, root, "%s")+" }")
		}
		for _, e := range s.Types[n].Fields {
			if t, ok := nodeTypeOf(s, e); ok && t == target && selectionOf(s, e) != "" {
				out = append(out, "{ "+wrapField(s, root, wrapField(s, e, "%s"))+" }")
			}
		}
	}
	return out
}

// collect gathers every value of key in a JSON document.
func collect(v any, key string, out *[]string) {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			if k == key {
				b, _ := json.Marshal(val)
				*out = append(*out, string(b))
			}
			collect(val, key, out)
		}
	case []any:
		for _, val := range x {
			collect(val, key, out)
		}
	}
}

// TestPersonalFieldsIgnoreSiblings: a @personal field reads the same
// whatever else the query selects beside it and whichever path reaches
// the record (the case list's contacts → citizen as well as the citizen
// by id). Queries are generated from the schema: every @personal field,
// with every sibling field, through every root connection and one edge.
func TestPersonalFieldsIgnoreSiblings(t *testing.T) {
	s := servedSchema(t)
	fields := personalFields(s)
	if len(fields) < 3 {
		t.Fatalf("found only %v under @personal", fields)
	}
	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		w := newWorld(t, db)
		api := w.api
		// sw2 sees the case (shared) but holds nothing: null everywhere.
		api.MustDo(t, w.coord, `mutation($c: ID!, $o: ID!) { shareCitizen(citizenID: $c, operatorID: $o) { id } }`,
			map[string]any{"c": w.citizen, "o": fmt.Sprint(w.sw2ID)}, nil)
		want := map[string]string{ // what the holder and the coordinator read, by id
			"Citizen.fiscalCode": `"RCCGLI56B62Z129H"`,
			"Contact.notes":      `"madre allettata, figlia caregiver"`,
			"Referral.notes":     `"colloquio"`,
		}
		for _, pf := range fields {
			key := pf.object + "." + pf.field
			expect, ok := want[key]
			if !ok {
				t.Errorf("%s is @personal but the test world has no value for it", key)
				continue
			}
			ids := map[string]string{"Citizen": w.citizen, "Contact": w.contact, "Referral": w.referral}
			paths := append(pathsTo(s, pf.object), `{ node(id: "`+ids[pf.object]+`") { ... on `+pf.object+` { %s } } }`)
			if len(paths) < 2 {
				t.Errorf("%s: only %d paths reach it", key, len(paths))
			}
			sels := []string{pf.field}
			for _, f := range s.Types[pf.object].Fields {
				if sel := selectionOf(s, f); f.Name != pf.field && sel != "" {
					sels = append(sels, pf.field+" "+sel)
				}
			}
			for tok, exp := range map[string]string{w.sw1: expect, w.coord: expect, w.sw2: "null"} {
				for _, p := range paths {
					for _, sel := range sels {
						q := fmt.Sprintf(p, sel)
						r := api.Do(t, tok, q, nil)
						if r.Status != 200 || len(r.Errors) > 0 {
							t.Fatalf("%s: %s", q, r.Body)
						}
						var data any
						_ = json.Unmarshal(r.Data, &data)
						var got []string
						collect(data, pf.field, &got)
						if tok == w.sw2 && len(got) == 0 {
							continue // a path sw2 does not reach (operators' contacts)
						}
						if len(got) == 0 {
							t.Errorf("%s: no %s in %s", q, pf.field, r.Data)
						}
						for _, g := range got {
							if g != exp {
								t.Errorf("%s: %s = %s, want %s", q, key, g, exp)
								break
							}
						}
					}
				}
			}
		}
	})
}
