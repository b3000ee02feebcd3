package server_test

import (
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"segretariato/ent/needcategory"
	"segretariato/ent/schema/schematype"
	"segretariato/ent/service"
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
// instance is one server instance on a database: its handle, its
// Watcher (nil on SQLite) and its handler.
type instance struct {
	db  *database.DB
	w   *invalidate.Watcher
	api *apitest.API
}

// twoInstances opens two instances on one fresh database, B's statements
// counted, and waits until both listen for the notifications.
func twoInstances(t *testing.T, kind string, counter *dbtest.Counter) (a, b instance) {
	url := dbtest.URL(t, kind)
	open := func(opt database.Options) instance {
		db := dbtest.OpenURL(t, kind, url, opt)
		w, err := wiring.WatchInvalidations(db, url, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { w.Close() })
		return instance{db, w, apitest.New(t, db, func(o *server.Options) { o.Invalidations = w })}
	}
	a, b = open(database.Options{}), open(database.Options{Driver: counter.Counting})
	postgres := kind == dialect.Postgres
	if (a.w != nil) != postgres || (b.w != nil) != postgres {
		t.Fatalf("watchers %v %v on %s", a.w, b.w, kind)
	}
	if postgres {
		waitFor(t, "A to listen", live(a.w))
		waitFor(t, "B to listen", live(b.w))
	}
	return a, b
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !ok(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("waited 10 s for %s", what)
		}
	}
}

func live(w *invalidate.Watcher) func() bool {
	return func() bool { _, ok := w.Generation("operators"); return ok }
}

// moved reports, once called, whether table's generation in w has moved
// since moved was made.
func moved(w *invalidate.Watcher, table string) func() bool {
	gen, _ := w.Generation(table)
	return func() bool { g, _ := w.Generation(table); return g != gen }
}

// heard returns a wait, once called, for w to hear of a change of table
// made since heard was called; nothing to wait for without a Watcher
// (SQLite).
func heard(t *testing.T, w *invalidate.Watcher, table string) func(what string) {
	if w == nil {
		return func(string) {}
	}
	m := moved(w, table)
	return func(what string) { t.Helper(); waitFor(t, what, m) }
}

func TestAuthenticationCacheAcrossInstances(t *testing.T) {
	for _, kind := range dbtest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			counter := &dbtest.Counter{}
			ia, ib := twoInstances(t, kind, counter)
			a, apiA, wb, apiB := ia.db, ia.api, ib.w, ib.api
			postgres := kind == dialect.Postgres
			waitFor := func(what string, ok func() bool) { t.Helper(); waitFor(t, what, ok) }
			created := heard(t, wb, "operators")
			op, token := apiA.Operator(t, schematype.RoleCoordinator)
			// B hears of the creation before it is asked: a notification
			// that came between two of the requests below would make B read
			// the operator again, whatever its cache.
			created("B to hear of the creation")
			const query = `{ needCategories(first: 1) { totalCount } }`
			statements := func(api *apitest.API) int {
				t.Helper()
				counter.Reset()
				if r := api.Do(t, token, query, nil); r.Code() != "" {
					t.Fatalf("refused: %s", r.Body)
				}
				return counter.Count()
			}
			// B's first request reads the operator, the next ones keep it.
			first := statements(apiB)
			second, third := statements(apiB), statements(apiB)
			if second != third || (postgres && second != first-1) || (!postgres && second != first) {
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

// TestReferenceDataCacheAcrossInstances: a page of contacts reads its main
// needs and its referrals' services from the reference data's cache on
// PostgreSQL (no statement for them), and a rename of a need category or
// a service on one instance shows on the other once notified. On SQLite
// each request reads each table once.
func TestReferenceDataCacheAcrossInstances(t *testing.T) {
	for _, kind := range dbtest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			counter := &dbtest.Counter{}
			a, b := twoInstances(t, kind, counter)
			postgres := kind == dialect.Postgres
			created := heard(t, b.w, "operators")
			_, token := a.api.Operator(t, schematype.RoleCoordinator)
			created("B to hear of the creation") // as in the authentication's test
			need := a.db.Client.NeedCategory.Query().Where(needcategory.Code("ECO_INCOME")).OnlyX(sys(t))
			svc := a.db.Client.Service.Query().Where(service.Code("SSP")).OnlyX(sys(t))
			cit := a.db.Client.Citizen.Create().SetFirstName("Anna").SetLastName("Bianchi").SaveX(sys(t))
			op := a.db.Client.Operator.Query().FirstX(sys(t))
			for range 3 {
				con := a.db.Client.Contact.Create().SetOccurredAt(time.Now().Add(-time.Hour)).SetChannel(schematype.ChannelInPerson).
					SetRequester(schematype.RequesterSelf).SetTargetArea(schematype.TargetAreaAdults).
					SetResponses([]schematype.Response{schematype.ResponseInformation}).SetOutcome(schematype.OutcomeReferredInternal).
					SetOperator(op).SetCitizen(cit).SetMainNeedID(need.ID).SaveX(sys(t))
				a.db.Client.Referral.Create().SetContact(con).SetService(svc).SetProposedAt(time.Now()).SaveX(sys(t))
			}
			const page = `{ contacts(first: 10) { edges { node { id mainNeed { code labelIt } referrals { service { code name } } } } } }`
			var out struct {
				Contacts struct {
					Edges []struct {
						Node struct {
							MainNeed  struct{ Code, LabelIt string }
							Referrals []struct{ Service struct{ Code, Name string } }
						}
					}
				}
			}
			read := func(api *apitest.API) int {
				t.Helper()
				counter.Reset()
				api.MustDo(t, token, page, nil, &out)
				if len(out.Contacts.Edges) != 3 {
					t.Fatalf("%d contacts", len(out.Contacts.Edges))
				}
				return counter.Count()
			}
			read(b.api)
			read(b.api)
			n := read(b.api) // the operator and both tables kept, on PostgreSQL
			first := out.Contacts.Edges[0].Node
			if first.MainNeed.Code != "ECO_INCOME" || first.Referrals[0].Service.Code != "SSP" {
				t.Fatalf("page: %+v", first)
			}
			if !postgres && n < 2 {
				t.Fatalf("SQLite page in %d statements", n)
			}

			// Renames on A reach B.
			gens := []func() bool{}
			if postgres {
				gens = append(gens, moved(b.w, "need_categories"), moved(b.w, "services"))
			}
			a.db.Client.NeedCategory.UpdateOneID(need.ID).SetLabelIt("Reddito (rinominato)").ExecX(sys(t))
			a.db.Client.Service.UpdateOneID(svc.ID).SetName("Servizio sociale (rinominato)").ExecX(sys(t))
			for _, g := range gens {
				waitFor(t, "B to hear of the renames", g)
			}
			m := read(b.api)
			if first := out.Contacts.Edges[0].Node; first.MainNeed.LabelIt != "Reddito (rinominato)" || first.Referrals[0].Service.Name != "Servizio sociale (rinominato)" {
				t.Errorf("B after the renames: %+v", first)
			}
			if postgres && m != n+2 {
				t.Errorf("B read the renamed tables in %d statements, want %d (both tables once more)", m, n+2)
			}
			if k := read(b.api); k != n {
				t.Errorf("the page then takes %d statements, want %d", k, n)
			}
		})
	}
}
