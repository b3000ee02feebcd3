package access

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"segretariato/ent"
	"segretariato/ent/contact"
	"segretariato/ent/schema/schematype"
	"segretariato/internal/auth"
)

// Personal implements the @personal directive: the fields that hold
// identifying or special-category data (fiscal codes, notes) are read only
// by the coordinator and by the social worker who holds the case — the
// citizen's holder, or for a contact the social worker who recorded it.
// Anyone else gets null, never the value.
func Personal(client *ent.Client) func(ctx context.Context, obj any, next graphql.Resolver) (any, error) {
	return func(ctx context.Context, obj any, next graphql.Resolver) (any, error) {
		v := auth.FromContext(ctx)
		if v == nil {
			return nil, nil
		}
		ok := v.Role == schematype.RoleCoordinator
		if !ok && v.Role == schematype.RoleSocialWorker {
			var err error
			if ok, err = holds(ctx, client, v.OperatorID, obj); err != nil {
				return nil, err
			}
		}
		if !ok {
			return nil, nil
		}
		return next(ctx)
	}
}

// holds reports whether the operator holds the case obj belongs to.
func holds(ctx context.Context, c *ent.Client, op int, obj any) (bool, error) {
	ctx = System(ctx)
	switch o := obj.(type) {
	case *ent.Citizen:
		return o.HolderID != nil && *o.HolderID == op, nil
	case *ent.Contact:
		return contactHeldBy(ctx, c, op, o.OperatorID, o.CitizenID)
	case *ent.Referral:
		con, err := c.Contact.Query().Where(contact.ID(o.ContactID)).
			Select(contact.FieldOperatorID, contact.FieldCitizenID).Only(ctx)
		if err != nil {
			return false, err
		}
		return contactHeldBy(ctx, c, op, con.OperatorID, con.CitizenID)
	}
	return false, nil
}

// contactHeldBy: the social worker who recorded a contact holds it, and
// so does the holder of its citizen.
func contactHeldBy(ctx context.Context, c *ent.Client, op, recorder int, citizenID *int) (bool, error) {
	if recorder == op || citizenID == nil {
		return recorder == op, nil
	}
	cit, err := c.Citizen.Get(ctx, *citizenID)
	if err != nil {
		return false, err
	}
	return cit.HolderID != nil && *cit.HolderID == op, nil
}
