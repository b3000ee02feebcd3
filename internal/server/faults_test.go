package server_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"segretariato/ent/contact"
	"segretariato/ent/schema/schematype"
	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
	"segretariato/internal/refdata"
	"segretariato/internal/server"
	"segretariato/internal/server/apitest"
	"segretariato/internal/wiring"
)

const secret = "s3cret-Pa55"

const createContactWithRef = `mutation($ref: String!, $n: ID!) { createContact(input: {contactRef: $ref, mainNeedID: $n,
	occurredAt: "2025-03-14T15:45:00Z", channel: IN_PERSON, requester: SELF, targetArea: ELDERLY,
	responses: [INFORMATION], outcome: INFORMED}) { id } }`

// wantFault checks that an answer failed as a whole with code and its
// status (503 with Retry-After for UNAVAILABLE), and that no driver or
// SQL text reached the client.
func wantFault(t *testing.T, what string, r apitest.Response, code string) {
	t.Helper()
	status := map[string]int{"UNAVAILABLE": 503, "TIMEOUT": 504, "OUTCOME_UNKNOWN": 504, "REQUEST_TIMEOUT": 408}[code]
	if r.Status != status || r.Code() != code {
		t.Errorf("%s: status %d code %q, want %d %s: %s", what, r.Status, r.Code(), status, code, r.Body)
	}
	if got := r.Header.Get("Retry-After"); (code == "UNAVAILABLE") != (got != "") {
		t.Errorf("%s: Retry-After %q", what, got)
	}
	body := strings.ToLower(string(r.Body))
	for _, leak := range []string{"pq", "driver", "sql", "bad connection", "transaction", "57p01", "terminat", "internal"} {
		if strings.Contains(body, leak) {
			t.Errorf("%s: the answer carries %q: %s", what, leak, r.Body)
		}
	}
}

func download(t *testing.T, api *apitest.API, token, path string) apitest.Response {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	return api.Send(t, req)
}

// TestDatabaseUnavailable: while the database cannot serve, every request
// answers 503 UNAVAILABLE with Retry-After, whether the failure comes from
// authentication, a resolver, a download or a transaction's begin, and the
// log keeps the cause; once the database is back the same handler serves
// again by itself. PostgreSQL: the test's own database is cut off
// (connections refused, backends terminated); SQLite: the write lock is
// held past the busy timeout.
func TestDatabaseUnavailable(t *testing.T) {
	for _, kind := range dbtest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			hook := &dbtest.Hooked{}
			var db *database.DB
			if kind == dialect.SQLite {
				db = dbtest.Open(t, kind, database.Options{Driver: hook.Hooking})
			} else {
				// With a password in the URL (trust authentication ignores
				// it), which the log must never show.
				u, err := url.Parse(dbtest.FreshPostgres(t))
				if err != nil {
					t.Fatal(err)
				}
				u.User = url.UserPassword(u.User.Username(), secret)
				if db, err = wiring.Open(t.Context(), u.String(), database.Options{Driver: hook.Hooking}); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				if _, err := refdata.Load(t.Context(), db.Client); err != nil {
					t.Fatal(err)
				}
			}
			api := apitest.New(t, db)
			_, token := api.Operator(t, schematype.RoleCoordinator)
			need := needID(t, api, token)
			mutation := func(ref string) apitest.Response {
				return api.Do(t, token, createContactWithRef, map[string]any{"ref": ref, "n": need})
			}
			if kind == dialect.SQLite {
				sqliteBusy(t, db, api, mutation)
			} else {
				postgresOutage(t, db, api, hook, token, mutation)
			}
			if n := db.Client.Contact.Query().Where(contact.ContactRefHasPrefix("OUT-")).CountX(sys(t)); n != 0 {
				t.Errorf("%d contacts of failed mutations were stored", n)
			}
			if r := mutation("BACK-1"); r.Status != 200 || len(r.Errors) > 0 {
				t.Errorf("after the fault: %d %s", r.Status, r.Body)
			}
		})
	}
}

func sqliteBusy(t *testing.T, db *database.DB, api *apitest.API, mutation func(string) apitest.Response) {
	conn, err := db.SQL.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(t.Context(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	wantFault(t, "a mutation while another writer holds the lock", mutation("OUT-1"), "UNAVAILABLE")
	if !strings.Contains(api.Logs.String(), "database is locked") {
		t.Errorf("the log lost the cause: %s", api.Logs)
	}
	if _, err := conn.ExecContext(t.Context(), "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
}

func postgresOutage(t *testing.T, db *database.DB, api *apitest.API, hook *dbtest.Hooked, token string, mutation func(string) apitest.Response) {
	out := dbtest.OutageOf(t, db)
	begin := func() {
		if err := out.Begin(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	end := func() {
		if err := out.End(context.Background()); err != nil {
			t.Fatal(err)
		}
	}

	begin()
	wantFault(t, "authentication", api.Do(t, token, `{ me { email } }`, nil), "UNAVAILABLE")
	wantFault(t, "a download", download(t, api, token, "/export/contacts.csv"), "UNAVAILABLE")
	wantFault(t, "a mutation", mutation("OUT-1"), "UNAVAILABLE")
	logs := api.Logs.String()
	if !strings.Contains(logs, `"code":"UNAVAILABLE"`) || !strings.Contains(logs, "accepting connections") {
		t.Errorf("the log lost the cause: %s", logs)
	}
	if strings.Contains(logs, secret) {
		t.Errorf("the log shows the database password: %s", logs)
	}
	end()
	start := time.Now()
	for r := api.Do(t, token, `{ me { email } }`, nil); r.Status != 200; r = api.Do(t, token, `{ me { email } }`, nil) {
		if time.Since(start) > 10*time.Second {
			t.Fatalf("the server did not recover by itself: %d %s", r.Status, r.Body)
		}
		time.Sleep(50 * time.Millisecond)
	}

	// Cut off after authentication: in a resolver, at a transaction's begin.
	hook.BeforeQuery(func(q string) bool { return strings.Contains(q, `FROM "contacts"`) }, begin)
	wantFault(t, "a resolver", api.Do(t, token, `{ contacts(first: 5) { totalCount } }`, nil), "UNAVAILABLE")
	end()
	hook.BeforeQuery(func(q string) bool { return strings.Contains(q, `FROM "contacts"`) }, begin)
	wantFault(t, "a download after authentication", download(t, api, token, "/export/contacts.csv"), "UNAVAILABLE")
	end()
	hook.BeforeTx(begin)
	wantFault(t, "a transaction's begin", mutation("OUT-2"), "UNAVAILABLE")
	end()
	if r := api.Do(t, token, `{ contacts(first: 5) { totalCount } }`, nil); r.Status != 200 || len(r.Errors) > 0 {
		t.Errorf("after the outage: %d %s", r.Status, r.Body)
	}
}

// TestCommitOutcomeUnknown: when the connection is lost between a
// mutation's work and the answer to its commit, the client gets
// OUTCOME_UNKNOWN (504) through the error presenter, never the driver's
// text, and the server goes on serving.
func TestCommitOutcomeUnknown(t *testing.T) {
	for _, kind := range dbtest.Kinds(t) {
		if kind != dialect.Postgres {
			continue // SQLite's commit is local: there is no connection to lose.
		}
		hook := &dbtest.Hooked{}
		db := dbtest.Open(t, kind, database.Options{Driver: hook.Hooking})
		api := apitest.New(t, db)
		_, token := api.Operator(t, schematype.RoleCoordinator)
		need := needID(t, api, token)
		out := dbtest.OutageOf(t, db)
		hook.BeforeCommit(func() {
			if err := out.Terminate(context.Background()); err != nil {
				t.Error(err)
			}
		})
		r := api.Do(t, token, createContactWithRef, map[string]any{"ref": "LOST-1", "n": need})
		wantFault(t, "a commit whose answer was lost", r, "OUTCOME_UNKNOWN")
		if len(r.Errors) != 1 || !strings.Contains(r.Errors[0].Message, "Idempotency-Key") {
			t.Errorf("the message does not say how to retry: %s", r.Body)
		}
		if !strings.Contains(api.Logs.String(), "OUTCOME_UNKNOWN") {
			t.Errorf("the log does not tell: %s", api.Logs)
		}
		if r := api.Do(t, token, createContactWithRef, map[string]any{"ref": "AFTER-1", "n": need}); r.Status != 200 || len(r.Errors) > 0 {
			t.Errorf("after the lost commit: %d %s", r.Status, r.Body)
		}
	}
}

// TestRequestDeadline: a read that waits for a lock ends at the request's
// deadline with TIMEOUT (504), and its statement is cancelled in the
// database, not left waiting.
func TestRequestDeadline(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		api := apitest.New(t, db, func(o *server.Options) { o.RequestTimeout = 700 * time.Millisecond })
		_, token := api.Operator(t, schematype.RoleCoordinator)
		need := needID(t, api, token)
		lock, err := db.SQL.Conn(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		defer lock.Close()
		var slow string
		var vars map[string]any
		if db.Dialect == dialect.Postgres {
			// Readers wait for an exclusive lock.
			slow = `{ contacts(first: 5) { totalCount } }`
			_, err = lock.ExecContext(t.Context(), "BEGIN; LOCK TABLE contacts IN ACCESS EXCLUSIVE MODE")
		} else {
			// SQLite readers never wait (WAL); a writer waits for the lock.
			slow, vars = createContactWithRef, map[string]any{"ref": "SLOW-1", "n": need}
			_, err = lock.ExecContext(t.Context(), "BEGIN IMMEDIATE")
		}
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		r := api.Do(t, token, slow, vars)
		took := time.Since(start)
		wantFault(t, "a request waiting past its deadline", r, "TIMEOUT")
		if took > 3*time.Second {
			t.Errorf("the request took %v, past its deadline of 700ms", took)
		}
		if db.Dialect == dialect.Postgres {
			var waiting int
			deadline := time.Now().Add(3 * time.Second)
			for {
				if err := lock.QueryRowContext(t.Context(), `SELECT count(*) FROM pg_stat_activity
					WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&waiting); err != nil {
					t.Fatal(err)
				}
				if waiting == 0 || time.Now().After(deadline) {
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
			if waiting != 0 {
				t.Errorf("%d statements still wait for the lock after the request ended", waiting)
			}
		}
		if _, err := lock.ExecContext(t.Context(), "ROLLBACK"); err != nil {
			t.Fatal(err)
		}
		if r := api.Do(t, token, slow, vars); r.Status != 200 || len(r.Errors) > 0 {
			t.Errorf("once the lock is gone: %d %s", r.Status, r.Body)
		}
	})
}
