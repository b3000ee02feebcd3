package server

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"segretariato/internal/apperr"
	"segretariato/internal/auth"
	"segretariato/internal/metrics"
)

// tracerName names the instrumentation of the spans.
const tracerName = "segretariato/internal/server"

// propagator reads the caller's trace context (the traceparent header).
var propagator = propagation.TraceContext{}

// Span attributes. Only these: never the URL's query, the client's
// address, the user agent, the GraphQL document or its variables.
var (
	attrMethod    = attribute.Key("http.request.method")
	attrRoute     = attribute.Key("http.route")
	attrStatus    = attribute.Key("http.response.status_code")
	attrOpType    = attribute.Key("graphql.operation.type")
	attrOpName    = attribute.Key("graphql.operation.name")
	attrErrorCode = attribute.Key("graphql.error.code")
)

// observe times every request by route (the pattern of mux that serves
// it, never the raw path), method and status class, puts the metrics in
// the request's context for the audit hooks, and with a tracer provider
// opens the request's span. With neither it is not installed at all. next
// is mux behind the handlers that wrap it (CORS, deadlines), which may
// pass the mux a copy of the request: so the route is looked up here.
func observe(m *metrics.Metrics, tp trace.TracerProvider, mux *http.ServeMux, next http.Handler) http.Handler {
	if m == nil && tp == nil {
		return next
	}
	var tracer trace.Tracer
	if tp != nil {
		tracer = tp.Tracer(tracerName)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ctx := metrics.NewContext(r.Context(), m)
		var span trace.Span
		if tracer != nil {
			ctx = propagator.Extract(ctx, propagation.HeaderCarrier(r.Header))
			ctx, span = tracer.Start(ctx, r.Method, trace.WithSpanKind(trace.SpanKindServer),
				trace.WithAttributes(attrMethod.String(r.Method)))
		}
		// logRequests already wraps the writer to learn the status.
		sw, ok := w.(*statusWriter)
		if !ok {
			sw = &statusWriter{ResponseWriter: w, status: http.StatusOK}
		}
		r = r.WithContext(ctx)
		_, pattern := mux.Handler(r)
		next.ServeHTTP(sw, r)
		route := routeOf(pattern)
		m.HTTP(route, r.Method, sw.status, time.Since(start))
		if span != nil {
			if route == "" {
				route = "unmatched"
			}
			span.SetName(r.Method + " " + route)
			span.SetAttributes(attrRoute.String(route), attrStatus.Int(sw.status))
			if sw.status >= 500 {
				span.SetStatus(codes.Error, http.StatusText(sw.status))
			}
			span.End()
		}
	})
}

// routeOf turns a mux pattern ("GET /export/demand.csv", "GET /{$}") into
// its route ("/export/demand.csv", "/"); "" when no pattern matched.
func routeOf(pattern string) string {
	if _, path, ok := strings.Cut(pattern, " "); ok {
		pattern = path
	}
	if pattern == "/{$}" {
		return "/"
	}
	return pattern
}

// operationObserver counts and times every GraphQL answer (metrics) and
// opens a span per operation (tracing): operation type and name, the
// first error's code, the operator's role. Operations that run are seen
// in InterceptOperation; requests refused before (unreadable JSON, parse
// and validation errors, the complexity limit) in InterceptResponse.
type operationObserver struct {
	m      *metrics.Metrics
	tracer trace.Tracer // nil: no spans
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationInterceptor
	graphql.ResponseInterceptor
} = operationObserver{}

func newOperationObserver(m *metrics.Metrics, tp trace.TracerProvider) operationObserver {
	o := operationObserver{m: m}
	if tp != nil {
		o.tracer = tp.Tracer(tracerName)
	}
	return o
}

func (operationObserver) ExtensionName() string                   { return "OperationObserver" }
func (operationObserver) Validate(graphql.ExecutableSchema) error { return nil }

// dispatchedKey marks the context of an operation InterceptOperation saw,
// so that InterceptResponse, which runs inside it, does not count it again.
type dispatchedKey struct{}

func (o operationObserver) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	opType, name := operationOf(graphql.GetOperationContext(ctx))
	start := startOf(ctx)
	var span trace.Span
	if o.tracer != nil {
		spanName := opType
		if name != "" {
			spanName += " " + name
		}
		ctx, span = o.tracer.Start(ctx, spanName, trace.WithAttributes(attrOpType.String(opType), attrOpName.String(name)))
	}
	ctx = context.WithValue(ctx, dispatchedKey{}, true)
	h := next(ctx)
	done := false
	return func(ctx context.Context) *graphql.Response {
		resp := h(ctx)
		if done {
			return resp
		}
		done = true // a subscription's later events are not operations
		code := firstCode(resp)
		o.m.GraphQL(opType, name, code, roleOf(ctx), time.Since(start))
		if span != nil {
			if code != "" {
				span.SetAttributes(attrErrorCode.String(code))
				span.SetStatus(codes.Error, code)
			}
			span.End()
		}
		return resp
	}
}

func (o operationObserver) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	if ctx.Value(dispatchedKey{}) != nil {
		return resp
	}
	var opType, name string
	if graphql.HasOperationContext(ctx) {
		opType, name = operationOf(graphql.GetOperationContext(ctx))
	}
	o.m.GraphQL(opType, name, firstCode(resp), roleOf(ctx), time.Since(startOf(ctx)))
	return resp
}

// operationOf returns the operation's type and name ("" when it has
// none, or when the request named no operation of its document).
func operationOf(oc *graphql.OperationContext) (string, string) {
	if oc == nil || oc.Operation == nil {
		return "", ""
	}
	return operationType(oc.Operation.Operation), oc.Operation.Name
}

func operationType(op ast.Operation) string {
	switch op {
	case ast.Query:
		return "query"
	case ast.Mutation:
		return "mutation"
	case ast.Subscription:
		return "subscription"
	}
	return ""
}

// startOf is when gqlgen started on the request (before reading it).
func startOf(ctx context.Context) time.Time {
	if t := graphql.GetStartTime(ctx); !t.IsZero() {
		return t
	}
	return time.Now()
}

// firstCode is the first error's extensions.code, "" when the answer has
// no error. An error without a code never went through the presenter
// (gqlgen's own failures, such as a transaction that cannot start): it
// counts as INTERNAL.
func firstCode(resp *graphql.Response) string {
	if resp == nil || len(resp.Errors) == 0 {
		return ""
	}
	if c, ok := resp.Errors[0].Extensions["code"].(string); ok && c != "" {
		return c
	}
	return string(apperr.Internal)
}

// roleOf is the role of the request's operator, "" without one.
func roleOf(ctx context.Context) string {
	if v := auth.FromContext(ctx); v != nil {
		return string(v.Role)
	}
	return ""
}
