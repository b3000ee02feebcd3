package server_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"segretariato/ent/schema/schematype"
	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
	"segretariato/internal/server"
	"segretariato/internal/server/apitest"
)

func TestTokens(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		api := apitest.New(t, db)
		op, token := api.Operator(t, schematype.RoleSocialWorker)
		const me = `{ me { email role } }`
		cases := []struct {
			name, header string
			status       int
		}{
			{"no token", "", http.StatusUnauthorized},
			{"unknown token", "Bearer seg_unknown", http.StatusUnauthorized},
			{"not a bearer token", "Basic " + token, http.StatusUnauthorized},
			{"empty bearer", "Bearer ", http.StatusUnauthorized},
			{"valid token", "Bearer " + token, http.StatusOK},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(`{"query":"`+me+`"}`))
				req.Header.Set("Content-Type", "application/json")
				if tc.header != "" {
					req.Header.Set("Authorization", tc.header)
				}
				r := api.Send(t, req)
				if r.Status != tc.status {
					t.Fatalf("status %d, want %d: %s", r.Status, tc.status, r.Body)
				}
				if tc.status == http.StatusUnauthorized && r.Code() != "UNAUTHENTICATED" {
					t.Errorf("code %q, want UNAUTHENTICATED", r.Code())
				}
				if tc.status == http.StatusOK && !strings.Contains(string(r.Data), op.Email) {
					t.Errorf("me = %s, want %s", r.Data, op.Email)
				}
			})
		}
		t.Run("deactivated operator", func(t *testing.T) {
			db.Client.Operator.UpdateOne(op).SetActive(false).ExecX(sys(t))
			if r := api.Do(t, token, me, nil); r.Status != http.StatusUnauthorized {
				t.Errorf("status %d, want 401 for a deactivated operator", r.Status)
			}
		})
	})
}

func TestHTTPSurface(t *testing.T) {
	db := dbtest.Open(t, "sqlite3", database.Options{})
	api := apitest.New(t, db, func(o *server.Options) {
		o.AllowedOrigins = []string{"https://dashboard.comune.example.it"}
		o.MaxBodyBytes = 4096
	})
	_, token := api.Operator(t, schematype.RoleCoordinator)
	do := func(method, path, body string, hdr map[string]string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		rec := httptest.NewRecorder()
		api.Handler.ServeHTTP(rec, req)
		return rec
	}
	auth := map[string]string{"Authorization": "Bearer " + token, "Content-Type": "application/json"}

	if rec := do("GET", "/healthz", "", nil); rec.Code != 200 {
		t.Errorf("/healthz: %d", rec.Code)
	}
	if rec := do("GET", "/readyz", "", nil); rec.Code != 200 {
		t.Errorf("/readyz: %d", rec.Code)
	}
	if rec := do("GET", "/graphql?query="+urlq(`{ me { email } }`), "", auth); rec.Code != 200 || !strings.Contains(rec.Body.String(), "@") {
		t.Errorf("query over GET: %d %s", rec.Code, rec.Body)
	}
	if rec := do("GET", "/graphql?query="+urlq(`mutation { deleteService(id: 1) { id } }`), "", auth); rec.Code == 200 || strings.Contains(rec.Body.String(), `"deleted"`) {
		t.Errorf("mutation over GET was served: %d %s", rec.Code, rec.Body)
	}
	if rec := do("POST", "/graphql", `{"query":"{ me { email } }", "pad":"`+strings.Repeat("x", 5000)+`"}`, auth); rec.Code != http.StatusRequestEntityTooLarge && rec.Code < 400 {
		t.Errorf("oversized body: %d", rec.Code)
	}
	if rec := do("POST", "/graphql", "query=%7Bme%7Bemail%7D%7D", map[string]string{"Authorization": "Bearer " + token, "Content-Type": "application/x-www-form-urlencoded"}); rec.Code < 400 {
		t.Errorf("form-encoded POST was served: %d", rec.Code)
	}
	t.Run("introspection and GraphiQL are off in production mode", func(t *testing.T) {
		rec := do("POST", "/graphql", `{"query":"{ __schema { types { name } } }"}`, auth)
		if !strings.Contains(rec.Body.String(), "errors") || strings.Contains(rec.Body.String(), `"types"`) {
			t.Errorf("introspection answered: %s", rec.Body)
		}
		if rec := do("GET", "/", "", nil); rec.Code != http.StatusNotFound {
			t.Errorf("GraphiQL served in production: %d", rec.Code)
		}
	})
	t.Run("CORS", func(t *testing.T) {
		for origin, allowed := range map[string]bool{
			"https://dashboard.comune.example.it":      true,
			"https://dashboard.comune.example.it.evil": false,
			"http://dashboard.comune.example.it":       false,
			"null":                                     false,
		} {
			rec := do("OPTIONS", "/graphql", "", map[string]string{"Origin": origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization,content-type"})
			got := rec.Header().Get("Access-Control-Allow-Origin")
			if allowed && got != origin {
				t.Errorf("%s: Allow-Origin %q, want the origin itself", origin, got)
			}
			if !allowed && got != "" {
				t.Errorf("%s: granted %q", origin, got)
			}
		}
	})
	t.Run("errors carry codes and no SQL", func(t *testing.T) {
		r := api.Do(t, token, `mutation { createService(input: {code: "SSP", name: "Doppio", provider: COMUNE, kind: SOCIO_ASSISTENZIALE, targetAreas: [ADULTS]}) { id } }`, nil)
		if r.Code() != "CONFLICT" {
			t.Errorf("duplicate code: %q, want CONFLICT: %s", r.Code(), r.Body)
		}
		for _, leak := range []string{"UNIQUE", "constraint", "services", "pq:", "sqlite", "INSERT"} {
			if strings.Contains(string(r.Body), leak) {
				t.Errorf("answer leaks %q: %s", leak, r.Body)
			}
		}
		r = api.Do(t, token, `{ contacts(first: 1) { edges { node { id } } } nope }`, nil)
		if r.Code() == "" || strings.Contains(string(r.Body), "Did you mean") {
			t.Errorf("bad field: %s", r.Body)
		}
	})
}

func urlq(s string) string {
	r := strings.NewReplacer(" ", "%20", "{", "%7B", "}", "%7D", "(", "%28", ")", "%29", ":", "%3A")
	return r.Replace(s)
}

func TestNestedConnectionsAreRefusedBeforeRunning(t *testing.T) {
	db := dbtest.Open(t, "sqlite3", database.Options{})
	api := apitest.New(t, db)
	_, token := api.Operator(t, schematype.RoleCoordinator)
	// A case list page: fine.
	api.MustDo(t, token, `{ contacts(first: 200) { edges { node { id occurredAt channel requester targetArea responses outcome durationMinutes
		citizen { id firstName lastName fiscalCode birthDate sex district } mainNeed { code labelIt } needs { code labelIt }
		referrals { status proposedAt service { code name } } } } } }`, nil, nil)
	// Connections nested in connections multiply: refused before running.
	r := api.Do(t, token, `{ operators(first: 200) { edges { node { contacts(first: 200) { edges { node { citizen { contacts(first: 200) { totalCount } } } } } } } } }`, nil)
	if r.Code() == "" || !strings.Contains(strings.ToLower(string(r.Body)), "complexity") {
		t.Errorf("nested connections: %s", r.Body)
	}
}

func TestRequestLimits(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		api := apitest.New(t, db)
		_, token := api.Operator(t, schematype.RoleCoordinator)
		deep := `{ citizens(first: 1) { edges { node { contacts(first: 1) { edges { node { citizen { contacts(first: 1) { edges { node { citizen { contacts(first: 1) { edges { node { id } } } } } } } } } } } } } } }`
		if r := api.Do(t, token, deep, nil); r.Code() != "INVALID" || !strings.Contains(r.Errors[0].Message, "levels deep") {
			t.Errorf("deep query: %s", r.Body)
		}
		frag := `query { ...A } fragment A on Query { citizens(first: 1) { edges { node { ...B } } } } fragment B on Citizen { contacts(first: 1) { edges { node { citizen { ...B } } } } }`
		if r := api.Do(t, token, frag, nil); r.Status >= 500 || r.Code() == "" {
			t.Errorf("fragment cycle: %s", r.Body)
		}
		r := api.Do(t, token, `mutation($in: CreateLocationInput!) { createLocation(input: $in) { id } }`,
			map[string]any{"in": map[string]any{"name": "Sala\x00A", "address": "Via Roma 1"}})
		if r.Code() != "INVALID" || strings.Contains(string(r.Body), "pq:") {
			t.Errorf("NUL byte: %s", r.Body)
		}
		if n := db.Client.Location.Query().CountX(sys(t)); n != 0 {
			t.Errorf("a location with a NUL byte was written")
		}
		// Batched operations (a JSON array) are not accepted.
		req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(`[{"query":"{ me { email } }"},{"query":"{ me { email } }"}]`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		if r := api.Send(t, req); r.Status < 400 {
			t.Errorf("batched operations: %d %s", r.Status, r.Body)
		}
		// A panic-free internal error: injection strings in filters are just strings.
		if r := api.Do(t, token, `{ needCategories(where: {code: "x' OR '1'='1"}) { totalCount } }`, nil); len(r.Errors) > 0 || !strings.Contains(string(r.Data), `"totalCount":0`) {
			t.Errorf("injection string: %s", r.Body)
		}
	})
}

func TestLogsCarryTheRequestIDAndNoQuery(t *testing.T) {
	db := dbtest.Open(t, "sqlite3", database.Options{})
	api := apitest.New(t, db)
	_, token := api.Operator(t, schematype.RoleSocialWorker)
	req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(`{"query":"{ citizens(where: {lastName: \"Ricci\"}) { totalCount } }"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	api.Handler.ServeHTTP(rec, req)
	id := rec.Header().Get("X-Request-Id")
	logs := api.Logs.String()
	if id == "" || !strings.Contains(logs, `"request_id":"`+id+`"`) {
		t.Errorf("request id %q not in the log: %s", id, logs)
	}
	for _, secret := range []string{"Ricci", token} {
		if strings.Contains(logs, secret) {
			t.Errorf("the log holds %q", secret)
		}
	}
}
