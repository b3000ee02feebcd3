package server_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"segretariato/ent/schema/schematype"
	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
	"segretariato/internal/dsr"
	"segretariato/internal/server/apitest"
)

// erasedQuery reads what an erased citizen still says.
const erasedQuery = `query($id: ID!) { node(id: $id) { ... on Citizen { id version firstName lastName fiscalCode birthDate sex
  citizenship district phone email address privacyConsent consentAt consentScope consentExpiresAt erasedAt consentStatus
  consentHistory { kind at scope expiresAt recordedBy { email } } } } }`

type erasedCitizen struct {
	ID                                      string
	Version                                 int
	FirstName, LastName, Phone, Email       string
	Address                                 string
	FiscalCode, BirthDate, Sex, Citizenship *string
	District, ConsentAt, ConsentScope       *string
	ConsentExpiresAt, ErasedAt              *string
	PrivacyConsent                          bool
	ConsentStatus                           string
	ConsentHistory                          []struct {
		Kind, At   string
		Scope      *string
		ExpiresAt  *string
		RecordedBy *struct{ Email string }
	}
}

func readCitizen(t *testing.T, api *apitest.API, token, id string) erasedCitizen {
	t.Helper()
	var out struct{ Node erasedCitizen }
	api.MustDo(t, token, erasedQuery, map[string]any{"id": id}, &out)
	if out.Node.ID != id {
		t.Fatalf("citizen %s not read", id)
	}
	return out.Node
}

// kinds lists the kinds of a citizen's consent history.
func (c erasedCitizen) kinds() string {
	var ks []string
	for _, e := range c.ConsentHistory {
		ks = append(ks, e.Kind)
	}
	return strings.Join(ks, " ")
}

// TestErasedCitizenKeepsOnlyItsSex erases a citizen with a birth date,
// citizenship, district and consent: nothing of it remains but its sex, it
// says it is erased, its consent is withdrawn (the history keeps what was
// given), and no path changes it again.
func TestErasedCitizenKeepsOnlyItsSex(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		w := newWorld(t, db)
		api := w.api
		c := readCitizen(t, api, w.sw1, w.citizen)
		api.MustDo(t, w.sw1, `mutation($id: ID!, $v: Int!) { updateCitizen(id: $id, version: $v, input: {citizenship: "IT", district: "Borgo Vico",
			phone: "031 123456", consentScope: "ASST Lariana"}) { id } }`, map[string]any{"id": w.citizen, "v": c.Version}, nil)
		api.MustDo(t, w.coord, `mutation($id: ID!) { eraseCitizen(id: $id) { id } }`, map[string]any{"id": w.citizen}, nil)

		e := readCitizen(t, api, w.coord, w.citizen)
		if e.FirstName != "" || e.LastName != "" || e.FiscalCode != nil || e.BirthDate != nil || e.Citizenship != nil ||
			e.District != nil || e.Phone != "" || e.Email != "" || e.Address != "" {
			t.Errorf("the erased citizen keeps personal data: %+v", e)
		}
		if e.Sex == nil || *e.Sex != "F" {
			t.Errorf("the erased citizen lost its sex, which the figures count: %+v", e)
		}
		if e.ErasedAt == nil || e.PrivacyConsent || e.ConsentAt != nil || e.ConsentStatus != "WITHDRAWN" {
			t.Errorf("the erased citizen does not say it is erased, or keeps its consent: %+v", e)
		}
		if k := e.kinds(); k != "GIVEN GIVEN WITHDRAWN" {
			t.Errorf("consent history after erasure: %s, want GIVEN (created) GIVEN (scope) WITHDRAWN (erased)", k)
		}
		if s := e.ConsentHistory[1].Scope; s == nil || *s != "ASST Lariana" {
			t.Errorf("the history lost the scope given: %+v", e.ConsentHistory[1])
		}

		var ref struct {
			Node struct{ Version int } `json:"node"`
		}
		api.MustDo(t, w.coord, `query($id: ID!) { node(id: $id) { ... on Referral { version } } }`, map[string]any{"id": w.referral}, &ref)
		var con struct {
			Node struct{ Version int } `json:"node"`
		}
		api.MustDo(t, w.coord, `query($id: ID!) { node(id: $id) { ... on Contact { version } } }`, map[string]any{"id": w.contact}, &con)
		cpi := api.IDByCode(t, w.coord, "services", "CPI")
		for _, tc := range []struct {
			name, token, query string
			vars               map[string]any
		}{
			{"names written back", w.coord, `mutation($id: ID!, $v: Int!) { updateCitizen(id: $id, version: $v, input: {firstName: "Giulia", lastName: "Ricci"}) { id } }`,
				map[string]any{"id": w.citizen, "v": e.Version}},
			{"fiscal code written back by the holder", w.sw1, `mutation($id: ID!, $v: Int!) { updateCitizen(id: $id, version: $v, input: {fiscalCode: "RCCGLI56B62Z129H"}) { id } }`,
				map[string]any{"id": w.citizen, "v": e.Version}},
			{"consent given again", w.coord, `mutation($id: ID!, $v: Int!) { updateCitizen(id: $id, version: $v, input: {privacyConsent: true}) { id } }`,
				map[string]any{"id": w.citizen, "v": e.Version}},
			{"consent withdrawn again", w.coord, `mutation($id: ID!, $v: Int!) { withdrawConsent(citizenID: $id, version: $v) { id } }`,
				map[string]any{"id": w.citizen, "v": e.Version}},
			{"shared", w.coord, `mutation($id: ID!, $op: ID!) { shareCitizen(citizenID: $id, operatorID: $op) { id } }`,
				map[string]any{"id": w.citizen, "op": w.sw2ID}},
			{"reassigned", w.coord, `mutation($id: ID!, $op: ID!) { reassignCitizen(citizenID: $id, operatorID: $op) { id } }`,
				map[string]any{"id": w.citizen, "op": w.sw2ID}},
			{"a new contact", w.coord, `mutation($c: ID!, $n: ID!) { createContact(input: {citizenID: $c, mainNeedID: $n, occurredAt: "2025-05-02T09:00:00Z",
				channel: PHONE, requester: SELF, targetArea: ELDERLY, responses: [INFORMATION], outcome: INFORMED}) { id } }`,
				map[string]any{"c": w.citizen, "n": api.IDByCode(t, w.coord, "needCategories", "CARE_HOME")}},
			{"the contact's notes written back", w.coord, `mutation($id: ID!, $v: Int!) { updateContact(id: $id, version: $v, input: {notes: "madre allettata"}) { id } }`,
				map[string]any{"id": w.contact, "v": con.Node.Version}},
			{"a new referral", w.coord, `mutation($c: ID!, $s: ID!) { createReferral(input: {contactID: $c, serviceID: $s}, consentOverride: true) { id } }`,
				map[string]any{"c": w.contact, "s": cpi}},
			{"the referral's notes written back", w.coord, `mutation($id: ID!, $v: Int!) { updateReferral(id: $id, version: $v, input: {notes: "colloquio"}) { id } }`,
				map[string]any{"id": w.referral, "v": ref.Node.Version}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := api.Do(t, tc.token, tc.query, tc.vars)
				if r.Code() != "ERASED" || len(r.Errors) != 1 || !strings.Contains(r.Errors[0].Message, "erased") {
					t.Errorf("%s: %s", tc.name, r.Body)
				}
			})
		}
		if got := readCitizen(t, api, w.coord, w.citizen); !cmp.Equal(got, e) {
			t.Errorf("a refused change changed the citizen: %s", cmp.Diff(e, got))
		}
		// The service the citizen was referred to may still close the
		// referral: a status step writes nothing personal.
		r := api.Do(t, w.coord, `mutation($id: ID!, $v: Int!) { moveReferral(id: $id, version: $v, to: ACCEPTED) { status } }`,
			map[string]any{"id": w.referral, "v": ref.Node.Version})
		if len(r.Errors) > 0 {
			t.Errorf("moving the erased citizen's referral: %s", r.Body)
		}
		// Erasing again answers the erased citizen, changing nothing.
		var again struct {
			EraseCitizen struct{ Version int } `json:"eraseCitizen"`
		}
		api.MustDo(t, w.coord, `mutation($id: ID!) { eraseCitizen(id: $id) { version } }`, map[string]any{"id": w.citizen}, &again)
		if again.EraseCitizen.Version != e.Version {
			t.Errorf("a second erasure changed the citizen: version %d, was %d", again.EraseCitizen.Version, e.Version)
		}
	})
}

// TestErasureLeavesTheFiguresUnchanged erases every citizen of the sample,
// some through eraseCitizen and the others by the retention rule, and asks
// every demand figure again: the coordinator's and the analyst's answers
// are the same, labels included.
func TestErasureLeavesTheFiguresUnchanged(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		api := apitest.New(t, db)
		sampleOperators(t, db)
		_, coord := api.Operator(t, schematype.RoleCoordinator)
		_, analyst := api.Operator(t, schematype.RoleAnalyst)
		importSample(t, api, coord)
		before, beforeAnalyst := api.Figures(t, coord), api.Figures(t, analyst)

		ids := db.Client.Citizen.Query().IDsX(sys(t))
		if len(ids) < 100 {
			t.Fatalf("the sample has %d citizens", len(ids))
		}
		for _, id := range ids[:40] {
			api.MustDo(t, coord, `mutation($id: ID!) { eraseCitizen(id: $id) { id } }`, map[string]any{"id": fmt.Sprint(id)}, nil)
		}
		n, err := dsr.Retain(sys(t), db.Client, 1, time.Now().AddDate(50, 0, 0), false)
		if err != nil || n != len(ids)-40 {
			t.Fatalf("retention erased %d, %v; want %d", n, err, len(ids)-40)
		}
		left := 0
		for _, id := range ids {
			c := readCitizen(t, api, coord, fmt.Sprint(id))
			if c.ErasedAt == nil || c.FiscalCode != nil || c.BirthDate != nil || c.District != nil || c.Citizenship != nil || c.LastName != "" {
				left++
			}
		}
		if left > 0 {
			t.Errorf("%d citizens keep personal data after erasure", left)
		}
		for who, want := range map[string]map[string]string{"coordinator": before, "analyst": beforeAnalyst} {
			token := coord
			if who == "analyst" {
				token = analyst
			}
			got := api.Figures(t, token)
			if len(got) != len(want) {
				t.Errorf("%s: %d answers, before %d", who, len(got), len(want))
			}
			for name, w := range want {
				if got[name] != w {
					t.Errorf("%s, %s changed with the erasure:\n%s", who, name, cmp.Diff(jsonValue(t, w), jsonValue(t, got[name])))
				}
			}
		}
	})
}

func jsonValue(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("%v: %s", err, s)
	}
	return v
}

func jsonUnmarshal(data []byte, out any) error { return json.Unmarshal(data, out) }

// TestImportCannotBringAnErasedCitizenBack: importing again the file an
// erased citizen's cards came from is refused on their rows, and changes
// nothing.
func TestImportCannotBringAnErasedCitizenBack(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		api := apitest.New(t, db)
		sampleOperators(t, db)
		_, coord := api.Operator(t, schematype.RoleCoordinator)
		file := importSample(t, api, coord)
		// SEG-2025-000001 is Giulia Ricci's (line 2 of the file).
		var found struct {
			Contacts struct {
				Edges []struct {
					Node struct{ Citizen struct{ ID string } }
				}
			}
		}
		api.MustDo(t, coord, `{ contacts(where: {contactRef: "SEG-2025-000001"}) { edges { node { citizen { id } } } } }`, nil, &found)
		if len(found.Contacts.Edges) != 1 {
			t.Fatalf("contact SEG-2025-000001: %+v", found)
		}
		id := found.Contacts.Edges[0].Node.Citizen.ID
		api.MustDo(t, coord, `mutation($id: ID!) { eraseCitizen(id: $id) { id } }`, map[string]any{"id": id}, nil)
		citizens := db.Client.Citizen.Query().CountX(sys(t))

		var out importOut
		r := api.Upload(t, coord, importMutation, nil, "file", "schede.csv", file)
		mustDecode(t, r, &out)
		refused := 0
		for _, e := range out.ImportIntakeCards.Errors {
			if e.Reason == "the contact's citizen was erased" && e.Column == "contact_ref" {
				refused++
			}
		}
		if out.ImportIntakeCards.Accepted || refused == 0 || refused != out.ImportIntakeCards.ErrorCount {
			t.Errorf("importing the erased citizen's rows again: %s", r.Body)
		}
		if n := db.Client.Citizen.Query().CountX(sys(t)); n != citizens {
			t.Errorf("%d citizens after the refused import, %d before", n, citizens)
		}
		if c := readCitizen(t, api, coord, id); c.ErasedAt == nil || c.LastName != "" || c.FiscalCode != nil {
			t.Errorf("the erased citizen after the import: %+v", c)
		}
	})
}

// importSample imports the shared sample as token and returns the file.
func importSample(t *testing.T, api *apitest.API, token string) []byte {
	t.Helper()
	file := readSample(t, "intake-sample.csv")
	if r := api.Upload(t, token, importMutation, nil, "file", "schede.csv", file); !strings.Contains(string(r.Data), `"accepted":true`) {
		t.Fatalf("import: %s", r.Body)
	}
	return file
}

// TestErasureClearsTheReferralReasons: a referral step's reason is free
// text and can name the person; erasure clears it and keeps the step
// (status and date, which the funnel counts).
func TestErasureClearsTheReferralReasons(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		w := newWorld(t, db)
		api := w.api
		const reason = "la figlia Maria non può accompagnarla il martedì"
		api.MustDo(t, w.sw1, `mutation($id: ID!) { moveReferral(id: $id, version: 1, to: ACCEPTED, reason: "`+reason+`") { status } }`,
			map[string]any{"id": w.referral}, nil)
		steps := func() (n int, reasons string) {
			evs := db.Client.ReferralEvent.Query().AllX(sys(t))
			for _, e := range evs {
				reasons += e.Reason
			}
			return len(evs), reasons
		}
		before, reasons := steps()
		if !strings.Contains(reasons, reason) {
			t.Fatalf("the step's reason was not recorded: %q", reasons)
		}
		api.MustDo(t, w.coord, `mutation($id: ID!) { eraseCitizen(id: $id) { id } }`, map[string]any{"id": w.citizen}, nil)
		after, reasons := steps()
		if after != before || reasons != "" {
			t.Errorf("after erasure: %d steps (want %d), reasons %q (want none)", after, before, reasons)
		}
	})
}
