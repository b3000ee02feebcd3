package graph_test

import (
	"testing"

	"segretariato/ent/schema/schematype"
	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
	"segretariato/internal/server/apitest"
)

// mustCreateContact records a contact for the citizen ("" = anonymous).
func mustCreateContact(t *testing.T, api *apitest.API, token, citizen, need, outcome string) string {
	t.Helper()
	in := map[string]any{
		"occurredAt": "2025-03-14T15:45:00Z", "channel": "IN_PERSON", "requester": "SELF",
		"targetArea": "ADULTS", "responses": []string{"INFORMATION", "ORIENTATION"}, "outcome": outcome,
		"mainNeedID": need,
	}
	if citizen != "" {
		in["citizenID"] = citizen
	}
	var out struct {
		CreateContact struct{ ID string } `json:"createContact"`
	}
	api.MustDo(t, token, `mutation($in: CreateContactInput!) { createContact(input: $in) { id } }`, map[string]any{"in": in}, &out)
	return out.CreateContact.ID
}

const createReferral = `mutation($c: ID!, $s: ID!, $o: Boolean) {
  createReferral(input: {contactID: $c, serviceID: $s}, consentOverride: $o) { id status consentOverride proposedAt }
}`

const moveReferral = `mutation($id: ID!, $v: Int!, $to: ReferralStatus!, $ok: Boolean, $why: FailureReason) {
  moveReferral(id: $id, version: $v, to: $to, successful: $ok, failureReason: $why) {
    status acceptedAt declinedAt completedAt cancelledAt successful failureReason
    events { fromStatus toStatus at }
  }
}`

type movedReferral struct {
	MoveReferral struct {
		Status        string  `json:"status"`
		AcceptedAt    *string `json:"acceptedAt"`
		DeclinedAt    *string `json:"declinedAt"`
		CompletedAt   *string `json:"completedAt"`
		CancelledAt   *string `json:"cancelledAt"`
		Successful    *bool   `json:"successful"`
		FailureReason *string `json:"failureReason"`
		Events        []struct {
			FromStatus *string `json:"fromStatus"`
			ToStatus   string  `json:"toStatus"`
		} `json:"events"`
	} `json:"moveReferral"`
}

func TestReferralStatusMoves(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		api := apitest.New(t, db)
		_, token := api.Operator(t, schematype.RoleSocialWorker)
		need := needID(t, api, token, "HOU_EVICTION")
		ssp := serviceID(t, api, token, "SSP")
		newReferral := func() string {
			t.Helper()
			c := mustCreateContact(t, api, token, "", need, "REFERRED_INTERNAL")
			var out struct {
				CreateReferral struct {
					ID     string `json:"id"`
					Status string `json:"status"`
				} `json:"createReferral"`
			}
			api.MustDo(t, token, createReferral, map[string]any{"c": c, "s": ssp}, &out)
			if out.CreateReferral.Status != "PROPOSED" {
				t.Fatalf("a new referral is %s, want PROPOSED", out.CreateReferral.Status)
			}
			return out.CreateReferral.ID
		}
		move := func(id, to string, vars map[string]any) apitest.Response {
			v := map[string]any{"id": id, "to": to, "v": version(t, api, token, id)}
			for k, x := range vars {
				v[k] = x
			}
			return api.Do(t, token, moveReferral, v)
		}

		t.Run("proposed, accepted, completed records each date and event", func(t *testing.T) {
			id := newReferral()
			if r := move(id, "ACCEPTED", nil); len(r.Errors) > 0 {
				t.Fatalf("accepting: %s", r.Body)
			}
			var out movedReferral
			r := move(id, "COMPLETED", map[string]any{"ok": false, "why": "NO_CAPACITY"})
			if len(r.Errors) > 0 {
				t.Fatalf("completing: %s", r.Body)
			}
			mustJSON(t, r.Data, &out)
			m := out.MoveReferral
			if m.Status != "COMPLETED" || m.AcceptedAt == nil || m.CompletedAt == nil || m.DeclinedAt != nil {
				t.Errorf("after completing: %+v", m)
			}
			if m.Successful == nil || *m.Successful || m.FailureReason == nil || *m.FailureReason != "NO_CAPACITY" {
				t.Errorf("outcome not recorded: successful %v, reason %v", m.Successful, m.FailureReason)
			}
			if len(m.Events) != 3 || m.Events[2].FromStatus == nil || *m.Events[2].FromStatus != "ACCEPTED" || m.Events[2].ToStatus != "COMPLETED" {
				t.Errorf("events %+v, want PROPOSED, ACCEPTED, COMPLETED", m.Events)
			}
		})
		illegal := []struct {
			name  string
			steps []string
			to    string
		}{
			{"proposed cannot complete", nil, "COMPLETED"},
			{"declined cannot be accepted", []string{"DECLINED"}, "ACCEPTED"},
			{"cancelled cannot be accepted", []string{"CANCELLED"}, "ACCEPTED"},
			{"accepted cannot be declined", []string{"ACCEPTED"}, "DECLINED"},
			{"proposed cannot be proposed again", nil, "PROPOSED"},
		}
		for _, tc := range illegal {
			t.Run(tc.name, func(t *testing.T) {
				id := newReferral()
				for _, s := range tc.steps {
					if r := move(id, s, nil); len(r.Errors) > 0 {
						t.Fatalf("step %s: %s", s, r.Body)
					}
				}
				r := move(id, tc.to, map[string]any{"ok": true})
				if r.Code() != "INVALID" {
					t.Fatalf("code %q, want INVALID; %s", r.Code(), r.Body)
				}
				var st struct {
					Node struct{ Status string } `json:"node"`
				}
				api.MustDo(t, token, `query($id: ID!) { node(id: $id) { ... on Referral { status } } }`, map[string]any{"id": id}, &st)
				want := "PROPOSED"
				if len(tc.steps) > 0 {
					want = tc.steps[len(tc.steps)-1]
				}
				if st.Node.Status != want {
					t.Errorf("status after a refused move = %s, want %s unchanged", st.Node.Status, want)
				}
			})
		}
		t.Run("completing needs to say whether it succeeded", func(t *testing.T) {
			id := newReferral()
			move(id, "ACCEPTED", nil)
			if r := move(id, "COMPLETED", nil); r.Code() != "INVALID" {
				t.Errorf("code %q, want INVALID", r.Code())
			}
			if r := move(id, "COMPLETED", map[string]any{"ok": false}); r.Code() != "INVALID" {
				t.Errorf("unsuccessful without a reason: code %q, want INVALID", r.Code())
			}
		})
	})
}

func TestExternalReferralNeedsConsent(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		api := apitest.New(t, db)
		_, token := api.Operator(t, schematype.RoleSocialWorker)
		need := needID(t, api, token, "WRK_UNEMPLOYED")
		cpi := serviceID(t, api, token, "CPI")
		ssp := serviceID(t, api, token, "SSP")
		without := mustCreateCitizen(t, api, token, map[string]any{"fiscalCode": "VLLPLA06B09Z330E"})
		with := mustCreateCitizen(t, api, token, map[string]any{"fiscalCode": "GLLGLI95D50A794S", "privacyConsent": true, "consentAt": "2025-01-01T00:00:00Z"})
		expired := mustCreateCitizen(t, api, token, map[string]any{"fiscalCode": "SPSLCU91L53Z336H", "privacyConsent": true, "consentExpiresAt": "2024-12-31T00:00:00Z"})

		cases := []struct {
			name     string
			citizen  string
			service  string
			override bool
			code     string
		}{
			{"external without consent is refused", without.ID, cpi, false, "FORBIDDEN"},
			{"external with expired consent is refused", expired.ID, cpi, false, "FORBIDDEN"},
			{"external with consent is made", with.ID, cpi, false, ""},
			{"external without consent under override is made", without.ID, cpi, true, ""},
			{"internal needs no consent", without.ID, ssp, false, ""},
			{"anonymous passes no personal data", "", cpi, false, ""},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				c := mustCreateContact(t, api, token, tc.citizen, need, "REFERRED_EXTERNAL")
				before, _ := db.Client.Referral.Query().Count(sys(t))
				r := api.Do(t, token, createReferral, map[string]any{"c": c, "s": tc.service, "o": tc.override})
				after, _ := db.Client.Referral.Query().Count(sys(t))
				if r.Code() != tc.code {
					t.Fatalf("code %q, want %q; %s", r.Code(), tc.code, r.Body)
				}
				if tc.code != "" && after != before {
					t.Errorf("a refused referral was written")
				}
				if tc.code == "" {
					var out struct {
						CreateReferral struct {
							ConsentOverride bool `json:"consentOverride"`
						} `json:"createReferral"`
					}
					mustJSON(t, r.Data, &out)
					if out.CreateReferral.ConsentOverride != (tc.override && tc.citizen == without.ID && tc.service == cpi) {
						t.Errorf("consentOverride = %v", out.CreateReferral.ConsentOverride)
					}
				}
			})
		}
	})
}

// version reads the version of a record, as a client does before updating.
func version(t *testing.T, api *apitest.API, token, id string) int {
	t.Helper()
	var out struct {
		Node struct{ Version int } `json:"node"`
	}
	api.MustDo(t, token, `query($id: ID!) { node(id: $id) { ... on Citizen { version } ... on Contact { version } ... on Referral { version } } }`,
		map[string]any{"id": id}, &out)
	return out.Node.Version
}
