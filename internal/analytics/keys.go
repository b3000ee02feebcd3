package analytics

import (
	"context"
	"sync"

	"github.com/RoaringBitmap/roaring/v2"

	"segretariato/internal/rollup"
	"segretariato/internal/sqlbind"
)

// citizenKeys are the citizens' record keys by citizen number, read from
// the database as the cells' citizen sets need them (the key sum of a
// union of sets is the sum of the keys of its citizens). A record key is
// fixed when its citizen is created and never changes, so the copy can
// only lag, never differ: two server instances answer the same.
type citizenKeys struct {
	mu   sync.Mutex
	high int     // the citizens' id range: id = high + number
	last int     // the highest id read
	keys []int16 // by number; -1 not read
}

// citizenKeySums are the sums of the record keys of the citizens of each
// of bms. It
// reads the keys of the citizens created since the last read, in one
// statement (all of them the first time), and, only for citizens it has
// still not seen (created by a transaction that committed after a later
// one), those by id.
func (e *Engine) citizenKeySums(ctx context.Context, bms []*roaring.Bitmap) ([]int64, error) {
	ck := &e.keys
	ck.mu.Lock()
	defer ck.mu.Unlock()
	b := &sqlbind.Binder{Postgres: e.sqlFor().postgres}
	q := "SELECT id, record_key FROM citizens WHERE id > " + b.Arg(ck.last) + " ORDER BY id"
	if err := ck.read(ctx, e, q, b.Args); err != nil {
		return nil, err
	}
	var missing []any
	for _, bm := range bms {
		it := bm.Iterator()
		for it.HasNext() {
			n := it.Next()
			if int(n) >= len(ck.keys) || ck.keys[n] < 0 {
				ck.grow(int(n))
				ck.keys[n] = -2 // asked for below
				missing = append(missing, ck.high+int(n))
			}
		}
	}
	for lo := 0; lo < len(missing); lo += 1000 {
		part := missing[lo:min(lo+1000, len(missing))]
		b := &sqlbind.Binder{Postgres: e.sqlFor().postgres}
		q := "SELECT id, record_key FROM citizens WHERE id IN " + sqlbind.In(b, part)
		if err := ck.read(ctx, e, q, b.Args); err != nil {
			return nil, err
		}
		for _, id := range part {
			n := rollup.CitizenNumber(id.(int))
			ck.grow(int(n))
			if ck.keys[n] < 0 {
				ck.keys[n] = 0 // gone: counts nothing
			}
		}
	}
	sums := make([]int64, len(bms))
	for i, bm := range bms {
		it := bm.Iterator()
		for it.HasNext() {
			sums[i] += int64(ck.keys[it.Next()])
		}
	}
	return sums, nil
}

func (ck *citizenKeys) grow(n int) {
	for len(ck.keys) <= n {
		ck.keys = append(ck.keys, -1)
	}
}

func (ck *citizenKeys) read(ctx context.Context, e *Engine, q string, args []any) error {
	return e.rows(ctx, q, args, func(scan func(...any) error) error {
		var id, key int
		if err := scan(&id, &key); err != nil {
			return err
		}
		n := rollup.CitizenNumber(id)
		ck.high = id - int(n)
		ck.last = max(ck.last, id)
		ck.grow(int(n))
		ck.keys[n] = int16(key)
		return nil
	})
}
