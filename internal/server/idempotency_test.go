package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"segretariato/ent/idempotencykey"
	"segretariato/ent/schema/schematype"
	"segretariato/internal/apperr"
	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
	"segretariato/internal/idempotency"
	"segretariato/internal/refdata"
	"segretariato/internal/server"
	"segretariato/internal/server/apitest"
	"segretariato/internal/wiring"
)

// createContact records an anonymous contact: nothing in it is unique, so
// every execution adds a row.
const createContact = `mutation($n: ID!, $notes: String) { createContact(input: {mainNeedID: $n, occurredAt: "2025-03-14T15:45:00Z",
	channel: PHONE, requester: SELF, targetArea: ELDERLY, responses: [INFORMATION], outcome: INFORMED, notes: $notes}) { id notes } }`

// answer is an HTTP answer as the client sees it.
type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a answer) replayed() bool { return a.header.Get(idempotency.ReplayedHeader) == "true" }

func (a answer) code() string {
	var r apitest.Response
	_ = json.Unmarshal(a.body, &r)
	return r.Code()
}

// post sends a raw GraphQL body with an Idempotency-Key (none when key is
// empty) to the handler.
func post(t testing.TB, h http.Handler, token, key, body string) answer {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	if key != "" {
		req.Header.Set(idempotency.Header, key)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	b, _ := io.ReadAll(rec.Result().Body)
	return answer{status: rec.Code, header: rec.Result().Header, body: b}
}

// contactBody is the JSON body of createContact with these notes.
func contactBody(t testing.TB, need, notes string) string {
	t.Helper()
	b, err := json.Marshal(map[string]any{"query": createContact, "variables": map[string]any{"n": need, "notes": notes}})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func needID(t testing.TB, api *apitest.API, token string) string {
	t.Helper()
	var need struct {
		NeedCategories struct {
			Edges []struct{ Node struct{ ID string } }
		} `json:"needCategories"`
	}
	api.MustDo(t, token, `{ needCategories(where: {code: "CARE_HOME"}) { edges { node { id } } } }`, nil, &need)
	return need.NeedCategories.Edges[0].Node.ID
}

func countContacts(t *testing.T, db *database.DB) int {
	t.Helper()
	return db.Client.Contact.Query().CountX(sys(t))
}

func TestIdempotencyKey(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		api := apitest.New(t, db)
		_, coord := api.Operator(t, schematype.RoleCoordinator)
		_, coord2 := api.Operator(t, schematype.RoleCoordinator)
		need := needID(t, api, coord)
		body := contactBody(t, need, "prima telefonata")

		t.Run("a document over the token limit claims no key", func(t *testing.T) {
			before := countContacts(t, db)
			big := `mutation($n: ID!, $notes: String) { createContact(input: {mainNeedID: $n, occurredAt: "2025-03-14T15:45:00Z",
	channel: PHONE, requester: SELF, targetArea: ELDERLY, responses: [INFORMATION], outcome: INFORMED, notes: $notes}) { id` +
				strings.Repeat(" __typename", server.DefaultMaxTokens) + ` } }`
			b, err := json.Marshal(map[string]any{"query": big, "variables": map[string]any{"n": need}})
			if err != nil {
				t.Fatal(err)
			}
			a := post(t, api.Handler, coord, "k-too-big", string(b))
			if a.code() != "INVALID" {
				t.Errorf("a document over the token limit: %d %s, want INVALID", a.status, a.body)
			}
			if db.Client.IdempotencyKey.Query().Where(idempotencykey.Key("k-too-big")).ExistX(sys(t)) || countContacts(t, db) != before {
				t.Error("a refused document claimed its key or wrote")
			}
		})

		t.Run("retry replays the first answer and writes once", func(t *testing.T) {
			before := countContacts(t, db)
			first := post(t, api.Handler, coord, "k-replay", body)
			if first.status != http.StatusOK || first.replayed() || strings.Contains(string(first.body), `"errors"`) {
				t.Fatalf("first: %d %v %s", first.status, first.header, first.body)
			}
			// The same request, its variables written in another order.
			same := `{"variables":{"notes":"prima telefonata","n":"` + need + `"},"query":` + mustJSON(t, createContact) + `}`
			for _, b := range []string{body, same} {
				again := post(t, api.Handler, coord, "k-replay", b)
				if again.status != first.status || !bytes.Equal(again.body, first.body) {
					t.Fatalf("retry: %d %s, want %d %s", again.status, again.body, first.status, first.body)
				}
				if !again.replayed() || again.header.Get("Content-Type") != first.header.Get("Content-Type") {
					t.Errorf("retry headers %v", again.header)
				}
			}
			if n := countContacts(t, db) - before; n != 1 {
				t.Errorf("%d contacts created, want 1", n)
			}
			// Without a key, the same request runs again.
			post(t, api.Handler, coord, "", body)
			if n := countContacts(t, db) - before; n != 2 {
				t.Errorf("%d contacts after a request without key, want 2", n)
			}
		})

		t.Run("a persisted query's retry by hash alone replays", func(t *testing.T) {
			before := countContacts(t, db)
			sum := sha256.Sum256([]byte(createContact))
			ext := `"extensions":{"persistedQuery":{"version":1,"sha256Hash":"` + hex.EncodeToString(sum[:]) + `"}}`
			vars := `"variables":{"n":"` + need + `","notes":"persistita"}`
			first := post(t, api.Handler, coord, "k-apq", `{"query":`+mustJSON(t, createContact)+`,`+vars+`,`+ext+`}`)
			again := post(t, api.Handler, coord, "k-apq", `{`+vars+`,`+ext+`}`)
			if first.status != 200 || first.code() != "" || !again.replayed() || !bytes.Equal(again.body, first.body) {
				t.Fatalf("first %d %s; by hash %v %s", first.status, first.body, again.header, again.body)
			}
			if n := countContacts(t, db) - before; n != 1 {
				t.Errorf("%d contacts created, want 1", n)
			}
		})

		t.Run("another request with the key is refused", func(t *testing.T) {
			post(t, api.Handler, coord, "k-reuse", body)
			before := countContacts(t, db)
			a := post(t, api.Handler, coord, "k-reuse", contactBody(t, need, "altra telefonata"))
			if a.status != http.StatusUnprocessableEntity || a.code() != idempotency.CodeReused {
				t.Fatalf("got %d %s, want 422 %s", a.status, a.body, idempotency.CodeReused)
			}
			if countContacts(t, db) != before {
				t.Error("the refused request created a contact")
			}
		})

		t.Run("keys are the operator's", func(t *testing.T) {
			before := countContacts(t, db)
			a := post(t, api.Handler, coord, "k-shared", body)
			b := post(t, api.Handler, coord2, "k-shared", body)
			if a.status != 200 || b.status != 200 || b.replayed() || bytes.Equal(a.body, b.body) {
				t.Fatalf("operator 1: %d %s; operator 2: %d %v %s", a.status, a.body, b.status, b.header, b.body)
			}
			if n := countContacts(t, db) - before; n != 2 {
				t.Errorf("%d contacts created, want one per operator", n)
			}
		})

		t.Run("expired key runs again", func(t *testing.T) {
			before := countContacts(t, db)
			first := post(t, api.Handler, coord, "k-expired", body)
			db.Client.IdempotencyKey.Update().Where(idempotencykey.Key("k-expired")).
				SetExpiresAt(time.Now().Add(-time.Second)).ExecX(sys(t))
			again := post(t, api.Handler, coord, "k-expired", body)
			if again.status != 200 || again.replayed() || bytes.Equal(again.body, first.body) {
				t.Fatalf("after expiry: %d %v %s", again.status, again.header, again.body)
			}
			if n := countContacts(t, db) - before; n != 2 {
				t.Errorf("%d contacts created, want 2", n)
			}
			// And the new answer is kept for the next retry.
			if third := post(t, api.Handler, coord, "k-expired", body); !third.replayed() || !bytes.Equal(third.body, again.body) {
				t.Errorf("third: %v %s", third.header, third.body)
			}
		})

		t.Run("sweep deletes expired keys only", func(t *testing.T) {
			post(t, api.Handler, coord, "k-sweep", body)
			db.Client.IdempotencyKey.Update().Where(idempotencykey.Key("k-sweep")).
				SetExpiresAt(time.Now().Add(-time.Second)).ExecX(sys(t))
			n, err := idempotency.New(db.Client, 0, nil).Sweep(t.Context())
			if err != nil || n != 1 {
				t.Fatalf("sweep: %d, %v; want 1 row", n, err)
			}
			if !db.Client.IdempotencyKey.Query().Where(idempotencykey.Key("k-replay")).ExistX(sys(t)) {
				t.Error("sweep deleted a live key")
			}
		})

		t.Run("malformed keys", func(t *testing.T) {
			for name, key := range map[string]string{
				"empty":         `""`,
				"blank":         `   `,
				"too long":      strings.Repeat("k", idempotency.MaxKeyLen+1),
				"control":       "k\x01ey",
				"not ASCII":     "chiave-è",
				"broken quotes": `"a"b"`,
			} {
				a := post(t, api.Handler, coord, key, body)
				if a.status != http.StatusBadRequest || a.code() != idempotency.CodeInvalid {
					t.Errorf("%s: %d %s, want 400 %s", name, a.status, a.body, idempotency.CodeInvalid)
				}
			}
			// The draft's form, a quoted string, names the same key as bare.
			a := post(t, api.Handler, coord, `"k-quoted"`, body)
			b := post(t, api.Handler, coord, `k-quoted`, body)
			if a.status != 200 || !b.replayed() || !bytes.Equal(a.body, b.body) {
				t.Errorf("quoted then bare: %d, %v %s", a.status, b.header, b.body)
			}
			long := strings.Repeat("k", idempotency.MaxKeyLen)
			if a := post(t, api.Handler, coord, long, body); a.status != 200 {
				t.Errorf("a key of %d characters: %d %s", idempotency.MaxKeyLen, a.status, a.body)
			}
		})

		t.Run("keys on queries are ignored", func(t *testing.T) {
			q := `{"query":"{ me { email } }"}`
			for range 2 {
				if a := post(t, api.Handler, coord, "k-query", q); a.status != 200 || a.replayed() {
					t.Fatalf("query: %d %v %s", a.status, a.header, a.body)
				}
			}
			if db.Client.IdempotencyKey.Query().Where(idempotencykey.Key("k-query")).ExistX(sys(t)) {
				t.Error("a query claimed its key")
			}
			if a := post(t, api.Handler, coord, "k-query", body); a.status != 200 || a.replayed() {
				t.Errorf("the key is free for a mutation: %d %s", a.status, a.body)
			}
		})

		t.Run("deterministic errors are replayed, others run again", func(t *testing.T) {
			invalid := `{"query":"mutation { createCitizen(input: {fiscalCode: \"NOTAFISCALCODE\", firstName: \"A\", lastName: \"B\", privacyConsent: true}) { id } }"}`
			first := post(t, api.Handler, coord, "k-invalid", invalid)
			again := post(t, api.Handler, coord, "k-invalid", invalid)
			if first.code() != "INVALID" || !again.replayed() || !bytes.Equal(first.body, again.body) {
				t.Errorf("INVALID: %s then %v %s", first.body, again.header, again.body)
			}
			// NOT_FOUND can change (the record may appear): not stored.
			missing := `{"query":"mutation { updateContact(id: \"4294999999\", version: 1, input: {notes: \"x\"}) { id } }"}`
			first = post(t, api.Handler, coord, "k-missing", missing)
			again = post(t, api.Handler, coord, "k-missing", missing)
			if first.code() == "" || first.code() == "INVALID" || first.code() == "CONFLICT" || again.replayed() {
				t.Errorf("%s: %s then %v %s", first.code(), first.body, again.header, again.body)
			}
			if db.Client.IdempotencyKey.Query().Where(idempotencykey.Key("k-missing")).ExistX(sys(t)) {
				t.Error("an answer that may change was stored")
			}
		})

		t.Run("concurrent requests with one key run once", func(t *testing.T) {
			before := countContacts(t, db)
			const n = 6
			answers := make([]answer, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() { answers[i] = post(t, api.Handler, coord, "k-race", body) })
			}
			wg.Wait()
			var ran int
			var first []byte
			for _, a := range answers {
				switch {
				case a.status == http.StatusConflict:
					if a.code() != idempotency.CodeInUse || a.header.Get("Retry-After") == "" {
						t.Errorf("409 without its code or Retry-After: %v %s", a.header, a.body)
					}
				case a.status == 200 && !a.replayed():
					ran++
					first = a.body
				case a.status != 200:
					t.Errorf("unexpected answer %d %s", a.status, a.body)
				}
			}
			for _, a := range answers {
				if a.replayed() && !bytes.Equal(a.body, first) {
					t.Errorf("replay %s differs from the answer %s", a.body, first)
				}
			}
			if ran != 1 {
				t.Errorf("%d executions, want 1", ran)
			}
			if got := countContacts(t, db) - before; got != 1 {
				t.Errorf("%d contacts created, want 1", got)
			}
		})

		t.Run("no operator reads the stored answers", func(t *testing.T) {
			ctx := context.Background()
			if _, err := db.Client.IdempotencyKey.Query().All(ctx); err == nil {
				t.Error("the stored answers were read without the system context")
			}
			a := api.Do(t, coord, `{ idempotencyKeys { totalCount } }`, nil)
			if len(a.Errors) == 0 {
				t.Errorf("idempotencyKeys is in the schema: %s", a.Body)
			}
		})
	})
}

// TestIdempotencyKeyOnUpload: an import's retry, with another multipart
// boundary, replays the first answer; another file with the key is refused.
func TestIdempotencyKeyOnUpload(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		api := apitest.New(t, db)
		sampleOperators(t, db)
		_, coord := api.Operator(t, schematype.RoleCoordinator)
		content := readSample(t, "intake-sample.csv")
		upload := func(key string, content []byte) answer {
			req := apitest.UploadRequest(t, coord, importMutation, map[string]any{"dry": false}, "file", "schede.csv", content)
			req.Header.Set(idempotency.Header, key)
			rec := httptest.NewRecorder()
			api.Handler.ServeHTTP(rec, req)
			return answer{status: rec.Code, header: rec.Result().Header, body: rec.Body.Bytes()}
		}
		first := upload("k-import", content)
		if first.status != 200 || first.code() != "" || !strings.Contains(string(first.body), `"contactsCreated":600`) {
			t.Fatalf("import: %d %.300s", first.status, first.body)
		}
		again := upload("k-import", content)
		if !again.replayed() || !bytes.Equal(again.body, first.body) {
			t.Errorf("retry: %v %.300s", again.header, again.body)
		}
		other := upload("k-import", append(bytes.Clone(content), content[len(content)-40:]...))
		if other.status != http.StatusUnprocessableEntity || other.code() != idempotency.CodeReused {
			t.Errorf("another file: %d %s", other.status, other.body)
		}
		if n := countContacts(t, db); n != 600 {
			t.Errorf("%d contacts, want 600", n)
		}
	})
}

// TestIdempotencyAcrossInstances runs two handlers, each with its own
// pool, on one database: a retry on the second gets the first's answer.
func TestIdempotencyAcrossInstances(t *testing.T) {
	for _, kind := range dbtest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			rawURL := "sqlite:" + filepath.Join(t.TempDir(), "shared.db")
			if kind == dialect.Postgres {
				rawURL = dbtest.FreshPostgres(t)
			}
			open := func() *database.DB {
				db, err := wiring.Open(t.Context(), rawURL, database.Options{})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				if _, err := refdata.Load(t.Context(), db.Client); err != nil {
					t.Fatal(err)
				}
				return db
			}
			db1, db2 := open(), open()
			api1, api2 := apitest.New(t, db1), apitest.New(t, db2)
			_, coord := api1.Operator(t, schematype.RoleCoordinator)
			body := contactBody(t, needID(t, api1, coord), "due istanze")
			first := post(t, api1.Handler, coord, "k-instances", body)
			again := post(t, api2.Handler, coord, "k-instances", body)
			if first.status != 200 || !again.replayed() || !bytes.Equal(first.body, again.body) {
				t.Fatalf("first %d %s; retry on the other instance %v %s", first.status, first.body, again.header, again.body)
			}
			if n := countContacts(t, db2); n != 1 {
				t.Errorf("%d contacts, want 1", n)
			}
		})
	}
}

// TestIdempotencyWhileLocked holds the contacts table locked so that a
// mutation waits mid-flight: a retry meanwhile gets 409; a timed-out
// answer is not stored, so the retry really runs; and a claim abandoned
// long enough to be taken over never lets both requests write. (SQLite
// has no table lock that would leave the keys' own table free: these run
// on PostgreSQL.)
func TestIdempotencyWhileLocked(t *testing.T) {
	for _, kind := range dbtest.Kinds(t) {
		if kind != dialect.Postgres {
			continue
		}
		rawURL := dbtest.FreshPostgres(t)
		db, err := wiring.Open(t.Context(), rawURL, database.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := refdata.Load(t.Context(), db.Client); err != nil {
			t.Fatal(err)
		}
		api := apitest.New(t, db)
		_, coord := api.Operator(t, schematype.RoleCoordinator)
		body := contactBody(t, needID(t, api, coord), "in attesa")
		locker, err := sql.Open("postgres", rawURL)
		if err != nil {
			t.Fatal(err)
		}
		defer locker.Close()
		lock := func(t *testing.T) (unlock func()) {
			tx, err := locker.Begin()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := tx.Exec("LOCK TABLE contacts IN ACCESS EXCLUSIVE MODE"); err != nil {
				t.Fatal(err)
			}
			return func() { _ = tx.Rollback() }
		}
		// inFlight sends the request in the background and returns once
		// its key is claimed.
		inFlight := func(t *testing.T, key string) <-chan answer {
			ch := make(chan answer, 1)
			go func() { ch <- post(t, api.Handler, coord, key, body) }()
			for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
				if db.Client.IdempotencyKey.Query().Where(idempotencykey.Key(key)).ExistX(sys(t)) {
					return ch
				}
				if time.Now().After(deadline) {
					t.Fatal("the key was never claimed")
				}
			}
		}

		t.Run("a retry while the first runs gets 409", func(t *testing.T) {
			before := countContacts(t, db)
			unlock := lock(t)
			first := inFlight(t, "k-busy")
			busy := post(t, api.Handler, coord, "k-busy", body)
			unlock()
			done := <-first
			if busy.status != http.StatusConflict || busy.code() != idempotency.CodeInUse {
				t.Errorf("while in flight: %d %s, want 409 %s", busy.status, busy.body, idempotency.CodeInUse)
			}
			if again := post(t, api.Handler, coord, "k-busy", body); done.status != 200 || !again.replayed() || !bytes.Equal(again.body, done.body) {
				t.Errorf("first %d %s; retry after it %v %s", done.status, done.body, again.header, again.body)
			}
			if n := countContacts(t, db) - before; n != 1 {
				t.Errorf("%d contacts created, want 1", n)
			}
		})

		t.Run("a timed-out answer is not stored", func(t *testing.T) {
			before := countContacts(t, db)
			unlock := lock(t)
			ctx, cancel := context.WithTimeout(t.Context(), 500*time.Millisecond)
			req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/graphql", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+coord)
			req.Header.Set(idempotency.Header, "k-timeout")
			timedOut := api.Send(t, req)
			cancel()
			unlock()
			if timedOut.Code() != string(apperr.Timeout) {
				t.Fatalf("while locked: %d %s, want a %s error", timedOut.Status, timedOut.Body, apperr.Timeout)
			}
			if db.Client.IdempotencyKey.Query().Where(idempotencykey.Key("k-timeout")).ExistX(sys(t)) {
				t.Error("the timed-out answer was stored")
			}
			retry := post(t, api.Handler, coord, "k-timeout", body)
			if retry.status != 200 || retry.replayed() || retry.code() != "" {
				t.Errorf("retry: %d %v %s", retry.status, retry.header, retry.body)
			}
			if n := countContacts(t, db) - before; n != 1 {
				t.Errorf("%d contacts created, want 1", n)
			}
		})

		t.Run("an abandoned claim taken over writes once", func(t *testing.T) {
			before := countContacts(t, db)
			unlock := lock(t)
			first := inFlight(t, "k-abandoned")
			// As if its server had stopped long ago: the key is free again.
			if _, err := db.SQL.Exec("UPDATE idempotency_keys SET created_at = $1 WHERE key = 'k-abandoned'", time.Now().Add(-time.Hour).UTC()); err != nil {
				t.Fatal(err)
			}
			second := make(chan answer, 1)
			go func() { second <- post(t, api.Handler, coord, "k-abandoned", body) }()
			for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
				k := db.Client.IdempotencyKey.Query().Where(idempotencykey.Key("k-abandoned")).FirstX(sys(t))
				if k != nil && k.CreatedAt.After(time.Now().Add(-time.Minute)) {
					break // the second request holds the key now
				}
				if time.Now().After(deadline) {
					t.Fatal("the abandoned key was never taken over")
				}
			}
			unlock()
			a, b := <-first, <-second
			if a.code() != "INTERNAL" || b.status != 200 || b.replayed() || b.code() != "" {
				t.Errorf("first %d %s; second %d %s", a.status, a.body, b.status, b.body)
			}
			if n := countContacts(t, db) - before; n != 1 {
				t.Errorf("%d contacts created, want 1", n)
			}
			if again := post(t, api.Handler, coord, "k-abandoned", body); !again.replayed() || !bytes.Equal(again.body, b.body) {
				t.Errorf("retry: %v %s, want the second's answer", again.header, again.body)
			}
		})
	}
}

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
