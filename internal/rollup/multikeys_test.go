package rollup

import (
	"math/rand/v2"
	"reflect"
	"testing"

	"segretariato/internal/dimension"
)

// The multi-valued keys read back as written, whatever bytes the keys
// hold (separators, digits, nothing), and a damaged text is an error.
func TestMultiKeysRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	alphabet := []string{"", "A", "ECO_INCOME", "|", ":", ",", "1:", "2|x", "è", "NONE"}
	for range 500 {
		in := map[dimension.Dimension][]dimension.Value{}
		for _, d := range multis {
			vs := make([]dimension.Value, r.IntN(4))
			for i := range vs {
				vs[i] = dimension.Value{Key: alphabet[r.IntN(len(alphabet))] + alphabet[r.IntN(len(alphabet))],
					Parent: alphabet[r.IntN(len(alphabet))], Referrals: r.IntN(5), Open: r.IntN(3), RefKey: r.IntN(1 << 30)}
			}
			in[d.Dim] = vs
		}
		s := encodeMulti(in)
		out, err := decodeMulti(s)
		if err != nil {
			t.Fatalf("decode %q: %v", s, err)
		}
		if !reflect.DeepEqual(in, out) {
			t.Fatalf("%q read back as %v, want %v", s, out, in)
		}
		if cut := s[:r.IntN(len(s))]; cut != "" {
			if _, err := decodeMulti(cut); err == nil {
				t.Fatalf("%q (cut from %q) decoded without error", cut, s)
			}
		}
	}
	if out, err := decodeMulti(""); err != nil || len(out) != 0 {
		t.Fatalf(`"" reads as %v, %v; want no values`, out, err)
	}
}
