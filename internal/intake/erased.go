package intake

import (
	"context"
	"slices"

	"segretariato/ent"
	"segretariato/ent/citizen"
	"segretariato/ent/contact"
	"segretariato/ent/hook"
	"segretariato/ent/referral"
	"segretariato/internal/access/system"
	"segretariato/internal/apperr"
)

// An erased citizen (GDPR art. 17, internal/dsr) is never changed again:
// not edited back, shared or reassigned, given new contacts, referrals or
// consent, and its contacts and referrals are not edited (their notes
// would come back). The hooks below refuse all of it with ERASED, on every
// path that writes through ent (the API, the import, the demo). The
// erasure itself passes: it changes the contacts, referrals and consent
// history first, and the citizen, which is not yet erased, last.
// The hooks' own reads run in the system context: the policy already
// decided on the mutation, and they are not audited.

// vouchedKey marks a context whose writer links new contacts and
// referrals only to citizens it knows are not erased (VouchNotErased).
type vouchedKey struct{}

// VouchNotErased returns a context in which the hooks do not look up, for
// each new contact or referral, whether its citizen is erased: the caller
// vouches that none is. The import does, as it links contacts only to the
// citizens it finds or creates by fiscal code, which an erased citizen no
// longer has (nor can be given back), and refuses the rows of an erased
// citizen's stored contacts; a lookup per row would cost a statement per
// card. Changes of stored records are checked all the same.
func VouchNotErased(ctx context.Context) context.Context {
	return context.WithValue(ctx, vouchedKey{}, true)
}

func vouched(ctx context.Context) bool { return ctx.Value(vouchedKey{}) != nil }

// erasedMessage is what a refused change says.
const erasedMessage = "the citizen was erased (GDPR art. 17): the record cannot be changed"

func erased() error { return apperr.New(apperr.Erased, erasedMessage) }

// anyErased reports whether one of the citizens is erased.
func anyErased(ctx context.Context, c *ent.Client, ids ...int) (bool, error) {
	if len(ids) == 0 {
		return false, nil
	}
	return c.Citizen.Query().Where(citizen.IDIn(ids...), citizen.PseudonymisedAtNotNil()).Exist(system.Context(ctx))
}

// ErasedCitizenHook refuses any change of an erased citizen.
func ErasedCitizenHook() ent.Hook {
	return hook.On(func(next ent.Mutator) ent.Mutator {
		return hook.CitizenFunc(func(ctx context.Context, m *ent.CitizenMutation) (ent.Value, error) {
			ids, err := m.IDs(system.Context(ctx))
			if err != nil {
				return nil, err
			}
			if gone, err := anyErased(ctx, m.Client(), ids...); err != nil || gone {
				return nil, firstErr(err, erased())
			}
			return next.Mutate(ctx, m)
		})
	}, ent.OpUpdateOne|ent.OpUpdate|ent.OpDeleteOne|ent.OpDelete)
}

// ErasedContactHook refuses a contact linked to an erased citizen, and any
// change of an erased citizen's contacts.
func ErasedContactHook() ent.Hook {
	return hook.On(func(next ent.Mutator) ent.Mutator {
		return hook.ContactFunc(func(ctx context.Context, m *ent.ContactMutation) (ent.Value, error) {
			if err := checkErasedContact(ctx, m); err != nil {
				return nil, err
			}
			return next.Mutate(ctx, m)
		})
	}, ent.OpCreate|ent.OpUpdateOne|ent.OpUpdate|ent.OpDeleteOne|ent.OpDelete)
}

func checkErasedContact(ctx context.Context, m *ent.ContactMutation) error {
	if m.Op().Is(ent.OpCreate) && vouched(ctx) {
		return nil
	}
	if gone, err := anyErased(ctx, m.Client(), m.CitizenIDs()...); err != nil || gone {
		return firstErr(err, erased())
	}
	if m.Op().Is(ent.OpCreate) {
		return nil
	}
	ids, err := m.IDs(system.Context(ctx))
	if err != nil || len(ids) == 0 {
		return err
	}
	gone, err := m.Client().Contact.Query().
		Where(contact.IDIn(ids...), contact.HasCitizenWith(citizen.PseudonymisedAtNotNil())).
		Exist(system.Context(ctx))
	if err != nil || gone {
		return firstErr(err, erased())
	}
	return nil
}

// referralSteps are the fields a referral's move writes: an erased
// citizen's open referral may still be accepted, completed or cancelled by
// the service it went to, which changes no personal data.
var referralSteps = []string{
	referral.FieldStatus, referral.FieldAcceptedAt, referral.FieldDeclinedAt, referral.FieldCompletedAt,
	referral.FieldCancelledAt, referral.FieldSuccessful, referral.FieldFailureReason,
	referral.FieldVersion, referral.FieldUpdatedAt,
}

// ErasedReferralHook refuses a referral of an erased citizen's contact,
// and any edit of such a referral but its status moves.
func ErasedReferralHook() ent.Hook {
	return hook.On(func(next ent.Mutator) ent.Mutator {
		return hook.ReferralFunc(func(ctx context.Context, m *ent.ReferralMutation) (ent.Value, error) {
			if err := checkErasedReferral(ctx, m); err != nil {
				return nil, err
			}
			return next.Mutate(ctx, m)
		})
	}, ent.OpCreate|ent.OpUpdateOne)
}

func checkErasedReferral(ctx context.Context, m *ent.ReferralMutation) error {
	if m.Op().Is(ent.OpCreate) && vouched(ctx) {
		return nil
	}
	q := m.Client().Contact.Query().Where(contact.HasCitizenWith(citizen.PseudonymisedAtNotNil()))
	if cid, set := m.ContactID(); set {
		gone, err := q.Clone().Where(contact.ID(cid)).Exist(system.Context(ctx))
		if err != nil || gone {
			return firstErr(err, erased())
		}
	}
	if m.Op().Is(ent.OpCreate) {
		return nil
	}
	if allIn(m.Fields(), referralSteps) && allIn(m.AddedFields(), referralSteps) && allIn(m.ClearedFields(), referralSteps) {
		return nil
	}
	id, _ := m.ID()
	gone, err := q.Where(contact.HasReferralsWith(referral.ID(id))).Exist(system.Context(ctx))
	if err != nil || gone {
		return firstErr(err, erased())
	}
	return nil
}

// ErasedConsentHook refuses a consent entry for an erased citizen (the
// erasure's own withdrawal is written before the citizen is erased).
func ErasedConsentHook() ent.Hook {
	return hook.On(func(next ent.Mutator) ent.Mutator {
		return hook.ConsentEventFunc(func(ctx context.Context, m *ent.ConsentEventMutation) (ent.Value, error) {
			if id, set := m.CitizenID(); set {
				if gone, err := anyErased(ctx, m.Client(), id); err != nil || gone {
					return nil, firstErr(err, erased())
				}
			}
			return next.Mutate(ctx, m)
		})
	}, ent.OpCreate)
}

func allIn(fields, allowed []string) bool {
	for _, f := range fields {
		if !slices.Contains(allowed, f) {
			return false
		}
	}
	return true
}

func firstErr(err, otherwise error) error {
	if err != nil {
		return err
	}
	return otherwise
}
