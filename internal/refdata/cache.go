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
// needs and its referrals' services.
type Cache struct {
	base     *ent.Client
	w        *invalidate.Watcher
	needs    *table[*ent.NeedCategory]
	services *table[*ent.Service]
}

// NewCache returns a cache reading through base (or the request's
// transaction), invalidated through w (nil: never kept).
func NewCache(base *ent.Client, w *invalidate.Watcher) *Cache {
	return &Cache{base: base, w: w,
		needs: &table[*ent.NeedCategory]{name: "need_categories",
			all: func(ctx context.Context, c *ent.Client) ([]*ent.NeedCategory, error) {
				return c.NeedCategory.Query().All(ctx)
			},
			one: func(ctx context.Context, c *ent.Client, id int) (*ent.NeedCategory, error) {
				return c.NeedCategory.Get(ctx, id)
			},
			id: func(n *ent.NeedCategory) int { return n.ID }},
		services: &table[*ent.Service]{name: "services",
			all: func(ctx context.Context, c *ent.Client) ([]*ent.Service, error) { return c.Service.Query().All(ctx) },
			one: func(ctx context.Context, c *ent.Client, id int) (*ent.Service, error) { return c.Service.Get(ctx, id) },
			id:  func(s *ent.Service) int { return s.ID }},
	}
}

// Need is the need category id.
func (rc *Cache) Need(ctx context.Context, id int) (*ent.NeedCategory, error) {
	return rc.needs.get(ctx, rc, id)
}

// Service is the service id.
func (rc *Cache) Service(ctx context.Context, id int) (*ent.Service, error) {
	return rc.services.get(ctx, rc, id)
}

// A table is one table of the cache: how it is read, and its rows as last
// read whole, at a generation.
type table[T any] struct {
	name string
	all  func(context.Context, *ent.Client) ([]T, error)
	one  func(context.Context, *ent.Client, int) (T, error)
	id   func(T) int

	mu   sync.Mutex
	gen  invalidate.Gen
	byID map[int]T // nil: not read
}

type memoKey struct{}

// memo is a request's tables read whole, by table name.
type memo struct {
	mu     sync.Mutex
	tables map[string]any // name → map[int]T
}

// WithMemo returns a context in which the tables read without the cache
// are read once.
func WithMemo(ctx context.Context) context.Context {
	return context.WithValue(ctx, memoKey{}, &memo{tables: map[string]any{}})
}

// get answers id: from the rows kept when they are current, else from the
// rows the request has read, each read whole when first needed (the
// lookups of the same moment, a page's resolvers, wait for that one
// read); without either, or for a row missing from them, it reads the one
// row (its error).
func (t *table[T]) get(ctx context.Context, rc *Cache, id int) (T, error) {
	c, inTx := rc.base, false
	if tx := ent.FromContext(ctx); tx != nil {
		c, inTx = tx, true
	}
	var rows map[int]T
	var err error
	if gen, live := rc.w.Generation(t.name); live && !inTx {
		t.mu.Lock()
		if t.byID == nil || t.gen != gen {
			if t.byID, err = t.read(ctx, c); err == nil {
				t.gen = gen
			}
		}
		rows = t.byID
		t.mu.Unlock()
	} else if m, _ := ctx.Value(memoKey{}).(*memo); m != nil {
		m.mu.Lock()
		read, ok := m.tables[t.name].(map[int]T)
		if !ok {
			if read, err = t.read(ctx, c); err == nil {
				m.tables[t.name] = read
			}
		}
		rows = read
		m.mu.Unlock()
	}
	if err != nil {
		var zero T
		return zero, err
	}
	if v, ok := rows[id]; ok {
		return v, nil
	}
	return t.one(ctx, c, id)
}

// read reads the whole table, by id.
func (t *table[T]) read(ctx context.Context, c *ent.Client) (map[int]T, error) {
	rows, err := t.all(ctx, c)
	if err != nil {
		return nil, err
	}
	m := make(map[int]T, len(rows))
	for _, r := range rows {
		m[t.id(r)] = r
	}
	return m, nil
}
