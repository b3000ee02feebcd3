package graph_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

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
			// token lookup, count, contacts, citizens, main needs, needs,
			// referrals, services, two for firstContact, one for who holds
			// the citizens (their fiscal codes), and the audit's one insert
			// for everything read.
			if statements[0] > 12 {
				t.Errorf("the case list takes %d statements, want at most 12", statements[0])
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
				q := "SELECT pg_total_relation_size('audit_events')"
				if kind != "postgres" {
					q = "SELECT COALESCE(SUM(pgsize), 0) FROM dbstat WHERE name = 'audit_events' OR name LIKE 'auditevent%'"
				}
				var n int64
				if err := db.SQL.QueryRow(q).Scan(&n); err != nil {
					t.Fatal(err)
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
