package idempotency

import "testing"

// TestReplayable: which answers a retry gets again, and which let it run.
func TestReplayable(t *testing.T) {
	for _, tc := range []struct {
		status int
		body   string
		want   bool
	}{
		{200, `{"data":{"createContact":{"id":"1"}}}`, true},
		{200, `{"errors":[{"message":"x","extensions":{"code":"INVALID"}}],"data":null}`, true},
		{200, `{"errors":[{"message":"x","extensions":{"code":"CONFLICT"}}],"data":null}`, true},
		{200, `{"errors":[{"message":"x","extensions":{"code":"INVALID"}},{"message":"y","extensions":{"code":"INTERNAL"}}]}`, false},
		{200, `{"errors":[{"message":"x","extensions":{"code":"INTERNAL"}}],"data":null}`, false},
		{200, `{"errors":[{"message":"x","extensions":{"code":"UNAVAILABLE"}}],"data":null}`, false},
		{200, `{"errors":[{"message":"x","extensions":{"code":"NOT_FOUND"}}],"data":null}`, false},
		{200, `{"errors":[{"message":"x","extensions":{"code":"FORBIDDEN"}}],"data":null}`, false},
		{200, `{"errors":[{"message":"no code"}],"data":null}`, false},
		{200, `not json`, false},
		{422, `{"errors":[{"message":"x","extensions":{"code":"INVALID"}}]}`, false},
		{500, `{"data":null}`, false},
		{503, ``, false},
	} {
		if got := replayable(tc.status, []byte(tc.body)); got != tc.want {
			t.Errorf("replayable(%d, %s) = %v, want %v", tc.status, tc.body, got, tc.want)
		}
	}
}

// TestParseKey: the draft's quoted string and a bare token name the same
// key; anything else is refused.
func TestParseKey(t *testing.T) {
	for in, want := range map[string]string{
		`"8e03978e-40d5-43e8"`: "8e03978e-40d5-43e8",
		`8e03978e-40d5-43e8`:   "8e03978e-40d5-43e8",
		`"a \"b\" \\ c"`:       `a "b" \ c`,
		` spaced `:             "spaced",
	} {
		if got, err := ParseKey([]string{in}); err != nil || got != want {
			t.Errorf("ParseKey(%s) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range [][]string{{""}, {`""`}, {"a", "b"}, {`"a\x"`}, {"tab\there"}, {"\u00e8"}} {
		if got, err := ParseKey(in); err == nil {
			t.Errorf("ParseKey(%q) = %q, want an error", in, got)
		}
	}
}
