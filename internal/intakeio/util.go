package intakeio

import (
	"errors"
	"time"

	entsql "entgo.io/ent/dialect/sql"
)

// Bound parameters per statement: below SQLite's limit (32766), hence
// below PostgreSQL's (65535) too. Bulk inserts are cut to stay under it.
const maxParams = 32000

// maxIn is the longest IN list a query sends.
const maxIn = 10000

// versionColumn is the optimistic-locking version of citizens, contacts
// and referrals (ent/schema VersionMixin).
const versionColumn = "version"

// chunks calls fn on consecutive runs [lo, hi) of n items such that the
// parameters of a run, cost(i) for item i, stay within maxParams.
func chunks(n int, cost func(i int) int, fn func(lo, hi int) error) error {
	lo, sum := 0, 0
	for i := 0; i < n; i++ {
		c := cost(i)
		if i > lo && sum+c > maxParams {
			if err := fn(lo, i); err != nil {
				return err
			}
			lo, sum = i, 0
		}
		sum += c
	}
	if lo < n {
		return fn(lo, n)
	}
	return nil
}

// overwrite is the ON CONFLICT action of the import's upserts of changed
// records: the listed columns take the proposed row's value, or NULL when
// no row of the statement set that column (ent leaves unset columns out of
// the INSERT, so EXCLUDED would not clear them); the version goes up by
// one, so that a client holding a read from before the import gets
// CONFLICT. Other columns, created_at among them, keep the stored value.
func overwrite(cols []string) entsql.ConflictOption {
	return entsql.ResolveWith(func(u *entsql.UpdateSet) {
		u.Add(versionColumn, 1)
		in := make(map[string]bool, len(u.Columns()))
		for _, c := range u.Columns() {
			in[c] = true
		}
		for _, c := range cols {
			if in[c] {
				u.SetExcluded(c)
			} else {
				u.SetNull(c)
			}
		}
	})
}

func eqTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}

func eqPtr[T comparable](a, b *T) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

var errUnreadableTime = errors.New("intakeio: unreadable time from the database")

// parseDBTime reads a time an aggregate returned as text: PostgreSQL's
// through database/sql (RFC 3339), SQLite's in its stored format.
func parseDBTime(s string) (time.Time, error) {
	for _, layout := range []string{
		time.RFC3339Nano,
		"2006-01-02 15:04:05.999999999-07:00",
		"2006-01-02 15:04:05.999999999Z07:00",
		"2006-01-02 15:04:05.999999999",
	} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errUnreadableTime
}
