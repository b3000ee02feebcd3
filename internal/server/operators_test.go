package server_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"

	"segretariato/ent"
	"segretariato/ent/auditevent"
	"segretariato/ent/schema/schematype"
	"segretariato/graph/generated"
	"segretariato/internal/auth"
	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
	"segretariato/internal/server/apitest"
)

// mayChangeOperator is who may change which field of which operator, as
// the product intends it, kept apart from internal/access so that a change
// of either shows. Nobody changes their own record but their name; only
// the coordinator and the admin change operators; only a coordinator makes
// a coordinator or changes one, and only a coordinator changes whom an
// operator is at the identity provider (e-mail, OIDC subject): else an
// admin could take over a social worker's identity, and their cases.
func mayChangeOperator(actor schematype.Role, self bool, target schematype.Role, field string, value any) bool {
	if actor != schematype.RoleCoordinator && actor != schematype.RoleAdmin {
		return false
	}
	if self && field != "name" {
		return false
	}
	if actor == schematype.RoleAdmin && (target == schematype.RoleCoordinator || field == "role" && value == string(schematype.RoleCoordinator)) {
		return false
	}
	if actor == schematype.RoleAdmin && (field == "email" || field == "oidcSubject" || field == "clearOidcSubject") {
		return false
	}
	return true
}

// operatorInputs are the schema's inputs that change operators, and the
// mutation that takes each. A new one (a createOperator) fails the test
// until its cases are written.
var operatorInputs = map[string]string{"UpdateOperatorInput": "updateOperator"}

// operatorChanges gives, for a field of UpdateOperatorInput, the values to
// try on an operator: each different from what it holds. prepare (may be
// nil) sets the operator up first (a subject to clear). A field without
// an entry fails the test: decide who may change it.
func operatorChanges(schema *ast.Schema, field string, n int) (values []any, prepare func(*ent.OperatorUpdateOne)) {
	switch field {
	case "name":
		return []any{fmt.Sprintf("Nome Nuovo %d", n)}, nil
	case "email":
		return []any{fmt.Sprintf("nuovo%d@comune.example.it", n)}, nil
	case "role":
		for _, v := range schema.Types["Role"].EnumValues {
			values = append(values, v.Name)
		}
		return values, nil
	case "active":
		return []any{false}, nil
	case "oidcSubject":
		return []any{fmt.Sprintf("idp-new-%d", n)}, nil
	case "clearOidcSubject":
		return []any{true}, func(u *ent.OperatorUpdateOne) { u.SetOidcSubject(fmt.Sprintf("idp-old-%d", n)) }
	}
	return nil, nil
}

type operatorState struct {
	Name, Email string
	Role        schematype.Role
	Active      bool
	Subject     string
}

func stateOf(t *testing.T, db *database.DB, id int) operatorState {
	t.Helper()
	op := db.Client.Operator.GetX(sys(t), id)
	s := operatorState{Name: op.Name, Email: op.Email, Role: op.Role, Active: op.Active}
	if op.OidcSubject != nil {
		s.Subject = *op.OidcSubject
	}
	return s
}

// TestOperatorChangesByRole tries every field of the operators' inputs, as
// every role, on the caller's own record and on an operator of each role,
// through the handler: a refused change is FORBIDDEN and changes nothing;
// an allowed one is saved and audited with the values before and after.
func TestOperatorChangesByRole(t *testing.T) {
	schema := generated.NewExecutableSchema(generated.Config{}).Schema()
	for _, f := range schema.Mutation.Fields {
		for _, a := range f.Arguments {
			if name := a.Type.Name(); strings.HasSuffix(name, "OperatorInput") && operatorInputs[name] != f.Name {
				t.Errorf("%s takes %s: add its cases to this test", f.Name, name)
			}
		}
	}
	input := schema.Types["UpdateOperatorInput"]
	roles := []schematype.Role{schematype.RoleSocialWorker, schematype.RoleCoordinator, schematype.RoleAnalyst, schematype.RoleAdmin}
	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		api := apitest.New(t, db)
		n := 0
		for _, actorRole := range roles {
			for _, targetRole := range append([]schematype.Role{""}, roles...) {
				self := targetRole == ""
				for _, fd := range input.Fields {
					n++
					values, prepare := operatorChanges(schema, fd.Name, n)
					if values == nil {
						t.Fatalf("UpdateOperatorInput.%s has no sample value: add one to operatorChanges and decide who may change it", fd.Name)
					}
					for _, value := range values {
						tr := targetRole
						if self {
							tr = actorRole
						}
						if fd.Name == "role" && value == string(tr) {
							continue // not a change
						}
						name := fmt.Sprintf("%s on %s: %s=%v", actorRole, or(string(targetRole), "self"), fd.Name, value)
						t.Run(name, func(t *testing.T) {
							actor, token := api.Operator(t, actorRole)
							target := actor
							if !self {
								target, _ = api.Operator(t, targetRole)
							}
							if prepare != nil {
								u := db.Client.Operator.UpdateOneID(target.ID)
								prepare(u)
								u.ExecX(sys(t))
							}
							before := stateOf(t, db, target.ID)
							r := api.Do(t, token, `mutation($id: ID!, $in: UpdateOperatorInput!) { updateOperator(id: $id, input: $in) { id } }`,
								map[string]any{"id": strconv.Itoa(target.ID), "in": map[string]any{fd.Name: value}})
							after := stateOf(t, db, target.ID)
							if !mayChangeOperator(actorRole, self, tr, fd.Name, value) {
								if r.Code() != "FORBIDDEN" || after != before {
									t.Errorf("want refused and nothing changed: %s; before %+v, after %+v", r.Body, before, after)
								}
								return
							}
							if len(r.Errors) > 0 || after == before {
								t.Fatalf("want the change saved: %s; before %+v, after %+v", r.Body, before, after)
							}
							ev, err := db.Client.AuditEvent.Query().Where(auditevent.Entity("Operator"), auditevent.EntityID(target.ID),
								auditevent.Action("UPDATE"), auditevent.OperatorID(actor.ID)).Only(sys(t))
							if err != nil {
								t.Fatalf("the change's audit event: %v", err)
							}
							field := map[string]string{"oidcSubject": "oidc_subject", "clearOidcSubject": "oidc_subject"}[fd.Name]
							if !strings.Contains(ev.Detail, or(field, fd.Name)+": ") {
								t.Errorf("the audit event does not say what changed: %q", ev.Detail)
							}
							if fd.Name == "role" && !strings.Contains(ev.Detail, fmt.Sprintf(`role: "%s" → "%s"`, before.Role, after.Role)) {
								t.Errorf("the audit event of a change of role: %q, want before and after", ev.Detail)
							}
						})
					}
				}
			}
		}
	})
}

func or(s, dflt string) string {
	if s == "" {
		return dflt
	}
	return s
}

// TestAnAdminCannotBecomeCoordinator is the climb as it was tried from
// outside: an admin makes itself coordinator to read the fiscal codes.
// Nor may it create a coordinator, by any path that reaches the privacy
// rules; the command line can.
func TestAnAdminCannotBecomeCoordinator(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		w := newWorld(t, db)
		var me struct{ Me struct{ ID string } }
		w.api.MustDo(t, w.admin, `{ me { id } }`, nil, &me)
		r := w.api.Do(t, w.admin, `mutation($id: ID!) { updateOperator(id: $id, input: {role: COORDINATOR}) { role } }`, map[string]any{"id": me.Me.ID})
		if r.Code() != "FORBIDDEN" {
			t.Fatalf("an admin made itself coordinator: %s", r.Body)
		}
		if r := w.api.Do(t, w.admin, `{ citizens(first: 5) { edges { node { fiscalCode } } } }`, nil); r.Code() != "FORBIDDEN" || strings.Contains(string(r.Body), "RCCGLI56B62Z129H") {
			t.Errorf("the admin reads citizens: %s", r.Body)
		}
		id, _ := strconv.Atoi(me.Me.ID)
		admin := auth.WithViewer(t.Context(), &auth.Viewer{OperatorID: id, Email: "admin@comune.example.it", Role: schematype.RoleAdmin})
		err := db.Client.Operator.Create().SetName("Nuovo").SetEmail("nuovo.coord@comune.example.it").SetRole(schematype.RoleCoordinator).Exec(admin)
		if err == nil {
			t.Error("an admin created a coordinator")
		}
		if err := db.Client.Operator.Create().SetName("Nuovo").SetEmail("nuovo.sw@comune.example.it").SetRole(schematype.RoleSocialWorker).Exec(admin); err != nil {
			t.Errorf("an admin may create a social worker: %v", err)
		}
		if err := db.Client.Operator.Update().SetRole(schematype.RoleCoordinator).Exec(admin); err == nil {
			t.Error("an admin changed operators in bulk")
		}
		if n := db.Client.Operator.Query().CountX(sys(t)); n != 6 {
			t.Errorf("%d operators, want the world's 5 and the social worker", n)
		}
	})
}
