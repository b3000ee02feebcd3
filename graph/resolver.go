// Package graph is the GraphQL API: gqlgen resolvers over the ent client.
// Resolvers are thin: plain CRUD goes straight to ent (inside the
// mutation's transaction, see entgql.Transactioner), anything with rules is
// one call into internal/…. Helpers live in helpers.go, never in the
// *.resolvers.go files gqlgen rewrites.
package graph

import (
	"segretariato/ent"
	"segretariato/internal/analytics"
	"segretariato/internal/audit"
	"segretariato/internal/database"
	"segretariato/internal/metrics"
	"segretariato/internal/refdata"
	"segretariato/internal/referral"
)

// Resolver is the resolver root; cmd/server builds it.
type Resolver struct {
	Client    *ent.Client
	DB        *database.DB // the database under Client, for the CSV import
	Referrals *referral.Service
	Analytics *analytics.Engine
	Metrics   *metrics.Metrics // nil: nothing counted
	Searches  *audit.Searches  // records SEARCH events, answers searchedFor
	RefData   *refdata.Cache   // the need categories and services by id
}
