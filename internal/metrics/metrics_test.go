package metrics_test

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"segretariato/internal/metrics"
	"segretariato/internal/metrics/metricstest"
)

func scrape(t *testing.T, m *metrics.Metrics) metricstest.Families {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 {
		t.Fatalf("GET /metrics: %d", rec.Code)
	}
	return metricstest.Parse(t, rec.Body)
}

// TestOperationNamesAreBounded: a client choosing a new operation name per
// request cannot grow the series without end, and a name that is not a
// plain GraphQL name never becomes a label.
func TestOperationNamesAreBounded(t *testing.T) {
	m := metrics.New(nil)
	for i := range metrics.MaxOperationNames + 50 {
		m.GraphQL("query", fmt.Sprintf("Op%d", i), "", "COORDINATOR", time.Millisecond)
	}
	m.GraphQL("query", "Op0", "", "COORDINATOR", time.Millisecond) // known: still its own
	m.GraphQL("query", "a.verdi@comune.example.it", "", "COORDINATOR", time.Millisecond)
	m.GraphQL("query", strings.Repeat("x", 65), "", "COORDINATOR", time.Millisecond)
	m.GraphQL("query", "", "FORBIDDEN", "", time.Millisecond)
	m.GraphQL("query", "Op1", "not a code; DROP", "boss", time.Millisecond)

	f := scrape(t, m)
	const name = "segretariato_graphql_requests_total"
	if v, _ := f.Value(name, "operation", "Op0", "code", "ok", "role", "COORDINATOR"); v != 2 {
		t.Errorf("Op0 = %v, want 2", v)
	}
	// 50 names past the bound, the e-mail and the long name.
	if v, _ := f.Value(name, "operation", "other"); v != 52 {
		t.Errorf("other = %v, want 52", v)
	}
	if v, _ := f.Value(name, "operation", "anonymous", "code", "FORBIDDEN", "role", "anonymous"); v != 1 {
		t.Errorf("anonymous = %v, want 1", v)
	}
	if v, _ := f.Value(name, "operation", "Op1", "code", "other", "role", "other"); v != 1 {
		t.Errorf("bad code and role = %v, want 1 under other", v)
	}
	names := map[string]bool{}
	f.LabelValues(func(fam, label, value string) {
		if fam == name && label == "operation" {
			names[value] = true
		}
		if strings.Contains(value, "@") {
			t.Errorf("%s{%s=%q}: personal data in a label", fam, label, value)
		}
	})
	if len(names) != metrics.MaxOperationNames+2 { // + other, anonymous
		t.Errorf("%d operation names, want %d", len(names), metrics.MaxOperationNames+2)
	}
	if v, _ := f.Value("segretariato_graphql_operation_duration_seconds", "type", "query", "operation", "Op0"); v != 2 {
		t.Errorf("Op0 durations = %v, want 2", v)
	}
}

func TestHTTPLabelsAreClosed(t *testing.T) {
	m := metrics.New(nil)
	m.HTTP("/graphql", "POST", 200, time.Millisecond)
	m.HTTP("/graphql", "POST", 201, time.Millisecond)
	m.HTTP("", "BREW", 404, time.Millisecond)
	m.HTTP("/readyz", "GET", 503, time.Millisecond)
	f := scrape(t, m)
	const name = "segretariato_http_request_duration_seconds"
	for _, c := range []struct {
		route, method, status string
		want                  float64
	}{{"/graphql", "POST", "2xx", 2}, {"unmatched", "other", "4xx", 1}, {"/readyz", "GET", "5xx", 1}} {
		if v, _ := f.Value(name, "route", c.route, "method", c.method, "status", c.status); v != c.want {
			t.Errorf("%s %s %s = %v, want %v", c.method, c.route, c.status, v, c.want)
		}
	}
}

// TestNilMetricsDoNothing: code built without metrics calls the same
// methods.
func TestNilMetricsDoNothing(t *testing.T) {
	var m *metrics.Metrics
	m.GraphQL("query", "Op", "", "", time.Second)
	m.HTTP("/graphql", "GET", 200, time.Second)
	m.AuditWriteFailed(metrics.AuditRead)
	m.ImportRows(metrics.RowsCreated, 3)
	m.Answer(metrics.AnswerDemand, time.Now())
	if m.Registry() != nil || metrics.FromContext(metrics.NewContext(t.Context(), m)) != nil {
		t.Error("a nil Metrics put something in place")
	}
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 404 {
		t.Errorf("nil metrics served %d", rec.Code)
	}
}

// TestRegistriesAreIndependent: two Metrics count apart, and the
// counters an alert watches are there at zero from the start.
func TestRegistriesAreIndependent(t *testing.T) {
	a, b := metrics.New(nil), metrics.New(nil)
	a.AuditWriteFailed(metrics.AuditRecord)
	a.ImportRows(metrics.RowsRefused, 7)
	fa, fb := scrape(t, a), scrape(t, b)
	if v, _ := fa.Value("segretariato_audit_write_failures_total", "kind", "record"); v != 1 {
		t.Errorf("a: record failures = %v", v)
	}
	if v, ok := fb.Value("segretariato_audit_write_failures_total", "kind", "record"); !ok || v != 0 {
		t.Errorf("b: record failures = %v, %v; want 0, present", v, ok)
	}
	if v, _ := fa.Value("segretariato_import_rows_total", "outcome", "refused"); v != 7 {
		t.Errorf("a: refused rows = %v", v)
	}
	if _, ok := fb.Value("go_goroutines"); !ok {
		t.Error("no Go runtime metrics")
	}
	if _, ok := fb.Value("process_cpu_seconds_total"); !ok {
		t.Error("no process metrics")
	}
}

// BenchmarkRecordRequest is what metrics add to one GraphQL request: the
// HTTP histogram, the GraphQL counter and histogram.
func BenchmarkRecordRequest(b *testing.B) {
	m := metrics.New(nil)
	b.ReportAllocs()
	for b.Loop() {
		m.GraphQL("query", "CaseList", "", "SOCIAL_WORKER", 3*time.Millisecond)
		m.HTTP("/graphql", "POST", 200, 4*time.Millisecond)
	}
}
