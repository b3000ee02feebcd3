// Package access decides who may do what: which roles may call each root
// field of the API (this file), which records each operator may see and
// change (the ent privacy policies in policy.go), and which fields of a
// record they may read (personal.go, foreignkeys.go, filterguard.go).
// Everything is denied unless a rule here grants it.
package access

import (
	"context"
	"slices"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"segretariato/ent/schema/schematype"
	"segretariato/internal/apperr"
	"segretariato/internal/auth"
)

var (
	sw      = schematype.RoleSocialWorker
	coord   = schematype.RoleCoordinator
	analyst = schematype.RoleAnalyst
	admin   = schematype.RoleAdmin

	everyone  = []schematype.Role{sw, coord, analyst, admin}
	casework  = []schematype.Role{sw, coord}
	reference = []schematype.Role{coord, admin}
)

// RootFields lists, for each root field of the API, the roles that may
// call it, and under Route, for each HTTP route that serves data outside
// GraphQL (its mux pattern, "GET /export/contacts.csv"), the roles that may
// request it. A field or route that is not listed is refused to everyone:
// adding a field to the schema or a download to the server means deciding
// here who may use it.
var RootFields = map[string]map[string][]schematype.Role{
	"Query": {
		"me": everyone, "node": everyone, "nodes": everyone,
		"citizens": casework, "contacts": casework, "referrals": casework,
		"needCategories": everyone, "services": everyone, "operators": everyone,
		"locations": everyone, "openingHours": everyone, "openingSessions": everyone,
		"timetablePublications": everyone, "trainings": everyone, "trainingPlans": everyone,
		"satisfactionSurveys": everyone,
		"auditEvents":         {coord, admin},
		"citizenAuditTrail":   {coord, admin},
		"searchedFor":         {coord, admin},
		"citizenData":         {coord},
		"citizenMatches":      {coord},
		"demand":              {coord, analyst},
		"referralFunnel":      {coord, analyst},
		"caseload":            {coord},
		"qualityReport":       {coord},
	},
	"Mutation": {
		"createCitizen": casework, "updateCitizen": casework, "withdrawConsent": casework,
		"createContact": casework, "updateContact": casework,
		"createReferral": casework, "updateReferral": casework, "moveReferral": casework,
		"shareCitizen": {coord}, "unshareCitizen": {coord}, "reassignCitizen": {coord}, "confirmCitizenMatch": {coord},
		"eraseCitizen": {coord}, "importIntakeCards": {coord},
		"createNeedCategory": reference, "updateNeedCategory": reference, "deleteNeedCategory": reference,
		"createService": reference, "updateService": reference, "deleteService": reference,
		"updateOperator": {coord, admin},
		"createTraining": reference, "updateTraining": reference,
		"createTrainingPlan": reference, "updateTrainingPlan": reference,
		"createLocation": reference, "updateLocation": reference,
		"createOpeningHour": reference, "updateOpeningHour": reference,
		"createOpeningSession": reference, "updateOpeningSession": reference,
		"createTimetablePublication": reference, "updateTimetablePublication": reference,
		"createSatisfactionSurvey": reference, "updateSatisfactionSurvey": reference,
		"createSurveyResponse": reference,
	},
	Route: {
		"GET /export/contacts.csv": {coord},
		"GET /export/demand.csv":   {coord, analyst},
	},
}

// Route is the object of RootFields that holds the HTTP routes.
const Route = "Route"

// Allowed reports whether role may call the root field object.field, or,
// with object Route, request the route field (a mux pattern). Both the
// GraphQL guard below and the server's downloads decide with it.
func Allowed(role schematype.Role, object, field string) bool {
	return slices.Contains(RootFields[object][field], role)
}

// RootFieldGuard refuses, with FORBIDDEN, a root field the viewer's role
// may not call, before its resolver runs. Introspection fields pass (the
// introspection extension governs them).
func RootFieldGuard(ctx context.Context, next graphql.RootResolver) graphql.Marshaler {
	fc := graphql.GetRootFieldContext(ctx)
	if fc == nil || len(fc.Field.Name) > 1 && fc.Field.Name[:2] == "__" {
		return next(ctx)
	}
	v := auth.FromContext(ctx)
	if v == nil {
		graphql.AddError(ctx, apperr.New(apperr.Unauthenticated, "authentication required"))
		return graphql.Null
	}
	// gqlgen puts the field's name in fc.Object; the operation says which
	// root type the field belongs to.
	object := "Query"
	if oc := graphql.GetOperationContext(ctx); oc != nil && oc.Operation != nil && oc.Operation.Operation == ast.Mutation {
		object = "Mutation"
	}
	if !Allowed(v.Role, object, fc.Field.Name) {
		graphql.AddError(ctx, apperr.New(apperr.Forbidden, "your role may not use %s", fc.Field.Name))
		return graphql.Null
	}
	if object == "Mutation" {
		factsOf(ctx).forget() // what the field rules looked up may change now
	}
	return next(ctx)
}
