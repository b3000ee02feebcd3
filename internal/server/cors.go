package server

import (
	"net/http"
	"slices"

	"github.com/rs/cors"

	"segretariato/internal/idempotency"
)

// corsPolicy lets the allowed browser origins (exactly those) call the
// API; with none, no origin is granted anything: rs/cors would read an
// empty list as "every origin", so the origins are checked by a function.
// An allowed origin may send the headers Apollo Client and urql send, and
// read the request id, the replay mark of an idempotent retry and a
// download's file name.
func corsPolicy(origins []string) *cors.Cors {
	allowed := slices.Clone(origins)
	return cors.New(cors.Options{
		AllowOriginFunc: func(origin string) bool { return slices.Contains(allowed, origin) },
		AllowedMethods:  []string{http.MethodGet, http.MethodPost},
		AllowedHeaders: []string{
			"Authorization", "Content-Type", "Apollo-Require-Preflight", "X-Request-Id", idempotency.Header,
			"Apollographql-Client-Name", "Apollographql-Client-Version",
		},
		ExposedHeaders: []string{"X-Request-Id", idempotency.ReplayedHeader, "Content-Disposition"},
		MaxAge:         600,
	})
}
