// Package system holds the one context of the service's own work: checks
// and jobs made by the service itself (start-up reference data, imports,
// retention, tokens, the stored answers of idempotent requests), not by
// an operator. The privacy rules let it through and its reads and writes
// are not recorded as an operator's.
//
// It is a leaf (it imports only ent's privacy package) so that auth and
// audit, which internal/access imports, can use it too; everyone else
// reaches it as access.System. No other code makes a privacy decision
// context (a test in internal/access checks it).
package system

import (
	"context"

	"segretariato/ent/privacy"
)

type key struct{}

// Context returns ctx as the service's own: past every privacy rule and
// not recorded in the audit trail as an operator's.
func Context(ctx context.Context) context.Context {
	return privacy.DecisionContext(context.WithValue(ctx, key{}, true), privacy.Allow)
}

// Is reports whether ctx is (derived from) a Context.
func Is(ctx context.Context) bool { return ctx.Value(key{}) != nil }
