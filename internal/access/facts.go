package access

import (
	"context"
	"sync"
)

// facts remembers, for one request, what the field rules looked up about
// the records of its answer (who holds which case, which records the
// viewer may see), and which records the answer holds that were not
// looked up yet. A rule never trusts the columns a query happened to
// load: which columns those are depends on what else the client
// selected. It asks here instead, by the record's id, and one look-up
// answers for every record of the answer noted so far (the ForeignKeys
// middleware notes the records of every list and connection it sees
// pass, with their foreign keys), so a page of 50 contacts costs one
// statement, not 50.
type facts struct {
	mu   sync.Mutex
	seen map[string]map[int]struct{} // type → ids in the answer
	// looked-up answers, keyed by kind of fact then id
	got map[string]map[int]any
	// the holders of the citizens the request loaded (holders.go)
	hmu     sync.Mutex
	holders map[int]int
}

type factsKey struct{}

// WithHolders gives a request its memory of the facts the field rules
// look up (who holds which record, what the viewer may see).
func WithHolders(ctx context.Context) context.Context {
	return context.WithValue(ctx, factsKey{}, newFacts())
}

func newFacts() *facts {
	return &facts{seen: map[string]map[int]struct{}{}, got: map[string]map[int]any{}}
}

func factsOf(ctx context.Context) *facts {
	if f, ok := ctx.Value(factsKey{}).(*facts); ok {
		return f
	}
	return newFacts()
}

// forget drops what was looked up: a mutation may change it.
func (f *facts) forget() {
	f.mu.Lock()
	f.got = map[string]map[int]any{}
	f.mu.Unlock()
	f.hmu.Lock()
	f.holders = nil
	f.hmu.Unlock()
}

// note records ids of a type that the answer holds.
func (f *facts) note(typ string, ids ...int) {
	f.mu.Lock()
	f.noteLocked(typ, ids...)
	f.mu.Unlock()
}

func (f *facts) noteLocked(typ string, ids ...int) {
	s := f.seen[typ]
	if s == nil {
		s = map[int]struct{}{}
		f.seen[typ] = s
	}
	for _, id := range ids {
		if id != 0 {
			s[id] = struct{}{}
		}
	}
}

// lookup answers the fact kind about the record id of type typ, looking
// it up with load together with every noted record of that type not yet
// looked up. load may note further ids (with noteLocked: the lock is held).
// An id that load does not answer gets the zero value.
func lookup[V any](f *facts, kind, typ string, id int, load func(ids []int) (map[int]V, error)) (V, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	got := f.got[kind]
	if got == nil {
		got = map[int]any{}
		f.got[kind] = got
	}
	if v, ok := got[id]; ok {
		return v.(V), nil
	}
	ids := []int{id}
	for x := range f.seen[typ] {
		if _, ok := got[x]; !ok && x != id {
			ids = append(ids, x)
		}
	}
	m, err := load(ids)
	if err != nil {
		var zero V
		return zero, err
	}
	for _, x := range ids {
		got[x] = m[x]
	}
	return m[id], nil
}
