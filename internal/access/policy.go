package access

import (
	"context"

	"segretariato/ent/privacy"
	"segretariato/internal/audit"
)

// System returns a context for the service's own checks and jobs: the
// privacy rules let it through and its reads are not recorded as an
// operator's.
func System(ctx context.Context) context.Context {
	return audit.Internal(privacy.DecisionContext(ctx, privacy.Allow))
}
