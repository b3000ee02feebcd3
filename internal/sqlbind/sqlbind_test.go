package sqlbind

import (
	"slices"
	"testing"
)

func TestPlaceholders(t *testing.T) {
	for _, pg := range []bool{false, true} {
		b := &Binder{Postgres: pg}
		got := b.Arg(1) + " " + In(b, []string{"a", "b"}) + " " + b.Tuple(2, 3)
		want := "? (?, ?) (?, ?)"
		if pg {
			want = "$1 ($2, $3) ($4, $5)"
		}
		if got != want || !slices.Equal(b.Args, []any{1, "a", "b", 2, 3}) {
			t.Errorf("postgres %v: %q %v, want %q", pg, got, b.Args, want)
		}
	}
}

func TestIDLists(t *testing.T) {
	for _, tc := range []struct {
		ids      []int
		pg, json string
	}{
		{nil, "{}", "[]"},
		{[]int{7}, "{7}", "[7]"},
		{[]int{1, 25769803776, 3}, "{1,25769803776,3}", "[1,25769803776,3]"},
	} {
		if got := PGArray(tc.ids); got != tc.pg {
			t.Errorf("PGArray(%v) = %q, want %q", tc.ids, got, tc.pg)
		}
		if got := JSONArray(tc.ids); got != tc.json {
			t.Errorf("JSONArray(%v) = %q, want %q", tc.ids, got, tc.json)
		}
	}
}

func TestOneOf(t *testing.T) {
	for _, pg := range []bool{false, true} {
		b := &Binder{Postgres: pg}
		got := "id" + b.OneOf([]int{4, 5})
		want, arg := "id IN (SELECT value FROM json_each(?))", "[4,5]"
		if pg {
			want, arg = "id = ANY($1::bigint[])", "{4,5}"
		}
		if got != want || !slices.Equal(b.Args, []any{arg}) {
			t.Errorf("postgres %v: %q %v, want %q %q", pg, got, b.Args, want, arg)
		}
	}
}
