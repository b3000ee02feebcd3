package server_test

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"

	"segretariato/ent/schema/schematype"
	"segretariato/graph/generated"
	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
	"segretariato/internal/metrics"
	"segretariato/internal/server"
	"segretariato/internal/server/apitest"
)

// allowList is who may call each root field, as the product intends it.
// It is kept here, apart from internal/access, so that a change of either
// shows; a field of the schema missing here fails the test.
var allowList = map[string]string{
	// Queries: S social worker, C coordinator, A analyst, D admin.
	"Query.me": "SCAD", "Query.node": "SCAD", "Query.nodes": "SCAD",
	"Query.citizens": "SC", "Query.contacts": "SC", "Query.referrals": "SC",
	"Query.needCategories": "SCAD", "Query.services": "SCAD", "Query.operators": "SCAD",
	"Query.locations": "SCAD", "Query.openingHours": "SCAD", "Query.openingSessions": "SCAD",
	"Query.timetablePublications": "SCAD", "Query.trainings": "SCAD", "Query.trainingPlans": "SCAD",
	"Query.satisfactionSurveys": "SCAD",
	"Query.demand":              "CA", "Query.referralFunnel": "CA", "Query.caseload": "C", "Query.qualityReport": "C",
	"Query.auditEvents": "CD", "Query.citizenAuditTrail": "CD", "Query.searchedFor": "CD", "Query.citizenData": "C",
	"Query.citizenMatches": "C",
	// Mutations.
	"Mutation.createCitizen": "SC", "Mutation.updateCitizen": "SC", "Mutation.withdrawConsent": "SC",
	"Mutation.createContact": "SC", "Mutation.updateContact": "SC",
	"Mutation.createReferral": "SC", "Mutation.updateReferral": "SC", "Mutation.moveReferral": "SC",
	"Mutation.shareCitizen": "C", "Mutation.unshareCitizen": "C", "Mutation.reassignCitizen": "C",
	"Mutation.eraseCitizen": "C", "Mutation.importIntakeCards": "C", "Mutation.confirmCitizenMatch": "C",
	"Mutation.createNeedCategory": "CD", "Mutation.updateNeedCategory": "CD", "Mutation.deleteNeedCategory": "CD",
	"Mutation.createService": "CD", "Mutation.updateService": "CD", "Mutation.deleteService": "CD",
	"Mutation.updateOperator": "CD",
	"Mutation.createTraining": "CD", "Mutation.updateTraining": "CD",
	"Mutation.createTrainingPlan": "CD", "Mutation.updateTrainingPlan": "CD",
	"Mutation.createLocation": "CD", "Mutation.updateLocation": "CD",
	"Mutation.createOpeningHour": "CD", "Mutation.updateOpeningHour": "CD",
	"Mutation.createOpeningSession": "CD", "Mutation.updateOpeningSession": "CD",
	"Mutation.createTimetablePublication": "CD", "Mutation.updateTimetablePublication": "CD",
	"Mutation.createSatisfactionSurvey": "CD", "Mutation.updateSatisfactionSurvey": "CD",
	"Mutation.createSurveyResponse": "CD",
}

var roleLetters = map[schematype.Role]byte{
	schematype.RoleSocialWorker: 'S', schematype.RoleCoordinator: 'C',
	schematype.RoleAnalyst: 'A', schematype.RoleAdmin: 'D',
}

// TestRoleMatrix calls every Query and Mutation field of the schema as
// each role, with arguments made up from their types, and checks the
// answer against allowList: a refused role gets FORBIDDEN; an allowed one
// reaches the resolver (which may still say NOT_FOUND or INVALID).
func TestRoleMatrix(t *testing.T) {
	db := dbtest.Open(t, "sqlite3", database.Options{})
	api := apitest.New(t, db)
	schema := generated.NewExecutableSchema(generated.Config{}).Schema()
	tokens := map[schematype.Role]string{}
	for role := range roleLetters {
		_, tokens[role] = api.Operator(t, role)
	}
	seen := map[string]bool{}
	for _, root := range []*ast.Definition{schema.Query, schema.Mutation} {
		for _, f := range root.Fields {
			if strings.HasPrefix(f.Name, "__") {
				continue
			}
			key := root.Name + "." + f.Name
			seen[key] = true
			allowed, ok := allowList[key]
			if !ok {
				t.Errorf("%s has no entry in the allow-list: decide who may call it", key)
				continue
			}
			op := "query"
			if root == schema.Mutation {
				op = "mutation"
			}
			for role, letter := range roleLetters {
				t.Run(key+"/"+string(role), func(t *testing.T) {
					r := call(t, api, tokens[role], schema, op, f)
					// Refused by role, before the resolver: not a refusal of
					// the made-up record by the privacy rules.
					refused := r.Status == http.StatusOK && r.Code() == "FORBIDDEN" &&
						strings.HasPrefix(r.Errors[0].Message, "your role may not use")
					if want := strings.IndexByte(allowed, letter) < 0; refused != want {
						t.Errorf("%s as %s: refused=%v, want refused=%v; %s", key, role, refused, want, r.Body)
					}
					// Made-up arguments may be refused, never crash a resolver.
					if r.Status >= 500 || r.Code() == "INTERNAL" {
						t.Errorf("%s as %s: internal error: %s", key, role, r.Body)
					}
				})
			}
		}
	}
	var stale []string
	for k := range allowList {
		if !seen[k] {
			stale = append(stale, k)
		}
	}
	sort.Strings(stale)
	for _, k := range stale {
		t.Errorf("allow-list entry %s is not in the schema", k)
	}
}

// call sends one root field with made-up arguments.
func call(t *testing.T, api *apitest.API, token string, schema *ast.Schema, op string, f *ast.FieldDefinition) apitest.Response {
	t.Helper()
	var args []string
	vars := map[string]any{}
	var decls []string
	upload := ""
	for _, a := range f.Arguments {
		if !a.Type.NonNull {
			continue
		}
		if a.Type.NamedType == "Upload" {
			upload = a.Name
			decls = append(decls, "$"+a.Name+": Upload!")
			args = append(args, a.Name+": $"+a.Name)
			continue
		}
		decls = append(decls, "$"+a.Name+": "+a.Type.String())
		args = append(args, a.Name+": $"+a.Name)
		vars[a.Name] = sampleValue(schema, a.Type, 0)
	}
	q := op
	if len(decls) > 0 {
		q += "(" + strings.Join(decls, ", ") + ")"
	}
	q += " { " + f.Name
	if len(args) > 0 {
		q += "(" + strings.Join(args, ", ") + ")"
	}
	if def := schema.Types[f.Type.Name()]; def != nil && (def.Kind == ast.Object || def.Kind == ast.Interface) {
		q += " { __typename }"
	}
	q += " }"
	if upload != "" {
		return api.Upload(t, token, q, vars, upload, "contacts.csv", []byte("contact_ref\n"))
	}
	return api.Do(t, token, q, vars)
}

// sampleValue makes a value of a GraphQL input type, filling required fields.
func sampleValue(schema *ast.Schema, typ *ast.Type, depth int) any {
	if typ.Elem != nil {
		return []any{sampleValue(schema, typ.Elem, depth+1)}
	}
	switch typ.NamedType {
	case "ID":
		return "1"
	case "Int":
		return 1
	case "Float":
		return 1.5
	case "Boolean":
		return false
	case "String":
		return "x"
	case "Time":
		return "2025-01-01T00:00:00Z"
	case "Cursor":
		return nil
	}
	def := schema.Types[typ.NamedType]
	switch {
	case def == nil:
		return nil
	case def.Kind == ast.Enum:
		return def.EnumValues[0].Name
	case def.Kind == ast.InputObject && depth < 4:
		obj := map[string]any{}
		for _, fd := range def.Fields {
			if fd.Type.NonNull {
				obj[fd.Name] = sampleValue(schema, fd.Type, depth+1)
			}
		}
		return obj
	}
	panic(fmt.Sprintf("no sample for %s", typ.NamedType))
}

// routeList is who may request each route of the server, as the product
// intends it, kept apart from internal/access like allowList: the roles'
// letters, "open" for a route any caller reaches without a token, and
// "signed in" for /graphql, which takes any operator and leaves the rest
// to allowList. A route the server registers missing here fails the test.
var routeList = map[string]string{
	"GET /export/contacts.csv": "C",
	"GET /export/demand.csv":   "CA",
	"/graphql":                 "signed in",
	"GET /healthz":             "open",
	"GET /readyz":              "open",
	"GET /metrics":             "open",
	"GET /{$}":                 "open",
	"GET /graphiql/":           "open",
}

// TestRouteMatrix requests every route the server registers (with the
// development pages and metrics on, so that all of them are) as each role
// and without a token, through the real handler, and checks the answer
// against routeList: a refused role gets 403, a missing token on
// a route that needs one 401; an allowed request is neither, nor a 5xx.
func TestRouteMatrix(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		withAll := func(o *server.Options) { o.Development, o.Metrics = true, metrics.New(db.SQL) }
		api := apitest.New(t, db, withAll)
		routes, err := server.Routes(apitest.Options(t, db, nil, withAll))
		if err != nil {
			t.Fatal(err)
		}
		tokens := map[schematype.Role]string{}
		for role := range roleLetters {
			_, tokens[role] = api.Operator(t, role)
		}
		seen := map[string]bool{}
		for _, pattern := range routes {
			seen[pattern] = true
			want, ok := routeList[pattern]
			if !ok {
				t.Errorf("route %s has no entry in the route list: decide who may request it", pattern)
				continue
			}
			path := pattern[strings.IndexByte(pattern, '/'):]
			path = strings.TrimSuffix(path, "{$}")
			t.Run(pattern+"/no token", func(t *testing.T) {
				rec := getWith(api, "", path) // "Bearer " and no token
				if got, needs := rec.Code == http.StatusUnauthorized, want != "open"; got != needs {
					t.Errorf("%s without a token: %d, want 401=%v; %s", pattern, rec.Code, needs, rec.Body)
				}
			})
			for role, letter := range roleLetters {
				t.Run(pattern+"/"+string(role), func(t *testing.T) {
					rec := getWith(api, tokens[role], path)
					allowed := want == "open" || want == "signed in" || strings.IndexByte(want, letter) >= 0
					if allowed {
						if rec.Code == http.StatusForbidden || rec.Code == http.StatusUnauthorized || rec.Code >= 500 {
							t.Errorf("%s as %s: %d, want it served; %s", pattern, role, rec.Code, rec.Body)
						}
						return
					}
					if rec.Code != http.StatusForbidden {
						t.Errorf("%s as %s: %d, want 403; %s", pattern, role, rec.Code, rec.Body)
					}
				})
			}
		}
		for pattern := range routeList {
			if !seen[pattern] {
				t.Errorf("route list entry %s is not served", pattern)
			}
		}
	})
}
