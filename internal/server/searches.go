package server

import (
	"context"
	"time"

	"segretariato/internal/access"
	"segretariato/internal/apperr"
	"segretariato/internal/audit"
)

// loadSearches makes the recorder of the audit trail's SEARCH events and
// reads its key now, while no transaction holds the database: when the
// database cannot be read yet, the key is read on the first search.
func loadSearches(o Options) *audit.Searches {
	s := audit.NewSearches(o.AuditSearchKey)
	if o.AuditSearchKey == "" {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Load(access.System(ctx), o.DB.Client); err != nil {
			o.Log.Warn("the audit search key will be read on first use", "err", apperr.LogCause(err))
		}
	}
	return s
}
