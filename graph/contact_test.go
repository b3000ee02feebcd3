package graph_test

import (
	"testing"
	"time"

	"segretariato/ent/schema/schematype"
	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
	"segretariato/internal/localtime"
	"segretariato/internal/server/apitest"
)

const createContact = `mutation($in: CreateContactInput!) {
  createContact(input: $in) { id operator { email } mainNeed { code } needs { code } anonymousSex anonymousBirthYear citizen { id } }
}`

func contactInput(need string, extra map[string]any) map[string]any {
	in := map[string]any{
		"occurredAt": "2025-03-14T15:45:00Z", "channel": "PHONE", "requester": "FAMILY_MEMBER",
		"targetArea": "ELDERLY", "responses": []string{"INFORMATION"}, "outcome": "INFORMED",
		"mainNeedID": need,
	}
	for k, v := range extra {
		in[k] = v
	}
	return in
}

func TestContactRules(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		api := apitest.New(t, db)
		sw, token := api.Operator(t, schematype.RoleSocialWorker)
		care := needID(t, api, token, "CARE_HOME")
		lonely := needID(t, api, token, "REL_LONELINESS")
		cit := mustCreateCitizen(t, api, token, map[string]any{"fiscalCode": "GLLLRA33M53F704Q"})

		t.Run("the main need is counted among the needs; the recorder holds the contact", func(t *testing.T) {
			var out struct {
				CreateContact struct {
					Operator struct{ Email string }
					MainNeed struct{ Code string }   `json:"mainNeed"`
					Needs    []struct{ Code string } `json:"needs"`
				} `json:"createContact"`
			}
			api.MustDo(t, token, createContact, map[string]any{"in": contactInput(care, map[string]any{"needIDs": []string{lonely}, "citizenID": cit.ID})}, &out)
			c := out.CreateContact
			if c.MainNeed.Code != "CARE_HOME" || len(c.Needs) != 2 {
				t.Errorf("main need %s, needs %v: want CARE_HOME among two needs", c.MainNeed.Code, c.Needs)
			}
			if c.Operator.Email != sw.Email {
				t.Errorf("operator %s, want the recording social worker %s", c.Operator.Email, sw.Email)
			}
		})
		t.Run("an anonymous contact keeps sex and birth year", func(t *testing.T) {
			var out struct {
				CreateContact struct {
					AnonymousSex       string `json:"anonymousSex"`
					AnonymousBirthYear int    `json:"anonymousBirthYear"`
					Citizen            any    `json:"citizen"`
				} `json:"createContact"`
			}
			api.MustDo(t, token, createContact, map[string]any{"in": contactInput(care, map[string]any{"anonymousSex": "F", "anonymousBirthYear": 1948})}, &out)
			if out.CreateContact.AnonymousSex != "F" || out.CreateContact.AnonymousBirthYear != 1948 || out.CreateContact.Citizen != nil {
				t.Errorf("anonymous contact: %+v", out.CreateContact)
			}
		})
		refused := []struct {
			name  string
			extra map[string]any
			field string
		}{
			{"duration zero", map[string]any{"durationMinutes": 0}, "durationMinutes"},
			{"duration over 480", map[string]any{"durationMinutes": 481}, "durationMinutes"},
			{"anonymous sex on a citizen's contact", map[string]any{"citizenID": cit.ID, "anonymousSex": "M"}, "anonymousSex"},
			{"no response", map[string]any{"responses": []string{}}, "responses"},
			{"in the future", map[string]any{"occurredAt": "2099-01-01T00:00:00Z"}, "occurredAt"},
			{"dated tomorrow in Rome, within a day of now", map[string]any{"occurredAt": tomorrowInRome().Format(time.RFC3339)}, "occurredAt"},
			{"anonymous birth year before 1900", map[string]any{"anonymousBirthYear": 1899}, "anonymousBirthYear"},
		}
		for _, tc := range refused {
			t.Run(tc.name, func(t *testing.T) {
				before := db.Client.Contact.Query().CountX(sys(t))
				r := api.Do(t, token, createContact, map[string]any{"in": contactInput(care, tc.extra)})
				if r.Code() != "INVALID" || r.Errors[0].Extensions["field"] != tc.field {
					t.Fatalf("want INVALID on %s, got %s", tc.field, r.Body)
				}
				if after := db.Client.Contact.Query().CountX(sys(t)); after != before {
					t.Errorf("a refused contact was written")
				}
			})
		}
		t.Run("unknown enum value", func(t *testing.T) {
			r := api.Do(t, token, createContact, map[string]any{"in": contactInput(care, map[string]any{"channel": "FAX"})})
			if r.Code() == "" || r.Code() == "INTERNAL" {
				t.Errorf("code %q for an unknown channel: %s", r.Code(), r.Body)
			}
		})
	})
}

func TestFiltersAndOrderings(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		api := apitest.New(t, db)
		_, token := api.Operator(t, schematype.RoleCoordinator)
		var out struct {
			NeedCategories struct {
				Edges []struct {
					Node struct {
						Code      string `json:"code"`
						MacroArea string `json:"macroArea"`
					} `json:"node"`
				} `json:"edges"`
			} `json:"needCategories"`
		}
		api.MustDo(t, token, `{ needCategories(first: 50, where: {macroAreaIn: [HEALTH, VIOLENCE]}, orderBy: [{field: MACRO_AREA, direction: DESC}, {field: CODE, direction: ASC}]) {
			edges { node { code macroArea } } } }`, nil, &out)
		var got []string
		for _, e := range out.NeedCategories.Edges {
			got = append(got, e.Node.Code)
		}
		want := []string{"VIO_DOMESTIC", "HLT_ACCESS", "HLT_ADDICTION", "HLT_MENTAL"}
		if len(got) != len(want) {
			t.Fatalf("got %v, want %v", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("got %v, want %v", got, want)
			}
		}
	})
}

func TestReferenceDataInUseIsDeactivatedNotDeleted(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		api := apitest.New(t, db)
		_, token := api.Operator(t, schematype.RoleSocialWorker)
		_, coord := api.Operator(t, schematype.RoleCoordinator)
		used := needID(t, api, token, "ADM_INFO")
		unused := needID(t, api, token, "ADM_LEGAL")
		mustCreateContact(t, api, token, "", used, "INFORMED")
		const del = `mutation($id: ID!) { deleteNeedCategory(id: $id) { deleted deactivated } }`
		var out struct {
			DeleteNeedCategory struct{ Deleted, Deactivated bool } `json:"deleteNeedCategory"`
		}
		api.MustDo(t, coord, del, map[string]any{"id": used}, &out)
		if out.DeleteNeedCategory.Deleted || !out.DeleteNeedCategory.Deactivated {
			t.Errorf("category in use: %+v, want deactivated", out.DeleteNeedCategory)
		}
		var still struct {
			Node *struct{ Active bool } `json:"node"`
		}
		api.MustDo(t, coord, `query($id: ID!) { node(id: $id) { ... on NeedCategory { active } } }`, map[string]any{"id": used}, &still)
		if still.Node == nil || still.Node.Active {
			t.Errorf("category in use after delete: %+v, want present and inactive", still.Node)
		}
		api.MustDo(t, coord, del, map[string]any{"id": unused}, &out)
		if !out.DeleteNeedCategory.Deleted {
			t.Errorf("unused category: %+v, want deleted", out.DeleteNeedCategory)
		}
		var svc struct {
			DeleteService struct{ Deleted, Deactivated bool } `json:"deleteService"`
		}
		c := mustCreateContact(t, api, token, "", used, "REFERRED_INTERNAL")
		api.MustDo(t, token, createReferral, map[string]any{"c": c, "s": serviceID(t, api, token, "SSP")}, nil)
		api.MustDo(t, coord, `mutation($id: ID!) { deleteService(id: $id) { deleted deactivated } }`, map[string]any{"id": serviceID(t, api, token, "SSP")}, &svc)
		if !svc.DeleteService.Deactivated {
			t.Errorf("service in use: %+v, want deactivated", svc.DeleteService)
		}
	})
}

func TestContactUpdateKeepsTheMainNeed(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		api := apitest.New(t, db)
		_, token := api.Operator(t, schematype.RoleSocialWorker)
		care := needID(t, api, token, "CARE_HOME")
		lonely := needID(t, api, token, "REL_LONELINESS")
		debt := needID(t, api, token, "ECO_DEBT")
		var out struct {
			CreateContact struct{ ID string } `json:"createContact"`
		}
		api.MustDo(t, token, createContact, map[string]any{"in": contactInput(care, map[string]any{"needIDs": []string{lonely}})}, &out)
		id := out.CreateContact.ID
		const update = `mutation($id: ID!, $v: Int!, $in: UpdateContactInput!) { updateContact(id: $id, version: $v, input: $in) { version mainNeed { code } needs { code } } }`
		r := api.Do(t, token, update, map[string]any{"id": id, "v": 1, "in": map[string]any{"removeNeedIDs": []string{care}}})
		if r.Code() != "INVALID" {
			t.Errorf("removing the main need from the needs: %s", r.Body)
		}
		var upd struct {
			UpdateContact struct {
				Version  int
				MainNeed struct{ Code string }   `json:"mainNeed"`
				Needs    []struct{ Code string } `json:"needs"`
			} `json:"updateContact"`
		}
		api.MustDo(t, token, update, map[string]any{"id": id, "v": 1, "in": map[string]any{"mainNeedID": debt}}, &upd)
		codes := map[string]bool{}
		for _, n := range upd.UpdateContact.Needs {
			codes[n.Code] = true
		}
		if upd.UpdateContact.MainNeed.Code != "ECO_DEBT" || !codes["ECO_DEBT"] || !codes["CARE_HOME"] || !codes["REL_LONELINESS"] || upd.UpdateContact.Version != 2 {
			t.Errorf("after a new main need: %+v", upd.UpdateContact)
		}
		if r := api.Do(t, token, update, map[string]any{"id": id, "v": 1, "in": map[string]any{"durationMinutes": 20}}); r.Code() != "CONFLICT" {
			t.Errorf("a stale version: %s", r.Body)
		}
	})
}

func TestFirstContactIsDerived(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		api := apitest.New(t, db)
		_, token := api.Operator(t, schematype.RoleSocialWorker)
		care := needID(t, api, token, "CARE_HOME")
		cit := mustCreateCitizen(t, api, token, map[string]any{"fiscalCode": "GLLLRA33M53F704Q"})
		ids := map[string]string{}
		for name, in := range map[string]map[string]any{
			"return": contactInput(care, map[string]any{"citizenID": cit.ID, "occurredAt": "2025-06-02T09:00:00Z"}),
			"first":  contactInput(care, map[string]any{"citizenID": cit.ID, "occurredAt": "2025-03-14T15:45:00Z"}),
			"anon":   contactInput(care, nil),
		} {
			var out struct {
				CreateContact struct{ ID string } `json:"createContact"`
			}
			api.MustDo(t, token, createContact, map[string]any{"in": in}, &out)
			ids[name] = out.CreateContact.ID
		}
		var out struct {
			Contacts struct {
				Edges []struct {
					Node struct {
						ID           string `json:"id"`
						FirstContact *bool  `json:"firstContact"`
					} `json:"node"`
				} `json:"edges"`
			} `json:"contacts"`
		}
		api.MustDo(t, token, `{ contacts { edges { node { id firstContact } } } }`, nil, &out)
		got := map[string]*bool{}
		for _, e := range out.Contacts.Edges {
			got[e.Node.ID] = e.Node.FirstContact
		}
		if f := got[ids["first"]]; f == nil || !*f {
			t.Errorf("the earlier contact: %v, want true", f)
		}
		if r := got[ids["return"]]; r == nil || *r {
			t.Errorf("the later contact: %v, want false", r)
		}
		if a, ok := got[ids["anon"]]; !ok || a != nil {
			t.Errorf("the anonymous contact: %v, want null", a)
		}
	})
}

// tomorrowInRome is the first minute of tomorrow in Europe/Rome: within a
// day of now (but for the first minute after midnight), on a later calendar
// day.
func tomorrowInRome() time.Time {
	return localtime.LocalMidnight(localtime.Today(time.Now()).AddDate(0, 0, 1)).Add(time.Minute)
}
