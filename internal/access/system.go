package access

import (
	"segretariato/ent"
	"segretariato/ent/privacy"
)

// SystemOnlyPolicy guards the service's own bookkeeping (the stored
// answers of idempotent requests): no operator, whatever the role, reads
// or writes it; only the System context, which decides before any rule
// runs, passes.
func SystemOnlyPolicy() ent.Policy {
	return privacy.Policy{
		Query:    privacy.QueryPolicy{privacy.AlwaysDenyRule()},
		Mutation: privacy.MutationPolicy{privacy.AlwaysDenyRule()},
	}
}
