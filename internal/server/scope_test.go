package server_test

import (
	"encoding/json"
	"testing"

	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
)

// TestScopeDoesNotDependOnWhatTheRequestReadBefore: once a request has
// been returned a citizen, the privacy rules match that citizen's
// contacts without looking the citizen up again (access.contactScope).
// What a social worker sees must not change with it: the contacts and
// referrals a request lists after reading a citizen are those it lists
// alone, and those the coordinator counts as theirs (recorded by them, or
// of a citizen they hold), never another's.
func TestScopeDoesNotDependOnWhatTheRequestReadBefore(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		w := newWorld(t, db) // sw1 holds the citizen and recorded its contact and referral
		api := w.api
		var ids struct {
			Node struct {
				Contacts struct {
					Edges []struct {
						Node struct{ MainNeed struct{ ID string } }
					}
				}
			}
		}
		api.MustDo(t, w.sw1, `query($id: ID!) { node(id: $id) { ... on Citizen { contacts { edges { node { mainNeed { id } } } } } } }`,
			map[string]any{"id": w.citizen}, &ids)
		need := ids.Node.Contacts.Edges[0].Node.MainNeed.ID
		contact := `mutation($c: ID!, $n: ID!) { createContact(input: {citizenID: $c, mainNeedID: $n, occurredAt: "2025-03-15T10:00:00Z",
			channel: IN_PERSON, requester: FAMILY_MEMBER, targetArea: ADULTS, responses: [INFORMATION], outcome: REFERRED_INTERNAL}) { id } }`
		// The coordinator records a second contact of sw1's citizen (sw1 sees
		// it through the citizen, not as its recorder); sw2 a citizen and
		// a contact of their own, which sw1 never sees.
		api.MustDo(t, w.coord, contact, map[string]any{"c": w.citizen, "n": need}, nil)
		var theirs struct {
			CreateCitizen struct{ ID string } `json:"createCitizen"`
		}
		api.MustDo(t, w.sw2, `mutation($c: String!) { createCitizen(input: {fiscalCode: $c, firstName: "Marco", lastName: "Bianchi"}) { id } }`,
			map[string]any{"c": code("BNCMRC70A01H501")}, &theirs)
		api.MustDo(t, w.sw2, contact, map[string]any{"c": theirs.CreateCitizen.ID, "n": need}, nil)

		const lists = `contacts { totalCount edges { node { id } } } referrals { totalCount edges { node { id } } }`
		type page struct {
			TotalCount int
			Edges      []struct{ Node struct{ ID string } }
		}
		type answer struct {
			Node      *struct{ Contacts page }
			Contacts  page
			Referrals page
		}
		var alone, after answer
		api.MustDo(t, w.sw1, `{ `+lists+` }`, nil, &alone)
		api.MustDo(t, w.sw1, `query($id: ID!) { node(id: $id) { ... on Citizen { contacts { totalCount edges { node { id } } } } } `+lists+` }`,
			map[string]any{"id": w.citizen}, &after)
		// The coordinator's count of what is sw1's: the citizen's contacts
		// (sw1 recorded none elsewhere) and their referrals.
		var truth struct{ Contacts, Referrals page }
		api.MustDo(t, w.coord, `query($id: ID!) { contacts(where: {hasCitizenWith: {id: $id}}) { totalCount edges { node { id } } }
			referrals(where: {hasContactWith: {hasCitizenWith: {id: $id}}}) { totalCount edges { node { id } } } }`,
			map[string]any{"id": w.citizen}, &truth)
		if truth.Contacts.TotalCount != 2 || truth.Referrals.TotalCount != 1 {
			t.Fatalf("the coordinator counts %d contacts and %d referrals of the citizen, want 2 and 1", truth.Contacts.TotalCount, truth.Referrals.TotalCount)
		}
		want, _ := json.Marshal([]page{truth.Contacts, truth.Referrals})
		for name, got := range map[string]answer{"alone": alone, "after the citizen": after} {
			if b, _ := json.Marshal([]page{got.Contacts, got.Referrals}); string(b) != string(want) {
				t.Errorf("%s: sw1 lists %s, want %s", name, b, want)
			}
		}
		if after.Node == nil || after.Node.Contacts.TotalCount != 2 {
			t.Errorf("the citizen's history lists %+v, want its 2 contacts", after.Node)
		}
	})
}
