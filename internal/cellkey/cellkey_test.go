package cellkey_test

import (
	"encoding/json"
	"strings"
	"testing"

	"segretariato/ent"
	"segretariato/internal/cellkey"
)

// TestNewIsUniform draws keys and checks they cover [0, Size) evenly: 16
// bands of 256 keys, each within 15% of its share of 65,536 draws (the
// standard deviation is about 1.5%).
func TestNewIsUniform(t *testing.T) {
	const draws = 1 << 16
	var bands [16]int
	for range draws {
		k := cellkey.New()
		if k < 0 || k >= cellkey.Size {
			t.Fatalf("key %d outside [0, %d)", k, cellkey.Size)
		}
		bands[k*16/cellkey.Size]++
	}
	for i, n := range bands {
		if want := draws / 16; n < want*85/100 || n > want*115/100 {
			t.Errorf("band %d drew %d keys, want about %d", i, n, want)
		}
	}
}

// TestKeysStayOutOfJSON: the entities' JSON (the data subject's export
// marshals them) never carries the record key.
func TestKeysStayOutOfJSON(t *testing.T) {
	for _, v := range []any{&ent.Contact{RecordKey: 3917}, &ent.Citizen{RecordKey: 3917}, &ent.Referral{RecordKey: 3917}} {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if s := string(b); strings.Contains(s, "3917") || strings.Contains(s, "record") {
			t.Errorf("%T marshals its record key: %s", v, s)
		}
	}
}
