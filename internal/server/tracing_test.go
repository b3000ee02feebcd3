package server_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"entgo.io/ent/dialect"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"segretariato/ent/schema/schematype"
	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
	"segretariato/internal/server"
	"segretariato/internal/server/apitest"
	"segretariato/internal/tracing"
)

func attrs(s sdktrace.ReadOnlySpan) map[attribute.Key]attribute.Value {
	out := map[attribute.Key]attribute.Value{}
	for _, kv := range s.Attributes() {
		out[kv.Key] = kv.Value
	}
	return out
}

// TestTracesOfARequest: with a tracer provider, a GraphQL request gives
// an HTTP server span named by its route, continuing the caller's trace,
// a child span of the operation with its type and name, and under it a
// span per SQL statement; nothing of the query's text, its variables,
// the SQL or the client.
func TestTracesOfARequest(t *testing.T) {
	for _, kind := range dbtest.Kinds(t) {
		t.Run(kind, func(t *testing.T) { tracesOfARequest(t, kind) })
	}
}

func tracesOfARequest(t *testing.T, kind string) {
	{
		exp := tracetest.NewInMemoryExporter()
		tp, err := tracing.NewProvider(t.Context(), sdktrace.WithSyncer(exp))
		if err != nil {
			t.Fatal(err)
		}
		db := dbtest.Open(t, kind, database.Options{Driver: tracing.EntDriver(tp)})
		api := apitest.New(t, db, func(o *server.Options) { o.Tracing = tp })
		_, coord := api.Operator(t, schematype.RoleCoordinator)
		_, analyst := api.Operator(t, schematype.RoleAnalyst)
		if n := len(exp.GetSpans()); n != 0 {
			t.Fatalf("%d spans before any request (the migration, the test's own statements)", n)
		}

		const caller = "4bf92f3577b34da6a3ce929d0e0e4736"
		body := `{"query":"query CaseList($from: Time) { contacts(first: 5, where: {occurredAtGTE: $from}) { totalCount } }","variables":{"from":"2025-03-01T00:00:00Z"}}`
		req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+coord)
		req.Header.Set("traceparent", "00-"+caller+"-00f067aa0ba902b7-01")
		if r := api.Send(t, req); r.Status != 200 || len(r.Errors) > 0 {
			t.Fatalf("query: %s", r.Body)
		}
		if r := api.Do(t, analyst, `query People { citizens(first: 1) { totalCount } }`, nil); r.Code() != "FORBIDDEN" {
			t.Fatalf("an analyst listed citizens: %s", r.Body)
		}

		spans := exp.GetSpans().Snapshots()
		byName := map[string]sdktrace.ReadOnlySpan{} // the first span of each name
		for _, s := range spans {
			for _, kv := range s.Attributes() {
				v := kv.Value.Emit()
				if strings.Contains(v, "contacts") || strings.Contains(v, "2025") || strings.Contains(v, "@") || strings.Contains(v, "Bearer") {
					t.Errorf("span %q carries %s=%q", s.Name(), kv.Key, v)
				}
			}
			if byName[s.Name()] == nil {
				byName[s.Name()] = s
			}
		}
		httpSpan, opSpan := byName["POST /graphql"], byName["query CaseList"]
		if httpSpan == nil || opSpan == nil {
			var names []string
			for _, s := range spans {
				names = append(names, s.Name())
			}
			t.Fatalf("spans %q, want POST /graphql and query CaseList", names)
		}
		if httpSpan.SpanKind() != trace.SpanKindServer || httpSpan.SpanContext().TraceID().String() != caller {
			t.Errorf("HTTP span: kind %v, trace %s; want a server span of the caller's trace", httpSpan.SpanKind(), httpSpan.SpanContext().TraceID())
		}
		if a := attrs(httpSpan); a["http.route"].AsString() != "/graphql" || a["http.response.status_code"].AsInt64() != 200 {
			t.Errorf("HTTP span attributes %v", a)
		}
		if opSpan.Parent().SpanID() != httpSpan.SpanContext().SpanID() {
			t.Error("the operation span is not the HTTP span's child")
		}
		if a := attrs(opSpan); a["graphql.operation.name"].AsString() != "CaseList" || a["graphql.operation.type"].AsString() != "query" {
			t.Errorf("operation span attributes %v", a)
		}
		if s := byName["query People"]; s == nil || attrs(s)["graphql.error.code"].AsString() != "FORBIDDEN" {
			t.Errorf("the refused operation's span: %v", s)
		}
		// The operator's look-up runs under the HTTP span, the contacts'
		// statements under the operation's.
		var underHTTP, underOp int
		for _, sp := range spans {
			if sp.Name() != "SELECT" {
				continue
			}
			if a := attrs(sp); sp.SpanKind() != trace.SpanKindClient || a["db.operation.name"].AsString() != "SELECT" || a["db.system.name"].AsString() == "" || len(a) != 2 {
				t.Errorf("SELECT span: kind %v, attributes %v", sp.SpanKind(), a)
			}
			switch sp.Parent().SpanID() {
			case httpSpan.SpanContext().SpanID():
				underHTTP++
			case opSpan.SpanContext().SpanID():
				underOp++
			}
		}
		if underHTTP == 0 || underOp == 0 {
			t.Errorf("SELECT spans: %d under the HTTP span, %d under the operation's; want some of each", underHTTP, underOp)
		}
		if got := spans[0].Resource().Set(); !got.HasValue("service.name") {
			t.Error("no service.name")
		} else if v, _ := got.Value("service.name"); v.AsString() != "segretariato" {
			t.Errorf("service.name = %q", v.AsString())
		}
	}
}

// TestNoTracingByDefault: without a provider in the options the handler
// opens no span, even when the process has a global tracer provider.
func TestNoTracingByDefault(t *testing.T) {
	db := dbtest.Open(t, dialect.SQLite, database.Options{})
	exp := tracetest.NewInMemoryExporter()
	prev := otel.GetTracerProvider()
	otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp)))
	t.Cleanup(func() { otel.SetTracerProvider(prev) })

	api := apitest.New(t, db)
	_, coord := api.Operator(t, schematype.RoleCoordinator)
	api.MustDo(t, coord, `query CaseList { contacts(first: 1) { totalCount } }`, nil, nil)
	if n := len(exp.GetSpans()); n != 0 {
		t.Errorf("%d spans recorded with tracing off", n)
	}
}
