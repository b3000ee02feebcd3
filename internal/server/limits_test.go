package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
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

// refused checks that an answer is a client error with the code and a
// message containing want, without data.
func refused(t *testing.T, what string, r apitest.Response, code, want string) {
	t.Helper()
	if r.Status >= 500 || r.Code() != code || !strings.Contains(r.Errors[0].Message, want) ||
		len(r.Data) > 0 && string(r.Data) != "null" {
		t.Errorf("%s: status %d, body %.400s; want %s with %q", what, r.Status, r.Body, code, want)
	}
}

// TestDocumentLimitsRefuseBeforeRunning: field duplication, too many
// aliases, directives or tokens are refused before any resolver runs: the
// request sends the same SQL statements as one that does not even parse
// (the bearer token's look-up).
func TestDocumentLimitsRefuseBeforeRunning(t *testing.T) {
	for _, kind := range dbtest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			counter := &dbtest.Counter{}
			db := dbtest.Open(t, kind, database.Options{Driver: counter.Counting})
			api := apitest.New(t, db)
			_, token := api.Operator(t, schematype.RoleCoordinator)
			statements := func(q string) (apitest.Response, int) {
				counter.Reset()
				r := api.Do(t, token, q, nil)
				return r, counter.Count()
			}
			if r, n := statements(`{ citizens { totalCount } }`); len(r.Errors) > 0 || n <= 1 {
				t.Fatalf("a query that runs: %d statements, %s", n, r.Body)
			}
			_, baseline := statements(`{ citizens { `)

			ids := func(n int) string { return strings.TrimSpace(strings.Repeat("id ", n)) }
			for _, tc := range []struct{ name, query, want string }{
				{"14,000 duplicated fields", `{ citizens { edges { node { ` + ids(14000) + ` } } } }`, "more than 1000 tokens"},
				{"6 duplicated fields", `{ citizens { edges { node { ` + ids(6) + ` } } } }`, "names field id more than 5 times"},
				{"a duplicated aliased field", `{ citizens { edges { node { a: id ` + strings.Repeat("a: id ", 5) + `} } } }`, "more than 5 times"},
				{"a fragment spread 6 times", `{ citizens { edges { node { ` + strings.Repeat("...F ", 6) + `} } } } fragment F on Citizen { id }`, "fragment F more than 5 times"},
				{"16 aliases", `{ ` + aliases(16, "citizens { totalCount }") + ` }`, "more than 15 aliases"},
				{"51 directives", `{ citizens { totalCount ` + strings.Repeat("@include(if: true) ", 51) + `} }`, "more than 50 directives"},
				{"20 aliases of a weekly demand", `{ ` + aliases(20, weeklyDemand) + ` }`, "more than 15 aliases"},
			} {
				r, n := statements(tc.query)
				refused(t, tc.name, r, "INVALID", tc.want)
				if n != baseline {
					t.Errorf("%s: %d SQL statements, want %d (the token's look-up alone)", tc.name, n, baseline)
				}
			}
			// Within the limits it runs.
			if r, _ := statements(`{ ` + aliases(15, "citizens { totalCount }") + ` }`); len(r.Errors) > 0 {
				t.Errorf("15 aliases: %s", r.Body)
			}
		})
	}
}

func aliases(n int, field string) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "a%d: %s ", i, field)
	}
	return b.String()
}

const weeklyDemand = `demand(groupBy: [PERIOD, SEX, AGE_BAND, TARGET_AREA], period: WEEK) { cells { keys contacts citizens } total { contacts } }`

// TestCostPricesAnalyticsByTheirCells: a demand answer costs the cells it
// can produce, so a weekly four-dimension pivot is refused before it runs
// while a yearly one runs; nested connections without `first` are priced
// at the default page.
func TestCostPricesAnalyticsByTheirCells(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		api := apitest.New(t, db)
		_, coord := api.Operator(t, schematype.RoleCoordinator)
		refused(t, "weekly four-dimension demand", api.Do(t, coord, `{ `+weeklyDemand+` }`, nil), "COMPLEXITY_LIMIT_EXCEEDED", "complexity")
		refused(t, "two monthly demands by citizenship and district",
			api.Do(t, coord, `{ `+aliases(2, `demand(groupBy: [PERIOD, CITIZENSHIP, DISTRICT]) { cells { keys contacts } }`)+` }`, nil),
			"COMPLEXITY_LIMIT_EXCEEDED", "complexity")
		api.MustDo(t, coord, `{ demand(groupBy: [PERIOD, SEX, AGE_BAND, TARGET_AREA], period: YEAR) { cells { keys contacts } total { contacts } } }`, nil, nil)
		// A date range of one month makes the weekly pivot affordable.
		api.MustDo(t, coord, `{ demand(groupBy: [PERIOD, SEX, AGE_BAND, TARGET_AREA], period: WEEK, filter: {from: "2025-03-01T00:00:00Z", to: "2025-04-01T00:00:00Z"}) { cells { keys contacts } } }`, nil, nil)
		refused(t, "nested connections without first",
			api.Do(t, coord, `{ operators { edges { node { contacts { edges { node { citizen { contacts { totalCount } } } } } } } } }`, nil),
			"COMPLEXITY_LIMIT_EXCEEDED", "complexity")
	})
}

// TestNestedConnectionsGetTheDefaultPage: a connection without `first` or
// `last` returns the default page wherever it is, nested ones included
// (entgql loads those with their parent).
func TestNestedConnectionsGetTheDefaultPage(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		api := apitest.New(t, db, func(o *server.Options) { o.DefaultPageSize = 2 })
		w := &world{api: api}
		_, w.sw1 = api.Operator(t, schematype.RoleCoordinator)
		need := needID(t, api, w.sw1)
		for range 3 {
			var c struct {
				CreateCitizen struct{ ID string } `json:"createCitizen"`
			}
			api.MustDo(t, w.sw1, `mutation { createCitizen(input: {firstName: "Anna", lastName: "Bianchi", privacyConsent: true}) { id } }`, nil, &c)
			for range 3 {
				api.MustDo(t, w.sw1, `mutation($c: ID!, $n: ID!) { createContact(input: {citizenID: $c, mainNeedID: $n, occurredAt: "2025-03-14T15:45:00Z",
					channel: IN_PERSON, requester: SELF, targetArea: ADULTS, responses: [INFORMATION], outcome: INFORMED}) { id } }`,
					map[string]any{"c": c.CreateCitizen.ID, "n": need}, nil)
			}
		}
		var out struct {
			Citizens struct {
				TotalCount int
				Edges      []struct {
					Node struct {
						Contacts struct {
							TotalCount int
							Edges      []struct{ Node struct{ ID string } }
						}
					}
				}
			}
		}
		api.MustDo(t, w.sw1, `{ citizens { totalCount edges { node { contacts { totalCount edges { node { id } } } } } } }`, nil, &out)
		if out.Citizens.TotalCount != 3 || len(out.Citizens.Edges) != 2 {
			t.Fatalf("citizens: total %d, page %d; want 3 and 2", out.Citizens.TotalCount, len(out.Citizens.Edges))
		}
		for _, e := range out.Citizens.Edges {
			if c := e.Node.Contacts; c.TotalCount != 3 || len(c.Edges) != 2 {
				t.Errorf("nested contacts: total %d, page %d; want 3 and 2", c.TotalCount, len(c.Edges))
			}
		}
		// Through a fragment too; `last` alone is a page of its own.
		api.MustDo(t, w.sw1, `{ citizens(last: 3) { totalCount edges { node { ...C } } } } fragment C on Citizen { contacts { totalCount edges { node { id } } } }`, nil, &out)
		if len(out.Citizens.Edges) != 3 {
			t.Errorf("citizens(last: 3): %d", len(out.Citizens.Edges))
		}
		for _, e := range out.Citizens.Edges {
			if c := e.Node.Contacts; len(c.Edges) != 2 {
				t.Errorf("nested contacts through a fragment: page %d; want 2", len(c.Edges))
			}
		}
		// A null variable: the root connection gets the default page, a
		// nested one is refused (entgql would load it whole).
		api.MustDo(t, w.sw1, `query($n: Int) { citizens(first: $n) { edges { node { id } } } }`, map[string]any{"n": nil}, &out)
		if len(out.Citizens.Edges) != 2 {
			t.Errorf("citizens(first: null): %d", len(out.Citizens.Edges))
		}
		refused(t, "nested contacts(first: null)", api.Do(t, w.sw1, `query($n: Int) { citizens { edges { node { contacts(first: $n) { totalCount edges { node { id } } } } } } }`,
			map[string]any{"n": nil}), "INVALID", "first or last must not be null")
	})
}

// TestBadInputIsAClientError: NUL characters however written, overlong
// strings and lists, and oversized bodies however sent are refused with a
// client code before they reach the database.
func TestBadInputIsAClientError(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		api := apitest.New(t, db, func(o *server.Options) { o.MaxBodyBytes = 2 << 20 })
		_, coord := api.Operator(t, schematype.RoleCoordinator)
		create := `mutation($in: CreateLocationInput!) { createLocation(input: $in) { id } }`

		// A \u0000 escape in the JSON of the variables, in an inline
		// GraphQL string, in a block string.
		raw := `{"query":"mutation($in: CreateLocationInput!) { createLocation(input: $in) { id } }","variables":{"in":{"name":"Sala\u0000A","address":"Via Roma 1"}}}`
		refused(t, "NUL in the variables' JSON", postRaw(t, api, coord, raw), "INVALID", "NUL")
		inline, _ := json.Marshal(map[string]string{"query": `mutation { createLocation(input: {name: "Sala\u0000A", address: "Via Roma 1"}) { id } }`})
		refused(t, "NUL in an inline string", postRaw(t, api, coord, string(inline)), "INVALID", "NUL")
		block, _ := json.Marshal(map[string]string{"query": "mutation { createLocation(input: {name: \"\"\"Sala\x00A\"\"\", address: \"Via Roma 1\"}) { id } }"})
		refused(t, "NUL in a block string", postRaw(t, api, coord, string(block)), "INVALID", "NUL")
		if n := db.Client.Location.Query().CountX(sys(t)); n != 0 {
			t.Errorf("%d locations with a NUL character were written", n)
		}

		long := strings.Repeat("x", 900_000)
		refused(t, "a 900 KB filter string", api.Do(t, coord, `query($s: String) { citizens(where: {lastNameContains: $s}) { totalCount } }`, map[string]any{"s": long}),
			"INVALID", "more than 10000 characters")
		refused(t, "an inline 20,000-character string", api.Do(t, coord, `{ citizens(where: {lastNameContains: "`+long[:20000]+`"}) { totalCount } }`, nil),
			"INVALID", "more than 10000 characters")
		ids := make([]string, 60_000)
		for i := range ids {
			ids[i] = fmt.Sprint(i + 1)
		}
		refused(t, "idIn of 60,000 ids", api.Do(t, coord, `query($ids: [ID!]) { citizens(where: {idIn: $ids}) { totalCount } }`, map[string]any{"ids": ids}),
			"INVALID", "more than 1000 items")
		refused(t, "nodes of 60,000 ids", api.Do(t, coord, `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": ids}),
			"INVALID", "more than 1000 items")
		// Strings and lists within the limits pass.
		api.MustDo(t, coord, create, map[string]any{"in": map[string]any{"name": strings.Repeat("x", 200), "address": "Via Roma 1"}}, nil)
		if r := api.Do(t, coord, `query($ids: [ID!]) { citizens(where: {idIn: $ids}) { totalCount } }`, map[string]any{"ids": ids[:1000]}); len(r.Errors) > 0 {
			t.Errorf("idIn of 1000 ids: %s", r.Body)
		}

		// An upload whose file name holds a NUL character, as is or
		// percent-encoded (RFC 2231).
		for _, name := range []string{`filename="schede` + "\x00" + `.csv"`, `filename*=UTF-8''schede%00.csv`} {
			r := api.Send(t, uploadNamed(t, coord, name))
			if r.Status >= 500 || r.Code() != "INVALID" || strings.HasPrefix(name, "filename*") && !strings.Contains(r.Errors[0].Message, "NUL") {
				t.Errorf("NUL in an upload's file name (%q): %d %s", name, r.Status, r.Body)
			}
		}
		if strings.Contains(api.Logs.String(), `"level":"ERROR"`) {
			t.Errorf("bad input logged an error: %s", api.Logs)
		}
	})
}

func postRaw(t *testing.T, api *apitest.API, token, body string) apitest.Response {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	return api.Send(t, req)
}

// uploadNamed is an import upload whose multipart header carries the file
// name parameter as given (mime/multipart would escape it).
func uploadNamed(t *testing.T, token, filename string) *http.Request {
	t.Helper()
	body := &bytes.Buffer{}
	mw := multipart.NewWriter(body)
	_ = mw.WriteField("operations", `{"query":"mutation($file: Upload!) { importIntakeCards(file: $file, dryRun: true) { accepted } }","variables":{"file":null}}`)
	_ = mw.WriteField("map", `{"0": ["variables.file"]}`)
	h := map[string][]string{"Content-Disposition": {`form-data; name="0"; ` + filename}, "Content-Type": {"text/csv"}}
	fw, _ := mw.CreatePart(h)
	_, _ = io.WriteString(fw, "a;b\n")
	_ = mw.Close()
	req := httptest.NewRequest(http.MethodPost, "/graphql", body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Apollo-Require-Preflight", "true")
	req.Header.Set("Authorization", "Bearer "+token)
	return req
}

// TestChunkedBodiesOverTheLimit: a body without Content-Length that runs
// past its limit answers 413 with a code, over a real connection, for a
// GraphQL request and for an upload.
func TestChunkedBodiesOverTheLimit(t *testing.T) {
	db := dbtest.Open(t, "sqlite3", database.Options{})
	api := apitest.New(t, db, func(o *server.Options) { o.MaxBodyBytes = 4096; o.MaxUploadBytes = 8192 })
	_, token := api.Operator(t, schematype.RoleCoordinator)
	ts := httptest.NewServer(api.Handler)
	defer ts.Close()
	send := func(contentType string, body io.Reader) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, ts.URL+"/graphql", body)
		req.Header.Set("Content-Type", contentType)
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Apollo-Require-Preflight", "true")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	// io.MultiReader hides the length: the client sends the body chunked.
	status, body := send("application/json", io.MultiReader(strings.NewReader(`{"query":"{ me { email } }","pad":"`+strings.Repeat("x", 10000)+`"}`)))
	if status != http.StatusRequestEntityTooLarge || !strings.Contains(body, `"code":"`) {
		t.Errorf("chunked GraphQL body: %d %s", status, body)
	}
	up := &bytes.Buffer{}
	mw := multipart.NewWriter(up)
	_ = mw.WriteField("operations", `{"query":"mutation($file: Upload!) { importIntakeCards(file: $file, dryRun: true) { accepted } }","variables":{"file":null}}`)
	_ = mw.WriteField("map", `{"0": ["variables.file"]}`)
	fw, _ := mw.CreateFormFile("0", "schede.csv")
	_, _ = fw.Write(bytes.Repeat([]byte("a;b\n"), 5000))
	_ = mw.Close()
	status, body = send(mw.FormDataContentType(), io.MultiReader(up))
	if status != http.StatusRequestEntityTooLarge || !strings.Contains(body, `"code":"`) {
		t.Errorf("chunked upload: %d %s", status, body)
	}
}

// TestCORSGrants: without CORS_ORIGINS no origin is granted anything, in
// a preflight or a simple request; with it, the allowed origin may send
// the headers Apollo Client and urql send and read the request id, the
// replay mark and a download's file name.
func TestCORSGrants(t *testing.T) {
	db := dbtest.Open(t, "sqlite3", database.Options{})
	const dashboard = "https://dashboard.comune.example.it"
	none := apitest.New(t, db)
	some := apitest.New(t, db, func(o *server.Options) { o.AllowedOrigins = []string{dashboard} })
	_, token := none.Operator(t, schematype.RoleCoordinator)
	preflight := func(h http.Handler, origin, headers string) http.Header {
		req := httptest.NewRequest(http.MethodOptions, "/graphql", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", headers)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Header()
	}
	simple := func(h http.Handler, origin string) http.Header {
		req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(`{"query":"{ me { email } }"}`))
		req.Header.Set("Origin", origin)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Header()
	}
	// Browsers send the names lower-case and sorted.
	apollo := "apollo-require-preflight,apollographql-client-name,apollographql-client-version,authorization,content-type,idempotency-key,x-request-id"
	for _, origin := range []string{dashboard, "https://evil.example.com"} {
		for what, h := range map[string]http.Header{"preflight": preflight(none.Handler, origin, apollo), "simple": simple(none.Handler, origin)} {
			if got := h.Get("Access-Control-Allow-Origin"); got != "" {
				t.Errorf("no CORS_ORIGINS, %s from %s: Allow-Origin %q", what, origin, got)
			}
		}
	}
	h := preflight(some.Handler, dashboard, apollo)
	if h.Get("Access-Control-Allow-Origin") != dashboard {
		t.Errorf("preflight with Apollo's headers: %v", h)
	}
	allowed := strings.ToLower(h.Get("Access-Control-Allow-Headers"))
	for _, want := range strings.Split(apollo, ",") {
		if !strings.Contains(allowed, want) {
			t.Errorf("Allow-Headers %q lacks %s", allowed, want)
		}
	}
	h = simple(some.Handler, dashboard)
	exposed := strings.ToLower(h.Get("Access-Control-Expose-Headers"))
	if h.Get("Access-Control-Allow-Origin") != dashboard {
		t.Errorf("simple request from the dashboard: %v", h)
	}
	for _, want := range []string{"x-request-id", "idempotent-replayed", "content-disposition"} {
		if !strings.Contains(exposed, want) {
			t.Errorf("Expose-Headers %q lacks %s", exposed, want)
		}
	}
	if got := simple(some.Handler, "https://evil.example.com").Get("Access-Control-Allow-Origin"); got != "" {
		t.Errorf("another origin granted %q", got)
	}
}
