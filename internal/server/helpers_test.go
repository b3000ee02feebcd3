package server_test

import (
	"context"
	"testing"

	"segretariato/internal/access"
)

// sys is a context for the test's own look at the database, past the
// privacy rules that guard the API.
func sys(t *testing.T) context.Context { return access.System(t.Context()) }
