package graph_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"segretariato/ent/schema/schematype"
	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
	"segretariato/internal/server/apitest"
)

// entityCase is one entity's round trip through the API: create it, read it
// back through its root connection and through node(id), update one field.
type entityCase struct {
	entity     string // GraphQL type name
	connection string // root connection field
	create     map[string]any
	field      string // a scalar field to read and update
	want       any    // its value after create
	update     any    // its new value
}

func TestEveryEntityCreateQueryUpdateNode(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		api := apitest.New(t, db)
		sw, token := api.Operator(t, schematype.RoleSocialWorker)
		_, coord := api.Operator(t, schematype.RoleCoordinator)
		_, admin := api.Operator(t, schematype.RoleAdmin)
		ids := map[string]string{}
		need := needID(t, api, coord, "ECO_INCOME")
		svc := serviceID(t, api, coord, "SSP")
		cases := []entityCase{
			{"Citizen", "citizens", map[string]any{"fiscalCode": "RCCGLI56B62Z129H", "firstName": "Giulia", "lastName": "Ricci"}, "lastName", "Ricci", "Rossi"},
			{"Contact", "contacts", map[string]any{
				"occurredAt": "2025-03-14T15:45:00Z", "channel": "IN_PERSON", "requester": "SELF",
				"targetArea": "ELDERLY", "responses": []string{"INFORMATION"}, "outcome": "REFERRED_INTERNAL",
				"mainNeedID": need, "durationMinutes": 30,
			}, "durationMinutes", 30, 45},
			{"Referral", "referrals", nil, "notes", "prima visita", "seconda visita"},
			{"NeedCategory", "needCategories", map[string]any{"code": "ECO_RENT", "macroArea": "ECONOMIC", "labelIt": "Affitto", "labelEn": "Rent"}, "labelIt", "Affitto", "Canone d'affitto"},
			{"Service", "services", map[string]any{"code": "EMPORIO", "name": "Emporio solidale", "provider": "THIRD_SECTOR", "kind": "SOCIO_ASSISTENZIALE", "targetAreas": []string{"ADULTS"}}, "name", "Emporio solidale", "Emporio della solidarietà"},
			{"TrainingPlan", "trainingPlans", map[string]any{"year": 2025, "title": "Piano formativo 2025"}, "title", "Piano formativo 2025", "Piano 2025"},
			{"Training", "trainings", map[string]any{"title": "Tutela minori", "date": "2025-05-06T00:00:00Z", "days": 1.5, "attendeeIDs": []string{fmt.Sprint(sw.ID)}}, "days", 1.5, 2.0},
			{"Location", "locations", map[string]any{"name": "Municipio", "address": "Piazza Camillo Ripamonti 1", "accessible": true, "reservedRooms": true}, "name", "Municipio", "Palazzo comunale"},
			{"OpeningHour", "openingHours", map[string]any{"weekday": 1, "start": "15:30", "end": "17:00"}, "end", "17:00", "17:30"},
			{"OpeningSession", "openingSessions", map[string]any{"startsAt": "2025-03-10T14:30:00Z", "endsAt": "2025-03-10T16:00:00Z"}, "notes", "", "sostituzione"},
			{"TimetablePublication", "timetablePublications", map[string]any{"publishedOn": "2025-01-15T00:00:00Z", "medium": "PERIODICAL"}, "reference", "", "Gorgonzola Informa n. 1"},
			{"SatisfactionSurvey", "satisfactionSurveys", map[string]any{"year": 2025, "title": "Rilevazione 2025"}, "title", "Rilevazione 2025", "Rilevazione annuale 2025"},
			{"Operator", "operators", nil, "name", sw.Name, "Anna Verdi"},
		}
		for _, tc := range cases {
			t.Run(tc.entity, func(t *testing.T) {
				var id string
				switch tc.entity {
				case "Operator":
					id = fmt.Sprint(sw.ID)
				case "Referral":
					var out struct {
						CreateReferral struct{ ID string } `json:"createReferral"`
					}
					api.MustDo(t, token, `mutation($c: ID!, $s: ID!) { createReferral(input: {contactID: $c, serviceID: $s, notes: "prima visita"}) { id } }`,
						map[string]any{"c": ids["Contact"], "s": svc}, &out)
					id = out.CreateReferral.ID
				default:
					var out map[string]struct {
						ID string `json:"id"`
					}
					api.MustDo(t, writer(tc.entity, token, coord, admin), fmt.Sprintf(`mutation($in: Create%sInput!) { create%s(input: $in) { id } }`, tc.entity, tc.entity),
						map[string]any{"in": tc.create}, &out)
					id = out["create"+tc.entity].ID
				}
				ids[tc.entity] = id
				// Root connection, filtered by id.
				var conn map[string]struct {
					TotalCount int `json:"totalCount"`
					Edges      []struct {
						Node map[string]any `json:"node"`
					} `json:"edges"`
				}
				api.MustDo(t, coord, fmt.Sprintf(`query($id: ID!) { %s(where: {id: $id}) { totalCount edges { node { id %s } } } }`, tc.connection, tc.field),
					map[string]any{"id": id}, &conn)
				c := conn[tc.connection]
				if c.TotalCount != 1 || len(c.Edges) != 1 {
					t.Fatalf("%s(where: {id}) gave %d rows, want 1", tc.connection, c.TotalCount)
				}
				if got := c.Edges[0].Node[tc.field]; !same(got, tc.want) {
					t.Errorf("%s after create = %v, want %v", tc.field, got, tc.want)
				}
				// Update.
				var upd map[string]map[string]any
				args, vars := "id: $id, input: $in", map[string]any{"id": id, "in": map[string]any{tc.field: tc.update}}
				if tc.entity == "Citizen" || tc.entity == "Contact" || tc.entity == "Referral" {
					args, vars["v"] = "id: $id, version: $v, input: $in", 1
				}
				api.MustDo(t, writer(tc.entity, token, coord, admin), fmt.Sprintf(`mutation($id: ID!, $in: Update%sInput!%s) { update%s(%s) { id %s } }`,
					tc.entity, versionVar(vars), tc.entity, args, tc.field), vars, &upd)
				if got := upd["update"+tc.entity][tc.field]; !same(got, tc.update) {
					t.Errorf("%s after update = %v, want %v", tc.field, got, tc.update)
				}
				// node(id) round trip.
				var node struct {
					Node map[string]any `json:"node"`
				}
				api.MustDo(t, coord, fmt.Sprintf(`query($id: ID!) { node(id: $id) { __typename id ... on %s { %s } } }`, tc.entity, tc.field),
					map[string]any{"id": id}, &node)
				if node.Node["__typename"] != tc.entity || node.Node["id"] != id || !same(node.Node[tc.field], tc.update) {
					t.Errorf("node(%s) = %v, want the updated %s", id, node.Node, tc.entity)
				}
			})
		}
		// nodes(ids) resolves ids of different types at once.
		var nodes struct {
			Nodes []struct {
				Typename string `json:"__typename"`
			} `json:"nodes"`
		}
		api.MustDo(t, coord, `query($ids: [ID!]!) { nodes(ids: $ids) { __typename } }`,
			map[string]any{"ids": []string{ids["Citizen"], ids["Service"], ids["Contact"]}}, &nodes)
		if len(nodes.Nodes) != 3 || nodes.Nodes[0].Typename != "Citizen" || nodes.Nodes[1].Typename != "Service" || nodes.Nodes[2].Typename != "Contact" {
			t.Errorf("nodes = %+v, want Citizen, Service, Contact", nodes.Nodes)
		}
	})
}

// writer picks who writes an entity: the social worker records citizens
// and contacts, the admin manages operators, the coordinator the rest.
func writer(entity, socialWorker, coordinator, admin string) string {
	switch entity {
	case "Citizen", "Contact":
		return socialWorker
	case "Operator":
		return admin
	}
	return coordinator
}

// same compares a JSON-decoded value with a Go literal.
func same(got, want any) bool {
	if want == "" && got == nil {
		return true
	}
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if string(g) == string(w) {
		return true
	}
	// JSON numbers: 2 and 2.0 are the same float.
	var gf, wf float64
	return json.Unmarshal(g, &gf) == nil && json.Unmarshal(w, &wf) == nil && gf == wf
}

func needID(t *testing.T, api *apitest.API, token, code string) string {
	t.Helper()
	var out struct {
		NeedCategories struct {
			Edges []struct{ Node struct{ ID string } } `json:"edges"`
		} `json:"needCategories"`
	}
	api.MustDo(t, token, `query($c: String!) { needCategories(where: {code: $c}) { edges { node { id } } } }`, map[string]any{"c": code}, &out)
	if len(out.NeedCategories.Edges) != 1 {
		t.Fatalf("need %s not found", code)
	}
	return out.NeedCategories.Edges[0].Node.ID
}

func serviceID(t *testing.T, api *apitest.API, token, code string) string {
	t.Helper()
	var out struct {
		Services struct {
			Edges []struct{ Node struct{ ID string } } `json:"edges"`
		} `json:"services"`
	}
	api.MustDo(t, token, `query($c: String!) { services(where: {code: $c}) { edges { node { id } } } }`, map[string]any{"c": code}, &out)
	if len(out.Services.Edges) != 1 {
		t.Fatalf("service %s not found", code)
	}
	return out.Services.Edges[0].Node.ID
}

func versionVar(vars map[string]any) string {
	if _, ok := vars["v"]; ok {
		return ", $v: Int!"
	}
	return ""
}
