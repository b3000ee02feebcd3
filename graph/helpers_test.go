package graph_test

import (
	"context"

	"encoding/json"
	"segretariato/internal/access"
	"testing"
)

func mustJSON(t *testing.T, data []byte, out any) {
	t.Helper()
	if err := json.Unmarshal(data, out); err != nil {
		t.Fatalf("decoding %s: %v", data, err)
	}
}

// sys is a context for the test's own look at the database, past the
// privacy rules that guard the API.
func sys(t *testing.T) context.Context { return access.System(t.Context()) }
