package access

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"segretariato/ent"
	"segretariato/ent/privacy"
	"segretariato/internal/audit"
)

// A foreign-key id field (a contact's citizenID, a citizen's holderID, a
// referral's contactID…) says which record its edge leads to. The edge
// goes through the privacy rules of the record it names, so a viewer who
// may not see that record reads it as null; the id must read null too, or
// it tells what the edge hides. ForeignKeys resolves every such field
// through the same rules as its edge: the fields are found in the schema
// (a field of type ID named xID beside an edge x), so a new foreign key is
// covered without being listed anywhere.

// foreignKey is one foreign-key id field: the Go field that holds it, and
// the GraphQL type of the record it names.
type foreignKey struct {
	goField, target string
}

// foreignKeySchema maps object type → id field → foreign key, and
// records the fields that answer lists or connections of records, whose
// ids (and foreign keys) are noted for one look-up. Every other field
// passes the middleware untouched.
type foreignKeySchema struct {
	keys    map[string]map[string]foreignKey
	records map[string]map[string]bool
	// fields are the Go fields of a record type that noteRecord reads,
	// found once per type.
	fields sync.Map // reflect.Type → recordFields
}

// recordFields are where a record's Go struct holds its id and its
// foreign keys (indexes of reflect's Field; -1 when absent).
type recordFields struct {
	id   int
	keys []keyField
}

// keyField is a foreign key's Go field and the type of the record it names.
type keyField struct {
	index  int
	target string
}

func newForeignKeySchema(s *ast.Schema) *foreignKeySchema {
	fs := &foreignKeySchema{keys: map[string]map[string]foreignKey{}, records: map[string]map[string]bool{}}
	for _, def := range s.Types {
		if def.Kind != ast.Object || strings.HasPrefix(def.Name, "__") {
			continue
		}
		for _, f := range def.Fields {
			if holdsRecords(s, f.Type) {
				if fs.records[def.Name] == nil {
					fs.records[def.Name] = map[string]bool{}
				}
				fs.records[def.Name][f.Name] = true
			}
			name, ok := strings.CutSuffix(f.Name, "ID")
			if f.Type.Name() != "ID" || f.Type.Elem != nil || !ok || name == "" {
				continue
			}
			edge := def.Fields.ForName(name)
			if edge == nil || edge.Type.Elem != nil || s.Types[edge.Type.Name()] == nil || s.Types[edge.Type.Name()].Kind != ast.Object {
				continue
			}
			if fs.keys[def.Name] == nil {
				fs.keys[def.Name] = map[string]foreignKey{}
			}
			fs.keys[def.Name][f.Name] = foreignKey{goField: strings.ToUpper(f.Name[:1]) + f.Name[1:], target: edge.Type.Name()}
		}
	}
	return fs
}

// holdsRecords: a list of objects, or a connection (an object named
// …Connection), whose records noteRecords notes.
func holdsRecords(s *ast.Schema, t *ast.Type) bool {
	def := s.Types[t.Name()]
	if def == nil || def.Kind != ast.Object {
		return false
	}
	return t.Elem != nil || strings.HasSuffix(def.Name, "Connection")
}

// ForeignKeys returns the field middleware that answers a foreign-key id
// field with the id only when the viewer may see the record it names,
// through the same privacy rules as the edge: null otherwise. Whether they
// may is looked up once per request for all the records of the answer
// (facts.go): the middleware notes the foreign keys of every list and
// connection of records it sees pass.
func ForeignKeys(client *ent.Client, s *ast.Schema) graphql.FieldMiddleware {
	fs := newForeignKeySchema(s)
	return func(ctx context.Context, next graphql.Resolver) (any, error) {
		fc := graphql.GetFieldContext(ctx)
		if fc == nil || fc.Field.Field == nil {
			return next(ctx)
		}
		fk, isKey := fs.keys[fc.Object][fc.Field.Name]
		if !isKey && !fs.records[fc.Object][fc.Field.Name] {
			return next(ctx)
		}
		res, err := next(ctx)
		if err != nil || res == nil {
			return res, err
		}
		if !isKey {
			fs.noteRecords(ctx, res)
			return res, nil
		}
		id, ok := idValue(res)
		if !ok {
			return res, nil
		}
		c := client
		if tx := ent.FromContext(ctx); tx != nil {
			c = tx
		}
		visible, err := lookup(factsOf(ctx), "visible", fk.target, id, func(ids []int) (map[int]bool, error) {
			return visibleNodes(ctx, c, ids)
		})
		if err != nil || !visible {
			return nil, err
		}
		return res, nil
	}
}

// visibleNodes tells which of the ids the viewer may see: the records the
// node query returns under the viewer's privacy rules. It is the
// service's own check, so it is not recorded as a read, and what it
// reports of the records not found (or not the viewer's) goes to a
// response of its own, never the client's; any other error is returned.
func visibleNodes(ctx context.Context, c *ent.Client, ids []int) (map[int]bool, error) {
	out := make(map[int]bool, len(ids))
	rctx := graphql.WithResponseContext(audit.Internal(ctx), graphql.DefaultErrorPresenter, graphql.DefaultRecover)
	nodes, err := c.Noders(rctx, ids)
	if err != nil {
		if hidden(err) {
			return out, nil
		}
		return nil, err
	}
	for _, e := range graphql.GetErrors(rctx) {
		if !hidden(e) {
			return nil, e
		}
	}
	for i, n := range nodes {
		if n != nil && !reflect.ValueOf(n).IsNil() {
			out[ids[i]] = true
		}
	}
	return out, nil
}

// hidden: an error that only says the viewer does not get the record.
func hidden(err error) bool {
	var gerr *gqlerror.Error
	return ent.IsNotFound(err) || errors.Is(err, privacy.Deny) ||
		errors.As(err, &gerr) && gerr.Extensions["code"] == "NOT_FOUND"
}

func idValue(v any) (int, bool) {
	switch x := v.(type) {
	case int:
		return x, x != 0
	case *int:
		if x != nil {
			return *x, true
		}
	}
	return 0, false
}

// noteRecords notes the records in a field's answer (a list of records,
// or a connection's edges), with their foreign keys, for the look-ups of
// the fields still to resolve.
func (fs *foreignKeySchema) noteRecords(ctx context.Context, res any) {
	v := reflect.ValueOf(res)
	if v.Kind() == reflect.Pointer && !v.IsNil() && v.Elem().Kind() == reflect.Struct && strings.HasSuffix(v.Elem().Type().Name(), "Connection") {
		edges := v.Elem().FieldByName("Edges")
		if !edges.IsValid() || edges.Kind() != reflect.Slice {
			return
		}
		f := factsOf(ctx)
		for i := range edges.Len() {
			if e := edges.Index(i); e.Kind() == reflect.Pointer && !e.IsNil() {
				fs.noteRecord(f, e.Elem().FieldByName("Node"))
			}
		}
		return
	}
	if v.Kind() != reflect.Slice || v.Type().Elem().Kind() != reflect.Pointer || v.Type().Elem().Elem().Kind() != reflect.Struct {
		return
	}
	f := factsOf(ctx)
	for i := range v.Len() {
		fs.noteRecord(f, v.Index(i))
	}
}

func (fs *foreignKeySchema) noteRecord(f *facts, rec reflect.Value) {
	if !rec.IsValid() || rec.Kind() != reflect.Pointer || rec.IsNil() || rec.Elem().Kind() != reflect.Struct {
		return
	}
	s := rec.Elem()
	rf := fs.recordFieldsOf(s.Type())
	if rf.id >= 0 {
		f.note(s.Type().Name(), int(s.Field(rf.id).Int()))
	}
	for _, k := range rf.keys {
		if id, ok := idValue(s.Field(k.index).Interface()); ok {
			f.note(k.target, id)
		}
	}
}

func (fs *foreignKeySchema) recordFieldsOf(t reflect.Type) recordFields {
	if rf, ok := fs.fields.Load(t); ok {
		return rf.(recordFields)
	}
	rf := recordFields{id: -1}
	if id, ok := t.FieldByName("ID"); ok && id.Type.Kind() == reflect.Int && len(id.Index) == 1 {
		rf.id = id.Index[0]
	}
	for _, fk := range fs.keys[t.Name()] {
		if x, ok := t.FieldByName(fk.goField); ok && len(x.Index) == 1 {
			rf.keys = append(rf.keys, keyField{x.Index[0], fk.target})
		}
	}
	fs.fields.Store(t, rf)
	return rf
}
