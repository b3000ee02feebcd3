package server_test

import (
	"database/sql"
	"net/http/httptest"
	"strings"
	"testing"

	"segretariato/ent/schema/schematype"
	"segretariato/internal/analytics"
	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
	"segretariato/internal/server"
	"segretariato/internal/server/apitest"
)

// TestReadyzReportsTheAnalyticsReplica: an unreachable analytics replica
// is said on /readyz and logged, but the instance stays ready (200): only
// the analytics need the replica, which every instance shares.
func TestReadyzReportsTheAnalyticsReplica(t *testing.T) {
	db := dbtest.Open(t, "sqlite3", database.Options{})
	ready := func(reads *sql.DB) (*httptest.ResponseRecorder, *apitest.API) {
		engine, err := analytics.New(db, 0)
		if err != nil {
			t.Fatal(err)
		}
		engine.Reads = reads
		api := apitest.New(t, db, func(o *server.Options) { o.Analytics = engine })
		rec := httptest.NewRecorder()
		api.Handler.ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
		return rec, api
	}
	if rec, _ := ready(db.SQL); rec.Code != 200 || rec.Body.String() != "ok\n" {
		t.Errorf("replica up: %d %q", rec.Code, rec.Body)
	}
	down, err := sql.Open("postgres", "postgres://seg:s3cret@127.0.0.1:1/seg?sslmode=disable&connect_timeout=1")
	if err != nil {
		t.Fatal(err)
	}
	defer down.Close()
	rec, api := ready(down)
	if rec.Code != 200 || rec.Body.String() != "ok; analytics replica unreachable\n" {
		t.Errorf("replica down: %d %q", rec.Code, rec.Body)
	}
	if logs := api.Logs.String(); !strings.Contains(logs, "analytics replica unreachable") || strings.Contains(logs, "s3cret") {
		t.Errorf("log: %s", logs)
	}
	// Meanwhile the analytics fail, and the rest of the API is served.
	_, token := api.Operator(t, schematype.RoleCoordinator)
	if res := api.Do(t, token, `{ demand(groupBy: [PERIOD]) { total { contacts } } }`, nil); res.Code() == "" {
		t.Errorf("demand with the replica down: %s", res.Body)
	}
	if res := api.Do(t, token, `{ me { email } }`, nil); res.Code() != "" {
		t.Errorf("me with the replica down: %s", res.Body)
	}
}
