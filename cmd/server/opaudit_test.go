package main

import (
	"os/user"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"segretariato/ent/schema/schematype"
	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
	"segretariato/internal/server/apitest"
	"segretariato/internal/wiring"
)

type trailEvent struct {
	OperatorID    *int
	OperatorEmail string
	Role          string
	Action        string
	Entity        string
	EntityID      *int
	ClientAddr    string
	Detail        string
}

// trail reads the audit events of an entity id through the API, as an
// admin would, oldest first.
func trail(t *testing.T, api *apitest.API, token string, id int) []trailEvent {
	t.Helper()
	var out struct {
		AuditEvents struct {
			Edges []struct{ Node trailEvent }
		} `json:"auditEvents"`
	}
	api.MustDo(t, token, `query($id: Int!) { auditEvents(first: 50, where: {entity: "Operator", entityID: $id}, orderBy: [{field: AT}]) {
		edges { node { operatorID operatorEmail role action entity entityID clientAddr detail } } } }`, map[string]any{"id": id}, &out)
	var evs []trailEvent
	for _, e := range out.AuditEvents.Edges {
		evs = append(evs, e.Node)
	}
	return evs
}

// TestOperatorCommandsAreAudited checks that what the command line does to
// operators — create one (a coordinator, which no admin may), deactivate
// one, rotate a token — is in the audit trail as the command line's, with
// the OS user who ran it and the values before and after, never a token.
func TestOperatorCommandsAreAudited(t *testing.T) {
	for _, kind := range dbtest.Kinds(t) {
		t.Run(kind, func(t *testing.T) { commandLineTrail(t, freshURL(t, kind)) })
	}
}

func commandLineTrail(t *testing.T, dbURL string) {
	out, _, err := cli(t, dbURL, "operator", "add", "--email", "m.rossi@comune.example.it", "--name", "Maria Rossi", "--role", "COORDINATOR")
	if err != nil {
		t.Fatal(err)
	}
	db, err := wiring.Open(t.Context(), dbURL, database.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	api := apitest.New(t, db)
	_, admin := api.Operator(t, schematype.RoleAdmin)
	token := strings.TrimSpace(out)
	var me struct{ Me struct{ ID string } }
	api.MustDo(t, token, `{ me { id } }`, nil, &me)
	id, _ := strconv.Atoi(me.Me.ID)
	if _, _, err := cli(t, dbURL, "operator", "rotate-token", "--email", "m.rossi@comune.example.it"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := cli(t, dbURL, "operator", "deactivate", "--email", "m.rossi@comune.example.it"); err != nil {
		t.Fatal(err)
	}

	evs := trail(t, api, admin, id)
	want := []struct{ action, detail string }{
		{"CREATE", `role: "COORDINATOR"`},
		{"UPDATE", "token_hash: replaced"},
		{"UPDATE", "active: true → false"},
	}
	if len(evs) != len(want) {
		t.Fatalf("the trail of the operator has %d events, want %d: %+v", len(evs), len(want), evs)
	}
	who := "command line (OS user "
	if u, err := user.Current(); err == nil {
		who += u.Username
	}
	for i, w := range want {
		e := evs[i]
		if e.Action != w.action || !strings.Contains(e.Detail, w.detail) || e.OperatorID != nil || e.Role != "COMMAND_LINE" ||
			e.EntityID == nil || *e.EntityID != id || !strings.HasPrefix(e.ClientAddr, who) {
			t.Errorf("event %d: %+v; want %s with %q by %q", i, e, w.action, w.detail, who)
		}
		if regexp.MustCompile(`seg_|[0-9a-f]{64}`).MatchString(e.Detail) {
			t.Errorf("event %d shows a token or its hash: %q", i, e.Detail)
		}
	}
}
