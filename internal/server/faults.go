package server

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"entgo.io/contrib/entgql"
	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"segretariato/internal/apperr"
)

// Default deadlines (Options.ReadTimeout, RequestTimeout, ImportTimeout).
const (
	DefaultReadTimeout    = 30 * time.Second
	DefaultRequestTimeout = 30 * time.Second
	DefaultImportTimeout  = 10 * time.Minute
	// writeMargin is how long past its deadline a request may still take
	// to write its (error) answer.
	writeMargin = 5 * time.Second
)

// answer is what the GraphQL execution tells the HTTP layer about the
// status of its answer: the worst fault among its errors when it carries
// no data.
type answer struct {
	mu    sync.Mutex
	fault apperr.Code
}

type answerKey struct{}

func (a *answer) record(code apperr.Code) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.fault = apperr.Worse(a.fault, code)
}

func (a *answer) get() apperr.Code {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.fault
}

// firstStatusWriter hands the first status a handler writes (200 when it
// writes a body first) to onHeader, which writes that status or another,
// or a whole answer of its own; when it reports so, the handler's own body
// is dropped. Later statuses pass through.
type firstStatusWriter struct {
	http.ResponseWriter
	onHeader         func(w http.ResponseWriter, status int) (replaced bool)
	written, swallow bool
}

func (w *firstStatusWriter) WriteHeader(status int) {
	if w.written {
		w.ResponseWriter.WriteHeader(status)
		return
	}
	w.written = true
	w.swallow = w.onHeader(w.ResponseWriter, status)
}

func (w *firstStatusWriter) Write(b []byte) (int, error) {
	if !w.written {
		w.WriteHeader(http.StatusOK)
	}
	if w.swallow {
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *firstStatusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// faultStatusWriter answers with the status of the answer's fault (503
// and Retry-After for UNAVAILABLE, 504 for TIMEOUT and OUTCOME_UNKNOWN)
// instead of the 200 gqlgen gives every executed operation.
// An upload whose body did not arrive in time (body, nil but for uploads;
// gqlgen's multipart transport answers 422 with a message of its own)
// gets 408 REQUEST_TIMEOUT like any other request.
func faultStatusWriter(w http.ResponseWriter, a *answer, body *deadlineBody) http.ResponseWriter {
	return &firstStatusWriter{ResponseWriter: w, onHeader: func(w http.ResponseWriter, status int) bool {
		if code := a.get(); status == http.StatusOK && code != "" {
			apperr.SetStatus(w, code)
			return false
		}
		if body != nil && body.timedOut.Load() && status != http.StatusOK {
			apperr.WriteJSON(w, bodyTimeout())
			return true
		}
		w.WriteHeader(status)
		return false
	}}
}

func bodyTimeout() *apperr.Error {
	return apperr.New(apperr.RequestTimeout, "the request body did not arrive in time")
}

// deadlineBody remembers that reading the body hit the read deadline.
type deadlineBody struct {
	io.ReadCloser
	timedOut atomic.Bool
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && isTimeout(err) {
		b.timedOut.Store(true)
	}
	return n, err
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}

// deadlines gives each request its deadline, passed to the database in
// the context: RequestTimeout, or ImportTimeout for an upload (the import)
// and the CSV downloads, whose body and answer may take long; and sets the
// connection's read and write deadlines to match.
func deadlines(o Options, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		timeout := o.RequestTimeout
		long := isMultipart(r) || strings.HasPrefix(r.URL.Path, "/export/")
		rc := http.NewResponseController(w)
		if long {
			timeout = o.ImportTimeout
			// Not supported by httptest's recorder; the server's own
			// ReadTimeout then stays.
			_ = rc.SetReadDeadline(time.Now().Add(o.ImportTimeout))
		}
		var body *deadlineBody
		if isMultipart(r) && r.Body != nil {
			body = &deadlineBody{ReadCloser: r.Body}
			r.Body = body
		}
		_ = rc.SetWriteDeadline(time.Now().Add(timeout + writeMargin))
		ctx, cancel := context.WithTimeout(r.Context(), timeout)
		defer cancel()
		a := &answer{}
		ctx = context.WithValue(ctx, answerKey{}, a)
		next.ServeHTTP(faultStatusWriter(w, a, body), r.WithContext(ctx))
	})
}

func isMultipart(r *http.Request) bool {
	return strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/")
}

// readBody reads a GraphQL request's body whole before gqlgen sees it, so
// that a body that does not arrive within the read deadline gets 408
// REQUEST_TIMEOUT (and one that is too large 413) rather than gqlgen's
// error path for a failed read. Multipart uploads are read by gqlgen's
// transport, under ImportTimeout.
func readBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || isMultipart(r) {
			next.ServeHTTP(w, r)
			return
		}
		b, err := io.ReadAll(r.Body)
		if err != nil {
			var tooLarge *http.MaxBytesError
			switch {
			case errors.As(err, &tooLarge):
				answerTooLarge(w)
			case isTimeout(err):
				apperr.WriteJSON(w, bodyTimeout())
			default:
				e := apperr.New(apperr.Invalid, "the request body could not be read")
				apperr.WriteJSON(w, e)
			}
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(b))
		next.ServeHTTP(w, r)
	})
}

// faultStatus records, for an answer without data, the worst of its
// errors' fault codes, which faultStatusWriter turns into the HTTP status. An
// answer with some data stays 200, as GraphQL over HTTP asks.
type faultStatus struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.ResponseInterceptor
} = faultStatus{}

func (faultStatus) ExtensionName() string                   { return "FaultStatus" }
func (faultStatus) Validate(graphql.ExecutableSchema) error { return nil }
func (faultStatus) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	rsp := next(ctx)
	a, _ := ctx.Value(answerKey{}).(*answer)
	if rsp == nil || a == nil || (len(rsp.Data) > 0 && string(rsp.Data) != "null") {
		return rsp
	}
	for _, e := range rsp.Errors {
		if code, _ := e.Extensions["code"].(string); apperr.IsFault(apperr.Code(code)) {
			a.record(apperr.Code(code))
		}
	}
	return rsp
}

// transactions runs every mutation in one transaction, as
// entgql.Transactioner does, except that every failure to begin, commit
// or roll back reaches the client through the error presenter with a
// code: UNAVAILABLE when the database cannot be reached, TIMEOUT at the
// deadline, OUTCOME_UNKNOWN when the commit was sent and its answer lost;
// never the driver's text.
type transactions struct {
	entgql.TxOpener
	Skip    entgql.SkipTxFunc
	Present graphql.ErrorPresenterFunc
	Log     *slog.Logger
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
	graphql.ResponseInterceptor
} = transactions{}

func (transactions) ExtensionName() string { return "Transactions" }

func (t transactions) Validate(graphql.ExecutableSchema) error {
	if t.TxOpener == nil {
		return errors.New("transactions: no TxOpener")
	}
	return nil
}

// MutateOperationContext runs a transaction's field resolvers one at a
// time: they share its connection.
func (t transactions) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	return entgql.Transactioner{TxOpener: t.TxOpener, SkipTxFunc: t.Skip}.MutateOperationContext(ctx, oc)
}

func (t transactions) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	// Errors before the operation is known (an unreadable or malformed
	// body) reach here without an operation context.
	if !graphql.HasOperationContext(ctx) {
		return next(ctx)
	}
	op := graphql.GetOperationContext(ctx).Operation
	if op == nil || op.Operation != ast.Mutation || (t.Skip != nil && t.Skip(op)) {
		return next(ctx)
	}
	txCtx, tx, err := t.OpenTx(ctx)
	if err != nil {
		return t.fail(ctx, apperr.From(err))
	}
	defer func() {
		if r := recover(); r != nil {
			_ = tx.Rollback()
			panic(r)
		}
	}()
	rsp := next(txCtx)
	if len(rsp.Errors) > 0 {
		if err := tx.Rollback(); err != nil {
			// Nothing was committed; the answer already says what failed.
			t.Log.WarnContext(ctx, "rolling back", "err", apperr.LogCause(err))
		}
		return &graphql.Response{Errors: rsp.Errors}
	}
	if err := tx.Commit(); err != nil {
		return t.fail(ctx, apperr.FromCommit(err))
	}
	return rsp
}

func (t transactions) fail(ctx context.Context, e *apperr.Error) *graphql.Response {
	return &graphql.Response{Errors: gqlerror.List{t.Present(ctx, e)}}
}
