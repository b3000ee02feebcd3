package access

import (
	"context"
	"slices"

	"github.com/99designs/gqlgen/graphql"

	"segretariato/ent"
	"segretariato/ent/citizen"
	"segretariato/ent/contact"
	"segretariato/ent/referral"
	"segretariato/internal/auth"
)

// Personal implements the @personal directive: the fields that hold
// identifying or special-category data (fiscal codes, notes) are read only
// by the coordinator and by the social worker who holds the case — the
// citizen's holder, or for a contact the social worker who recorded it.
// Anyone else gets null, never the value.
//
// Who holds a record is looked up by its id, once per request for all the
// records of the answer (facts.go), so the answer does not depend on the
// other fields the query selects.
func Personal(client *ent.Client) func(ctx context.Context, obj any, next graphql.Resolver) (any, error) {
	return func(ctx context.Context, obj any, next graphql.Resolver) (any, error) {
		v := auth.FromContext(ctx)
		if v == nil {
			return nil, nil
		}
		ok := slices.Contains(ReadRules["personal"], v.Role)
		if op, sw := viewingSocialWorker(ctx); !ok && sw {
			var err error
			if ok, err = holds(ctx, client, op, obj); err != nil {
				return nil, err
			}
		}
		if !ok {
			return nil, nil
		}
		return next(ctx)
	}
}

// holds reports whether the operator holds the case obj belongs to. It
// reads who holds what by the record's id (facts), never from the columns
// the query loaded, which depend on what else the client selected.
func holds(ctx context.Context, c *ent.Client, op int, obj any) (bool, error) {
	if tx := ent.FromContext(ctx); tx != nil {
		c = tx // inside a mutation: see its own writes
	}
	h := holders{f: factsOf(ctx), c: c, ctx: System(ctx)}
	switch o := obj.(type) {
	case *ent.Citizen:
		holder, err := h.holderOf(o.ID)
		return holder == op, err
	case *ent.Contact:
		return h.holdsContact(op, o.ID)
	case *ent.Referral:
		con, err := lookup(h.f, "referral.contact", "Referral", o.ID, func(ids []int) (map[int]int, error) {
			rs, err := c.Referral.Query().Where(referral.IDIn(ids...)).Select(referral.FieldID, referral.FieldContactID).All(h.ctx)
			out := map[int]int{}
			for _, r := range rs {
				out[r.ID] = r.ContactID
				h.f.noteLocked("Contact", r.ContactID)
			}
			return out, err
		})
		if err != nil || con == 0 {
			return false, err
		}
		return h.holdsContact(op, con)
	}
	return false, nil
}

type holders struct {
	f   *facts
	c   *ent.Client
	ctx context.Context
}

// holderOf is the social worker holding a citizen (0: none).
func (h holders) holderOf(id int) (int, error) {
	if holder, ok := h.f.learnedHolder(id); ok {
		return holder, nil
	}
	return lookup(h.f, "citizen.holder", "Citizen", id, func(ids []int) (map[int]int, error) {
		cs, err := h.c.Citizen.Query().Where(citizen.IDIn(ids...)).Select(citizen.FieldID, citizen.FieldHolderID).All(h.ctx)
		out := map[int]int{}
		for _, x := range cs {
			if x.HolderID != nil {
				out[x.ID] = *x.HolderID
			}
		}
		return out, err
	})
}

// holdsContact: the social worker who recorded a contact holds it, and
// so does the holder of its citizen.
func (h holders) holdsContact(op, id int) (bool, error) {
	rc, err := lookup(h.f, "contact.holders", "Contact", id, func(ids []int) (map[int][2]int, error) {
		cs, err := h.c.Contact.Query().Where(contact.IDIn(ids...)).Select(contact.FieldID, contact.FieldOperatorID, contact.FieldCitizenID).All(h.ctx)
		out := map[int][2]int{}
		for _, x := range cs {
			rc := [2]int{x.OperatorID, 0}
			if x.CitizenID != nil {
				rc[1] = *x.CitizenID
				h.f.noteLocked("Citizen", rc[1])
			}
			out[x.ID] = rc
		}
		return out, err
	})
	switch {
	case err != nil:
		return false, err
	case rc[0] == op:
		return true, nil
	case rc[1] == 0:
		return false, nil // anonymous, and recorded by someone else
	}
	holder, err := h.holderOf(rc[1])
	return holder == op, err
}
