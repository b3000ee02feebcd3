package intakecsv

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestRefSetAsMap: the set answers as a map[string]bool does, for values
// of every length (empty, one byte, longer than a chunk), many enough to
// grow the table several times and fill more than one chunk.
func TestRefSetAsMap(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	s := newRefSet()
	model := map[string]bool{}
	value := func(i int) string {
		switch k := rnd.IntN(100); {
		case i%40_000 == 7:
			return strings.Repeat("x", refChunk+rnd.IntN(3)) // its own chunk
		case k == 0:
			return ""
		case k == 1:
			return string(rune('a' + rnd.IntN(26)))
		case k < 40:
			return fmt.Sprintf("R-%d", rnd.IntN(50_000)) // often again
		default:
			return fmt.Sprintf("RG1-%08d-%s", rnd.IntN(1<<30), strings.Repeat("é", rnd.IntN(8)))
		}
	}
	for i := 0; i < 200_000; i++ {
		v := value(i)
		if got, want := s.add(v), model[v]; got != want {
			t.Fatalf("add #%d (%d bytes): seen %v, want %v", i, len(v), got, want)
		}
		model[v] = true
		if !s.has(v) {
			t.Fatalf("add #%d: not remembered", i)
		}
	}
	if s.n != len(model) {
		t.Errorf("%d values in the set, want %d", s.n, len(model))
	}
	if len(s.chunks) < 3 {
		t.Errorf("%d chunks: the test did not fill more than one", len(s.chunks))
	}
	for v := range model {
		if !s.has(v) {
			t.Fatalf("value of %d bytes lost", len(v))
		}
	}
	for i := 0; i < 1000; i++ {
		v := fmt.Sprintf("absent-%d", i)
		if s.has(v) {
			t.Fatalf("%q found, never added", v)
		}
	}
}
