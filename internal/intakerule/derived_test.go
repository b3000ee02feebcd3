package intakerule_test

import (
	"slices"
	"testing"

	"segretariato/internal/intakerule"
)

func TestCitizenship(t *testing.T) {
	for in, want := range map[string]string{"": "", "it": "IT", " Ma\t": "MA", "FR": "FR", "ita": "ITA"} {
		if got := intakerule.Citizenship(in); got != want {
			t.Errorf("Citizenship(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestContactNeeds(t *testing.T) {
	for _, c := range []struct {
		name  string
		main  int
		needs []int
		want  []int
	}{
		{"main first", 3, []int{3, 1}, []int{3, 1}},
		{"main among the others", 1, []int{3, 1, 2}, []int{3, 1, 2}},
		{"main missing: added last", 7, []int{3, 1}, []int{3, 1, 7}},
		{"no needs: the main one", 7, nil, []int{7}},
		{"repeats dropped", 3, []int{3, 1, 3, 1}, []int{3, 1}},
	} {
		t.Run(c.name, func(t *testing.T) {
			needs := slices.Clone(c.needs)
			if got := intakerule.ContactNeeds(c.main, needs); !slices.Equal(got, c.want) {
				t.Errorf("ContactNeeds(%d, %v) = %v, want %v", c.main, c.needs, got, c.want)
			}
			if !slices.Equal(needs, c.needs) {
				t.Errorf("ContactNeeds changed its argument to %v", needs)
			}
		})
	}
}
