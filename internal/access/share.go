package access

import (
	"context"

	"segretariato/ent"
	"segretariato/ent/operator"
	"segretariato/ent/schema/schematype"
	"segretariato/internal/apperr"
)

// socialWorker returns the active social worker with the id, or an INVALID
// error naming the operatorID field.
func socialWorker(ctx context.Context, c *ent.Client, id int) (*ent.Operator, error) {
	op, err := c.Operator.Query().Where(operator.ID(id)).Only(System(ctx))
	if err != nil {
		if ent.IsNotFound(err) {
			return nil, apperr.OnField("operatorID", "not found")
		}
		return nil, err
	}
	if !op.Active || op.Role != schematype.RoleSocialWorker {
		return nil, apperr.OnField("operatorID", "must be an active social worker")
	}
	return op, nil
}

// Share lets another social worker see a citizen's case (and its contacts
// and referrals) besides its holder. It returns NOT_FOUND for an unknown
// citizen and INVALID for an operator who is not an active social worker.
func Share(ctx context.Context, c *ent.Client, citizenID, operatorID int) (*ent.Citizen, error) {
	if _, err := socialWorker(ctx, c, operatorID); err != nil {
		return nil, err
	}
	cit, err := c.Citizen.Get(ctx, citizenID)
	if err != nil {
		return nil, err
	}
	if cit.HolderID != nil && *cit.HolderID == operatorID {
		return cit, nil
	}
	shared, err := cit.QuerySharedWith().Where(operator.ID(operatorID)).Exist(ctx)
	if err != nil || shared {
		return cit, err
	}
	return c.Citizen.UpdateOne(cit).AddSharedWithIDs(operatorID).Save(ctx)
}

// Unshare stops sharing a citizen's case with a social worker.
func Unshare(ctx context.Context, c *ent.Client, citizenID, operatorID int) (*ent.Citizen, error) {
	return c.Citizen.UpdateOneID(citizenID).RemoveSharedWithIDs(operatorID).Save(ctx)
}

// Reassign gives a citizen's case to another social worker, who stops
// being merely shared with. Errors as Share.
func Reassign(ctx context.Context, c *ent.Client, citizenID, operatorID int) (*ent.Citizen, error) {
	if _, err := socialWorker(ctx, c, operatorID); err != nil {
		return nil, err
	}
	return c.Citizen.UpdateOneID(citizenID).SetHolderID(operatorID).RemoveSharedWithIDs(operatorID).Save(ctx)
}
