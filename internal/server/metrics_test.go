package server_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"entgo.io/ent/dialect"

	"segretariato/ent/schema/schematype"
	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
	"segretariato/internal/metrics"
	"segretariato/internal/metrics/metricstest"
	"segretariato/internal/server"
	"segretariato/internal/server/apitest"
)

func withMetrics(m *metrics.Metrics) func(*server.Options) {
	return func(o *server.Options) { o.Metrics = m }
}

func scrape(t *testing.T, api *apitest.API) metricstest.Families {
	t.Helper()
	rec := httptest.NewRecorder()
	api.Handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/plain") {
		t.Fatalf("GET /metrics: %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	return metricstest.Parse(t, rec.Body)
}

func expect(t *testing.T, f metricstest.Families, want float64, name string, labels ...string) {
	t.Helper()
	if v, ok := f.Value(name, labels...); !ok || v != want {
		t.Errorf("%s%v = %v (present %v), want %v", name, labels, v, ok, want)
	}
}

// TestMetricsThroughTheHandler drives the real handler with the requests
// of a working day and reads /metrics as Prometheus would.
func TestMetricsThroughTheHandler(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		m := metrics.New(db.SQL)
		api := apitest.New(t, db, withMetrics(m))
		sampleOperators(t, db)
		_, coord := api.Operator(t, schematype.RoleCoordinator)
		_, analyst := api.Operator(t, schematype.RoleAnalyst)

		r := api.Upload(t, coord, `mutation Import($file: Upload!) { importIntakeCards(file: $file) { accepted } }`, nil, "file", "schede.csv", readSample(t, "intake-sample.csv"))
		if r.Status != 200 || len(r.Errors) > 0 || !strings.Contains(string(r.Data), `"accepted":true`) {
			t.Fatalf("import: %s", r.Body)
		}
		api.MustDo(t, coord, `query CaseList { contacts(first: 5) { totalCount edges { node { id } } } }`, nil, nil)
		api.MustDo(t, coord, `query CaseList { contacts(first: 5) { totalCount } }`, nil, nil)
		api.MustDo(t, coord, `{ me { role } }`, nil, nil)
		if r := api.Do(t, analyst, `query People { citizens(first: 1) { totalCount } }`, nil); r.Code() != "FORBIDDEN" {
			t.Fatalf("an analyst listed citizens: %s", r.Body)
		}
		if r := api.Do(t, coord, `query Broken { contacts(first: 1) {`, nil); r.Code() == "" {
			t.Fatalf("a broken query was answered: %s", r.Body)
		}
		api.MustDo(t, coord, `query Demand { demand(groupBy: [PERIOD], period: YEAR) { total { contacts } } }`, nil, nil)
		if r := api.Do(t, "", `query CaseList { contacts(first: 1) { totalCount } }`, nil); r.Status != http.StatusUnauthorized {
			t.Fatalf("no token: %d", r.Status)
		}
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "/export/demand.csv?groupBy=PERIOD&period=YEAR", nil)
		req.Header.Set("Authorization", "Bearer "+coord)
		api.Handler.ServeHTTP(rec, req)
		if rec.Code != 200 {
			t.Fatalf("demand CSV: %d %s", rec.Code, rec.Body)
		}
		api.Handler.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/citizens/RSSMRA80A01H501U", nil))

		f := scrape(t, api)
		const gql = "segretariato_graphql_requests_total"
		expect(t, f, 2, gql, "operation", "CaseList", "code", "ok", "role", "COORDINATOR")
		expect(t, f, 1, gql, "operation", "anonymous", "code", "ok", "role", "COORDINATOR")
		expect(t, f, 1, gql, "operation", "People", "code", "FORBIDDEN", "role", "ANALYST")
		expect(t, f, 1, gql, "operation", "Import", "code", "ok", "role", "COORDINATOR")
		expect(t, f, 1, gql, "operation", "Demand", "code", "ok", "role", "COORDINATOR")
		// The broken query has no operation: it is counted, with its code,
		// under no name.
		expect(t, f, 1, gql, "operation", "anonymous", "code", "GRAPHQL_PARSE_FAILED", "role", "COORDINATOR")
		expect(t, f, 2, "segretariato_graphql_operation_duration_seconds", "type", "query", "operation", "CaseList")
		expect(t, f, 1, "segretariato_graphql_operation_duration_seconds", "type", "mutation", "operation", "Import")

		const httpd = "segretariato_http_request_duration_seconds"
		// A refused query is a 200 with an error, and so is a parse error
		// for an application/json client (GraphQL over HTTP); a missing
		// token is a 401.
		expect(t, f, 7, httpd, "route", "/graphql", "method", "POST", "status", "2xx")
		expect(t, f, 1, httpd, "route", "/graphql", "method", "POST", "status", "4xx")
		expect(t, f, 1, httpd, "route", "/export/demand.csv", "method", "GET", "status", "2xx")
		expect(t, f, 1, httpd, "route", "unmatched", "method", "GET", "status", "4xx")

		expect(t, f, 600, "segretariato_import_rows_total", "outcome", "created")
		expect(t, f, 0, "segretariato_import_rows_total", "outcome", "refused")
		// One demand answer through GraphQL, one inside the CSV download.
		expect(t, f, 2, "segretariato_analytics_answer_duration_seconds", "kind", "demand")
		expect(t, f, 1, "segretariato_analytics_answer_duration_seconds", "kind", "csv")
		expect(t, f, 0, "segretariato_audit_write_failures_total", "kind", "read")
		if v, _ := f.Value("go_sql_max_open_connections", "db_name", "segretariato"); v < 1 {
			t.Errorf("database pool size = %v", v)
		}
		if _, ok := f.Value("go_goroutines"); !ok {
			t.Error("no Go runtime metrics")
		}
		f.LabelValues(func(fam, label, value string) {
			if strings.ContainsAny(value, "@?{") || strings.Contains(value, "RSSMRA") {
				t.Errorf("%s{%s=%q}: a label carries an address, a query or a raw path", fam, label, value)
			}
		})
	})
}

// TestAuditWriteFailuresAreCounted makes the database refuse audit
// events (a trigger) and checks that every path that fails to write one
// counts it: the read interceptor, the mutation hook, and a single event
// (a CSV export).
func TestAuditWriteFailuresAreCounted(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		m := metrics.New(db.SQL)
		api := apitest.New(t, db, withMetrics(m))
		sampleOperators(t, db)
		_, coord := api.Operator(t, schematype.RoleCoordinator)
		if r := api.Upload(t, coord, importMutation, nil, "file", "schede.csv", readSample(t, "intake-sample.csv")); r.Status != 200 || len(r.Errors) > 0 {
			t.Fatalf("import: %s", r.Body)
		}
		refuseAuditEvents(t, db)

		if r := api.Do(t, coord, `query CaseList { contacts(first: 2) { edges { node { id } } } }`, nil); r.Code() != "INTERNAL" {
			t.Fatalf("a read went through without its audit events: %s", r.Body)
		}
		if r := api.Do(t, coord, `mutation AddService { createService(input: {code: "MET_1", name: "Prova", provider: COMUNE, kind: SOCIO_ASSISTENZIALE, targetAreas: [ADULTS]}) { id } }`, nil); r.Code() != "INTERNAL" {
			t.Fatalf("a mutation went through without its audit event: %s", r.Body)
		}
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "/export/contacts.csv", nil)
		req.Header.Set("Authorization", "Bearer "+coord)
		api.Handler.ServeHTTP(rec, req)
		if rec.Code != http.StatusInternalServerError {
			t.Fatalf("an export went through without its audit event: %d", rec.Code)
		}

		f := scrape(t, api)
		const name = "segretariato_audit_write_failures_total"
		expect(t, f, 1, name, "kind", "read")
		expect(t, f, 1, name, "kind", "mutation")
		expect(t, f, 1, name, "kind", "record")
		expect(t, f, 1, "segretariato_graphql_requests_total", "operation", "AddService", "code", "INTERNAL", "role", "COORDINATOR")
	})
}

// refuseAuditEvents makes the database fail every INSERT into the audit
// trail, as a full disk or a revoked grant would.
func refuseAuditEvents(t *testing.T, db *database.DB) {
	t.Helper()
	stmts := []string{`CREATE TRIGGER audit_events_refused BEFORE INSERT ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit trail unavailable'); END`}
	if db.Dialect == dialect.Postgres {
		stmts = []string{
			`CREATE FUNCTION audit_events_refused() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'audit trail unavailable'; END $$`,
			`CREATE TRIGGER audit_events_refused BEFORE INSERT ON audit_events
FOR EACH ROW EXECUTE FUNCTION audit_events_refused()`,
		}
	}
	for _, s := range stmts {
		if _, err := db.SQL.ExecContext(t.Context(), s); err != nil {
			t.Fatal(err)
		}
	}
}
