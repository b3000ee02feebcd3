package server_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"entgo.io/ent/dialect"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"segretariato/ent/schema/schematype"
	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
	"segretariato/internal/metrics"
	"segretariato/internal/sample"
	"segretariato/internal/server"
	"segretariato/internal/server/apitest"
)

// BenchmarkCaseListObserved is a page of 50 contacts with citizen, needs
// and referrals through the whole handler, on the imported sample
// (SQLite), without metrics, with metrics, and with metrics and tracing
// (spans recorded, exported nowhere): the monitoring's cost per request.
func BenchmarkCaseListObserved(b *testing.B) {
	const q = `query CaseList { contacts(first: 50, orderBy: [{field: OCCURRED_AT, direction: DESC}]) {
  edges { node { id occurredAt targetArea outcome citizen { id firstName } needs { code } referrals { status service { code } } } } } }`
	body, _ := json.Marshal(map[string]string{"query": q})
	for _, c := range []struct {
		name string
		opt  func(*server.Options, *database.DB)
	}{
		{"off", func(*server.Options, *database.DB) {}},
		{"metrics", func(o *server.Options, db *database.DB) { o.Metrics = metrics.New(db.SQL) }},
		{"metrics+tracing", func(o *server.Options, db *database.DB) {
			o.Metrics = metrics.New(db.SQL)
			o.Tracing = sdktrace.NewTracerProvider()
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			db := dbtest.Open(b, dialect.SQLite, database.Options{})
			api := apitest.New(b, db, func(o *server.Options) { c.opt(o, db) })
			benchSample(b, api, db)
			_, coord := api.Operator(b, schematype.RoleCoordinator)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+coord)
				rec := httptest.NewRecorder()
				api.Handler.ServeHTTP(rec, req)
				if rec.Code != 200 {
					b.Fatalf("status %d: %s", rec.Code, rec.Body)
				}
			}
		})
	}
}

func benchSample(b *testing.B, api *apitest.API, db *database.DB) {
	sample.CreateOperators(b, db.Client)
	_, coord := api.Operator(b, schematype.RoleCoordinator)
	if r := api.Upload(b, coord, importMutation, nil, "file", "schede.csv", sample.File(b, "intake-sample.csv")); r.Status != 200 || len(r.Errors) > 0 {
		b.Fatalf("import: %s", r.Body)
	}
}
