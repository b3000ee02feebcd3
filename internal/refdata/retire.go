package refdata

import (
	"context"

	"segretariato/ent"
	"segretariato/ent/contact"
	"segretariato/ent/needcategory"
	"segretariato/ent/referral"
	"segretariato/ent/service"
	"segretariato/internal/access"
)

// Retired says what RetireNeed and RetireService did.
type Retired struct {
	Deleted     bool // the record was unused and is gone
	Deactivated bool // the record is in use and was deactivated
}

// RetireNeed deletes a need category no contact uses, and deactivates one
// in use, so that past cards keep their meaning. It returns a NotFound
// error for an unknown id.
func RetireNeed(ctx context.Context, c *ent.Client, id int) (Retired, error) {
	// Whether anyone's contact uses it, whoever asks.
	used, err := c.Contact.Query().Where(contact.Or(
		contact.MainNeedID(id),
		contact.HasNeedsWith(needcategory.ID(id)),
	)).Exist(access.System(ctx))
	if err != nil {
		return Retired{}, err
	}
	if used {
		return Retired{Deactivated: true}, c.NeedCategory.UpdateOneID(id).SetActive(false).Exec(ctx)
	}
	return Retired{Deleted: true}, c.NeedCategory.DeleteOneID(id).Exec(ctx)
}

// RetireService deletes a service no referral or contact refers to, and
// deactivates one in use. It returns a NotFound error for an unknown id.
func RetireService(ctx context.Context, c *ent.Client, id int) (Retired, error) {
	sys := access.System(ctx) // whether anyone's record uses it, whoever asks
	used, err := c.Referral.Query().Where(referral.ServiceID(id)).Exist(sys)
	if err == nil && !used {
		used, err = c.Contact.Query().Where(contact.HasInformedAboutWith(service.ID(id))).Exist(sys)
	}
	if err != nil {
		return Retired{}, err
	}
	if used {
		return Retired{Deactivated: true}, c.Service.UpdateOneID(id).SetActive(false).Exec(ctx)
	}
	return Retired{Deleted: true}, c.Service.DeleteOneID(id).Exec(ctx)
}
