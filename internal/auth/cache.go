package auth

import (
	"sync"
	"time"

	"segretariato/internal/invalidate"
)

// A Cache keeps the viewer of each token seen, so that a request costs no
// statement to authenticate, as long as no operator has changed since it
// was read: the operators table's triggers notify every instance
// (internal/invalidate), and an entry read before the last change is not
// used. Without a live Watcher (SQLite, or the notifications' connection
// lost) every request reads the database. A nil *Cache caches nothing.
type Cache struct {
	w  *invalidate.Watcher
	mu sync.Mutex
	m  map[string]cached
}

type cached struct {
	v   Viewer
	gen invalidate.Gen
	at  time.Time
}

// cacheTTL bounds the life of an entry besides the notifications;
// cacheMax the entries kept (the map is emptied when full).
const (
	cacheTTL = 5 * time.Minute
	cacheMax = 10_000
)

// NewCache returns a cache invalidated through w.
func NewCache(w *invalidate.Watcher) *Cache {
	return &Cache{w: w, m: map[string]cached{}}
}

// generation is the operators' generation, and whether the cache may be
// used.
func (c *Cache) generation() (invalidate.Gen, bool) {
	if c == nil {
		return invalidate.Gen{}, false
	}
	return c.w.Generation("operators")
}

func (c *Cache) get(key string) (*Viewer, bool) {
	gen, live := c.generation()
	if !live {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	if !ok || e.gen != gen || time.Since(e.at) > cacheTTL {
		return nil, false
	}
	v := e.v
	return &v, true
}

// put keeps v for key, read at the generation gen (taken before the
// read): if an operator changed meanwhile, the entry is never used.
func (c *Cache) put(key string, v *Viewer, gen invalidate.Gen) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= cacheMax {
		clear(c.m)
	}
	c.m[key] = cached{v: *v, gen: gen, at: time.Now()}
}
