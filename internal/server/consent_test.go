package server_test

import (
	"strings"
	"testing"
	"time"

	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
	"segretariato/internal/server/apitest"
)

const createConsenting = `mutation($in: CreateCitizenInput!) { createCitizen(input: $in) { id version privacyConsent consentStatus } }`

type createdCitizen struct {
	CreateCitizen struct {
		ID             string
		Version        int
		PrivacyConsent bool
		ConsentStatus  string
	} `json:"createCitizen"`
}

// referTo refers a new contact of the citizen to the service, with or
// without the consent override, and answers the response.
func referTo(t *testing.T, w *world, token, citizen, service string, override bool) apitest.Response {
	t.Helper()
	var con struct {
		CreateContact struct{ ID string } `json:"createContact"`
	}
	w.api.MustDo(t, token, `mutation($c: ID!, $n: ID!) { createContact(input: {citizenID: $c, mainNeedID: $n, occurredAt: "2025-06-02T09:00:00Z",
		channel: IN_PERSON, requester: SELF, targetArea: ADULTS, responses: [ORIENTATION], outcome: REFERRED_EXTERNAL}) { id } }`,
		map[string]any{"c": citizen, "n": w.api.IDByCode(t, token, "needCategories", "WRK_UNEMPLOYED")}, &con)
	return w.api.Do(t, token, `mutation($c: ID!, $s: ID!, $o: Boolean) { createReferral(input: {contactID: $c, serviceID: $s}, consentOverride: $o) { id consentOverride } }`,
		map[string]any{"c": con.CreateContact.ID, "s": service, "o": override})
}

// TestConsentHistory: consent is a history; a future date is refused; a
// withdrawal or an expiry closes the gate of external referrals and keeps
// what was given; the override still passes, recorded and audited; the
// history is append-only down to the database.
func TestConsentHistory(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		w := newWorld(t, db)
		api := w.api
		cpi := api.IDByCode(t, w.sw1, "services", "CPI")
		future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)

		t.Run("a consent dated in the future is refused", func(t *testing.T) {
			r := api.Do(t, w.sw1, createConsenting, map[string]any{"in": map[string]any{"fiscalCode": "GLLGLI95D50A794S", "privacyConsent": true, "consentAt": future}})
			if r.Code() != "INVALID" || r.Errors[0].Extensions["field"] != "consentAt" {
				t.Errorf("create with a future consent: %s", r.Body)
			}
			c := readCitizen(t, api, w.sw1, w.citizen)
			r = api.Do(t, w.sw1, `mutation($id: ID!, $v: Int!, $at: Time!) { updateCitizen(id: $id, version: $v, input: {privacyConsent: true, consentAt: $at}) { id } }`,
				map[string]any{"id": w.citizen, "v": c.Version, "at": future})
			if r.Code() != "INVALID" || r.Errors[0].Extensions["field"] != "consentAt" {
				t.Errorf("update with a future consent: %s", r.Body)
			}
			if got := readCitizen(t, api, w.sw1, w.citizen); got.kinds() != c.kinds() || got.Version != c.Version {
				t.Errorf("a refused consent was recorded: %s, was %s", got.kinds(), c.kinds())
			}
		})

		t.Run("a withdrawal closes the gate and keeps what was given", func(t *testing.T) {
			var out createdCitizen
			api.MustDo(t, w.sw1, createConsenting, map[string]any{"in": map[string]any{"fiscalCode": "GLLGLI95D50A794S", "privacyConsent": true,
				"consentAt": "2025-01-10T10:00:00Z", "consentScope": "Centro per l'impiego", "consentExpiresAt": "2030-01-10T00:00:00Z"}}, &out)
			id := out.CreateCitizen.ID
			if !out.CreateCitizen.PrivacyConsent || out.CreateCitizen.ConsentStatus != "GIVEN" {
				t.Fatalf("consent given: %+v", out.CreateCitizen)
			}
			if r := referTo(t, w, w.sw1, id, cpi, false); len(r.Errors) > 0 {
				t.Fatalf("external referral with consent: %s", r.Body)
			}
			r := api.Do(t, w.sw1, `mutation($id: ID!, $v: Int!, $at: Time) { withdrawConsent(citizenID: $id, version: $v, at: $at) { id } }`,
				map[string]any{"id": id, "v": out.CreateCitizen.Version, "at": "2024-12-01T00:00:00Z"})
			if r.Code() != "INVALID" {
				t.Errorf("a withdrawal before the consent: %s", r.Body)
			}
			api.MustDo(t, w.sw1, `mutation($id: ID!, $v: Int!) { withdrawConsent(citizenID: $id, version: $v) { id } }`,
				map[string]any{"id": id, "v": out.CreateCitizen.Version}, nil)
			c := readCitizen(t, api, w.sw1, id)
			if c.PrivacyConsent || c.ConsentStatus != "WITHDRAWN" || c.kinds() != "GIVEN WITHDRAWN" {
				t.Fatalf("after the withdrawal: %+v", c)
			}
			g := c.ConsentHistory[0]
			if !strings.HasPrefix(g.At, "2025-01-10T10:00:00") || g.Scope == nil || *g.Scope != "Centro per l'impiego" ||
				g.ExpiresAt == nil || !strings.HasPrefix(*g.ExpiresAt, "2030-01-10") || g.RecordedBy == nil {
				t.Errorf("the consent given, after the withdrawal: %+v", g)
			}
			if r := referTo(t, w, w.sw1, id, cpi, false); r.Code() != "FORBIDDEN" {
				t.Errorf("external referral after the withdrawal: %s", r.Body)
			}
			if r := api.Do(t, w.sw1, `mutation($id: ID!, $v: Int!) { withdrawConsent(citizenID: $id, version: $v) { id } }`,
				map[string]any{"id": id, "v": c.Version}); r.Code() != "INVALID" {
				t.Errorf("withdrawing twice: %s", r.Body)
			}

			// The override passes, is recorded on the referral and its
			// first step, and audited.
			r = referTo(t, w, w.sw1, id, cpi, true)
			var ref struct {
				CreateReferral struct {
					ID              string
					ConsentOverride bool
				} `json:"createReferral"`
			}
			mustDecode(t, r, &ref)
			if !ref.CreateReferral.ConsentOverride {
				t.Errorf("override not recorded: %s", r.Body)
			}
			var step struct {
				Node struct {
					Events []struct{ Reason string }
				}
			}
			api.MustDo(t, w.sw1, `query($id: ID!) { node(id: $id) { ... on Referral { events { reason } } } }`, map[string]any{"id": ref.CreateReferral.ID}, &step)
			if len(step.Node.Events) != 1 || !strings.Contains(step.Node.Events[0].Reason, "override") {
				t.Errorf("the referral's first step does not say override: %+v", step.Node.Events)
			}
			var audit struct {
				AuditEvents struct{ TotalCount int } `json:"auditEvents"`
			}
			api.MustDo(t, w.coord, `query($id: Int!) { auditEvents(where: {entity: "Referral", entityID: $id, action: "CREATE"}) { totalCount } }`,
				map[string]any{"id": mustInt(t, ref.CreateReferral.ID)}, &audit)
			if audit.AuditEvents.TotalCount != 1 {
				t.Errorf("the override's referral is not audited: %d events", audit.AuditEvents.TotalCount)
			}

			// Given again: the history grows, the gate opens.
			api.MustDo(t, w.sw1, `mutation($id: ID!, $v: Int!) { updateCitizen(id: $id, version: $v, input: {privacyConsent: true}) { id } }`,
				map[string]any{"id": id, "v": c.Version}, nil)
			if c := readCitizen(t, api, w.sw1, id); c.kinds() != "GIVEN WITHDRAWN GIVEN" || c.ConsentStatus != "GIVEN" {
				t.Errorf("given again: %+v", c)
			}
			if r := referTo(t, w, w.sw1, id, cpi, false); len(r.Errors) > 0 {
				t.Errorf("external referral with the consent given again: %s", r.Body)
			}
			// The data subject's export carries the history.
			var exp struct {
				CitizenData struct {
					ConsentHistory []struct{ Kind string } `json:"consentHistory"`
				} `json:"citizenData"`
			}
			api.MustDo(t, w.coord, `query($id: ID!) { citizenData(id: $id) }`, map[string]any{"id": id}, &exp)
			if len(exp.CitizenData.ConsentHistory) != 3 {
				t.Errorf("the export's consent history: %+v", exp.CitizenData.ConsentHistory)
			}
		})

		t.Run("an expired consent closes the gate", func(t *testing.T) {
			var out createdCitizen
			api.MustDo(t, w.sw1, createConsenting, map[string]any{"in": map[string]any{"fiscalCode": "SPSLCU91L53Z336H", "privacyConsent": true,
				"consentAt": "2024-01-10T10:00:00Z", "consentExpiresAt": "2025-01-10T00:00:00Z"}}, &out)
			if !out.CreateCitizen.PrivacyConsent || out.CreateCitizen.ConsentStatus != "EXPIRED" {
				t.Errorf("expired consent: %+v", out.CreateCitizen)
			}
			if r := referTo(t, w, w.sw1, out.CreateCitizen.ID, cpi, false); r.Code() != "FORBIDDEN" {
				t.Errorf("external referral with an expired consent: %s", r.Body)
			}
			r := api.Do(t, w.sw1, createConsenting, map[string]any{"in": map[string]any{"fiscalCode": "VLLPLA06B09Z330E", "privacyConsent": true,
				"consentAt": "2025-01-10T10:00:00Z", "consentExpiresAt": "2025-01-01T00:00:00Z"}})
			if r.Code() != "INVALID" || r.Errors[0].Extensions["field"] != "consentExpiresAt" {
				t.Errorf("a consent expiring before it was given: %s", r.Body)
			}
		})

		t.Run("the history is read only by who may see the citizen", func(t *testing.T) {
			c := readCitizen(t, api, w.sw1, w.citizen)
			var ids struct {
				Node struct {
					ConsentHistory []struct{ ID string } `json:"consentHistory"`
				}
			}
			api.MustDo(t, w.sw1, `query($id: ID!) { node(id: $id) { ... on Citizen { consentHistory { id } } } }`, map[string]any{"id": w.citizen}, &ids)
			if len(ids.Node.ConsentHistory) != len(c.ConsentHistory) || len(c.ConsentHistory) == 0 {
				t.Fatalf("history ids: %+v", ids)
			}
			q := `query($id: ID!) { node(id: $id) { id ... on ConsentEvent { kind scope } } }`
			event := ids.Node.ConsentHistory[0].ID
			if r := api.Do(t, w.sw2, q, map[string]any{"id": event}); strings.Contains(string(r.Data), "GIVEN") {
				t.Errorf("another social worker read the consent history: %s", r.Body)
			}
			if r := api.Do(t, w.an, q, map[string]any{"id": event}); strings.Contains(string(r.Data), "GIVEN") {
				t.Errorf("an analyst read the consent history: %s", r.Body)
			}
			if r := api.Do(t, w.coord, q, map[string]any{"id": event}); !strings.Contains(string(r.Data), "GIVEN") {
				t.Errorf("the coordinator cannot read the consent history: %s", r.Body)
			}
		})

		t.Run("the database refuses to rewrite the history", func(t *testing.T) {
			for _, stmt := range []string{"UPDATE consent_events SET kind = 'WITHDRAWN'", "DELETE FROM consent_events"} {
				if _, err := db.SQL.ExecContext(t.Context(), stmt); err == nil || !strings.Contains(err.Error(), "append-only") {
					t.Errorf("%s: %v", stmt, err)
				}
			}
		})
	})
}

func mustDecode(t *testing.T, r apitest.Response, out any) {
	t.Helper()
	if len(r.Errors) > 0 {
		t.Fatalf("errors: %s", r.Body)
	}
	if err := jsonUnmarshal(r.Data, out); err != nil {
		t.Fatal(err)
	}
}
