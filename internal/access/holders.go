package access

import (
	"context"
	"maps"
	"slices"

	entgo "entgo.io/ent"

	"segretariato/ent"
	"segretariato/ent/citizen"
	"segretariato/internal/access/system"
)

// KnowHolders is an ent interceptor that saves the @personal rule its
// look-up of who holds a page's citizens (personal.go): a social worker's
// query of citizens that selects columns also selects holder_id, and the
// request's facts learn each returned citizen's holder from it. The rule
// still trusts no column a query happened to load: this one is loaded
// because the rule needs it, whatever the client selected.
func KnowHolders() ent.Interceptor {
	return ent.InterceptFunc(func(next ent.Querier) ent.Querier {
		return ent.QuerierFunc(func(ctx context.Context, q ent.Query) (ent.Value, error) {
			cq, isCitizens := q.(*ent.CitizenQuery)
			f, hasFacts := ctx.Value(factsKey{}).(*facts)
			if _, sw := viewingSocialWorker(ctx); !isCitizens || !hasFacts || !sw || system.Is(ctx) {
				return next.Query(ctx, q) // the rules' own look-ups are System's
			}
			// Only a query of whole citizens (and the edges it loads, which
			// run in its context): a scan of chosen columns into values
			// must get just those.
			qc := entgo.QueryFromContext(ctx)
			if qc == nil || (qc.Op != entgo.OpQueryAll && qc.Op != entgo.OpQueryOnly && qc.Op != entgo.OpQueryFirst) {
				return next.Query(ctx, q)
			}
			if fs := cq.SelectedFields(); len(fs) > 0 && !slices.Contains(fs, citizen.FieldHolderID) {
				cq.Select(citizen.FieldHolderID)
			}
			v, err := next.Query(ctx, q)
			if cs, ok := v.([]*ent.Citizen); err == nil && ok {
				f.learnHolders(cs)
			}
			return v, err
		})
	})
}

// learnHolders records who holds each citizen (0: nobody), as holderOf
// would look it up. It has a lock of its own: the interceptor may run
// inside a look-up, which holds the facts' lock.
func (f *facts) learnHolders(cs []*ent.Citizen) {
	f.hmu.Lock()
	defer f.hmu.Unlock()
	if f.holders == nil {
		f.holders = map[int]int{}
	}
	for _, c := range cs {
		f.holders[c.ID] = 0
		if c.HolderID != nil {
			f.holders[c.ID] = *c.HolderID
		}
	}
}

// learnedHolder is the holder learnHolders recorded for the citizen.
func (f *facts) learnedHolder(id int) (int, bool) {
	f.hmu.Lock()
	defer f.hmu.Unlock()
	h, ok := f.holders[id]
	return h, ok
}

// visibleCitizens are the citizens learnHolders recorded: each was
// returned to this request's social worker by a query under CitizenScope,
// so each is theirs to see (until a mutation makes the facts forget).
func (f *facts) visibleCitizens() []int {
	f.hmu.Lock()
	defer f.hmu.Unlock()
	return slices.Sorted(maps.Keys(f.holders))
}
