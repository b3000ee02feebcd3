package server_test

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"segretariato/ent/schema/schematype"
	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
	"segretariato/internal/server/apitest"
)

// TestPublishedSchemaIsTheServedOne: what the server answers to the
// standard introspection query (development mode) describes the same
// types, fields, arguments, defaults, enum values, descriptions,
// deprecations and directives as the committed docs/schema.graphql.
func TestPublishedSchemaIsTheServedOne(t *testing.T) {
	db := dbtest.Open(t, "sqlite3", database.Options{})
	api := apitest.New(t, db, development)
	_, token := api.Operator(t, schematype.RoleAnalyst)
	r := introspect(t, api, token, "")
	var served struct {
		Schema introspected `json:"__schema"`
	}
	if len(r.Errors) > 0 || json.Unmarshal(r.Data, &served) != nil {
		t.Fatalf("introspection: %s", r.Body)
	}

	sdl, err := os.ReadFile("../../docs/schema.graphql")
	if err != nil {
		t.Fatal(err)
	}
	published, gerr := gqlparser.LoadSchema(&ast.Source{Name: "docs/schema.graphql", Input: string(sdl)})
	if gerr != nil {
		t.Fatalf("docs/schema.graphql does not load: %v", gerr)
	}

	got, want := served.Schema.lines(), schemaLines(published)
	if len(want) < 1000 {
		t.Fatalf("the published schema has only %d elements", len(want))
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("served schema (+) differs from docs/schema.graphql (-); run go generate ./...\n%s", d)
	}
}

// The answer to the standard introspection query.
type introspected struct {
	QueryType        *struct{ Name string }
	MutationType     *struct{ Name string }
	SubscriptionType *struct{ Name string }
	Types            []struct {
		Kind, Name    string
		Description   *string
		Fields        []introField
		InputFields   []introValue
		Interfaces    []typeRef
		EnumValues    []introField
		PossibleTypes []typeRef
	}
	Directives []struct {
		Name        string
		Description *string
		Locations   []string
		Args        []introValue
	}
}

type introField struct {
	Name              string
	Description       *string
	Args              []introValue
	Type              *typeRef
	IsDeprecated      bool
	DeprecationReason *string
}

type introValue struct {
	Name         string
	Description  *string
	Type         typeRef
	DefaultValue *string
}

type typeRef struct {
	Kind   string
	Name   *string
	OfType *typeRef
}

func (r typeRef) String() string {
	switch r.Kind {
	case "NON_NULL":
		return r.OfType.String() + "!"
	case "LIST":
		return "[" + r.OfType.String() + "]"
	}
	return *r.Name
}

func str(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// lines describes the introspected schema one element a line, sorted.
func (s introspected) lines() []string {
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	name := func(t *struct{ Name string }) string {
		if t == nil {
			return ""
		}
		return t.Name
	}
	add("schema query=%s mutation=%s subscription=%s", name(s.QueryType), name(s.MutationType), name(s.SubscriptionType))
	for _, t := range s.Types {
		add("type %s %s %q", t.Name, t.Kind, str(t.Description))
		for _, f := range t.Fields {
			add("field %s.%s: %s deprecated=%v %q %q", t.Name, f.Name, f.Type, f.IsDeprecated, str(f.DeprecationReason), str(f.Description))
			for _, a := range f.Args {
				add("arg %s.%s(%s): %s = %s %q", t.Name, f.Name, a.Name, a.Type, str(a.DefaultValue), str(a.Description))
			}
		}
		for _, f := range t.InputFields {
			add("input %s.%s: %s = %s %q", t.Name, f.Name, f.Type, str(f.DefaultValue), str(f.Description))
		}
		for _, f := range t.EnumValues {
			add("value %s.%s deprecated=%v %q %q", t.Name, f.Name, f.IsDeprecated, str(f.DeprecationReason), str(f.Description))
		}
		for _, i := range t.Interfaces {
			add("implements %s %s", t.Name, i)
		}
		for _, p := range t.PossibleTypes {
			add("possible %s %s", t.Name, p)
		}
	}
	for _, d := range s.Directives {
		locs := append([]string(nil), d.Locations...)
		sort.Strings(locs)
		add("directive @%s on %s %q", d.Name, strings.Join(locs, "|"), str(d.Description))
		for _, a := range d.Args {
			add("arg @%s(%s): %s = %s %q", d.Name, a.Name, a.Type, str(a.DefaultValue), str(a.Description))
		}
	}
	sort.Strings(out)
	return out
}

// schemaLines describes a parsed schema as lines does an introspected one.
func schemaLines(s *ast.Schema) []string {
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	name := func(d *ast.Definition) string {
		if d == nil {
			return ""
		}
		return d.Name
	}
	deprecation := func(dirs ast.DirectiveList) (bool, string) {
		d := dirs.ForName("deprecated")
		if d == nil {
			return false, ""
		}
		if a := d.Arguments.ForName("reason"); a != nil {
			return true, a.Value.Raw
		}
		return true, "No longer supported"
	}
	def := func(v *ast.Value) string {
		if v == nil {
			return ""
		}
		return v.String()
	}
	add("schema query=%s mutation=%s subscription=%s", name(s.Query), name(s.Mutation), name(s.Subscription))
	for _, t := range s.Types {
		add("type %s %s %q", t.Name, t.Kind, t.Description)
		for _, f := range t.Fields {
			if strings.HasPrefix(f.Name, "__") {
				continue // __typename, __schema, __type: not listed by introspection
			}
			switch t.Kind {
			case ast.Object, ast.Interface:
				dep, reason := deprecation(f.Directives)
				add("field %s.%s: %s deprecated=%v %q %q", t.Name, f.Name, f.Type, dep, reason, f.Description)
				for _, a := range f.Arguments {
					add("arg %s.%s(%s): %s = %s %q", t.Name, f.Name, a.Name, a.Type, def(a.DefaultValue), a.Description)
				}
			case ast.InputObject:
				add("input %s.%s: %s = %s %q", t.Name, f.Name, f.Type, def(f.DefaultValue), f.Description)
			}
		}
		for _, v := range t.EnumValues {
			dep, reason := deprecation(v.Directives)
			add("value %s.%s deprecated=%v %q %q", t.Name, v.Name, dep, reason, v.Description)
		}
		for _, i := range t.Interfaces {
			add("implements %s %s", t.Name, i)
		}
		if t.Kind == ast.Interface || t.Kind == ast.Union {
			for _, p := range s.GetPossibleTypes(t) {
				add("possible %s %s", t.Name, p.Name)
			}
		}
	}
	for _, d := range s.Directives {
		locs := make([]string, len(d.Locations))
		for i, l := range d.Locations {
			locs[i] = string(l)
		}
		sort.Strings(locs)
		add("directive @%s on %s %q", d.Name, strings.Join(locs, "|"), d.Description)
		for _, a := range d.Arguments {
			add("arg @%s(%s): %s = %s %q", d.Name, a.Name, a.Type, def(a.DefaultValue), a.Description)
		}
	}
	sort.Strings(out)
	return out
}
