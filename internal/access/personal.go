package access

import (
	"context"
	"sync"

	"github.com/99designs/gqlgen/graphql"

	"segretariato/ent"
	"segretariato/ent/citizen"
	"segretariato/ent/contact"
	"segretariato/ent/schema/schematype"
	"segretariato/internal/auth"
)

// Personal implements the @personal directive: the fields that hold
// identifying or special-category data (fiscal codes, notes) are read only
// by the coordinator and by the social worker who holds the case — the
// citizen's holder, or for a contact the social worker who recorded it.
// Anyone else gets null, never the value.
//
// The columns that say who holds a record are always loaded for an
// operator's query (see personQuery); what a record does not carry (the
// holder of a contact's citizen) is looked up once per record and request
// (WithHolders).
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

// holders remembers, for one request, who holds which records.
type holders struct {
	mu      sync.Mutex
	citizen map[int]int    // citizen → holder (0: none)
	contact map[int][2]int // contact → recorder, citizen (0: anonymous)
}

func (h *holders) remember(c *ent.Contact) {
	rc := [2]int{c.OperatorID, 0}
	if c.CitizenID != nil {
		rc[1] = *c.CitizenID
	}
	h.mu.Lock()
	h.contact[c.ID] = rc
	h.mu.Unlock()
}

type holdersKey struct{}

// WithHolders gives a request its memory of who holds which records.
func WithHolders(ctx context.Context) context.Context {
	return context.WithValue(ctx, holdersKey{}, &holders{
		citizen: map[int]int{}, contact: map[int][2]int{},
	})
}

func holdersOf(ctx context.Context) *holders {
	if h, ok := ctx.Value(holdersKey{}).(*holders); ok {
		return h
	}
	return WithHolders(ctx).Value(holdersKey{}).(*holders)
}

// holds reports whether the operator holds the case obj belongs to.
func holds(ctx context.Context, c *ent.Client, op int, obj any) (bool, error) {
	h := holdersOf(ctx)
	if tx := ent.FromContext(ctx); tx != nil {
		c = tx // inside a mutation: see its own writes
	}
	ctx = System(ctx)
	switch o := obj.(type) {
	case *ent.Citizen:
		return o.HolderID != nil && *o.HolderID == op, nil
	case *ent.Contact:
		h.remember(o)
		return h.holdsContact(ctx, c, op, o.ID)
	case *ent.Referral:
		return h.holdsContact(ctx, c, op, o.ContactID)
	}
	return false, nil
}

func (h *holders) holderOf(ctx context.Context, c *ent.Client, id int) (int, error) {
	h.mu.Lock()
	holder, ok := h.citizen[id]
	h.mu.Unlock()
	if ok {
		return holder, nil
	}
	cit, err := c.Citizen.Query().Where(citizen.ID(id)).Select(citizen.FieldHolderID).Only(ctx)
	if err != nil {
		return 0, err
	}
	if cit.HolderID != nil {
		holder = *cit.HolderID
	}
	h.mu.Lock()
	h.citizen[id] = holder
	h.mu.Unlock()
	return holder, nil
}

// holdsContact: the social worker who recorded a contact holds it, and
// so does the holder of its citizen.
func (h *holders) holdsContact(ctx context.Context, c *ent.Client, op, id int) (bool, error) {
	h.mu.Lock()
	rc, ok := h.contact[id]
	h.mu.Unlock()
	if !ok {
		con, err := c.Contact.Query().Where(contact.ID(id)).Select(contact.FieldOperatorID, contact.FieldCitizenID).Only(ctx)
		if err != nil {
			return false, err
		}
		rc[0] = con.OperatorID
		if con.CitizenID != nil {
			rc[1] = *con.CitizenID
		}
		h.mu.Lock()
		h.contact[id] = rc
		h.mu.Unlock()
	}
	if rc[0] == op {
		return true, nil
	}
	if rc[1] == 0 {
		return false, nil
	}
	holder, err := h.holderOf(ctx, c, rc[1])
	return holder == op, err
}
