package server_test

import (
	"encoding/json"
	"entgo.io/ent/schema/field"
	"fmt"
	"strings"
	"testing"

	"segretariato/ent/migrate"
	"segretariato/ent/schema/schematype"
	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
)

// TestForeignKeyIDsFollowTheirEdge: every foreign-key id field of the
// schema (citizenID, holderID, contactID, operatorID, …, found by walking
// the schema's object types) reads null for a viewer who cannot see the
// record it names, exactly when its edge does, and the edge's id when the
// edge is visible. Every record of the database is read by every role
// through nodes(ids:), with every foreign key and its edge.
func TestForeignKeyIDsFollowTheirEdge(t *testing.T) {
	s := servedSchema(t)
	pairs := foreignKeyPairs(t, s)
	if len(pairs) < 8 {
		t.Fatalf("found only %d foreign keys: %v", len(pairs), pairs)
	}
	byType := map[string][]fkPair{}
	for _, p := range pairs {
		byType[p.object] = append(byType[p.object], p)
	}
	// One query per type, each within the alias limit.
	var queries []string
	for object, ps := range byType {
		sel := []string{"id"}
		for _, p := range ps {
			// Aliased: operatorID is ID on one type and ID! on another.
			sel = append(sel, object+"_"+p.id+": "+p.id, object+"_"+p.edge+": "+p.edge+" { id }")
		}
		queries = append(queries, `query($ids: [ID!]!) { nodes(ids: $ids) { __typename ... on `+object+" { "+strings.Join(sel, " ")+" } } }")
	}

	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		w := newWorld(t, db)
		api := w.api
		// sw2 records a contact (and refers it on) for a case shared with
		// them; the coordinator then stops sharing it. The contact stays
		// theirs, its citizen is no longer theirs to see.
		share := `mutation($c: ID!, $o: ID!) { shareCitizen(citizenID: $c, operatorID: $o) { id } }`
		api.MustDo(t, w.coord, share, map[string]any{"c": w.citizen, "o": fmt.Sprint(w.sw2ID)}, nil)
		var con struct {
			CreateContact struct{ ID string } `json:"createContact"`
		}
		api.MustDo(t, w.sw2, `mutation($c: ID!) { createContact(input: {citizenID: $c, mainNeedID: "12884901889", occurredAt: "2025-03-15T09:00:00Z",
			channel: PHONE, requester: SELF, targetArea: ELDERLY, responses: [INFORMATION], outcome: INFORMED, notes: "telefonata"}) { id } }`,
			map[string]any{"c": w.citizen}, &con)
		api.MustDo(t, w.coord, `mutation($c: ID!, $o: ID!) { unshareCitizen(citizenID: $c, operatorID: $o) { id } }`,
			map[string]any{"c": w.citizen, "o": fmt.Sprint(w.sw2ID)}, nil)
		// The case list says the same as the edge.
		var list struct {
			Contacts struct {
				Edges []struct {
					Node struct {
						CitizenID *string `json:"citizenID"`
						Citizen   *struct{ ID string }
					}
				}
			}
		}
		api.MustDo(t, w.sw2, `{ contacts { edges { node { citizenID } } } }`, nil, &list)
		if len(list.Contacts.Edges) != 1 || list.Contacts.Edges[0].Node.CitizenID != nil {
			t.Errorf("sw2's case list: %+v, want their contact with citizenID null", list)
		}
		// Nor can a filter on the foreign key probe the id it hides.
		for _, where := range []string{`{citizenID: $c}`, `{citizenIDIn: [$c]}`, `{hasCitizenWith: {idIn: [$c]}}`} {
			var n struct{ Contacts struct{ TotalCount int } }
			api.MustDo(t, w.sw2, `query($c: ID!) { contacts(where: `+where+`) { totalCount } }`, map[string]any{"c": w.citizen}, &n)
			if n.Contacts.TotalCount != 0 {
				t.Errorf("sw2's contacts(where: %s) with the hidden citizen's id counts %d, want 0", where, n.Contacts.TotalCount)
			}
		}
		// A citizen created by the coordinator has no holder; the trail
		// names operators; reference data has its own keys.
		api.MustDo(t, w.coord, `mutation { createCitizen(input: {lastName: "Senza"}) { id } }`, nil, nil)
		_, sw3 := api.Operator(t, schematype.RoleSocialWorker)

		// Every record of every table, as node ids.
		var ids []string
		for _, table := range migrate.Tables {
			if table.Columns[0].Name != "id" || table.Columns[0].Type == field.TypeString {
				continue // join tables, and the kept figures keyed by text (never nodes)
			}
			for _, id := range dbtest.Column[int64](t, db.SQL, "SELECT id FROM "+table.Name) {
				ids = append(ids, fmt.Sprint(id))
			}
		}
		hidden := 0 // foreign keys set in the database whose edge a viewer could not see
		for name, tok := range map[string]string{"sw1": w.sw1, "sw2": w.sw2, "sw3": sw3, "coordinator": w.coord, "analyst": w.an, "admin": w.admin} {
			var nodes []map[string]any
			for _, query := range queries {
				r := api.Do(t, tok, query, map[string]any{"ids": ids})
				var data struct {
					Nodes []map[string]any `json:"nodes"`
				}
				if err := json.Unmarshal(r.Data, &data); err != nil {
					t.Fatalf("%s: %s", name, r.Body)
				}
				nodes = append(nodes, data.Nodes...)
			}
			for _, n := range nodes {
				if n == nil {
					continue
				}
				for _, p := range byType[n["__typename"].(string)] {
					fk, edge := n[p.object+"_"+p.id], n[p.object+"_"+p.edge]
					switch {
					case edge == nil && fk != nil:
						t.Errorf("%s reads %s %v .%s = %v but its %s is null", name, p.object, n["id"], p.id, fk, p.edge)
					case edge != nil && fk != edge.(map[string]any)["id"]:
						t.Errorf("%s reads %s %v .%s = %v, its %s %v", name, p.object, n["id"], p.id, fk, p.edge, edge)
					}
					if edge == nil && p.object == "Contact" && n["id"] == con.CreateContact.ID {
						hidden++
					}
				}
			}
		}
		if hidden == 0 {
			t.Errorf("no viewer met a foreign key it may not follow: the test proves nothing")
		}
	})
}
