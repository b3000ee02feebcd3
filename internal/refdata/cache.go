package refdata

import (
	"context"
	"sync"

	"segretariato/ent"
	"segretariato/internal/invalidate"
)

// A Cache answers the need categories and services by id: the whole of
// each (a few dozen rows) read at once and kept while no instance has
// changed its table (internal/invalidate). Without a live Watcher
// (SQLite, or the notifications' connection lost), and inside a
// transaction, which may have changed them, a request reads each table
// once (WithMemo). So a page of contacts costs no statement for its main
// needs and its referrals' services. A nil *Cache reads as without a
// Watcher.
type Cache struct {
	w        *invalidate.Watcher
	needs    table[*ent.NeedCategory]
	services table[*ent.Service]
}

type table[T any] struct {
	mu   sync.Mutex
	gen  invalidate.Gen
	ok   bool
	byID map[int]T
}

// NewCache returns a cache invalidated through w.
func NewCache(w *invalidate.Watcher) *Cache { return &Cache{w: w} }

type memoKey struct{}

type memo struct {
	mu       sync.Mutex
	needs    map[int]*ent.NeedCategory
	services map[int]*ent.Service
}

// WithMemo returns a context in which the tables read without the cache
// are read once.
func WithMemo(ctx context.Context) context.Context {
	return context.WithValue(ctx, memoKey{}, &memo{})
}

// Need is the need category id, read with c (the request's client).
func (rc *Cache) Need(ctx context.Context, c *ent.Client, id int) (*ent.NeedCategory, error) {
	return lookup(ctx, rc, id, "need_categories",
		func(rc *Cache) *table[*ent.NeedCategory] { return &rc.needs },
		func(m *memo) *map[int]*ent.NeedCategory { return &m.needs },
		func() ([]*ent.NeedCategory, error) { return c.NeedCategory.Query().All(ctx) },
		func(n *ent.NeedCategory) int { return n.ID },
		func() (*ent.NeedCategory, error) { return c.NeedCategory.Get(ctx, id) })
}

// Service is the service id, read with c (the request's client).
func (rc *Cache) Service(ctx context.Context, c *ent.Client, id int) (*ent.Service, error) {
	return lookup(ctx, rc, id, "services",
		func(rc *Cache) *table[*ent.Service] { return &rc.services },
		func(m *memo) *map[int]*ent.Service { return &m.services },
		func() ([]*ent.Service, error) { return c.Service.Query().All(ctx) },
		func(s *ent.Service) int { return s.ID },
		func() (*ent.Service, error) { return c.Service.Get(ctx, id) })
}

// lookup answers id from the shared table when it is current, else from
// the request's memo, reading the whole table into whichever may keep
// it; without either it reads the one row (one). A row missing from a
// table read whole is read alone, as without a cache (its error).
func lookup[T any](ctx context.Context, rc *Cache, id int, name string,
	shared func(*Cache) *table[T], own func(*memo) *map[int]T,
	all func() ([]T, error), idOf func(T) int, one func() (T, error)) (T, error) {
	index := func(rows []T) map[int]T {
		m := make(map[int]T, len(rows))
		for _, r := range rows {
			m[idOf(r)] = r
		}
		return m
	}
	if rc != nil && ent.TxFromContext(ctx) == nil {
		if gen, live := rc.w.Generation(name); live {
			// One reader fills the table; the lookups of the same moment
			// (a page's resolvers run at once) wait for it.
			t := shared(rc)
			t.mu.Lock()
			if !t.ok || t.gen != gen {
				rows, err := all()
				if err != nil {
					t.mu.Unlock()
					var zero T
					return zero, err
				}
				t.gen, t.ok, t.byID = gen, true, index(rows)
			}
			v, found := t.byID[id]
			t.mu.Unlock()
			if found {
				return v, nil
			}
			return one()
		}
	}
	if m, _ := ctx.Value(memoKey{}).(*memo); m != nil {
		m.mu.Lock()
		defer m.mu.Unlock()
		p := own(m)
		if *p == nil {
			rows, err := all()
			if err != nil {
				var zero T
				return zero, err
			}
			*p = index(rows)
		}
		if v, found := (*p)[id]; found {
			return v, nil
		}
	}
	return one()
}
