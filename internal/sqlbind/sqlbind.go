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
	"encoding/json"
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

// OneOf binds ids as one argument and returns what follows a column for
// "is one of them": " = ANY($1::bigint[])" on PostgreSQL, " IN (SELECT
// value FROM json_each(?))" on SQLite. The statement's text is the same
// whatever the number of ids, so a connection keeps one prepared.
func (b *Binder) OneOf(ids []int) string {
	open, arg, end := OneOfParts(b.Postgres, ids)
	return open + b.Arg(arg) + end
}

// OneOfParts is OneOf's text before and after its argument, and the
// argument, for a builder that binds arguments itself (ent's).
func OneOfParts(postgres bool, ids []int) (open, arg, end string) {
	if postgres {
		return " = ANY(", PGArray(ids), "::bigint[])"
	}
	return " IN (SELECT value FROM json_each(", JSONArray(ids), "))"
}

// PGArray is ids as a PostgreSQL array literal, "{1,2,3}": one argument
// for "= ANY($1::bigint[])", whatever the number of ids, so that the
// statement's text is the same for any number.
func PGArray(ids []int) string {
	return string(append(AppendIDs([]byte{'{'}, ids), '}'))
}

// JSONArray is ids as a JSON list, "[1,2,3]": SQLite's one argument for
// "IN (SELECT value FROM json_each(?))".
func JSONArray(ids []int) string {
	if ids == nil {
		ids = []int{}
	}
	out, _ := json.Marshal(ids)
	return string(out)
}

// AppendIDs appends the ids to b, comma-separated.
func AppendIDs(b []byte, ids []int) []byte {
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, int64(id), 10)
	}
	return b
}
