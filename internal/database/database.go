// Package database opens the service's storage: an embedded SQLite file
// (modernc.org/sqlite, pure Go) by default, or PostgreSQL through lib/pq
// when a postgres:// URL is given. Both get the same schema and behave the
// same; times are stored in UTC on both.
package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"segretariato/internal/rollup"
	"strings"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	_ "github.com/lib/pq" // PostgreSQL driver
	"modernc.org/sqlite"  // SQLite driver, pure Go
	sqlite3 "modernc.org/sqlite/lib"

	"segretariato/ent"
	_ "segretariato/ent/runtime" // schema hooks and defaults
)

// DefaultSQLitePath is the embedded database file, in the working directory.
const DefaultSQLitePath = "segretariato.db"

// DB is an open database: the ent client and what lies under it.
type DB struct {
	Client  *ent.Client
	SQL     *sql.DB
	Dialect string // dialect.SQLite or dialect.Postgres
}

// Options size the connection pool and say what to do about the schema.
type Options struct {
	MaxOpenConns int // PostgreSQL; SQLite uses its own setting
	MaxIdleConns int
	// Driver wraps the ent driver, for instance to count statements in tests.
	Driver func(dialect.Driver) dialect.Driver
	// Migrate: apply the pending migrations (the default), only check that
	// there are none, or neither (see MigrateMode).
	Migrate MigrateMode
	// StatementTimeout, on PostgreSQL, ends any statement running longer
	// (statement_timeout; not during the migrations). 0: none.
	StatementTimeout time.Duration
	// SQLiteSynchronous is SQLite's synchronous mode: FULL (default),
	// NORMAL, EXTRA or OFF.
	SQLiteSynchronous string
	// StatementCache is how many statements each PostgreSQL connection
	// keeps prepared (stmtcache.go): 0 DefaultStatementCache, below 0
	// none.
	StatementCache int
}

// Open connects to the database named by rawURL and migrates the schema
// to the binary's version (or, as opt.Migrate says, only checks it). An empty rawURL opens the embedded SQLite file
// DefaultSQLitePath; `sqlite:PATH` (or `file:PATH`) another file;
// `postgres://…` or `postgresql://…` PostgreSQL. It fails when the
// database cannot be reached or migrated; the error never carries the
// password of the URL.
//
// It only opens and migrates: the client it returns has the schema's own
// hooks and policies but not the service's (the audit trail): the service
// opens its database through internal/wiring.Open, which adds them.
func Open(ctx context.Context, rawURL string, opt Options) (*DB, error) {
	drvName, dsn, dia, err := dataSource(rawURL, opt.SQLiteSynchronous)
	if err != nil {
		return nil, err
	}
	var db *sql.DB
	var pgc *pgConnector
	if dia == dialect.Postgres {
		if pgc, err = newPGConnector(dsn, opt.StatementCache); err != nil {
			return nil, fmt.Errorf("opening %s database: %w", dia, redact(err, rawURL))
		}
		db = sql.OpenDB(pgc)
	} else if db, err = sql.Open(drvName, dsn); err != nil {
		return nil, fmt.Errorf("opening %s database: %w", dia, err)
	}
	maxIdle := 8
	switch dia {
	case dialect.SQLite:
		// SQLite has one writer at a time: transactions begin IMMEDIATE
		// (see sqliteDSN) so a second writer waits for the first instead of
		// failing, and WAL lets the readers go on meanwhile.
		db.SetMaxOpenConns(8)
		db.SetMaxIdleConns(8)
	default:
		maxIdle = sizePostgresPool(db, opt)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := ping(pingCtx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("connecting to the %s database: %w", dia, redact(err, rawURL))
	}
	if err := migrateOnOpen(ctx, db, dia, opt.Migrate); err != nil {
		db.Close()
		return nil, err
	}
	if opt.Migrate != MigrateNone {
		if err := settle(ctx, db, dia); err != nil {
			db.Close()
			return nil, err
		}
	}
	var drv dialect.Driver = entsql.OpenDB(dia, db)
	if opt.Driver != nil {
		drv = opt.Driver(drv)
	}
	d := &DB{Client: ent.NewClient(ent.Driver(drv)), SQL: db, Dialect: dia}
	d.armStatementTimeout(pgc, opt.StatementTimeout, maxIdle)
	return d, nil
}

// settle brings the demand figures up to date with writes listed but not
// yet taken up: the contacts stored before the figures were kept (the
// migration lists them all), or a write outside a transaction whose
// process stopped before its refresh (rollup.Driver).
func settle(ctx context.Context, db *sql.DB, dia string) error {
	var pending bool
	if err := db.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM analytics_pending)").Scan(&pending); err != nil {
		return fmt.Errorf("reading the pending figures: %w", err)
	}
	if !pending {
		return nil
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("bringing the figures up to date: %w", err)
	}
	if err := rollup.Refresh(ctx, rollup.SQLConn{Q: tx}, dia == dialect.Postgres); err != nil {
		tx.Rollback()
		return fmt.Errorf("bringing the figures up to date: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("bringing the figures up to date: %w", err)
	}
	return nil
}

// sizePostgresPool sizes a PostgreSQL pool as opt says (20 connections by
// default, as many idle) and returns the idle size.
func sizePostgresPool(db *sql.DB, opt Options) int {
	maxOpen := opt.MaxOpenConns
	if maxOpen <= 0 {
		maxOpen = 20
	}
	maxIdle := opt.MaxIdleConns
	if maxIdle <= 0 {
		maxIdle = maxOpen
	}
	db.SetMaxOpenConns(maxOpen)
	db.SetMaxIdleConns(maxIdle)
	db.SetConnMaxIdleTime(5 * time.Minute)
	return maxIdle
}

// ping checks the first connection. On a new SQLite file that connection
// switches the file to WAL, which needs the file alone: when another
// process opens it at the same moment SQLite answers busy at once (the
// busy timeout does not apply to that lock), so it tries again.
func ping(ctx context.Context, db *sql.DB) error {
	for {
		err := db.PingContext(ctx)
		var se *sqlite.Error
		if err == nil || !errors.As(err, &se) || se.Code()&0xff != sqlite3.SQLITE_BUSY {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Close closes the client and the pool.
func (d *DB) Close() error { return d.Client.Close() }

// Ping reports whether the database answers, for the readiness probe.
func (d *DB) Ping(ctx context.Context) error { return d.SQL.PingContext(ctx) }

func dataSource(rawURL, synchronous string) (driver, dsn, dia string, err error) {
	switch {
	case strings.HasPrefix(rawURL, "postgres://"), strings.HasPrefix(rawURL, "postgresql://"):
		return "postgres", rawURL, dialect.Postgres, nil
	}
	if path, ok := sqlitePath(rawURL); ok {
		return "sqlite", sqliteDSN(path, synchronous), dialect.SQLite, nil
	}
	return "", "", "", errors.New("DATABASE_URL must start with postgres://, postgresql://, sqlite: or file:")
}

// sqlitePath returns the SQLite file an URL names (possibly with a query
// of options), and false when it names no SQLite file.
func sqlitePath(rawURL string) (string, bool) {
	switch {
	case rawURL == "":
		return DefaultSQLitePath, true
	case strings.HasPrefix(rawURL, "sqlite:"):
		return strings.TrimPrefix(strings.TrimPrefix(rawURL, "sqlite:"), "//"), true
	case strings.HasPrefix(rawURL, "file:"):
		return strings.TrimPrefix(rawURL, "file:"), true
	}
	return "", false
}

// sqliteDSN adds the pragmas the schema needs: foreign keys (ent refuses
// to migrate without them), WAL, a busy timeout, the synchronous mode
// (FULL unless told: see SQLiteSynchronous), immediate transactions
// (a writer waits for the lock at BEGIN rather than failing half-way), and
// the SQLite time format, without which strftime cannot read the times.
func sqliteDSN(path, synchronous string) string {
	q := url.Values{}
	// The pragmas run in this order when a connection opens: the busy
	// timeout first, so that switching a new file to WAL waits for another
	// process (or pool connection) doing the same instead of failing.
	q.Add("_pragma", "busy_timeout(5000)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", synchronousPragma(synchronous))
	q.Set("_time_format", "sqlite")
	q.Set("_txlock", "immediate")
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	return "file:" + path + sep + q.Encode()
}

// redact removes the URL's password from an error text.
func redact(err error, rawURL string) error {
	u, perr := url.Parse(rawURL)
	if perr != nil || u.User == nil {
		return err
	}
	if p, ok := u.User.Password(); ok && p != "" {
		return errors.New(strings.ReplaceAll(err.Error(), p, "****"))
	}
	return err
}
