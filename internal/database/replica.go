package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"entgo.io/ent/dialect"
)

// OpenReplica opens, for reads only, the PostgreSQL database at rawURL: a
// streaming read replica of the main database, which answers the
// analytics (analytics.Engine.Reads). The pool is sized as opt says and
// every connection gets opt.StatementTimeout. Nothing is migrated: the
// replica replays the primary's migrations, and OpenReplica fails unless
// its schema is at the binary's version (a *NotMigratedError), or when it
// cannot be reached. The errors never carry the password of the URL.
func OpenReplica(ctx context.Context, rawURL string, opt Options) (*sql.DB, error) {
	if _, _, dia, err := dataSource(rawURL, ""); err != nil || dia != dialect.Postgres {
		return nil, errors.New("a read replica is a PostgreSQL database: its URL starts with postgres:// or postgresql://")
	}
	pgc, err := newPGConnector(rawURL, opt.StatementCache)
	if err != nil {
		return nil, fmt.Errorf("opening the read replica: %w", redact(err, rawURL))
	}
	if opt.StatementTimeout > 0 {
		pgc.timeoutMS.Store(opt.StatementTimeout.Milliseconds())
	}
	db := sql.OpenDB(pgc)
	sizePostgresPool(db, opt)
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pingCtx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connecting to the read replica: %w", redact(err, rawURL))
	}
	if err := migrateOnOpen(ctx, db, dialect.Postgres, MigrateCheck); err != nil {
		db.Close()
		return nil, fmt.Errorf("the read replica: %w", err)
	}
	return db, nil
}
