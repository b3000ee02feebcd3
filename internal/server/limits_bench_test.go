package server_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"segretariato/ent/schema/schematype"
	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
	"segretariato/internal/server/apitest"
)

// BenchmarkRefusals is the handler's time to refuse the attacks of
// TestDocumentLimitsRefuseBeforeRunning (SQLite): 5,000 and 14,000
// duplicated fields, 20 aliases of a weekly demand (a refused document
// never enters the query cache).
func BenchmarkRefusals(b *testing.B) {
	db := dbtest.Open(b, "sqlite3", database.Options{})
	api := apitest.New(b, db)
	_, token := api.Operator(b, schematype.RoleCoordinator)
	for name, q := range map[string]string{
		"duplicated-5000":  `{ citizens { edges { node { ` + strings.Repeat("id ", 5000) + `} } } }`,
		"duplicated-14000": `{ citizens { edges { node { ` + strings.Repeat("id ", 14000) + `} } } }`,
		"aliases-20":       `{ ` + aliases(20, weeklyDemand) + ` }`,
	} {
		b.Run(name, func(b *testing.B) {
			body, _ := json.Marshal(map[string]string{"query": q})
			for b.Loop() {
				req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+token)
				rec := httptest.NewRecorder()
				api.Handler.ServeHTTP(rec, req)
				if !strings.Contains(rec.Body.String(), `"INVALID"`) {
					b.Fatalf("not refused: %s", rec.Body)
				}
			}
		})
	}
}
