package access

import (
	"context"

	"segretariato/ent"
	"segretariato/ent/privacy"
	"segretariato/internal/access/system"
)

// SystemOnlyPolicy guards the service's own bookkeeping (the stored
// answers of idempotent requests, the service's secrets): no operator,
// whatever the role, reads or writes it; only the System context passes.
// That context decides before any rule runs; the rule admits it by name
// too, so the policy says whom it lets in.
func SystemOnlyPolicy() ent.Policy {
	only := privacy.ContextQueryMutationRule(func(ctx context.Context) error {
		if system.Is(ctx) {
			return privacy.Allow
		}
		return privacy.Deny
	})
	return privacy.Policy{
		Query:    privacy.QueryPolicy{only},
		Mutation: privacy.MutationPolicy{only},
	}
}
