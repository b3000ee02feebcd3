package graph_test

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"segretariato/ent"
	"segretariato/ent/auditevent"
	"segretariato/ent/needcategory"
	"segretariato/ent/schema/schematype"
	"segretariato/ent/service"
	"segretariato/internal/audit"
	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
	"segretariato/internal/server"
	"segretariato/internal/server/apitest"
	"segretariato/internal/wiring"
)

// caseList is a social worker's case list: contacts in a date range,
// filtered by operator, target area, need, outcome and referral status,
// newest first, with citizen, needs and referrals.
const caseList = `query($op: ID!, $from: Time!, $to: Time!, $first: Int) {
  contacts(first: $first, orderBy: [{field: OCCURRED_AT, direction: DESC}], where: {
    occurredAtGTE: $from, occurredAtLT: $to,
    hasOperatorWith: {id: $op},
    targetAreaIn: [ADULTS, ELDERLY],
    hasNeedsWith: {codeIn: ["ECO_INCOME", "HOU_EVICTION"]},
    outcomeIn: [REFERRED_INTERNAL, REFERRED_EXTERNAL],
    hasReferralsWith: {statusIn: [PROPOSED, ACCEPTED]}
  }) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node {
      id occurredAt targetArea outcome firstContact
      citizen { id firstName lastName fiscalCode }
      mainNeed { code labelIt }
      needs { code }
      referrals { status service { code name } }
    } }
  }
}`

type caseListOut struct {
	Contacts struct {
		TotalCount int `json:"totalCount"`
		Edges      []struct {
			Node struct {
				ID         string `json:"id"`
				OccurredAt string `json:"occurredAt"`
				TargetArea string `json:"targetArea"`
				Citizen    *struct {
					ID string `json:"id"`
				} `json:"citizen"`
				Needs     []struct{ Code string } `json:"needs"`
				Referrals []struct {
					Status  string `json:"status"`
					Service struct{ Code string }
				} `json:"referrals"`
			} `json:"node"`
		} `json:"edges"`
	} `json:"contacts"`
}

// seedCases writes n matching contacts for op (each with a citizen, two
// needs and a referral) plus contacts that each miss one filter.
func seedCases(t *testing.T, c *ent.Client, op *ent.Operator, other *ent.Operator, n int) {
	t.Helper()
	ctx := sys(t)
	needs := map[string]int{}
	for _, nc := range c.NeedCategory.Query().Where(needcategory.CodeIn("ECO_INCOME", "HOU_EVICTION", "CARE_HOME")).AllX(ctx) {
		needs[nc.Code] = nc.ID
	}
	ssp := c.Service.Query().Where(service.Code("SSP")).OnlyX(ctx)
	base := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	mk := func(i int, who *ent.Operator, area schematype.TargetArea, need string, outcome schematype.Outcome, status schematype.ReferralStatus, at time.Time) {
		cit := c.Citizen.Create().SetFirstName(fmt.Sprintf("Nome%d", i)).SetLastName("Cognome").SetHolder(who).SaveX(ctx)
		con := c.Contact.Create().SetOccurredAt(at).SetChannel(schematype.ChannelInPerson).
			SetRequester(schematype.RequesterSelf).SetTargetArea(area).
			SetResponses([]schematype.Response{schematype.ResponseInformation}).SetOutcome(outcome).
			SetOperator(who).SetCitizen(cit).SetMainNeedID(needs[need]).AddNeedIDs(needs["CARE_HOME"]).SaveX(ctx)
		c.Referral.Create().SetContact(con).SetService(ssp).SetStatus(status).SetProposedAt(at).SaveX(ctx)
	}
	for i := 0; i < n; i++ {
		need := "ECO_INCOME"
		if i%2 == 1 {
			need = "HOU_EVICTION"
		}
		mk(i, op, schematype.TargetAreaAdults, need, schematype.OutcomeReferredInternal, schematype.ReferralStatusProposed, base.Add(time.Duration(i)*time.Hour))
	}
	// One miss per filter.
	mk(1000, other, schematype.TargetAreaAdults, "ECO_INCOME", schematype.OutcomeReferredInternal, schematype.ReferralStatusProposed, base)
	mk(1001, op, schematype.TargetAreaDisability, "ECO_INCOME", schematype.OutcomeReferredInternal, schematype.ReferralStatusProposed, base)
	mk(1002, op, schematype.TargetAreaAdults, "CARE_HOME", schematype.OutcomeReferredInternal, schematype.ReferralStatusProposed, base)
	mk(1003, op, schematype.TargetAreaAdults, "ECO_INCOME", schematype.OutcomeInformed, schematype.ReferralStatusProposed, base)
	mk(1004, op, schematype.TargetAreaAdults, "ECO_INCOME", schematype.OutcomeReferredInternal, schematype.ReferralStatusCompleted, base)
	mk(1005, op, schematype.TargetAreaAdults, "ECO_INCOME", schematype.OutcomeReferredInternal, schematype.ReferralStatusProposed, base.AddDate(1, 0, 0))
}

func TestCaseListFiltersAndStatementCount(t *testing.T) {
	for _, kind := range dbtest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			counter := &dbtest.Counter{}
			db := dbtest.Open(t, kind, database.Options{Driver: counter.Counting})
			api := apitest.New(t, db)
			op, token := api.Operator(t, schematype.RoleSocialWorker)
			other, _ := api.Operator(t, schematype.RoleSocialWorker)
			const matching = 60
			seedCases(t, db.Client, op, other, matching)
			vars := map[string]any{"op": fmt.Sprint(op.ID), "from": "2025-01-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"}

			var statements []int
			for _, first := range []int{1, 10, 50} {
				vars["first"] = first
				var out caseListOut
				counter.Reset()
				api.MustDo(t, token, caseList, vars, &out)
				statements = append(statements, counter.Count())
				c := out.Contacts
				if c.TotalCount != matching {
					t.Errorf("first %d: totalCount %d, want %d", first, c.TotalCount, matching)
				}
				if len(c.Edges) != first {
					t.Fatalf("first %d: %d rows", first, len(c.Edges))
				}
				for i, e := range c.Edges {
					if e.Node.Citizen == nil || len(e.Node.Needs) != 2 || len(e.Node.Referrals) != 1 {
						t.Errorf("row %d lacks its citizen, needs or referral: %+v", i, e.Node)
					}
					if i > 0 && e.Node.OccurredAt > c.Edges[i-1].Node.OccurredAt {
						t.Errorf("rows not newest first at %d", i)
					}
				}
			}
			if statements[0] != statements[1] || statements[1] != statements[2] {
				t.Errorf("statements for 1, 10, 50 rows: %v, want the same number whatever the page size", statements)
			}
			t.Logf("statements per case-list request: %v", statements)
			// token lookup, count, contacts, citizens (with their holders,
			// for the fiscal codes), main needs, needs, referrals,
			// services, two for firstContact, and the audit's one insert
			// for everything read (no cache here: see
			// TestCaseListPageTakesAtMostSixStatements).
			if statements[0] > 11 {
				t.Errorf("the case list takes %d statements, want at most 11", statements[0])
			}
		})
	}
}

func TestPageSizeLimits(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		api := apitest.New(t, db)
		_, token := api.Operator(t, schematype.RoleCoordinator)
		// 28 need categories are loaded; default page 10 here.
		api = apitest.New(t, db, func(o *server.Options) { o.DefaultPageSize = 10; o.MaxPageSize = 20 })
		var out struct {
			NeedCategories struct {
				TotalCount int                       `json:"totalCount"`
				Edges      []struct{ Cursor string } `json:"edges"`
			} `json:"needCategories"`
		}
		api.MustDo(t, token, `{ needCategories { totalCount edges { cursor } } }`, nil, &out)
		if out.NeedCategories.TotalCount != 28 || len(out.NeedCategories.Edges) != 10 {
			t.Errorf("no first: %d rows of %d, want the default page of 10 of 28", len(out.NeedCategories.Edges), out.NeedCategories.TotalCount)
		}
		for _, q := range []string{
			`{ needCategories(first: 99999999) { totalCount } }`,
			`{ needCategories(first: -1) { totalCount } }`,
			`{ needCategories(last: 21) { totalCount } }`,
			`{ contacts(first: 21) { edges { node { needs { code } citizen { contacts(first: 500) { totalCount } } } } } }`,
		} {
			// Refused: by the page-size check, or before running by the
			// complexity limit (a page of 99999999 costs that much).
			if r := api.Do(t, token, q, nil); r.Code() != "INVALID" && r.Code() != "COMPLEXITY_LIMIT_EXCEEDED" {
				t.Errorf("%s: code %q, want a refusal; %s", q, r.Code(), r.Body)
			}
		}
		api.MustDo(t, token, `{ needCategories(first: 20) { totalCount edges { cursor } } }`, nil, &out)
		if len(out.NeedCategories.Edges) != 20 {
			t.Errorf("first: 20 gave %d rows", len(out.NeedCategories.Edges))
		}
	})
}

// TestCaseListAuditsOnePageInOneEvent: a page of the case list writes one
// READ event, in one statement, of at most 4 KB on disk with its indexes,
// at two page sizes; the event lists every record the page showed and
// the citizens they are about, and a citizen's trail finds it.
func TestCaseListAuditsOnePageInOneEvent(t *testing.T) {
	for _, kind := range dbtest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			db := dbtest.Open(t, kind, database.Options{})
			api := apitest.New(t, db)
			op, token := api.Operator(t, schematype.RoleSocialWorker)
			other, _ := api.Operator(t, schematype.RoleSocialWorker)
			seedCases(t, db.Client, op, other, 60)
			// The on-disk size of the trail, indexes included.
			size := func() int64 {
				n, err := audit.TrailBytes(t.Context(), db.SQL, db.Dialect)
				if err != nil || n == 0 {
					t.Fatalf("the trail's size: %d, %v", n, err)
				}
				return n
			}
			reads := func() []*ent.AuditEvent {
				return db.Client.AuditEvent.Query().Where(auditevent.Action(audit.Read)).Order(ent.Asc(auditevent.FieldID)).AllX(sys(t))
			}
			vars := map[string]any{"op": fmt.Sprint(op.ID), "from": "2025-01-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"}
			for _, first := range []int{10, 50} {
				vars["first"] = first
				const pages = 30
				before, was := size(), len(reads())
				var out caseListOut
				for range pages {
					api.MustDo(t, token, caseList, vars, &out)
				}
				events := reads()[was:]
				if len(events) != pages {
					t.Fatalf("first %d: %d READ events for %d pages, want one a page", first, len(events), pages)
				}
				perPage := (size() - before) / pages
				t.Logf("first %d: %d bytes of trail a page", first, perPage)
				if perPage > 4096 {
					t.Errorf("first %d: %d bytes of trail a page, want at most 4096", first, perPage)
				}
				// The last event lists the page's records and citizens.
				e := events[len(events)-1]
				for _, edge := range out.Contacts.Edges {
					n := edge.Node
					if !strings.Contains(e.Records, n.ID) {
						t.Errorf("first %d: contact %s missing from the event's records %q", first, n.ID, e.Records)
					}
					if n.Citizen == nil || !strings.Contains(e.Citizens, n.Citizen.ID) {
						t.Errorf("first %d: the citizen of contact %s missing from the event's citizens %q", first, n.ID, e.Citizens)
						continue
					}
					cit, _ := strconv.Atoi(n.Citizen.ID)
					trail, err := audit.CitizenTrail(sys(t), db.Client, cit, 1)
					if err != nil || len(trail) != 1 || trail[0].ID != e.ID {
						t.Errorf("first %d: the trail of citizen %d starts with %v (%v), want the page's event %d", first, cit, trail, err, e.ID)
					}
				}
				if e.Entity != "" || e.EntityID != nil || !strings.Contains(e.Records, "Referral:") {
					t.Errorf("first %d: event %+v, want one of several kinds of record, the referrals among them", first, e)
				}
			}
		})
	}
}

// regionCaseList is the region benchmark's case list (cmd/regionbench,
// answer h): a month, one social worker, two target areas, newest first,
// with citizen, main need, needs and referrals with their services.
const regionCaseList = `query($op: ID!, $from: Time!, $to: Time!, $first: Int) {
  contacts(first: $first, orderBy: [{field: OCCURRED_AT, direction: DESC}], where: {
    occurredAtGTE: $from, occurredAtLT: $to, hasOperatorWith: {id: $op}, targetAreaIn: [ADULTS, ELDERLY]}) {
    totalCount
    edges { node {
      id occurredAt targetArea outcome
      citizen { id firstName lastName fiscalCode }
      mainNeed { code labelIt }
      needs { code }
      referrals { status service { code name } }
    } }
  } }`

// TestCaseListPageTakesAtMostSixStatements: the region's case list takes
// the same number of statements at 10 and 50 rows, at most six with the
// audit's INSERT on PostgreSQL (count, contacts, citizens, needs,
// referrals, audit), as the coordinator and as the social worker whose
// personal fields are checked row by row; their pages are the same. On
// SQLite the operator, the main needs and the services are read too: a
// server caches them only where every other process's changes reach it
// (PostgreSQL's notifications), and an administration command may change
// a SQLite file under a running server.
func TestCaseListPageTakesAtMostSixStatements(t *testing.T) {
	for _, kind := range dbtest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			counter := &dbtest.Counter{}
			url := dbtest.URL(t, kind)
			db := dbtest.OpenURL(t, kind, url, database.Options{Driver: counter.Counting})
			w, err := wiring.WatchInvalidations(db, url, nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { w.Close() })
			limit := 6
			if kind == dialect.SQLite {
				limit += 3 // the uncached operator, main needs and services
			}
			api := apitest.New(t, db, func(o *server.Options) { o.Invalidations = w })
			op, worker := api.Operator(t, schematype.RoleSocialWorker)
			other, _ := api.Operator(t, schematype.RoleSocialWorker)
			_, coord := api.Operator(t, schematype.RoleCoordinator)
			seedCases(t, db.Client, op, other, 60)
			vars := map[string]any{"op": fmt.Sprint(op.ID), "from": "2025-03-01T00:00:00Z", "to": "2025-04-01T00:00:00Z"}
			pages := map[string]string{}
			for _, who := range []struct{ name, token string }{{"coordinator", coord}, {"social worker", worker}} {
				// Once first: the token and the reference data are cached
				// from there on (on PostgreSQL).
				vars["first"] = 1
				api.MustDo(t, who.token, regionCaseList, vars, nil)
				var counts []int
				for _, first := range []int{10, 50} {
					vars["first"] = first
					var out caseListOut
					counter.Reset()
					r := api.Do(t, who.token, regionCaseList, vars)
					counts = append(counts, counter.Count())
					if len(r.Errors) > 0 {
						t.Fatalf("%s: %s", who.name, r.Body)
					}
					if err := json.Unmarshal(r.Data, &out); err != nil {
						t.Fatal(err)
					}
					if len(out.Contacts.Edges) != first || out.Contacts.Edges[0].Node.Citizen == nil {
						t.Fatalf("%s, first %d: %d rows: %s", who.name, first, len(out.Contacts.Edges), r.Body)
					}
					pages[fmt.Sprint(who.name, first)] = string(r.Data)
				}
				t.Logf("%s: statements for 10 and 50 rows: %v", who.name, counts)
				if counts[0] != counts[1] || counts[1] > limit {
					t.Errorf("%s: statements for 10 and 50 rows %v, want the same, at most %d", who.name, counts, limit)
				}
			}
			for _, first := range []int{10, 50} {
				if a, b := pages[fmt.Sprint("coordinator", first)], pages[fmt.Sprint("social worker", first)]; a != b {
					t.Errorf("first %d: the social worker's page differs from the coordinator's:\n%s\n%s", first, a, b)
				}
			}
		})
	}
}
