package graph

import (
	"context"
	"time"

	"segretariato/ent"
	"segretariato/ent/schema/schematype"
	"segretariato/graph/model"
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

func (r *Resolver) moveReferral(ctx context.Context, id int, to schematype.ReferralStatus, at *time.Time, reason *string, successful *bool, failureReason *schematype.FailureReason) (*ent.Referral, error) {
	v, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	return r.Referrals.Move(ctx, v.OperatorID, id, referral.Move{
		To: to, At: at, Reason: deref(reason), Successful: successful, FailureReason: failureReason,
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
	return deleteResult(id)(refdata.RetireNeed(ctx, ent.FromContext(ctx), id))
}

func retireService(ctx context.Context, id int) (*model.DeleteResult, error) {
	return deleteResult(id)(refdata.RetireService(ctx, ent.FromContext(ctx), id))
}

// deleteResult adapts a refdata.Retire… answer to the API's DeleteResult.
func deleteResult(id int) func(refdata.Retired, error) (*model.DeleteResult, error) {
	return func(r refdata.Retired, err error) (*model.DeleteResult, error) {
		if err != nil {
			return nil, err
		}
		return &model.DeleteResult{ID: id, Deleted: r.Deleted, Deactivated: r.Deactivated}, nil
	}
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
