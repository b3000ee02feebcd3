package server_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"

	"segretariato/graph/generated"
	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
)

// restrictedInput is an input field of a where input that tests a field
// only some may read (an object field with a @personal directive).
type restrictedInput struct {
	object, field string // Citizen, fiscalCode
	input, name   string // CitizenWhereInput, fiscalCodeHasPrefix
	op            string // HasPrefix
}

// operators are the where operators entgql derives from a field's name.
var operators = []string{"", "NEQ", "In", "NotIn", "GT", "GTE", "LT", "LTE",
	"Contains", "HasPrefix", "HasSuffix", "IsNil", "NotNil", "EqualFold", "ContainsFold"}

// schemaRestricted walks the executable schema: every object field with
// @personal, and every where-input field derived from its name.
func schemaRestricted(s *ast.Schema) (fields map[string][]string, inputs []restrictedInput) {
	fields = map[string][]string{}
	for _, t := range s.Types {
		if t.Kind != ast.Object {
			continue
		}
		for _, f := range t.Fields {
			if f.Directives.ForName("personal") == nil {
				continue
			}
			fields[t.Name] = append(fields[t.Name], f.Name)
			where := s.Types[t.Name+"WhereInput"]
			if where == nil {
				continue
			}
			for _, in := range where.Fields {
				if op, ok := strings.CutPrefix(in.Name, f.Name); ok && slices.Contains(operators, op) {
					inputs = append(inputs, restrictedInput{t.Name, f.Name, where.Name, in.Name, op})
				}
			}
		}
	}
	slices.SortFunc(inputs, func(a, b restrictedInput) int { return strings.Compare(a.input+a.name, b.input+b.name) })
	return fields, inputs
}

// wherePaths lists, from a where input, the has…With paths (at most depth
// edges) that reach the target where input: ["hasCitizenWith"],
// ["hasReferralsWith", "hasContactWith", "hasCitizenWith"], …
func wherePaths(s *ast.Schema, from, target string, depth int) [][]string {
	if from == target {
		return [][]string{nil}
	}
	if depth == 0 {
		return nil
	}
	var out [][]string
	for _, f := range s.Types[from].Fields {
		if !strings.HasPrefix(f.Name, "has") || !strings.HasSuffix(f.Name, "With") {
			continue
		}
		for _, p := range wherePaths(s, f.Type.Name(), target, depth-1) {
			out = append(out, append([]string{f.Name}, p...))
		}
	}
	return out
}

// nest writes a where value: the path's edges around leaf.
func nest(path []string, leaf string) string {
	for i := len(path) - 1; i >= 0; i-- {
		leaf = fmt.Sprintf("{%s: %s}", path[i], leaf)
	}
	return leaf
}

// probe is, for an operator, a value that the world's fiscal code matches
// (IsNil: a value that only a null matches).
func probe(t *testing.T, in restrictedInput, typ *ast.Type, secret string) string {
	t.Helper()
	q := func(s string) string { return fmt.Sprintf("%q", s) }
	switch in.op {
	case "":
		return q(secret)
	case "NEQ":
		return q("X")
	case "In":
		return "[" + q(secret) + "]"
	case "NotIn":
		return `["X"]`
	case "GT":
		return q("A")
	case "GTE", "LTE":
		return q(secret)
	case "LT":
		return q("ZZ")
	case "Contains":
		return q(secret[3:9])
	case "HasPrefix":
		return q(secret[:3])
	case "HasSuffix":
		return q(secret[len(secret)-4:])
	case "EqualFold":
		return q(strings.ToLower(secret))
	case "ContainsFold":
		return q(strings.ToLower(secret[3:9]))
	case "IsNil", "NotNil":
		return "true"
	}
	t.Fatalf("no probe value for %s.%s (%s): add one", in.input, in.name, typ)
	return ""
}

// TestRestrictedFieldFilters: for every where-input field that tests a
// restricted field, reached at the root and nested under an edge of an
// object the viewer sees, directly and inside and/or/not, the answer of a
// social worker who may not read the field does not depend on its value
// (it is refused, or the same as with the field null), while the
// coordinator's filter still tells a code from a null.
func TestRestrictedFieldFilters(t *testing.T) {
	s := generated.NewExecutableSchema(generated.Config{}).Schema()
	personal, inputs := schemaRestricted(s)
	if len(inputs) == 0 {
		t.Fatal("no where input tests a @personal field: the walk of the schema is broken")
	}
	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		w := newWorld(t, db)
		api := w.api
		const secret = "RCCGLI56B62Z129H"
		api.MustDo(t, w.coord, `mutation($c: ID!, $o: ID!) { shareCitizen(citizenID: $c, operatorID: $o) { id } }`,
			map[string]any{"c": w.citizen, "o": fmt.Sprint(w.sw2ID)}, nil)
		visible := map[string]string{"Citizen": w.citizen, "Contact": w.contact, "Referral": w.referral}

		// Entries: the root connections, and every connection edge with a
		// where argument, under node(id) of an object sw2 sees.
		type entry struct {
			where string                    // the where input type
			query func(where string) string // the query with that where value
		}
		var entries []entry
		for _, f := range s.Query.Fields {
			if a := f.Arguments.ForName("where"); a != nil {
				entries = append(entries, entry{a.Type.Name(), func(where string) string {
					return fmt.Sprintf(`{ %s(where: %s) { totalCount } }`, f.Name, where)
				}})
			}
		}
		for _, typ := range s.Types {
			if typ.Kind != ast.Object || typ == s.Query {
				continue
			}
			for _, f := range typ.Fields {
				a := f.Arguments.ForName("where")
				if a == nil {
					continue
				}
				reaches := false
				for _, in := range inputs {
					reaches = reaches || len(wherePaths(s, a.Type.Name(), in.input, 3)) > 0
				}
				if !reaches {
					continue
				}
				id, ok := visible[typ.Name]
				if !ok {
					t.Fatalf("%s.%s can filter on a restricted field: give the test a %s the social worker sees", typ.Name, f.Name, typ.Name)
				}
				entries = append(entries, entry{a.Type.Name(), func(where string) string {
					return fmt.Sprintf(`{ node(id: %q) { ... on %s { %s(where: %s) { totalCount } } } }`, id, typ.Name, f.Name, where)
				}})
			}
		}

		// The probes: every restricted input at the end of every path from
		// every entry, alone or inside and, or, not (in turn).
		type probeQuery struct {
			query string
			wrap  string
		}
		var probes []probeQuery
		for _, e := range entries {
			for i, in := range inputs {
				for _, path := range wherePaths(s, e.where, in.input, 3) {
					leaf := fmt.Sprintf("{%s: %s}", in.name, probe(t, in, s.Types[in.input].Fields.ForName(in.name).Type, secret))
					wrap := []string{"", "and", "or", "not"}[(i+len(path))%4]
					v := nest(path, leaf)
					switch wrap {
					case "and":
						v = fmt.Sprintf(`{and: [%s, {idNEQ: "0"}]}`, v)
					case "or":
						v = fmt.Sprintf("{or: [%s, %s]}", v, v)
					case "not":
						v = fmt.Sprintf("{not: {not: %s}}", v)
					}
					if wrap != "" && len(path) > 0 { // and the same operators inside the edge
						v2 := nest(path, fmt.Sprintf("{or: [%s, {not: {not: %s}}]}", leaf, leaf))
						probes = append(probes, probeQuery{e.query(v2), "inner"})
					}
					probes = append(probes, probeQuery{e.query(v), wrap})
				}
			}
		}
		if len(probes) < len(inputs) {
			t.Fatalf("only %d probes for %d restricted inputs", len(probes), len(inputs))
		}

		answers := func() map[string][2]string {
			out := map[string][2]string{}
			for _, p := range probes {
				var a [2]string
				for i, tok := range []string{w.sw2, w.coord} {
					r := api.Do(t, tok, p.query, nil)
					if r.Status != 200 {
						t.Fatalf("%s: status %d %s", p.query, r.Status, r.Body)
					}
					a[i] = string(r.Body)
					if c := r.Code(); c != "" {
						a[i] = "code " + c
					}
				}
				out[p.query] = a
			}
			return out
		}
		real := answers()
		db.Client.Citizen.UpdateOneID(mustInt(t, w.citizen)).ClearFiscalCode().ExecX(sys(t))
		null := answers()
		for _, p := range probes {
			r, n := real[p.query], null[p.query]
			if r[0] != n[0] || (r[0] != "code FORBIDDEN" && strings.Contains(r[0], `"errors"`)) {
				t.Errorf("social worker: the answer depends on the value they may not read, or fails without a code:\n%s\nwith the code: %s\nwith null:     %s", p.query, r[0], n[0])
			}
			if strings.HasPrefix(r[1], "code") || strings.Contains(r[1], `"errors"`) {
				t.Errorf("coordinator refused: %s: %s", p.query, r[1])
			} else if r[1] == n[1] {
				t.Errorf("coordinator: the filter does not tell the code from null: %s: %s", p.query, r[1])
			}
		}
		t.Logf("%d probes over %d restricted inputs of %v", len(probes), len(inputs), personal)
	})
}

// TestRestrictedOrderingsAndDimensions: no ordering and no analytics
// dimension names a restricted field, or else it is refused to whoever
// cannot read it.
func TestRestrictedOrderingsAndDimensions(t *testing.T) {
	s := generated.NewExecutableSchema(generated.Config{}).Schema()
	personal, _ := schemaRestricted(s)
	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		w := newWorld(t, db)
		checked := 0
		for object, fields := range personal {
			for _, f := range fields {
				value := upperSnakeTest(f)
				if dims := s.Types["DemandDimension"]; dims != nil && dims.EnumValues.ForName(value) != nil {
					t.Errorf("the analytics dimension %s groups by the restricted %s.%s", value, object, f)
				}
				order := s.Types[object+"OrderField"]
				checked++
				if order == nil || order.EnumValues.ForName(value) == nil {
					continue
				}
				for _, q := range s.Query.Fields {
					if a := q.Arguments.ForName("orderBy"); a == nil || !strings.HasPrefix(a.Type.Name(), object+"Order") {
						continue
					}
					query := fmt.Sprintf(`{ %s(orderBy: [{field: %s}]) { totalCount } }`, q.Name, value)
					if r := w.api.Do(t, w.sw2, query, nil); r.Code() != "FORBIDDEN" {
						t.Errorf("%s by a social worker: %s", query, r.Body)
					}
					if r := w.api.Do(t, w.coord, query, nil); len(r.Errors) > 0 {
						t.Errorf("%s by the coordinator: %s", query, r.Body)
					}
				}
			}
		}
		if checked == 0 {
			t.Fatal("no restricted field found in the schema")
		}
	})
}

func upperSnakeTest(s string) string {
	var b strings.Builder
	for i, r := range s {
		if r >= 'A' && r <= 'Z' && i > 0 {
			b.WriteByte('_')
		}
		b.WriteString(strings.ToUpper(string(r)))
	}
	return b.String()
}
