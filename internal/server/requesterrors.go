package server

import (
	"bytes"
	"context"
	"encoding/json"
	"mime"
	"net/http"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"segretariato/internal/apperr"
)

// requestErrors wraps one of gqlgen's HTTP transports so that a request
// refused before it runs is answered as GraphQL over HTTP says:
//
//   - A GraphQL request error (the document does not parse or validate,
//     the operation is not found, the variables do not coerce, a limit of
//     this package refuses it) answers 200 when the client accepts
//     application/json, and 400 when it accepts
//     application/graphql-response+json. gqlgen answers 422 in the first
//     case (transport.statusFor) and 200 or 400 in the second depending on
//     the error's code.
//   - An answer of a request that did not run carries no `data` entry
//     (gqlgen writes "data": null, which means "execution started and
//     failed").
//   - A request without a query (nor a persisted query's hash) is not
//     well-formed and answers 400, as does a body that is not JSON (on
//     which gqlgen's executor panicked, for want of an operation context,
//     and answered 500).
//   - A mutation sent with GET answers 405 with an Allow header (gqlgen
//     answers 406).
//
// Answers of operations that ran pass unchanged: their status and body
// are the executor's and the error presenter's business.
type requestErrors struct {
	graphql.Transport
}

func (t requestErrors) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	rw := &refusalWriter{ResponseWriter: w, method: r.Method}
	t.Transport.Do(rw, r, &watchedExecutor{GraphExecutor: exec, w: rw})
	rw.finish()
}

// watchedExecutor tells the writer whether the operation ran, and whether
// it was refused as a GraphQL request error.
type watchedExecutor struct {
	graphql.GraphExecutor
	w *refusalWriter
}

func (e *watchedExecutor) CreateOperationContext(ctx context.Context, params *graphql.RawParams) (*graphql.OperationContext, gqlerror.List) {
	// No query and no persisted query's hash: not a GraphQL request at all.
	malformed := params.Query == "" && params.Extensions["persistedQuery"] == nil
	oc, errs := e.GraphExecutor.CreateOperationContext(ctx, params)
	if len(errs) > 0 {
		e.w.requestError = !malformed
		e.w.malformed = malformed
	}
	return oc, errs
}

// DispatchError presents the errors of a request that did not run. When
// the request body could not even be decoded there is no operation
// context yet; the response interceptors (entgql's Transactioner) need
// one, so an empty one stands in.
func (e *watchedExecutor) DispatchError(ctx context.Context, list gqlerror.List) *graphql.Response {
	if !graphql.HasOperationContext(ctx) {
		ctx = graphql.WithOperationContext(ctx, &graphql.OperationContext{})
	}
	return e.GraphExecutor.DispatchError(ctx, list)
}

func (e *watchedExecutor) DispatchOperation(ctx context.Context, oc *graphql.OperationContext) (graphql.ResponseHandler, context.Context) {
	e.w.ran = true
	return e.GraphExecutor.DispatchOperation(ctx, oc)
}

// refusalWriter holds back the status of an answer until its body is
// written, so the status of a refusal can be chosen; once the operation
// ran it passes everything through.
type refusalWriter struct {
	http.ResponseWriter
	method       string
	ran          bool // DispatchOperation was called
	requestError bool // CreateOperationContext failed on a GraphQL request
	malformed    bool // CreateOperationContext failed on a request with no query
	status       int  // held back; 0: none yet
	wrote        bool
}

func (w *refusalWriter) WriteHeader(status int) {
	if w.ran || w.wrote {
		w.ResponseWriter.WriteHeader(status)
		return
	}
	w.status = status
}

func (w *refusalWriter) Write(b []byte) (int, error) {
	if w.ran || w.wrote {
		return w.ResponseWriter.Write(b)
	}
	w.wrote = true
	w.ResponseWriter.WriteHeader(w.refusalStatus())
	if _, err := w.ResponseWriter.Write(withoutData(b)); err != nil {
		return 0, err
	}
	return len(b), nil
}

// finish sends a held-back status that no body followed.
func (w *refusalWriter) finish() {
	if !w.ran && !w.wrote && w.status != 0 {
		w.wrote = true
		w.ResponseWriter.WriteHeader(w.refusalStatus())
	}
}

func (w *refusalWriter) refusalStatus() int {
	graphqlResponse := false
	if mt, _, err := mime.ParseMediaType(w.Header().Get("Content-Type")); err == nil {
		graphqlResponse = mt == "application/graphql-response+json"
	}
	switch {
	case w.malformed:
		return http.StatusBadRequest
	case w.requestError && graphqlResponse:
		return http.StatusBadRequest
	case w.requestError:
		return http.StatusOK
	case w.status == http.StatusNotAcceptable && w.method == http.MethodGet:
		// The only 406 of the GET transport: a mutation.
		w.Header().Set("Allow", http.MethodPost)
		return http.StatusMethodNotAllowed
	case w.status == 0 || w.status == http.StatusOK:
		// An error answer to a request that never reached the executor
		// (its body could not be read): the request is at fault.
		return http.StatusBadRequest
	}
	return w.status
}

// withoutData drops a null `data` entry from a JSON answer, and gives the
// errors of gqlgen's transports (a multipart body that does not parse),
// which carry no code, the code INVALID.
func withoutData(b []byte) []byte {
	var answer map[string]json.RawMessage
	if json.Unmarshal(b, &answer) != nil {
		return b
	}
	changed := false
	if d, ok := answer["data"]; ok && bytes.Equal(bytes.TrimSpace(d), []byte("null")) {
		delete(answer, "data")
		changed = true
	}
	var errs []map[string]any
	if json.Unmarshal(answer["errors"], &errs) == nil {
		for _, e := range errs {
			ext, _ := e["extensions"].(map[string]any)
			if _, ok := ext["code"]; !ok {
				if ext == nil {
					ext = map[string]any{}
				}
				ext["code"] = string(apperr.Invalid)
				e["extensions"] = ext
				changed = true
			}
		}
		if changed {
			answer["errors"], _ = json.Marshal(errs)
		}
	}
	if !changed {
		return b
	}
	out, err := json.Marshal(answer)
	if err != nil {
		return b
	}
	return out
}
