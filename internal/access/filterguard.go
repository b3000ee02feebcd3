package access

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"segretariato/ent"
	"segretariato/ent/schema/schematype"
	"segretariato/internal/apperr"
	"segretariato/internal/audit"
	"segretariato/internal/auth"
)

// A filter or an ordering reads the field it tests: counting the citizens
// whose fiscal code starts with "RZ" tells one character of a code, and a
// few such counts tell the whole code. So a field that a viewer may not
// read may not be filtered or ordered on by that viewer either, wherever
// the predicate stands: at the root, under an edge of an object the viewer
// sees (node(id){ … contacts(where: …) }), inside has…With, and, or, not.
//
// Which fields are restricted comes from the schema, the one declaration:
// a field carrying one of ReadRules' directives (@personal). Its filter
// inputs are the where-input fields the generator derives from its name
// (fiscalCode, fiscalCodeHasPrefix, fiscalCodeIsNil, …) and its ordering
// the order-field value of the same name (FISCAL_CODE).
//
// @personal is decided per record (a social worker reads the fiscal code
// of the citizens they hold, not of those shared with them), and a
// predicate under an edge cannot be decided per record before it runs. So
// such a predicate is allowed only to the roles that read the field on
// every record (ReadRules), and refused to everyone else with FORBIDDEN
// naming the field, before anything runs.
//
// The same walk finds searches for a person (the restricted fields and
// Identifying), which are audited as SEARCH events (internal/audit).

// ReadRules lists the directives that restrict who reads a field and, for
// each, the roles that read it on every record.
var ReadRules = map[string][]schematype.Role{
	"personal": {schematype.RoleCoordinator},
}

// Identifying lists, beside the restricted fields, the fields by which one
// looks for a person: a filter on them is a search, and is audited.
var Identifying = map[string][]string{
	"Citizen": {"firstName", "lastName", "birthDate", "phone", "email", "address"},
}

// whereSuffixes are the operators entgql derives from a field's name.
var whereSuffixes = []string{"", "NEQ", "In", "NotIn", "GT", "GTE", "LT", "LTE",
	"Contains", "HasPrefix", "HasSuffix", "IsNil", "NotNil", "EqualFold", "ContainsFold"}

// filterField is a field of an entity that an input field tests.
type filterField struct {
	entity, field string
	op            string // the where operator ("" for equality), "order" for an ordering
	rule          string // the directive restricting it; "" for an identifying field
}

// FilterUse is one test of a restricted or identifying field in a query.
type FilterUse struct {
	filterField
	Path  string // the argument path, e.g. contacts.where.hasCitizenWith[0].fiscalCode
	Value any
}

// FilterGuard knows which input fields and order values test restricted
// or identifying fields.
type FilterGuard struct {
	schema *ast.Schema
	fields map[string]map[string]filterField // input or enum type → input field or enum value
	client *ent.Client
	search *audit.Searches
}

// NewFilterGuard reads the restricted fields from the schema's directives
// and records searches with client.
func NewFilterGuard(s *ast.Schema, client *ent.Client, search *audit.Searches) *FilterGuard {
	g := &FilterGuard{schema: s, fields: map[string]map[string]filterField{}, client: client, search: search}
	add := func(entity, field, rule string) {
		where := s.Types[entity+"WhereInput"]
		for _, in := range inputFields(where) {
			if op, ok := strings.CutPrefix(in.Name, field); ok && slices.Contains(whereSuffixes, op) {
				g.set(where.Name, in.Name, filterField{entity, field, op, rule})
			}
		}
		if order := s.Types[entity+"OrderField"]; order != nil {
			for _, v := range order.EnumValues {
				if v.Name == upperSnake(field) {
					g.set(order.Name, v.Name, filterField{entity, field, "order", rule})
				}
			}
		}
	}
	for _, t := range s.Types {
		if t.Kind != ast.Object {
			continue
		}
		for _, f := range t.Fields {
			for _, d := range f.Directives {
				if _, ok := ReadRules[d.Name]; ok {
					add(t.Name, f.Name, d.Name)
				}
			}
		}
	}
	for entity, fields := range Identifying {
		for _, f := range fields {
			add(entity, f, "")
		}
	}
	return g
}

func inputFields(d *ast.Definition) ast.FieldList {
	if d == nil || d.Kind != ast.InputObject {
		return nil
	}
	return d.Fields
}

func (g *FilterGuard) set(typ, name string, f filterField) {
	if g.fields[typ] == nil {
		g.fields[typ] = map[string]filterField{}
	}
	if old, ok := g.fields[typ][name]; ok && old.rule != "" {
		return // a restricted field stays restricted
	}
	g.fields[typ][name] = f
}

// upperSnake turns fiscalCode into FISCAL_CODE.
func upperSnake(s string) string {
	var b strings.Builder
	for i, r := range s {
		if unicode.IsUpper(r) && i > 0 {
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToUpper(r))
	}
	return b.String()
}

// Uses lists the tests of restricted and identifying fields in a field's
// arguments and in those of every field selected under it.
func (g *FilterGuard) Uses(f *ast.Field, vars map[string]any) []FilterUse {
	var uses []FilterUse
	g.walkField(f, vars, f.Alias, &uses)
	return uses
}

func (g *FilterGuard) walkField(f *ast.Field, vars map[string]any, path string, uses *[]FilterUse) {
	if f.Definition != nil && len(f.Arguments) > 0 {
		args := f.ArgumentMap(vars)
		for _, a := range f.Definition.Arguments {
			g.walkValue(a.Type, args[a.Name], path+"."+a.Name, uses)
		}
	}
	g.walkSelections(f.SelectionSet, vars, path, uses)
}

func (g *FilterGuard) walkSelections(set ast.SelectionSet, vars map[string]any, path string, uses *[]FilterUse) {
	for _, s := range set {
		switch s := s.(type) {
		case *ast.Field:
			g.walkField(s, vars, path+"."+s.Alias, uses)
		case *ast.InlineFragment:
			g.walkSelections(s.SelectionSet, vars, path, uses)
		case *ast.FragmentSpread:
			if s.Definition != nil {
				g.walkSelections(s.Definition.SelectionSet, vars, path, uses)
			}
		}
	}
}

func (g *FilterGuard) walkValue(t *ast.Type, v any, path string, uses *[]FilterUse) {
	if v == nil || t == nil {
		return
	}
	if t.Elem != nil {
		list, ok := v.([]any)
		if !ok { // a single value where a list is expected (input coercion)
			g.walkValue(t.Elem, v, path, uses)
			return
		}
		for i, e := range list {
			g.walkValue(t.Elem, e, fmt.Sprintf("%s[%d]", path, i), uses)
		}
		return
	}
	def := g.schema.Types[t.NamedType]
	if def == nil {
		return
	}
	switch def.Kind {
	case ast.InputObject:
		m, _ := v.(map[string]any)
		for name, val := range m {
			if ff, ok := g.fields[def.Name][name]; ok && val != nil {
				*uses = append(*uses, FilterUse{filterField: ff, Path: path + "." + name, Value: val})
			}
			if fd := def.Fields.ForName(name); fd != nil {
				g.walkValue(fd.Type, val, path+"."+name, uses)
			}
		}
	case ast.Enum:
		if s, ok := v.(string); ok {
			if ff, ok := g.fields[def.Name][s]; ok {
				*uses = append(*uses, FilterUse{filterField: ff, Path: path, Value: s})
			}
		}
	}
}

// Refused returns the FORBIDDEN error for the first restricted field that
// the viewer's role may not test, or nil.
func Refused(role schematype.Role, uses []FilterUse) error {
	for _, u := range uses {
		if u.rule != "" && !slices.Contains(ReadRules[u.rule], role) {
			what := "filter on"
			if u.op == "order" {
				what = "order by"
			}
			return apperr.New(apperr.Forbidden, "your role may not %s %s.%s, which it cannot read on every record (%s)", what, u.entity, u.field, u.Path)
		}
	}
	return nil
}

// Guard is the root-field middleware: before a root field runs, it refuses
// the operation's filters and orderings on fields the viewer may not read,
// under that field at any depth, and records its searches for a person.
func (g *FilterGuard) Guard(ctx context.Context, next graphql.RootResolver) graphql.Marshaler {
	fc := graphql.GetRootFieldContext(ctx)
	v := auth.FromContext(ctx)
	if fc == nil || v == nil || fc.Field.Field == nil {
		return next(ctx)
	}
	uses := g.Uses(fc.Field.Field, graphql.GetOperationContext(ctx).Variables)
	if len(uses) == 0 {
		return next(ctx)
	}
	if err := Refused(v.Role, uses); err != nil {
		graphql.AddError(ctx, err)
		return graphql.Null
	}
	if err := g.search.Record(ctx, g.client, searchTerms(uses)); err != nil {
		graphql.AddError(ctx, apperr.From(err))
		return graphql.Null
	}
	return next(ctx)
}

func searchTerms(uses []FilterUse) []audit.SearchTerm {
	var terms []audit.SearchTerm
	for _, u := range uses {
		if u.op == "order" {
			continue
		}
		terms = append(terms, audit.SearchTerm{Entity: u.entity, Field: u.field, Op: u.op, Value: u.Value})
	}
	return terms
}
