package server_test

import (
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"

	"segretariato/ent/schema/schematype"
	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
	"segretariato/internal/server"
	"segretariato/internal/server/apitest"
)

// introspectionQuery is graphql-js's getIntrospectionQuery() output
// (graphql 16.15.0), the query GraphiQL sends to fill its documentation
// explorer; with all options (descriptions, specifiedByURL, repeatable
// directives, schema description, deprecated input values, oneOf) it is
// what GraphQL Code Generator and Rover may send.
func introspectionQuery(t *testing.T, allOptions bool) string {
	t.Helper()
	name := "testdata/introspection-query.graphql"
	if allOptions {
		name = "testdata/introspection-query-all-options.graphql"
	}
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// introspect posts the standard introspection query as GraphiQL does.
func introspect(t *testing.T, api *apitest.API, token, accept string) rawAnswer {
	return introspectWith(t, api, token, accept, false)
}

func introspectWith(t *testing.T, api *apitest.API, token, accept string, allOptions bool) rawAnswer {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": introspectionQuery(t, allOptions), "operationName": "IntrospectionQuery"})
	return postAs(t, api, token, accept, string(body))
}

func development(o *server.Options) { o.Development = true }

// deepQuery nests 13 levels: one more than requests may.
const deepQuery = `{ citizens(first: 1) { edges { node { contacts(first: 1) { edges { node { citizen { contacts(first: 1) { edges { node { citizen { contacts(first: 1) { totalCount } } } } } } } } } } } } }`

func TestIntrospectionInDevelopmentPassesTheLimits(t *testing.T) {
	db := dbtest.Open(t, "sqlite3", database.Options{})
	api := apitest.New(t, db, development)
	_, token := api.Operator(t, schematype.RoleSocialWorker)

	for _, tc := range []struct {
		accept     string
		allOptions bool
	}{{"", false}, {"application/json", false}, {"application/graphql-response+json", false}, {"", true}} {
		accept := tc.accept
		r := introspectWith(t, api, token, accept, tc.allOptions)
		var data struct {
			Schema struct {
				QueryType struct{ Name string }
				Types     []struct{ Name string }
			} `json:"__schema"`
		}
		if r.Status != http.StatusOK || len(r.Errors) > 0 || json.Unmarshal(r.Data, &data) != nil {
			t.Fatalf("Accept %q: status %d, body %.500s", accept, r.Status, r.Body)
		}
		names := map[string]bool{}
		for _, ty := range data.Schema.Types {
			names[ty.Name] = true
		}
		if data.Schema.QueryType.Name != "Query" || !names["Contact"] || !names["ContactWhereInput"] {
			t.Errorf("Accept %q: introspection misses types: query type %q, %d types", accept, data.Schema.QueryType.Name, len(names))
		}
	}

	t.Run("a deep data query is still refused", func(t *testing.T) {
		r := api.Do(t, token, deepQuery, nil)
		if r.Code() != "INVALID" || !strings.Contains(r.Errors[0].Message, "13 levels deep") {
			t.Errorf("deep query: %s", r.Body)
		}
	})
	t.Run("introspection beside data limits the data part", func(t *testing.T) {
		mixed := strings.Replace(deepQuery, "{ citizens", "{ __schema { queryType { name } } citizens", 1)
		if r := api.Do(t, token, mixed, nil); r.Code() != "INVALID" || !strings.Contains(r.Errors[0].Message, "13 levels deep") {
			t.Errorf("deep query beside introspection: %s", r.Body)
		}
		// Through a fragment too.
		frag := `query { ...S citizens(first: 1) { edges { node { contacts(first: 1) { edges { node { citizen { contacts(first: 1) { edges { node { citizen { contacts(first: 1) { totalCount } } } } } } } } } } } } }
			fragment S on Query { __type(name: "Contact") { name } }`
		if r := api.Do(t, token, frag, nil); r.Code() != "INVALID" || !strings.Contains(r.Errors[0].Message, "13 levels deep") {
			t.Errorf("deep query beside introspection in a fragment: %s", r.Body)
		}
		// A shallow data part beside introspection runs.
		var out struct {
			Type struct{ Name string } `json:"__type"`
			Me   struct{ Role string }
		}
		api.MustDo(t, token, `{ __type(name: "Contact") { name } me { role } }`, nil, &out)
		if out.Type.Name != "Contact" || out.Me.Role != "SOCIAL_WORKER" {
			t.Errorf("introspection beside data: %+v", out)
		}
		// The cost limit holds for the whole operation.
		costly := `{ __schema { queryType { name } } operators(first: 200) { edges { node { contacts(first: 200) { edges { node { citizen { contacts(first: 200) { totalCount } } } } } } } } }`
		if r := api.Do(t, token, costly, nil); !strings.Contains(string(r.Body), "complexity") || len(r.Data) > 0 && string(r.Data) != "null" {
			t.Errorf("costly query beside introspection: %s", r.Body)
		}
	})
	t.Run("introspection that grows with the schema to a power, or nests too deep, is refused", func(t *testing.T) {
		for _, q := range []string{
			`{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }`,
			`{ __type(name: "Query") { fields { type { ofType { fields { type { possibleTypes { name } } } } } } } }`,
			`{ __schema { types { ...F } } } fragment F on __Type { interfaces { ...G } } fragment G on __Type { possibleTypes { inputFields { name } } }`,
		} {
			if r := api.Do(t, token, q, nil); len(r.Errors) == 0 || !strings.Contains(r.Errors[0].Message, "Maximum introspection depth exceeded") {
				t.Errorf("%s\nanswered %s", q, r.Body)
			}
		}
		deep := `{ __type(name: "Query") { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } } } } } } } } } } }`
		if r := api.Do(t, token, deep, nil); r.Code() != "INVALID" || !strings.Contains(r.Errors[0].Message, "introspection query nests more than 16 levels") {
			t.Errorf("deep introspection answered %s", r.Body)
		}
	})
}

func TestIntrospectionIsRefusedInProduction(t *testing.T) {
	db := dbtest.Open(t, "sqlite3", database.Options{})
	api := apitest.New(t, db)
	_, token := api.Operator(t, schematype.RoleCoordinator)
	for accept, status := range map[string]int{"application/json": http.StatusOK, "application/graphql-response+json": http.StatusBadRequest} {
		r := introspect(t, api, token, accept)
		if _, ok := r.raw["data"]; r.Status != status || r.Code() != "FORBIDDEN" || ok {
			t.Errorf("Accept %s: status %d (want %d), body %s", accept, r.Status, status, r.Body)
		}
	}
	for _, q := range []string{
		`{ __type(name: "Contact") { name } }`,
		`{ ...F } fragment F on Query { ... on Query { __schema { queryType { name } } } }`,
	} {
		if r := api.Do(t, token, q, nil); r.Code() != "FORBIDDEN" || strings.Contains(string(r.Body), "Contact\"") {
			t.Errorf("%s answered %s", q, r.Body)
		}
	}
	// A refusal, not a fault: nothing is logged as an error.
	if strings.Contains(api.Logs.String(), `"level":"ERROR"`) {
		t.Errorf("refused introspection logged an error: %s", api.Logs)
	}
	// __typename is not introspection: Apollo Client asks for it everywhere.
	var out struct {
		Typename string `json:"__typename"`
	}
	api.MustDo(t, token, `{ __typename }`, nil, &out)
	if out.Typename != "Query" {
		t.Errorf("__typename = %q", out.Typename)
	}
}
