package graph

import (
	"context"
	"time"

	"segretariato/ent"
	"segretariato/ent/citizen"
	"segretariato/ent/contact"
	entreferral "segretariato/ent/referral"
	"segretariato/ent/schema/schematype"
	"segretariato/graph/model"
	"segretariato/internal/access"
	"segretariato/internal/apperr"
	"segretariato/internal/audit"
	"segretariato/internal/auth"
	"segretariato/internal/refdata"
	"segretariato/internal/referral"
)

// createCitizen creates a citizen held by the social worker who records
// it; a citizen recorded by anyone else starts with no holder.
func createCitizen(ctx context.Context, input ent.CreateCitizenInput) (*ent.Citizen, error) {
	v, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	c := ent.FromContext(ctx).Citizen.Create().SetInput(input)
	if v.Role == schematype.RoleSocialWorker {
		c.SetHolderID(v.OperatorID)
	}
	return c.Save(ctx)
}

// createContact records a contact held by the authenticated operator.
func createContact(ctx context.Context, input ent.CreateContactInput) (*ent.Contact, error) {
	v, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	return ent.FromContext(ctx).Contact.Create().SetInput(input).SetOperatorID(v.OperatorID).Save(ctx)
}

func (r *Resolver) createReferral(ctx context.Context, input ent.CreateReferralInput, override *bool) (*ent.Referral, error) {
	v, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	return r.Referrals.Create(ctx, v.OperatorID, input, override != nil && *override)
}

func (r *Resolver) moveReferral(ctx context.Context, id, version int, to schematype.ReferralStatus, at *time.Time, reason *string, successful *bool, failureReason *schematype.FailureReason) (*ent.Referral, error) {
	v, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	return r.Referrals.Move(ctx, v.OperatorID, id, referral.Move{
		Version: version, To: to, At: at, Reason: deref(reason), Successful: successful, FailureReason: failureReason,
	})
}

func viewerOperator(ctx context.Context, c *ent.Client) (*ent.Operator, error) {
	v, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	return c.Operator.Get(ctx, v.OperatorID)
}

func retireNeed(ctx context.Context, id int) (*model.DeleteResult, error) {
	return retire(ctx, id, refdata.RetireNeed)
}

func retireService(ctx context.Context, id int) (*model.DeleteResult, error) {
	return retire(ctx, id, refdata.RetireService)
}

// retire runs a refdata.Retire… in the mutation's transaction and answers
// with the API's DeleteResult.
func retire(ctx context.Context, id int, do func(context.Context, *ent.Client, int) (refdata.Retired, error)) (*model.DeleteResult, error) {
	r, err := do(ctx, ent.FromContext(ctx), id)
	if err != nil {
		return nil, err
	}
	return &model.DeleteResult{ID: id, Deleted: r.Deleted, Deactivated: r.Deactivated}, nil
}

// contactOrder is newest first unless the client asks otherwise: the order
// a social worker reads a case list in.
func contactOrder(orderBy []*ent.ContactOrder) []*ent.ContactOrder {
	if len(orderBy) > 0 {
		return orderBy
	}
	return []*ent.ContactOrder{{Field: ent.ContactOrderFieldOccurredAt, Direction: "DESC"}}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// The versioned updates: the update applies only to the version the client
// read; access.Stale tells a stale version (CONFLICT) from a missing record.

func updateCitizen(ctx context.Context, id, version int, input ent.UpdateCitizenInput) (*ent.Citizen, error) {
	c := ent.FromContext(ctx)
	r, err := c.Citizen.UpdateOneID(id).Where(citizen.Version(version)).AddVersion(1).SetInput(input).Save(ctx)
	return r, access.Stale(err, func() (bool, error) { return c.Citizen.Query().Where(citizen.ID(id)).Exist(ctx) })
}

func updateContact(ctx context.Context, id, version int, input ent.UpdateContactInput) (*ent.Contact, error) {
	c := ent.FromContext(ctx)
	r, err := c.Contact.UpdateOneID(id).Where(contact.Version(version)).AddVersion(1).SetInput(input).Save(ctx)
	return r, access.Stale(err, func() (bool, error) { return c.Contact.Query().Where(contact.ID(id)).Exist(ctx) })
}

func updateReferral(ctx context.Context, id, version int, input ent.UpdateReferralInput) (*ent.Referral, error) {
	c := ent.FromContext(ctx)
	r, err := c.Referral.UpdateOneID(id).Where(entreferral.Version(version)).AddVersion(1).SetInput(input).Save(ctx)
	return r, access.Stale(err, func() (bool, error) { return c.Referral.Query().Where(entreferral.ID(id)).Exist(ctx) })
}

// citizenMatches answers the pending matches (access.Matches).
func citizenMatches(ctx context.Context, c *ent.Client) ([]*model.CitizenMatch, error) {
	cs, err := access.Matches(ctx, c)
	out := make([]*model.CitizenMatch, len(cs))
	for i, x := range cs {
		out[i] = &model.CitizenMatch{Citizen: x, Existing: x.Edges.MatchedCitizen, By: x.Edges.Holder}
	}
	return out, err
}

// citizenAuditTrail checks the page size and asks internal/audit.
func citizenAuditTrail(ctx context.Context, c *ent.Client, citizenID int, first *int) ([]*ent.AuditEvent, error) {
	n, err := trailLimit(first)
	if err != nil {
		return nil, err
	}
	return audit.CitizenTrail(ctx, c, citizenID, n)
}

// trailLimit is how many audit events a trail query returns: first, 100
// by default, 1 to 1000.
func trailLimit(first *int) (int, error) {
	n := 100
	if first != nil {
		n = *first
	}
	if n < 1 || n > 1000 {
		return 0, apperr.OnField("first", "must be between 1 and 1000")
	}
	return n, nil
}

// searchedFor answers "who searched for this value?"; asking is itself a
// search, recorded as one.
func searchedFor(ctx context.Context, c *ent.Client, s *audit.Searches, value string, first *int) ([]*ent.AuditEvent, error) {
	n, err := trailLimit(first)
	if err != nil {
		return nil, err
	}
	events, err := s.SearchedFor(ctx, c, value, n)
	if err != nil {
		return nil, err
	}
	return events, s.Record(ctx, c, []audit.SearchTerm{{Entity: "AuditEvent", Field: "searchedFor", Value: value}})
}
