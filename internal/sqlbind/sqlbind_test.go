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
