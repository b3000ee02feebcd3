package server_test

import (
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"segretariato/ent/schema/schematype"
	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
	"segretariato/internal/invalidate"
	"segretariato/internal/server"
	"segretariato/internal/server/apitest"
	"segretariato/internal/wiring"
)

// TestAuthenticationCacheAcrossInstances: two instances on one database.
// On PostgreSQL each keeps the operators it has authenticated (a request
// then costs one statement less) until any instance changes an operator:
// the instance that changes it refuses a deactivated operator's next
// request at once, the other one as soon as the notification has come;
// and while an instance has lost its notifications it reads every
// operator again. On SQLite nothing is kept.
func TestAuthenticationCacheAcrossInstances(t *testing.T) {
	for _, kind := range dbtest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			url := dbtest.URL(t, kind)
			counter := &dbtest.Counter{}
			instance := func(opt database.Options) (*database.DB, *invalidate.Watcher, *apitest.API) {
				db := dbtest.OpenURL(t, kind, url, opt)
				w, err := wiring.WatchInvalidations(db, nil)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { w.Close() })
				return db, w, apitest.New(t, db, func(o *server.Options) { o.Invalidations = w })
			}
			a, wa, apiA := instance(database.Options{})
			_, wb, apiB := instance(database.Options{Driver: counter.Counting})
			postgres := kind == dialect.Postgres
			if (wa != nil) != postgres || (wb != nil) != postgres {
				t.Fatalf("watchers %v %v on %s", wa, wb, kind)
			}
			waitFor := func(what string, ok func() bool) {
				t.Helper()
				for deadline := time.Now().Add(10 * time.Second); !ok(); time.Sleep(5 * time.Millisecond) {
					if time.Now().After(deadline) {
						t.Fatalf("waited 10 s for %s", what)
					}
				}
			}
			live := func(w *invalidate.Watcher) func() bool {
				return func() bool { _, ok := w.Generation("operators"); return ok }
			}
			if postgres {
				waitFor("A to listen", live(wa))
				waitFor("B to listen", live(wb))
			}
			op, token := apiA.Operator(t, schematype.RoleCoordinator)
			const query = `{ needCategories(first: 1) { totalCount } }`
			statements := func(api *apitest.API) int {
				t.Helper()
				counter.Reset()
				if r := api.Do(t, token, query, nil); r.Code() != "" {
					t.Fatalf("refused: %s", r.Body)
				}
				return counter.Count()
			}
			// The creation's notification may reach B after its first
			// request: the second and third are served the same way.
			first := statements(apiB)
			second, third := statements(apiB), statements(apiB)
			if second != third || (postgres && second != first-1 && second != first) || (!postgres && second != first) {
				t.Fatalf("statements of three requests on B: %d %d %d", first, second, third)
			}
			if postgres && statements(apiB) != third {
				t.Fatal("B does not keep the operator")
			}
			cached := third
			if postgres {
				// The authentication of B is then free of statements:
				// it costs one again once the operator changes.
				gen, _ := wb.Generation("operators")
				if err := a.Client.Operator.UpdateOneID(op.ID).SetName("Renamed").Exec(sys(t)); err != nil {
					t.Fatal(err)
				}
				waitFor("B to hear of the rename", func() bool { g, _ := wb.Generation("operators"); return g != gen })
				if n := statements(apiB); n != cached+1 {
					t.Errorf("after a change of an operator B took %d statements, want %d (the operator read again)", n, cached+1)
				}
			}

			// Deactivation on A: A refuses at once, B once notified.
			gen, _ := wb.Generation("operators")
			if err := a.Client.Operator.UpdateOneID(op.ID).SetActive(false).Exec(sys(t)); err != nil {
				t.Fatal(err)
			}
			if r := apiA.Do(t, token, query, nil); r.Code() != "UNAUTHENTICATED" {
				t.Errorf("A after the deactivation: %s", r.Body)
			}
			if postgres {
				waitFor("B to hear of the deactivation", func() bool { g, _ := wb.Generation("operators"); return g != gen })
			}
			if r := apiB.Do(t, token, query, nil); r.Code() != "UNAUTHENTICATED" {
				t.Errorf("B after the deactivation: %s", r.Body)
			}
			if !postgres {
				return
			}

			// B loses its notifications: it reads every operator meanwhile,
			// and listens again by itself.
			if err := a.Client.Operator.UpdateOneID(op.ID).SetActive(true).Exec(sys(t)); err != nil {
				t.Fatal(err)
			}
			waitFor("B to hear of the reactivation", func() bool { return apiB.Do(t, token, query, nil).Code() == "" })
			if _, err := a.SQL.Exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN \"" + invalidate.Channel + "\"'"); err != nil {
				t.Fatal(err)
			}
			waitFor("B to notice the lost connection", func() bool { return !live(wb)() })
			if n, m := statements(apiB), statements(apiB); n != cached+1 || m != cached+1 {
				t.Errorf("without notifications B took %d and %d statements, want %d each (no cache)", n, m, cached+1)
			}
			waitFor("B to listen again", live(wb))
			statements(apiB)
			if n := statements(apiB); n != cached {
				t.Errorf("listening again, B took %d statements, want %d", n, cached)
			}
		})
	}
}
