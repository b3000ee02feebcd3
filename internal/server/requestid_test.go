package server_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"segretariato/ent/auditevent"
	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
)

// TestClientRequestID checks that a well-formed X-Request-Id from the
// client (a reverse proxy, the dashboard) is the request's id in the
// answer, the log line and the audit events, and that any other is
// replaced by a generated one.
func TestClientRequestID(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		w := newWorld(t, db)
		read := func(t *testing.T, sent string) string {
			t.Helper()
			body, _ := json.Marshal(map[string]any{
				"query":     `query($id: ID!) { node(id: $id) { id ... on Citizen { lastName } } }`,
				"variables": map[string]any{"id": w.citizen},
			})
			req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+w.coord)
			req.Header["X-Request-Id"] = []string{sent}
			rec := httptest.NewRecorder()
			w.api.Handler.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "Ricci") {
				t.Fatalf("read: %d %s", rec.Code, rec.Body)
			}
			id := rec.Header().Get("X-Request-Id")
			if !strings.Contains(w.api.Logs.String(), `"request_id":"`+id+`"`) {
				t.Errorf("request id %q not in the log", id)
			}
			n, err := db.Client.AuditEvent.Query().Where(auditevent.RequestID(id), auditevent.Action("READ"), auditevent.Entity("Citizen")).Count(sys(t))
			if err != nil || n != 1 {
				t.Errorf("audit events with request id %q: %d, %v; want 1", id, n, err)
			}
			return id
		}
		for _, good := range []string{"6f1c2a9e-3b7d-4c1e-9a55-0d2b8e7f4a10", "edge.proxy_01-a", "x", strings.Repeat("a", 64)} {
			if got := read(t, good); got != good {
				t.Errorf("sent %q, the request's id is %q", good, got)
			}
		}
		generated := regexp.MustCompile(`^[0-9a-f]{16}$`)
		for name, bad := range map[string]string{
			"too long":      strings.Repeat("a", 65),
			"spaces":        "abc def",
			"log injection": "abc\n{\"level\":\"ERROR\",\"msg\":\"forged\"}",
			"header split":  "abc\r\nSet-Cookie: x=1",
			"not ASCII":     "richiesta-è",
			"quote":         `abc"def`,
		} {
			got := read(t, bad)
			if got == bad || !generated.MatchString(got) {
				t.Errorf("%s: sent %q, the request's id is %q; want a generated one", name, bad, got)
			}
			if strings.Contains(w.api.Logs.String(), "forged") {
				t.Errorf("%s: the client's id reached the log", name)
			}
		}
	})
}
