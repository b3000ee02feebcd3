package server_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"segretariato/ent/schema/schematype"
	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
	"segretariato/internal/server/apitest"
)

// world is a small service: two social workers, a coordinator, an
// analyst, an admin, and one citizen held by the first social worker with
// a contact (with notes) and a referral.
type world struct {
	api                        *apitest.API
	sw1, sw2, coord, an, admin string
	citizen, contact, referral string
	sw2ID                      int
}

func newWorld(t *testing.T, db *database.DB) *world {
	t.Helper()
	w := &world{api: apitest.New(t, db)}
	_, w.sw1 = w.api.Operator(t, schematype.RoleSocialWorker)
	op2, sw2 := w.api.Operator(t, schematype.RoleSocialWorker)
	w.sw2, w.sw2ID = sw2, op2.ID
	_, w.coord = w.api.Operator(t, schematype.RoleCoordinator)
	_, w.an = w.api.Operator(t, schematype.RoleAnalyst)
	_, w.admin = w.api.Operator(t, schematype.RoleAdmin)
	var c struct {
		CreateCitizen struct{ ID string } `json:"createCitizen"`
	}
	w.api.MustDo(t, w.sw1, `mutation { createCitizen(input: {fiscalCode: "RCCGLI56B62Z129H", firstName: "Giulia", lastName: "Ricci", privacyConsent: true}) { id } }`, nil, &c)
	w.citizen = c.CreateCitizen.ID
	var need struct {
		NeedCategories struct {
			Edges []struct{ Node struct{ ID string } }
		} `json:"needCategories"`
	}
	w.api.MustDo(t, w.sw1, `{ needCategories(where: {code: "CARE_HOME"}) { edges { node { id } } } }`, nil, &need)
	var con struct {
		CreateContact struct{ ID string } `json:"createContact"`
	}
	w.api.MustDo(t, w.sw1, `mutation($c: ID!, $n: ID!) { createContact(input: {citizenID: $c, mainNeedID: $n, occurredAt: "2025-03-14T15:45:00Z",
		channel: IN_PERSON, requester: FAMILY_MEMBER, targetArea: ELDERLY, responses: [INFORMATION], outcome: REFERRED_INTERNAL,
		notes: "madre allettata, figlia caregiver"}) { id } }`,
		map[string]any{"c": w.citizen, "n": need.NeedCategories.Edges[0].Node.ID}, &con)
	w.contact = con.CreateContact.ID
	var svc struct {
		Services struct {
			Edges []struct{ Node struct{ ID string } }
		} `json:"services"`
	}
	w.api.MustDo(t, w.sw1, `{ services(where: {code: "SSP"}) { edges { node { id } } } }`, nil, &svc)
	var ref struct {
		CreateReferral struct{ ID string } `json:"createReferral"`
	}
	w.api.MustDo(t, w.sw1, `mutation($c: ID!, $s: ID!) { createReferral(input: {contactID: $c, serviceID: $s, notes: "colloquio"}) { id } }`,
		map[string]any{"c": w.contact, "s": svc.Services.Edges[0].Node.ID}, &ref)
	w.referral = ref.CreateReferral.ID
	return w
}

func TestAccessControl(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		w := newWorld(t, db)
		api := w.api
		missing := fmt.Sprint(mustInt(t, w.citizen) + 1000)

		t.Run("another social worker: not yours is the same as does not exist", func(t *testing.T) {
			q := `query($id: ID!) { node(id: $id) { id ... on Citizen { lastName } } }`
			theirs := api.Do(t, w.sw2, q, map[string]any{"id": w.citizen})
			none := api.Do(t, w.sw2, q, map[string]any{"id": missing})
			if strings.Contains(string(theirs.Body), "Ricci") || string(theirs.Body) != string(none.Body) {
				t.Errorf("node: theirs %s, none %s", theirs.Body, none.Body)
			}
			for _, q := range []string{
				`query($id: ID!) { citizens(where: {id: $id}) { totalCount } }`,
				`query($id: ID!) { contacts(where: {hasCitizenWith: {id: $id}}) { totalCount } }`,
				`query($id: ID!) { referrals(where: {hasContactWith: {hasCitizenWith: {id: $id}}}) { totalCount } }`,
				`query($id: ID!) { contacts(where: {or: [{hasCitizenWith: {lastName: "Ricci"}}, {hasCitizenWith: {id: $id}}]}) { totalCount } }`,
			} {
				r := api.Do(t, w.sw2, q, map[string]any{"id": w.citizen})
				if len(r.Errors) > 0 || !strings.Contains(string(r.Data), `"totalCount":0`) {
					t.Errorf("%s: %s, want a count of 0", q, r.Body)
				}
			}
			r := api.Do(t, w.sw2, `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": []string{w.contact, w.referral}})
			if strings.Contains(string(r.Data), w.contact) || strings.Contains(string(r.Data), w.referral) {
				t.Errorf("nodes revealed: %s", r.Body)
			}
			// A type the role may not read at all (the audit trail): refused
			// with a code and a plain message, never ent's own text.
			var ev struct {
				AuditEvents struct {
					Edges []struct{ Node struct{ ID string } }
				} `json:"auditEvents"`
			}
			api.MustDo(t, w.admin, `{ auditEvents(first: 2) { edges { node { id } } } }`, nil, &ev)
			if len(ev.AuditEvents.Edges) < 2 {
				t.Fatal("no audit events to ask for")
			}
			// Two ids: nodes then reports an error per id.
			r = api.Do(t, w.sw2, `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": []string{ev.AuditEvents.Edges[0].Node.ID, ev.AuditEvents.Edges[1].Node.ID}})
			if r.Code() != "FORBIDDEN" || strings.Contains(string(r.Body), "ent/privacy") || strings.Contains(string(r.Body), "deny rule") {
				t.Errorf("nodes of an audit event as a social worker: %s, want FORBIDDEN without ent's text", r.Body)
			}
			// Through an edge of an object they may see: the holder's contacts.
			r = api.Do(t, w.sw2, `{ operators(first: 20) { edges { node { contacts { totalCount } citizens { totalCount } } } } }`, nil)
			if strings.Contains(string(r.Data), `"totalCount":1`) {
				t.Errorf("edges revealed another's cases: %s", r.Data)
			}
		})
		t.Run("another social worker cannot change or add to the case", func(t *testing.T) {
			for _, q := range []struct {
				query string
				vars  map[string]any
			}{
				{`mutation($id: ID!) { updateCitizen(id: $id, version: 1, input: {lastName: "X"}) { id } }`, map[string]any{"id": w.citizen}},
				{`mutation($id: ID!) { updateContact(id: $id, version: 1, input: {durationMinutes: 5}) { id } }`, map[string]any{"id": w.contact}},
				{`mutation($id: ID!) { moveReferral(id: $id, version: 1, to: CANCELLED) { id } }`, map[string]any{"id": w.referral}},
				{`mutation($c: ID!) { createContact(input: {citizenID: $c, mainNeedID: "12884901889", occurredAt: "2025-03-14T15:45:00Z",
					channel: PHONE, requester: SELF, targetArea: ELDERLY, responses: [INFORMATION], outcome: INFORMED}) { id } }`, map[string]any{"c": w.citizen}},
			} {
				r := api.Do(t, w.sw2, q.query, q.vars)
				if r.Code() != "FORBIDDEN" && r.Code() != "NOT_FOUND" {
					t.Errorf("%s: %s, want refused", q.query, r.Body)
				}
			}
			n, _ := db.Client.Contact.Query().Count(sys(t))
			last, _ := db.Client.Citizen.Query().FirstX(sys(t)), 0
			if n != 1 || last.LastName != "Ricci" {
				t.Errorf("the refused changes were written: %d contacts, last name %q", n, last.LastName)
			}
		})
		t.Run("analysts and admins reach no person", func(t *testing.T) {
			for _, tok := range []string{w.an, w.admin} {
				for _, q := range []string{`{ citizens { totalCount } }`, `{ contacts { totalCount } }`, `{ referrals { totalCount } }`} {
					if r := api.Do(t, tok, q, nil); r.Code() != "FORBIDDEN" {
						t.Errorf("%s: %s", q, r.Body)
					}
				}
				r := api.Do(t, tok, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": w.citizen})
				if r.Code() != "FORBIDDEN" || strings.Contains(string(r.Data), w.citizen) {
					t.Errorf("node as analyst/admin: %s", r.Body)
				}
				r = api.Do(t, tok, `{ operators(first: 20) { edges { node { contacts { totalCount } } } } }`, nil)
				if !strings.Contains(string(r.Body), "FORBIDDEN") {
					t.Errorf("contacts through an operator: %s", r.Body)
				}
			}
		})
		t.Run("fiscal codes and notes only for the holder and the coordinator", func(t *testing.T) {
			api.MustDo(t, w.coord, `mutation($c: ID!, $o: ID!) { shareCitizen(citizenID: $c, operatorID: $o) { id } }`,
				map[string]any{"c": w.citizen, "o": fmt.Sprint(w.sw2ID)}, nil)
			q := `query($id: ID!) { node(id: $id) { ... on Citizen { lastName fiscalCode contacts { edges { node { notes referrals { notes } } } } } } }`
			for tok, sees := range map[string]bool{w.sw1: true, w.coord: true, w.sw2: false} {
				r := api.Do(t, tok, q, map[string]any{"id": w.citizen})
				if !strings.Contains(string(r.Data), "Ricci") {
					t.Fatalf("shared citizen not visible: %s", r.Body)
				}
				for _, secret := range []string{"RCCGLI56B62Z129H", "madre allettata", "colloquio"} {
					if strings.Contains(string(r.Body), secret) != sees {
						t.Errorf("sees %q = %v, want %v: %s", secret, !sees, sees, r.Body)
					}
				}
			}
		})
		t.Run("filters cannot test what the viewer cannot read", func(t *testing.T) {
			// Shared with sw2 above: sw2 reads the case but not its fiscal code.
			// A social worker does not read every fiscal code, so filters on
			// fiscal codes are refused to them (TestRestrictedFieldFilters
			// covers every input and path); the coordinator reads them all.
			q := `{ citizens(where: {fiscalCode: "RCCGLI56B62Z129H"}) { totalCount } }`
			for _, tok := range []string{w.sw1, w.sw2} {
				if r := api.Do(t, tok, q, nil); r.Code() != "FORBIDDEN" || strings.Contains(string(r.Data), "totalCount") {
					t.Errorf("filter by fiscal code by a social worker: %s, want FORBIDDEN", r.Body)
				}
			}
			if r := api.Do(t, w.coord, q, nil); !strings.Contains(string(r.Data), `"totalCount":1`) {
				t.Errorf("filter by fiscal code by the coordinator: %s", r.Body)
			}
			// The case passes to sw2: sw1 keeps the contact they recorded,
			// but can no longer test its citizen's fields.
			api.MustDo(t, w.coord, `mutation($c: ID!, $o: ID!) { reassignCitizen(citizenID: $c, operatorID: $o) { id } }`,
				map[string]any{"c": w.citizen, "o": fmt.Sprint(w.sw2ID)}, nil)
			for q, want := range map[string]string{
				`{ contacts { totalCount } }`: `"totalCount":1`,
				`{ contacts(where: {hasCitizenWith: {lastName: "Ricci"}}) { totalCount } }`:                    `"totalCount":0`,
				`{ referrals(where: {hasContactWith: {hasCitizenWith: {lastName: "Ricci"}}}) { totalCount } }`: `"totalCount":0`,
			} {
				if r := api.Do(t, w.sw1, q, nil); !strings.Contains(string(r.Data), want) {
					t.Errorf("%s: %s, want %s", q, r.Body, want)
				}
			}
		})
	})
}

func TestAuditTrail(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		w := newWorld(t, db)
		api := w.api
		api.MustDo(t, w.sw1, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": w.citizen}, nil)
		var trail struct {
			CitizenAuditTrail []struct {
				Action, Entity, OperatorEmail, Role, RequestID, ClientAddr string
			} `json:"citizenAuditTrail"`
		}
		api.MustDo(t, w.coord, `query($id: ID!) { citizenAuditTrail(citizenID: $id) { action entity operatorEmail role requestID clientAddr } }`,
			map[string]any{"id": w.citizen}, &trail)
		got := map[string]bool{}
		for _, e := range trail.CitizenAuditTrail {
			got[e.Action+" "+e.Entity] = true
			if e.RequestID == "" || e.ClientAddr == "" || e.OperatorEmail == "" || e.Role == "" {
				t.Errorf("incomplete event %+v", e)
			}
		}
		for _, want := range []string{"CREATE Citizen", "READ Citizen", "CREATE Contact", "CREATE Referral"} {
			if !got[want] {
				t.Errorf("trail lacks %s: %+v", want, trail.CitizenAuditTrail)
			}
		}
		if r := api.Do(t, w.sw1, `query($id: ID!) { citizenAuditTrail(citizenID: $id) { action } }`, map[string]any{"id": w.citizen}); r.Code() != "FORBIDDEN" {
			t.Errorf("a social worker read the trail: %s", r.Body)
		}
		for _, stmt := range []string{"UPDATE audit_events SET action = 'NOTHING'", "DELETE FROM audit_events"} {
			if _, err := db.SQL.ExecContext(t.Context(), stmt); err == nil {
				t.Errorf("the database accepted %q on the audit trail", stmt)
			}
		}
	})
}

func TestConcurrentUpdatesOneWins(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		w := newWorld(t, db)
		const n = 2
		codes := make([]string, n)
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := w.api.Do(t, w.sw1, `mutation($id: ID!, $n: String!) { updateCitizen(id: $id, version: 1, input: {lastName: $n}) { version } }`,
					map[string]any{"id": w.citizen, "n": fmt.Sprint("Nome", i)})
				codes[i] = r.Code()
			}()
		}
		wg.Wait()
		won, conflicts := 0, 0
		for _, c := range codes {
			switch c {
			case "":
				won++
			case "CONFLICT":
				conflicts++
			}
		}
		if won != 1 || conflicts != 1 {
			t.Errorf("codes %v: want one success and one CONFLICT", codes)
		}
		if v := db.Client.Citizen.Query().FirstX(sys(t)).Version; v != 2 {
			t.Errorf("version %d after one update, want 2", v)
		}
	})
}

func TestDataSubjectRights(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		w := newWorld(t, db)
		var exp struct {
			CitizenData map[string]json.RawMessage `json:"citizenData"`
		}
		w.api.MustDo(t, w.coord, `query($id: ID!) { citizenData(id: $id) }`, map[string]any{"id": w.citizen}, &exp)
		for _, part := range []string{"citizen", "contacts", "accessLog"} {
			if len(exp.CitizenData[part]) == 0 {
				t.Errorf("export lacks %s", part)
			}
		}
		if !strings.Contains(string(exp.CitizenData["contacts"]), "madre allettata") {
			t.Errorf("export lacks the contact's notes")
		}
		var erased struct {
			EraseCitizen struct {
				FirstName, LastName string
				FiscalCode          *string
				PseudonymisedAt     *string
			} `json:"eraseCitizen"`
		}
		w.api.MustDo(t, w.coord, `mutation($id: ID!) { eraseCitizen(id: $id) { firstName lastName fiscalCode pseudonymisedAt } }`, map[string]any{"id": w.citizen}, &erased)
		e := erased.EraseCitizen
		if e.FirstName != "" || e.LastName != "" || e.FiscalCode != nil || e.PseudonymisedAt == nil {
			t.Errorf("after erasure: %+v", e)
		}
		if n := db.Client.Contact.Query().CountX(sys(t)); n != 1 {
			t.Errorf("contacts after erasure: %d, want 1 (statistics unchanged)", n)
		}
		if notes := db.Client.Contact.Query().FirstX(sys(t)).Notes; notes != "" {
			t.Errorf("notes after erasure: %q", notes)
		}
		var trail struct {
			CitizenAuditTrail []struct{ Action string } `json:"citizenAuditTrail"`
		}
		w.api.MustDo(t, w.coord, `query($id: ID!) { citizenAuditTrail(citizenID: $id) { action } }`, map[string]any{"id": w.citizen}, &trail)
		var actions []string
		for _, a := range trail.CitizenAuditTrail {
			actions = append(actions, a.Action)
		}
		if s := strings.Join(actions, " "); !strings.Contains(s, "EXPORT") || !strings.Contains(s, "ERASE") {
			t.Errorf("trail %v lacks EXPORT and ERASE", actions)
		}
	})
}

func mustInt(t *testing.T, s string) int {
	t.Helper()
	var n int
	if _, err := fmt.Sscan(s, &n); err != nil {
		t.Fatal(err)
	}
	return n
}
