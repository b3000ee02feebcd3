package idempotency

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"segretariato/ent"
	"segretariato/ent/idempotencykey"
	"segretariato/internal/access"
	"segretariato/internal/apperr"
)

// claim is a request's claimed key, shared between the middleware and
// Recorder through the request's context.
type claim struct {
	id       int
	header   http.Header // the answer's headers, for its Content-Type
	mutation bool        // the operation run is a mutation
	recorded bool        // its answer was written in its transaction
}

type claimKey struct{}

// Recorder is the gqlgen extension that stores a successful mutation's
// answer in the mutation's own transaction, so that its writes and the
// answer commit together. Add it to the executable schema's server after
// entgql.Transactioner, so that it runs inside the transaction.
type Recorder struct{ Log *slog.Logger }

var _ interface {
	graphql.HandlerExtension
	graphql.ResponseInterceptor
} = Recorder{}

// ExtensionName names the extension.
func (Recorder) ExtensionName() string { return "IdempotencyRecorder" }

// Validate accepts any schema.
func (Recorder) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptResponse records the answer of a mutation run under a claimed
// key. When the claim is no longer in flight (it expired and another
// request took the key over), the mutation fails and its transaction is
// rolled back, so it never runs twice.
func (rec Recorder) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	c, _ := ctx.Value(claimKey{}).(*claim)
	oc := graphql.GetOperationContext(ctx)
	if c == nil || oc == nil || oc.Operation == nil || oc.Operation.Operation != ast.Mutation {
		return next(ctx)
	}
	c.mutation = true
	resp := next(ctx)
	tx := ent.TxFromContext(ctx)
	if resp == nil || len(resp.Errors) > 0 || tx == nil {
		return resp // not in a transaction: the middleware stores it after
	}
	// What the transport will write: gqlgen marshals the response alone.
	body, err := json.Marshal(resp)
	if err == nil {
		var n int
		n, err = tx.IdempotencyKey.Update().
			Where(idempotencykey.ID(c.id), idempotencykey.StatusIsNil()).
			SetStatus(http.StatusOK).SetContentType(c.header.Get("Content-Type")).SetBody(body).
			Save(access.System(ctx))
		if err == nil && n != 1 {
			err = errClaimLost
		}
		c.recorded = err == nil
	}
	if err != nil {
		if rec.Log != nil {
			rec.Log.ErrorContext(ctx, "recording the answer of an idempotent request", "err", err)
		}
		return &graphql.Response{Errors: gqlerror.List{{
			Message:    "internal error",
			Extensions: map[string]any{"code": string(apperr.Internal)},
		}}}
	}
	return resp
}

var errClaimLost = errors.New("the claim on the idempotency key was taken over while the request ran")
