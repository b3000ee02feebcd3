package server

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"segretariato/ent"
	"segretariato/internal/apperr"
	"segretariato/internal/audit"
)

// auditReads gathers the reads of each operation and writes them as one
// READ event before the answer goes out (internal/audit): inside the
// transaction of a mutation, which a failure to write rolls back, and
// after a query's resolvers. An event that cannot be written fails the
// operation, as the audit trail requires.
type auditReads struct {
	Client  *ent.Client
	Present graphql.ErrorPresenterFunc
}

var _ interface {
	graphql.HandlerExtension
	graphql.ResponseInterceptor
} = auditReads{}

func (auditReads) ExtensionName() string                   { return "AuditReads" }
func (auditReads) Validate(graphql.ExecutableSchema) error { return nil }
func (a auditReads) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	ctx = audit.CollectReads(ctx)
	rsp := next(ctx)
	if err := audit.FlushReads(ctx, a.Client); err != nil {
		return &graphql.Response{Errors: gqlerror.List{a.Present(ctx, apperr.From(err))}}
	}
	return rsp
}
