package wiring

import (
	"context"
	"log/slog"

	"entgo.io/ent/dialect"

	"segretariato/ent"
	"segretariato/internal/database"
	"segretariato/internal/invalidate"
)

// cachedTables are the tables of the entities some cache keeps, whose
// triggers notify every instance (internal/invalidate).
var cachedTables = map[string]string{"Operator": "operators", "NeedCategory": "need_categories", "Service": "services"}

// InvalidationHook moves, once a change of a cached entity is committed
// through this client, its table's generation in w at once: this
// instance's next request does not wait for the notification, which the
// other instances get.
func InvalidationHook(w *invalidate.Watcher) ent.Hook {
	return func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
			table, ok := cachedTables[m.Type()]
			if !ok {
				return next.Mutate(ctx, m)
			}
			v, err := next.Mutate(ctx, m)
			if err != nil {
				return v, err
			}
			if tm, ok := m.(interface{ Tx() (*ent.Tx, error) }); ok {
				if tx, err := tm.Tx(); err == nil {
					tx.OnCommit(func(next ent.Committer) ent.Committer {
						return ent.CommitFunc(func(ctx context.Context, tx *ent.Tx) error {
							err := next.Commit(ctx, tx)
							if err == nil {
								w.Touch(table)
							}
							return err
						})
					})
					return v, nil
				}
			}
			w.Touch(table) // outside a transaction: committed already
			return v, nil
		})
	}
}

// WatchInvalidations listens, on a connection of its own to the database
// at rawURL, for the changes of the cached tables (internal/invalidate),
// and installs InvalidationHook on db's client: what every server process
// does. On SQLite, where one process serves, it returns nil, which caches
// never use.
func WatchInvalidations(db *database.DB, rawURL string, log *slog.Logger) (*invalidate.Watcher, error) {
	if db.Dialect != dialect.Postgres {
		return nil, nil
	}
	w, err := invalidate.Listen(rawURL, log)
	if err != nil {
		return nil, err
	}
	db.Client.Use(InvalidationHook(w))
	return w, nil
}
