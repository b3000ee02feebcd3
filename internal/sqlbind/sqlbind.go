// Package sqlbind collects the arguments of one SQL statement and writes
// their placeholders in the dialect's style: ? on SQLite, $1, $2, … on
// PostgreSQL. The statements the analytics and the kept figures write by
// hand bind through it, in the order their text names the arguments.
//
// Build the statement's text before reading Args: in a call such as
// f(q+b.Arg(x), b.Args) Go does not specify whether b.Args is read before
// or after b.Arg runs, so the text goes into a variable first.
package sqlbind

import (
	"strconv"
	"strings"
)

// Binder is one statement's arguments.
type Binder struct {
	Postgres bool
	Args     []any
}

// Arg binds v and returns its placeholder.
func (b *Binder) Arg(v any) string {
	b.Args = append(b.Args, v)
	if b.Postgres {
		return "$" + strconv.Itoa(len(b.Args))
	}
	return "?"
}

// Tuple binds vals and returns "(?, ?, …)": a row of VALUES.
func (b *Binder) Tuple(vals ...any) string {
	ps := make([]string, len(vals))
	for i, v := range vals {
		ps[i] = b.Arg(v)
	}
	return "(" + strings.Join(ps, ", ") + ")"
}

// In binds a list and returns "(?, ?, …)", for IN.
func In[T any](b *Binder, vs []T) string {
	ps := make([]string, len(vs))
	for i, v := range vs {
		ps[i] = b.Arg(v)
	}
	return "(" + strings.Join(ps, ", ") + ")"
}
