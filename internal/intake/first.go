package intake

import (
	"context"
	"slices"
	"sync"
	"time"

	"segretariato/ent"
	"segretariato/ent/contact"
)

// FirstContacts tells, for each contact, whether it is its citizen's first
// contact with the service (a return otherwise; the earliest by date, then
// by id, as the figures count it): true, false, or nil for an anonymous
// contact. It is derived from the cards, never typed, and reads all the
// citizens' contacts whoever may see them: ctx should let it through the
// privacy rules, as the answer reveals nothing but the order. Two
// statements whatever the number of contacts.
func FirstContacts(ctx context.Context, c *ent.Client, ids []int) (map[int]*bool, error) {
	asked, err := c.Contact.Query().Where(contact.IDIn(ids...)).
		Select(contact.FieldID, contact.FieldCitizenID).All(ctx)
	if err != nil {
		return nil, err
	}
	var citizens []int
	for _, a := range asked {
		if a.CitizenID != nil && !slices.Contains(citizens, *a.CitizenID) {
			citizens = append(citizens, *a.CitizenID)
		}
	}
	first := map[int]int{} // citizen → its first contact
	if len(citizens) > 0 {
		all, err := c.Contact.Query().Where(contact.CitizenIDIn(citizens...)).
			Select(contact.FieldID, contact.FieldCitizenID, contact.FieldOccurredAt).All(ctx)
		if err != nil {
			return nil, err
		}
		at := map[int]time.Time{}
		for _, x := range all {
			cid := *x.CitizenID
			f, seen := first[cid]
			if !seen || x.OccurredAt.Before(at[cid]) || (x.OccurredAt.Equal(at[cid]) && x.ID < f) {
				first[cid], at[cid] = x.ID, x.OccurredAt
			}
		}
	}
	out := make(map[int]*bool, len(asked))
	for _, a := range asked {
		if a.CitizenID == nil {
			out[a.ID] = nil
			continue
		}
		is := first[*a.CitizenID] == a.ID
		out[a.ID] = &is
	}
	return out, nil
}

// firstMemo remembers, for one request, the contacts its queries loaded
// and what FirstContacts said of them, so that a page of contacts asking
// for firstContact costs two statements, not two per contact.
type firstMemo struct {
	mu      sync.Mutex
	pending []int
	got     map[int]*bool
}

type firstMemoKey struct{}

// fetchingKey marks the reads of FirstContact itself, which must not be
// noted: the memo is locked while they run.
type fetchingKey struct{}

// WithFirstContactMemo gives a request the memory FirstContact uses.
func WithFirstContactMemo(ctx context.Context) context.Context {
	return context.WithValue(ctx, firstMemoKey{}, &firstMemo{got: map[int]*bool{}})
}

// RememberContacts is an ent interceptor that notes the contacts a
// request's queries load, for FirstContact to answer for all of them at
// once.
func RememberContacts() ent.Interceptor {
	return ent.InterceptFunc(func(next ent.Querier) ent.Querier {
		return ent.QuerierFunc(func(ctx context.Context, q ent.Query) (ent.Value, error) {
			v, err := next.Query(ctx, q)
			if ctx.Value(fetchingKey{}) != nil {
				return v, err // FirstContacts' own reads
			}
			m, ok := ctx.Value(firstMemoKey{}).(*firstMemo)
			if cs, isContacts := v.([]*ent.Contact); err == nil && ok && isContacts {
				m.mu.Lock()
				for _, c := range cs {
					if _, done := m.got[c.ID]; !done {
						m.pending = append(m.pending, c.ID)
					}
				}
				m.mu.Unlock()
			}
			return v, err
		})
	})
}

// FirstContact answers FirstContacts for one contact, together with every
// contact the request has loaded and not yet asked about.
func FirstContact(ctx context.Context, c *ent.Client, id int) (*bool, error) {
	m, ok := ctx.Value(firstMemoKey{}).(*firstMemo)
	if !ok {
		got, err := FirstContacts(ctx, c, []int{id})
		return got[id], err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if v, done := m.got[id]; done {
		return v, nil
	}
	ids := append(m.pending, id)
	m.pending = nil
	got, err := FirstContacts(context.WithValue(ctx, fetchingKey{}, true), c, ids)
	if err != nil {
		return nil, err
	}
	for _, x := range ids {
		m.got[x] = got[x]
	}
	return got[id], nil
}
