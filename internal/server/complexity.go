package server

import (
	"reflect"

	"segretariato/graph/generated"
)

// connectionComplexity fills the complexity function of every Relay
// connection field (those with `first` and `last` arguments) so that a
// query costs what it may return: the page size times the cost of one
// node. entgql generates no complexity functions, and without them a
// connection nested in a connection costs no more than a scalar.
//
// The functions are found by their signature, so a connection added to
// the schema is covered without touching this file.
func connectionComplexity(root *generated.ComplexityRoot, defaultPage int) {
	types := reflect.ValueOf(root).Elem()
	for i := 0; i < types.NumField(); i++ {
		fields := types.Field(i)
		if fields.Kind() != reflect.Struct {
			continue
		}
		for j := 0; j < fields.NumField(); j++ {
			f := fields.Field(j)
			ft := f.Type()
			if ft.Kind() != reflect.Func || !isConnection(ft) {
				continue
			}
			f.Set(reflect.MakeFunc(ft, func(args []reflect.Value) []reflect.Value {
				child := int(args[0].Int())
				page := defaultPage
				for _, a := range []reflect.Value{args[2], args[4]} { // first, last
					if !a.IsNil() {
						page = int(a.Elem().Int())
					}
				}
				if page < 1 {
					page = 1
				}
				return []reflect.Value{reflect.ValueOf(1 + page*child)}
			}))
		}
	}
}

// isConnection reports whether a complexity function has entgql's
// connection arguments: (childComplexity, after, first *int, before, last *int, …).
func isConnection(ft reflect.Type) bool {
	intPtr := reflect.TypeOf((*int)(nil))
	return ft.NumIn() >= 5 && ft.In(0).Kind() == reflect.Int &&
		ft.In(2) == intPtr && ft.In(4) == intPtr && ft.NumOut() == 1
}
