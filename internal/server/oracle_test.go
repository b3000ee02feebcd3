package server_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"segretariato/ent/citizen"
	"segretariato/ent/contact"
	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
	"segretariato/internal/fiscalcode"
)

// code makes a valid fiscal code from its first 15 characters.
func code(first15 string) string { return first15 + string(fiscalcode.CheckLetter(first15)) }

// citizenAnswer is everything createCitizen/updateCitizen can answer.
const citizenAnswer = `id version fiscalCode firstName lastName birthDate sex citizenship district phone email address
	privacyConsent consentAt consentScope consentExpiresAt holderID holder { id } pseudonymisedAt
	sharedWith { id } contacts { totalCount }`

var (
	idsInAnswer  = regexp.MustCompile(`"(id|holderID)":"[0-9]+"`)
	atsInAnswer  = regexp.MustCompile(`"(createdAt|updatedAt)":"[^"]*"`)
	codesInInput = regexp.MustCompile(`[A-Z]{6}[0-9]{2}[A-Z][0-9]{2}[A-Z][0-9]{3}[A-Z]`)
)

// shape masks what differs between two answers for two different people
// (ids, the code typed, what the code says of birth date and sex), so
// that what is left must be identical.
func shape(b []byte) string {
	s := idsInAnswer.ReplaceAllString(string(b), `"$1":"…"`)
	s = atsInAnswer.ReplaceAllString(s, `"$1":"…"`)
	s = codesInInput.ReplaceAllString(s, "CODE")
	s = regexp.MustCompile(`"sex":"[A-Z]"`).ReplaceAllString(s, `"sex":"…"`)
	return regexp.MustCompile(`"birthDate":"[^"]*"`).ReplaceAllString(s, `"birthDate":"…"`)
}

// TestNoUniqueValueOracle: whoever may not see a record cannot learn,
// from writing a unique value, whether another record holds it.
func TestNoUniqueValueOracle(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		w := newWorld(t, db) // sw1 holds RCCGLI56B62Z129H
		api := w.api
		known, unknown := "RCCGLI56B62Z129H", code("BNCMRC70A01H501")
		create := `mutation($c: String!) { createCitizen(input: {fiscalCode: $c, firstName: "Giulia", lastName: "Ricci"}) { ` + citizenAnswer + ` } }`

		t.Run("createCitizen: a known person answers like a new one", func(t *testing.T) {
			a := api.Do(t, w.sw2, create, map[string]any{"c": known})
			b := api.Do(t, w.sw2, create, map[string]any{"c": unknown})
			if len(a.Errors) > 0 || len(b.Errors) > 0 || shape(a.Body) != shape(b.Body) {
				t.Fatalf("known person: %s\nunknown person: %s", a.Body, b.Body)
			}
			if !strings.Contains(string(a.Body), known) {
				t.Errorf("the code typed is not in the answer: %s", a.Body)
			}
			// The same social worker typing the same code again: they
			// hold both now, so both are CONFLICT alike.
			if a2, b2 := api.Do(t, w.sw2, create, map[string]any{"c": known}), api.Do(t, w.sw2, create, map[string]any{"c": unknown}); a2.Code() != "CONFLICT" || b2.Code() != "CONFLICT" || a2.Errors[0].Message != b2.Errors[0].Message {
				t.Errorf("second time: %s / %s", a2.Body, b2.Body)
			}
			// The holder and the coordinator may read the code: CONFLICT.
			for _, tok := range []string{w.sw1, w.coord} {
				if r := api.Do(t, tok, create, map[string]any{"c": known}); r.Code() != "CONFLICT" {
					t.Errorf("holder/coordinator: %s", r.Body)
				}
			}
			// A social worker the case is shared with sees the citizen but
			// not its code: like anyone else.
			_, sw3 := api.Operator(t, "SOCIAL_WORKER")
			var me struct{ Me struct{ ID string } }
			api.MustDo(t, sw3, `{ me { id } }`, nil, &me)
			api.MustDo(t, w.coord, `mutation($c: ID!, $o: ID!) { shareCitizen(citizenID: $c, operatorID: $o) { id } }`,
				map[string]any{"c": w.citizen, "o": me.Me.ID}, nil)
			c := api.Do(t, sw3, create, map[string]any{"c": known})
			d := api.Do(t, sw3, create, map[string]any{"c": code("VRDLCU80A41H501")})
			if len(c.Errors) > 0 || shape(c.Body) != shape(d.Body) {
				t.Errorf("shared case: %s\nunknown: %s", c.Body, d.Body)
			}
		})

		t.Run("the desk's contact ends up on the known citizen once the coordinator confirms", func(t *testing.T) {
			// sw2's answer above: their own record of the person.
			var mine struct {
				Citizens struct {
					Edges []struct {
						Node struct{ ID, FiscalCode string }
					}
				}
			}
			// A social worker may not filter on fiscal codes (filterguard.go):
			// sw2 reads the codes of the cases they hold and picks theirs.
			api.MustDo(t, w.sw2, `{ citizens(first: 200) { edges { node { id fiscalCode } } } }`, nil, &mine)
			provisional := ""
			for _, e := range mine.Citizens.Edges {
				if e.Node.FiscalCode == known {
					if provisional != "" {
						t.Fatalf("sw2 holds two records with the code: %+v", mine)
					}
					provisional = e.Node.ID
				}
			}
			if provisional == "" {
				t.Fatalf("sw2 does not find their record: %+v", mine)
			}
			var con struct {
				CreateContact struct{ ID string } `json:"createContact"`
			}
			api.MustDo(t, w.sw2, `mutation($c: ID!) { createContact(input: {citizenID: $c, mainNeedID: "12884901889", occurredAt: "2025-04-01T09:00:00Z",
				channel: IN_PERSON, requester: SELF, targetArea: ELDERLY, responses: [INFORMATION], outcome: INFORMED}) { id citizenID } }`,
				map[string]any{"c": provisional}, &con)
			// Nothing of it shows to sw2.
			if r := api.Do(t, w.sw2, `{ citizenMatches { citizen { id } } }`, nil); r.Code() != "FORBIDDEN" {
				t.Errorf("a social worker lists the matches: %s", r.Body)
			}
			var matches struct {
				CitizenMatches []struct {
					Citizen  struct{ ID string }
					Existing struct{ ID, FiscalCode string }
					By       struct{ ID string }
				} `json:"citizenMatches"`
			}
			api.MustDo(t, w.coord, `{ citizenMatches { citizen { id } existing { id fiscalCode } by { id } } }`, nil, &matches)
			found := false
			for _, m := range matches.CitizenMatches {
				if m.Citizen.ID == provisional {
					found = m.Existing.ID == w.citizen && m.Existing.FiscalCode == known
				}
			}
			if !found {
				t.Fatalf("the coordinator has no match to confirm for %s: %+v", provisional, matches)
			}
			// The match is in the known citizen's trail, as its own action.
			var trail struct {
				CitizenAuditTrail []struct{ Action, OperatorEmail string } `json:"citizenAuditTrail"`
			}
			api.MustDo(t, w.admin, `query($id: ID!) { citizenAuditTrail(citizenID: $id) { action operatorEmail } }`, map[string]any{"id": w.citizen}, &trail)
			if b, _ := json.Marshal(trail); !strings.Contains(string(b), `"Action":"MATCH"`) {
				t.Errorf("no MATCH in the trail: %s", b)
			}
			var confirmed struct {
				ConfirmCitizenMatch struct{ ID string } `json:"confirmCitizenMatch"`
			}
			api.MustDo(t, w.coord, `mutation($c: ID!) { confirmCitizenMatch(citizenID: $c) { id } }`, map[string]any{"c": provisional}, &confirmed)
			if confirmed.ConfirmCitizenMatch.ID != w.citizen {
				t.Errorf("confirmed into %s, want %s", confirmed.ConfirmCitizenMatch.ID, w.citizen)
			}
			got := db.Client.Contact.Query().Where(contact.ID(mustInt(t, con.CreateContact.ID))).OnlyX(sys(t))
			if got.CitizenID == nil || fmt.Sprint(*got.CitizenID) != w.citizen {
				t.Errorf("the contact is on citizen %v, want %s", got.CitizenID, w.citizen)
			}
			if n := db.Client.Citizen.Query().Where(citizen.FiscalCode(known)).CountX(sys(t)); n != 2 {
				// the known citizen and sw3's record, still pending
				t.Errorf("%d citizens with the code after the merge, want 2", n)
			}
			// Confirming shares the case with the social worker who met the person.
			var seen struct {
				Node *struct{ ID string }
			}
			api.MustDo(t, w.sw2, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": w.citizen}, &seen)
			if seen.Node == nil {
				t.Errorf("sw2 does not see the case after the confirmation")
			}
		})

		t.Run("erasing the known citizen makes the oldest pending match the known one", func(t *testing.T) {
			api.MustDo(t, w.coord, `mutation($id: ID!) { eraseCitizen(id: $id) { id } }`, map[string]any{"id": w.citizen}, nil)
			left := db.Client.Citizen.Query().Where(citizen.FiscalCode(known)).AllX(sys(t))
			if len(left) != 1 || left[0].MatchedCitizenID != nil {
				t.Fatalf("after the erasure: %+v, want sw3's record, known", left)
			}
			var matches struct {
				CitizenMatches []struct{ Citizen struct{ ID string } } `json:"citizenMatches"`
			}
			api.MustDo(t, w.coord, `{ citizenMatches { citizen { id } } }`, nil, &matches)
			if len(matches.CitizenMatches) != 0 {
				t.Errorf("matches left: %+v", matches)
			}
			// The code is the new known citizen's: sw2 typing it again is
			// a pending match of it, answered as a new citizen.
			if r := api.Do(t, w.sw2, create, map[string]any{"c": known}); len(r.Errors) > 0 {
				t.Errorf("after the erasure: %s", r.Body)
			}
		})

		t.Run("updateCitizen: a known code answers like an unknown one", func(t *testing.T) {
			_, sw4 := api.Operator(t, "SOCIAL_WORKER")
			var a, b struct {
				CreateCitizen struct{ ID string } `json:"createCitizen"`
			}
			api.MustDo(t, sw4, `mutation { createCitizen(input: {lastName: "Uno"}) { id } }`, nil, &a)
			api.MustDo(t, sw4, `mutation { createCitizen(input: {lastName: "Uno"}) { id } }`, nil, &b)
			update := `mutation($id: ID!, $c: String!) { updateCitizen(id: $id, version: 1, input: {fiscalCode: $c}) { ` + citizenAnswer + ` } }`
			x := api.Do(t, sw4, update, map[string]any{"id": a.CreateCitizen.ID, "c": known})
			y := api.Do(t, sw4, update, map[string]any{"id": b.CreateCitizen.ID, "c": code("NREPLA75B02F205")})
			if len(x.Errors) > 0 || shape(x.Body) != shape(y.Body) {
				t.Errorf("known code: %s\nunknown code: %s", x.Body, y.Body)
			}
		})

		t.Run("contactRef: another's reference answers like a new one", func(t *testing.T) {
			mk := `mutation($r: String!) { createContact(input: {contactRef: $r, mainNeedID: "12884901889", occurredAt: "2025-04-02T09:00:00Z",
				channel: PHONE, requester: SELF, targetArea: ADULTS, responses: [INFORMATION], outcome: INFORMED}) { id contactRef } }`
			api.MustDo(t, w.coord, mk, map[string]any{"r": "REG-2019-0001"}, nil)
			a := api.Do(t, w.sw2, mk, map[string]any{"r": "REG-2019-0001"})
			b := api.Do(t, w.sw2, mk, map[string]any{"r": "REG-2019-0002"})
			if shape(a.Body) != shape(b.Body) || a.Code() != "INVALID" {
				t.Errorf("taken reference: %s\nfree reference: %s", a.Body, b.Body)
			}
			upd := `mutation($id: ID!, $r: String!) { updateContact(id: $id, version: 1, input: {contactRef: $r}) { id } }`
			a = api.Do(t, w.sw1, upd, map[string]any{"id": w.contact, "r": "REG-2019-0001"})
			b = api.Do(t, w.sw1, upd, map[string]any{"id": w.contact, "r": "REG-2019-0003"})
			if shape(a.Body) != shape(b.Body) || a.Code() != "INVALID" {
				t.Errorf("update, taken reference: %s\nfree reference: %s", a.Body, b.Body)
			}
		})
	})
}
