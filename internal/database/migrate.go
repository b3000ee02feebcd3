package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	atlas "ariga.io/atlas/sql/migrate"
	"ariga.io/atlas/sql/postgres"
	"ariga.io/atlas/sql/sqlite"
	"entgo.io/ent/dialect"

	"segretariato/ent/migrate/migrations"
)

// MigrateMode says what Open does about the schema's version.
type MigrateMode int

const (
	// MigrateAuto applies the pending migrations (development, the
	// embedded default, tests).
	MigrateAuto MigrateMode = iota
	// MigrateCheck applies nothing and refuses a database that is not
	// exactly at the binary's version, with a *NotMigratedError
	// (production: migrations are run on purpose, by `server migrate up`).
	MigrateCheck
	// MigrateNone neither applies nor checks: for the migration commands
	// themselves.
	MigrateNone
)

// MigrationStatus is where a database stands against the migrations
// embedded in the binary.
type MigrationStatus struct {
	// Current is the version of the last applied migration; empty when
	// none is.
	Current string
	// Latest is the version of the binary's last migration.
	Latest string
	// Pending are the migration files still to apply, in order.
	Pending []string
	// Unversioned is set for a database whose tables an earlier,
	// auto-migrating release created: it has no revision table yet.
	// Migrating it checks its schema against the first migration (the
	// baseline), records the baseline as applied and applies the rest.
	Unversioned bool
	// Unknown are applied versions the binary has no file for: a newer
	// release migrated the database.
	Unknown []string
}

// UpToDate reports whether the database is exactly at the binary's version.
func (s MigrationStatus) UpToDate() bool {
	return len(s.Pending) == 0 && len(s.Unknown) == 0 && !s.Unversioned
}

// NotMigratedError is Open's answer, in MigrateCheck mode, for a database
// that is not at the binary's version.
type NotMigratedError struct{ Status MigrationStatus }

func (e *NotMigratedError) Error() string {
	s := e.Status
	if len(s.Unknown) > 0 {
		return fmt.Sprintf("the database schema is at version %s, which this binary does not know (its last migration is %s): a newer release migrated it", s.Unknown[len(s.Unknown)-1], s.Latest)
	}
	if s.Unversioned {
		return fmt.Sprintf("the database has no migration history (a release before versioned migrations created it): it needs its baseline checked and recorded, and %d migrations (up to %s)", len(s.Pending), s.Latest)
	}
	current := s.Current
	if current == "" {
		current = "none"
	}
	return fmt.Sprintf("the database schema has %d pending migrations (applied: %s, this binary needs %s)", len(s.Pending), current, s.Latest)
}

// MigrationResult is what MigrateUp did.
type MigrationResult struct {
	// Baselined is the baseline version recorded as applied on an
	// unversioned database; empty otherwise.
	Baselined string
	// Applied are the migration files applied, in order.
	Applied []string
}

// MigrationStatus compares the database with the embedded migrations. It
// changes nothing.
func (d *DB) MigrationStatus(ctx context.Context) (MigrationStatus, error) {
	return migrationStatus(ctx, d.SQL, d.Dialect)
}

// MigrateUp applies the pending migrations, each in a transaction of its
// own, baselining first a database created by an earlier, auto-migrating
// release. It refuses a database migrated by a newer release.
func (d *DB) MigrateUp(ctx context.Context) (MigrationResult, error) {
	res, err := migrateUp(ctx, d.SQL, d.Dialect, "")
	if err != nil {
		return res, err
	}
	return res, settle(ctx, d.SQL, d.Dialect)
}

// migrateOnOpen does what the mode of Open asks.
func migrateOnOpen(ctx context.Context, db *sql.DB, dia string, mode MigrateMode) error {
	switch mode {
	case MigrateAuto:
		_, err := migrateUp(ctx, db, dia, "")
		return err
	case MigrateCheck:
		st, err := migrationStatus(ctx, db, dia)
		if err != nil {
			return err
		}
		if !st.UpToDate() {
			return &NotMigratedError{Status: st}
		}
	}
	return nil
}

// MigrationDirName is the directory of a dialect's migrations, under
// ent/migrate/migrations.
func MigrationDirName(dia string) string {
	if dia == dialect.SQLite {
		return "sqlite"
	}
	return dia
}

// migrationDir is the embedded migration directory of a dialect.
func migrationDir(dia string) (*atlas.MemDir, error) {
	sub, err := fs.Sub(migrations.FS, MigrationDirName(dia))
	if err != nil {
		return nil, err
	}
	entries, err := fs.ReadDir(sub, ".")
	if err != nil {
		return nil, fmt.Errorf("no migrations for %s: %w", dia, err)
	}
	dir := &atlas.MemDir{}
	for _, e := range entries {
		b, err := fs.ReadFile(sub, e.Name())
		if err != nil {
			return nil, err
		}
		if err := dir.WriteFile(e.Name(), b); err != nil {
			return nil, err
		}
	}
	if err := atlas.Validate(dir); err != nil {
		return nil, fmt.Errorf("the embedded %s migrations do not match their atlas.sum: %w", dia, err)
	}
	return dir, nil
}

// atlasDriver opens Atlas's driver of the dialect over a connection or a
// transaction.
func atlasDriver(dia string, conn interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}) (atlas.Driver, error) {
	if dia == dialect.Postgres {
		return postgres.Open(conn)
	}
	return sqlite.Open(conn)
}

// state is what the database holds against the migration directory.
type state struct {
	dir   *atlas.MemDir
	files []atlas.File
	revs  []*atlas.Revision
	// unversioned: tables but no revision table.
	unversioned bool
}

func readState(ctx context.Context, conn execQuerier, dia string) (*state, error) {
	dir, err := migrationDir(dia)
	if err != nil {
		return nil, err
	}
	files, err := dir.Files()
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no %s migrations embedded", dia)
	}
	st := &state{dir: dir, files: files}
	tables, err := tableNames(ctx, conn, dia)
	if err != nil {
		return nil, err
	}
	switch {
	case slices.Contains(tables, revisionTable):
		if st.revs, err = (&revisions{conn: conn, dia: dia}).ReadRevisions(ctx); err != nil {
			return nil, err
		}
	case len(tables) > 0:
		st.unversioned = true
	}
	if err := st.checkApplied(); err != nil {
		return nil, err
	}
	return st, nil
}

// checkApplied refuses applied migrations whose file changed since.
func (st *state) checkApplied() error {
	sums, err := st.dir.Checksum()
	if err != nil {
		return err
	}
	for _, r := range st.revs {
		if r.Hash == "" || r.Type.Has(atlas.RevisionTypeBaseline) {
			continue
		}
		for _, f := range st.files {
			if f.Version() != r.Version {
				continue
			}
			if h, err := sums.SumByName(f.Name()); err != nil || h != r.Hash {
				return fmt.Errorf("migration %s was changed after it was applied to this database", f.Name())
			}
		}
	}
	return nil
}

// unknown are the applied versions with no file.
func (st *state) unknown() []string {
	var out []string
	for _, r := range st.revs {
		if !slices.ContainsFunc(st.files, func(f atlas.File) bool { return f.Version() == r.Version }) {
			out = append(out, r.Version)
		}
	}
	return out
}

// executor is Atlas's executor on conn, with the revision table; an
// unversioned database starts at the baseline, an empty one at the first
// file.
func (st *state) executor(conn execQuerier, dia string) (*atlas.Executor, error) {
	drv, err := atlasDriver(dia, conn)
	if err != nil {
		return nil, err
	}
	opts := []atlas.ExecutorOption{atlas.WithAllowDirty(true)}
	if st.unversioned {
		opts = []atlas.ExecutorOption{atlas.WithBaselineVersion(st.files[0].Version())}
	}
	return atlas.NewExecutor(drv, st.dir, &revisions{conn: conn, dia: dia}, opts...)
}

func migrationStatus(ctx context.Context, db *sql.DB, dia string) (MigrationStatus, error) {
	st, err := readState(ctx, db, dia)
	if err != nil {
		return MigrationStatus{}, err
	}
	out := MigrationStatus{Latest: st.files[len(st.files)-1].Version(), Unversioned: st.unversioned, Unknown: st.unknown()}
	if n := len(st.revs); n > 0 {
		out.Current = st.revs[n-1].Version
	}
	var pending []atlas.File
	switch {
	case len(out.Unknown) > 0:
	case st.unversioned:
		pending = st.files[1:]
	case len(st.revs) == 0:
		pending = st.files
	default:
		ex, err := st.executor(db, dia)
		if err != nil {
			return out, err
		}
		if pending, err = ex.Pending(ctx); err != nil && !errors.Is(err, atlas.ErrNoPendingFiles) {
			return out, err
		}
	}
	for _, f := range pending {
		out.Pending = append(out.Pending, f.Name())
	}
	return out, nil
}

// migrateUp applies the pending files, up to the version until if not
// empty.
func migrateUp(ctx context.Context, db *sql.DB, dia, until string) (MigrationResult, error) {
	var res MigrationResult
	st, err := migrationStatus(ctx, db, dia)
	switch {
	case err != nil:
		return res, err
	case len(st.Unknown) > 0:
		return res, &NotMigratedError{Status: st}
	case st.UpToDate():
		return res, nil
	}
	// One file per transaction; each transaction reads the state again
	// under the lock, so concurrent starts apply each file once.
	for {
		name, baselined, err := applyNext(ctx, db, dia)
		if err != nil {
			return res, err
		}
		if baselined != "" {
			res.Baselined = baselined
		}
		if name == "" {
			return res, nil
		}
		res.Applied = append(res.Applied, name)
		if until != "" && strings.HasPrefix(name, until+"_") {
			return res, nil
		}
	}
}

// applyNext applies the first pending file in a transaction and returns
// its name ("" when none is pending) and the baseline it recorded, if any.
func applyNext(ctx context.Context, db *sql.DB, dia string) (name, baselined string, err error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return "", "", err
	}
	defer conn.Close()
	tx, err := beginMigration(ctx, conn, dia)
	if err != nil {
		return "", "", err
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, tx.Rollback())
		}
	}()
	st, err := readState(ctx, tx, dia)
	if err != nil {
		return "", "", err
	}
	if len(st.unknown()) > 0 {
		return "", "", fmt.Errorf("the database was migrated by a newer release (version %s)", st.unknown()[0])
	}
	if st.unversioned {
		if err := checkBaseline(ctx, tx, dia, st.files[0]); err != nil {
			return "", "", err
		}
		baselined = st.files[0].Version()
	}
	if _, err := tx.ExecContext(ctx, revisionDDL[dia]); err != nil {
		return "", "", fmt.Errorf("creating the revision table: %w", err)
	}
	ex, err := st.executor(tx, dia)
	if err != nil {
		return "", "", err
	}
	pending, err := ex.Pending(ctx)
	switch {
	case errors.Is(err, atlas.ErrNoPendingFiles):
		return "", baselined, tx.Commit()
	case err != nil:
		return "", "", err
	}
	if err := ex.Execute(ctx, pending[0]); err != nil {
		return "", "", fmt.Errorf("applying migration %s: %w", pending[0].Name(), err)
	}
	if err := tx.Commit(); err != nil {
		return "", "", fmt.Errorf("committing migration %s: %w", pending[0].Name(), err)
	}
	return pending[0].Name(), baselined, nil
}

// migrationLock is the key of PostgreSQL's advisory lock that serialises
// the migrating processes.
const migrationLock int64 = 7201452371

// migrationTx is a transaction whose Commit and Rollback also restore the
// connection (SQLite's foreign-key setting).
type migrationTx struct {
	*sql.Tx
	commit, rollback func() error
}

func (t *migrationTx) Commit() error   { return t.commit() }
func (t *migrationTx) Rollback() error { return t.rollback() }

// beginMigration opens the transaction a migration file runs in. On
// PostgreSQL it takes an advisory lock first; on SQLite the transaction
// begins IMMEDIATE (see sqliteDSN), which serialises the writers, and the
// foreign keys are off meanwhile (a table rebuild needs it: the pragma is
// ignored inside a transaction), checked for new violations at commit.
func beginMigration(ctx context.Context, conn *sql.Conn, dia string) (*migrationTx, error) {
	if dia == dialect.Postgres {
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", migrationLock); err != nil {
			return nil, errors.Join(err, tx.Rollback())
		}
		return &migrationTx{Tx: tx, commit: tx.Commit, rollback: tx.Rollback}, nil
	}
	var on bool
	if err := conn.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&on); err != nil {
		return nil, err
	}
	if on {
		if _, err := conn.ExecContext(ctx, "PRAGMA foreign_keys = off"); err != nil {
			return nil, err
		}
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		if on {
			_, err2 := conn.ExecContext(ctx, "PRAGMA foreign_keys = on")
			err = errors.Join(err, err2)
		}
		return nil, err
	}
	commit, err := sqlite.CommitFunc(ctx, conn, tx, on)
	if err != nil {
		return nil, errors.Join(err, sqlite.RollbackFunc(ctx, conn, tx, on)())
	}
	return &migrationTx{Tx: tx, commit: commit, rollback: sqlite.RollbackFunc(ctx, conn, tx, on)}, nil
}

// tableNames lists the tables of the current schema.
func tableNames(ctx context.Context, conn execQuerier, dia string) ([]string, error) {
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`
	if dia == dialect.Postgres {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`
	}
	rows, err := conn.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("listing the tables: %w", err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		names = append(names, n)
	}
	return names, rows.Err()
}

// statements splits a migration file as the executor does.
func statements(dia string, f atlas.File, drv atlas.Driver) ([]string, error) {
	stmts, err := atlas.FileStmts(drv, f)
	if err != nil {
		return nil, fmt.Errorf("reading %s migration %s: %w", dia, f.Name(), err)
	}
	return stmts, nil
}

// describe lists schema changes by their SQL, for an error message: names
// of tables, columns and indexes only.
func describe(stmts []string) string {
	if len(stmts) > 5 {
		stmts = append(stmts[:5:5], fmt.Sprintf("… %d more", len(stmts)-5))
	}
	return strings.Join(stmts, "; ")
}
