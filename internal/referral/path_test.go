package referral

import (
	"fmt"
	"testing"

	"segretariato/ent/schema/schematype"
)

func TestPath(t *testing.T) {
	const (
		p  = schematype.ReferralStatusProposed
		a  = schematype.ReferralStatusAccepted
		d  = schematype.ReferralStatusDeclined
		co = schematype.ReferralStatusCompleted
		ca = schematype.ReferralStatusCancelled
	)
	tests := []struct {
		from, to schematype.ReferralStatus
		want     string // "-" when no path
	}{
		{p, p, "[]"}, {p, a, "[ACCEPTED]"}, {p, co, "[ACCEPTED COMPLETED]"}, {p, ca, "[CANCELLED]"},
		{a, co, "[COMPLETED]"}, {a, ca, "[CANCELLED]"}, {co, co, "[]"},
		{a, p, "-"}, {co, a, "-"}, {d, a, "-"}, {ca, p, "-"}, {co, ca, "-"}, {a, d, "-"},
	}
	for _, tt := range tests {
		path, ok := Path(tt.from, tt.to)
		got := "-"
		if ok {
			got = fmt.Sprint(path)
		}
		if got != tt.want {
			t.Errorf("Path(%s, %s) = %s, want %s", tt.from, tt.to, got, tt.want)
		}
		for i, s := range path {
			prev := tt.from
			if i > 0 {
				prev = path[i-1]
			}
			if !CanMove(prev, s) {
				t.Errorf("Path(%s, %s): %s → %s is not a move", tt.from, tt.to, prev, s)
			}
		}
	}
}
