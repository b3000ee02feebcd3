package graph_test

import (
	"testing"

	"segretariato/ent/schema/schematype"
	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
	"segretariato/internal/server/apitest"
)

const createCitizen = `mutation($in: CreateCitizenInput!) {
  createCitizen(input: $in) { id fiscalCode firstName lastName birthDate sex district holder { email } }
}`

type citizenOut struct {
	ID         string  `json:"id"`
	FiscalCode *string `json:"fiscalCode"`
	FirstName  string  `json:"firstName"`
	LastName   string  `json:"lastName"`
	BirthDate  *string `json:"birthDate"`
	Sex        *string `json:"sex"`
	District   *string `json:"district"`
	Holder     *struct {
		Email string `json:"email"`
	} `json:"holder"`
}

// mustCreateCitizen creates a citizen through the API and returns it.
func mustCreateCitizen(t *testing.T, api *apitest.API, token string, in map[string]any) citizenOut {
	t.Helper()
	var out struct {
		CreateCitizen citizenOut `json:"createCitizen"`
	}
	api.MustDo(t, token, createCitizen, map[string]any{"in": in}, &out)
	return out.CreateCitizen
}

func TestCitizenCreateReadsTheFiscalCode(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		api := apitest.New(t, db)
		sw, token := api.Operator(t, schematype.RoleSocialWorker)
		// A woman born on 22 February 1956 in Romania (Z129): day 62 = 22 + 40.
		c := mustCreateCitizen(t, api, token, map[string]any{
			"fiscalCode": " rccgli56b62z129h ", "firstName": "Giulia", "lastName": "Ricci",
			"district": "  Villaggio   Argentia ",
		})
		if c.FiscalCode == nil || *c.FiscalCode != "RCCGLI56B62Z129H" {
			t.Errorf("fiscal code stored as %v, want upper-case and trimmed", c.FiscalCode)
		}
		if c.BirthDate == nil || (*c.BirthDate)[:10] != "1956-02-22" {
			t.Errorf("birth date %v, want 1956-02-22 from the fiscal code", c.BirthDate)
		}
		if c.Sex == nil || *c.Sex != "F" {
			t.Errorf("sex %v, want F from the fiscal code", c.Sex)
		}
		if c.District == nil || *c.District != "Villaggio Argentia" {
			t.Errorf("district %v, want spaces collapsed", c.District)
		}
		if c.Holder == nil || c.Holder.Email != sw.Email {
			t.Errorf("holder %v, want the social worker who created the citizen", c.Holder)
		}
	})
}

func TestCitizenCreateRefusesBadInput(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		api := apitest.New(t, db)
		_, token := api.Operator(t, schematype.RoleSocialWorker)
		cases := []struct {
			name  string
			in    map[string]any
			field string
		}{
			{"wrong check letter", map[string]any{"fiscalCode": "RSSMRA80A01F205Y"}, "fiscalCode"},
			{"too short", map[string]any{"fiscalCode": "RSSMRA80A01"}, "fiscalCode"},
			{"birth date contradicts the code", map[string]any{"fiscalCode": "RCCGLI56B62Z129H", "birthDate": "1956-02-23T00:00:00Z"}, "birthDate"},
			{"sex contradicts the code", map[string]any{"fiscalCode": "RCCGLI56B62Z129H", "sex": "M"}, "sex"},
			{"citizenship not a country code", map[string]any{"citizenship": "I1"}, "citizenship"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				r := api.Do(t, token, createCitizen, map[string]any{"in": tc.in})
				if r.Code() != "INVALID" {
					t.Fatalf("code %q, want INVALID; body %s", r.Code(), r.Body)
				}
				if got := r.Errors[0].Extensions["field"]; got != tc.field {
					t.Errorf("field %v, want %s", got, tc.field)
				}
				n, err := db.Client.Citizen.Query().Count(sys(t))
				if err != nil || n != 0 {
					t.Errorf("citizens after refusal: %d (%v), want 0", n, err)
				}
			})
		}
	})
}
