package main

import (
	"context"
	"errors"
	"strconv"

	"segretariato/internal/database"
	"segretariato/internal/refdata"
	"segretariato/internal/wiring"
)

// dbConfig is how the database is opened, read the same way by the serve
// command and by every administration command (openDB): the mode (ENV),
// the pool (DB_MAX_CONNS), the statements each connection keeps prepared
// (DB_STATEMENT_CACHE), and the fault settings, among them
// SQLITE_SYNCHRONOUS and the REQUEST_TIMEOUT the statement timeout
// follows.
type dbConfig struct {
	Env        string // ENV, --env: development (default) or production
	DBMaxConns int    // DB_MAX_CONNS: PostgreSQL pool size (default 20)
	// DB_STATEMENT_CACHE: statements each PostgreSQL connection keeps
	// prepared (default 100; 0 none, for a pooler in transaction mode),
	// as database.Options.StatementCache has it.
	DBStatementCache int
	faultConfig
}

// parseDBConfig reads the database's settings from the environment; it
// fails naming the setting at fault.
func parseDBConfig(getenv func(string) string) (dbConfig, error) {
	d := dbConfig{Env: envOr(getenv, "ENV", "development")}
	var err error
	if d.faultConfig, err = parseFaultConfig(getenv); err != nil {
		return d, err
	}
	if s := getenv("DB_STATEMENT_CACHE"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return d, errors.New("DB_STATEMENT_CACHE must be a whole number, 0 or more")
		}
		d.DBStatementCache = database.StatementsKept(n)
	}
	return d, positiveInts(getenv, []envInt{{"DB_MAX_CONNS", &d.DBMaxConns}})
}

// options are the database.Options of d: in production the schema only
// checked (`server migrate up` is a step of its own there), else migrated.
func (d dbConfig) options() database.Options {
	return database.Options{
		MaxOpenConns: d.DBMaxConns, Migrate: migrationMode(d.Env), StatementCache: d.DBStatementCache,
		StatementTimeout: d.statementTimeout(), SQLiteSynchronous: d.SQLiteSynchronous,
	}
}

// openDB opens the database an administration command works on, with the
// server's settings read from getenv (dbConfig): through wiring.Open,
// so with the audit trail's hooks, and with the reference data (need
// taxonomy, service catalogue) loaded when missing.
func openDB(ctx context.Context, url string, getenv func(string) string) (*database.DB, error) {
	d, err := parseDBConfig(getenv)
	if err != nil {
		return nil, err
	}
	return openDBWith(ctx, url, d.options())
}

// openDBWith is openDB with the options given: the serve command's way.
func openDBWith(ctx context.Context, url string, opt database.Options) (*database.DB, error) {
	db, err := wiring.Open(ctx, url, opt)
	if err != nil {
		return nil, explainMigration(err)
	}
	if _, err := refdata.Load(ctx, db.Client); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}
