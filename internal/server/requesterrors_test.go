package server_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"segretariato/ent/schema/schematype"
	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
	"segretariato/internal/server/apitest"
)

// rawAnswer is a GraphQL answer with its top-level entries undecoded.
type rawAnswer struct {
	apitest.Response
	raw         map[string]json.RawMessage
	contentType string
}

// post sends a raw JSON body to /graphql with an Accept header ("" for
// none).
func postAs(t *testing.T, api *apitest.API, token, accept, body string) rawAnswer {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	return send(t, api, req)
}

func send(t *testing.T, api *apitest.API, req *http.Request) rawAnswer {
	t.Helper()
	rec := httptest.NewRecorder()
	api.Handler.ServeHTTP(rec, req)
	a := rawAnswer{Response: apitest.Response{Status: rec.Code, Body: rec.Body.Bytes()}, contentType: rec.Header().Get("Content-Type")}
	if err := json.Unmarshal(a.Body, &a.Response); err != nil {
		t.Fatalf("the answer is not JSON: status %d, %s", a.Status, a.Body)
	}
	_ = json.Unmarshal(a.Body, &a.raw)
	return a
}

func gql(query string, vars map[string]any) string {
	b, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	return string(b)
}

// TestRequestErrorsFollowGraphQLOverHTTP: a request refused before it
// runs answers 200 to application/json clients and 400 to
// application/graphql-response+json ones, never with a data entry; an
// operation that ran answers 200 with its data entry, errors or not.
func TestRequestErrorsFollowGraphQLOverHTTP(t *testing.T) {
	const (
		plain    = "application/json"
		response = "application/graphql-response+json"
	)
	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		api := apitest.New(t, db)
		_, token := api.Operator(t, schematype.RoleCoordinator)
		refused := []struct {
			name, body, code string
			status           map[string]int // by Accept; "" is none
		}{
			{"parse failure", gql(`{ me { email `, nil), "GRAPHQL_PARSE_FAILED", nil},
			{"validation failure", gql(`{ me { nope } }`, nil), "GRAPHQL_VALIDATION_FAILED", nil},
			{"unknown operation", `{"query":"query A { me { email } }","operationName":"B"}`, "GRAPHQL_VALIDATION_FAILED", nil},
			{"variable coercion failure", gql(`query($n: Int) { contacts(first: $n) { totalCount } }`, map[string]any{"n": "three"}), "GRAPHQL_VALIDATION_FAILED", nil},
			{"missing variable", gql(`query($id: ID!) { node(id: $id) { id } }`, nil), "GRAPHQL_VALIDATION_FAILED", nil},
			{"too deep", gql(deepQuery, nil), "INVALID", nil},
			{"too costly", gql(`{ operators(first: 200) { edges { node { contacts(first: 200) { edges { node { id } } } } } } }`, nil), "COMPLEXITY_LIMIT_EXCEEDED", nil},
			{"unknown persisted query", `{"extensions":{"persistedQuery":{"version":1,"sha256Hash":"` + strings.Repeat("ab", 32) + `"}}}`, "PERSISTED_QUERY_NOT_FOUND", nil},
			{"no query", `{"variables":{}}`, "", map[string]int{"": 400, plain: 400, response: 400}},
			{"not JSON", `{"query": "{ me { email } }"`, "", map[string]int{"": 400, plain: 400, response: 400}},
		}
		for _, tc := range refused {
			t.Run(tc.name, func(t *testing.T) {
				want := tc.status
				if want == nil {
					want = map[string]int{"": 200, plain: 200, response: 400}
				}
				for _, accept := range []string{"", plain, response} {
					r := postAs(t, api, token, accept, tc.body)
					if r.Status != want[accept] {
						t.Errorf("Accept %q: status %d, want %d: %s", accept, r.Status, want[accept], r.Body)
					}
					if _, ok := r.raw["data"]; ok {
						t.Errorf("Accept %q: a refused request answered a data entry: %s", accept, r.Body)
					}
					if len(r.Errors) == 0 || tc.code != "" && r.Code() != tc.code {
						t.Errorf("Accept %q: code %q, want %q: %s", accept, r.Code(), tc.code, r.Body)
					}
					if accept != "" && !strings.HasPrefix(r.contentType, accept) {
						t.Errorf("Accept %q: Content-Type %q", accept, r.contentType)
					}
				}
			})
		}
		t.Run("operations that ran keep their data entry", func(t *testing.T) {
			for _, accept := range []string{"", plain, response} {
				r := postAs(t, api, token, accept, gql(`{ me { email } }`, nil))
				if r.Status != 200 || len(r.Errors) > 0 || !strings.Contains(string(r.raw["data"]), "@") {
					t.Errorf("Accept %q: %d %s", accept, r.Status, r.Body)
				}
				// A resolver's error: the operation ran, data is null.
				r = postAs(t, api, token, accept, gql(`mutation { createService(input: {code: "SSP", name: "Doppio", provider: COMUNE, kind: SOCIO_ASSISTENZIALE, targetAreas: [ADULTS]}) { id } }`, nil))
				if r.Status != 200 || r.Code() != "CONFLICT" || string(r.raw["data"]) != "null" {
					t.Errorf("Accept %q: %d %s", accept, r.Status, r.Body)
				}
			}
		})
		t.Run("a mutation over GET", func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/graphql?query="+url.QueryEscape(`mutation { deleteService(id: 1) { id } }`), nil)
			req.Header.Set("Authorization", "Bearer "+token)
			rec := httptest.NewRecorder()
			api.Handler.ServeHTTP(rec, req)
			if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != "POST" || strings.Contains(rec.Body.String(), `"data"`) {
				t.Errorf("status %d, Allow %q: %s", rec.Code, rec.Header().Get("Allow"), rec.Body)
			}
		})
		t.Run("GET answers request errors alike", func(t *testing.T) {
			for accept, status := range map[string]int{plain: 200, response: 400} {
				req := httptest.NewRequest(http.MethodGet, "/graphql?query="+url.QueryEscape(`{ me { nope } }`), nil)
				req.Header.Set("Authorization", "Bearer "+token)
				req.Header.Set("Accept", accept)
				r := send(t, api, req)
				if _, ok := r.raw["data"]; r.Status != status || ok || r.Code() != "GRAPHQL_VALIDATION_FAILED" {
					t.Errorf("Accept %s: status %d, want %d: %s", accept, r.Status, status, r.Body)
				}
			}
		})
	})
}
