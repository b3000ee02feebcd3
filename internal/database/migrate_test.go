package database_test

import (
	"bytes"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	atlas "ariga.io/atlas/sql/migrate"
	"entgo.io/ent/dialect"
	entschema "entgo.io/ent/dialect/sql/schema"

	"segretariato/ent"
	"segretariato/ent/citizen"
	"segretariato/ent/contact"
	"segretariato/internal/access"
	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
)

// TestFreshDatabaseMigratesToCurrent: Open applies every migration to an
// empty database and records each one.
func TestFreshDatabaseMigratesToCurrent(t *testing.T) {
	for _, kind := range dbtest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			db := open(t, dbtest.URL(t, kind), database.MigrateAuto)
			files, err := db.MigrationFiles()
			if err != nil {
				t.Fatal(err)
			}
			st := status(t, db)
			if !st.UpToDate() || st.Current != st.Latest || !strings.HasPrefix(files[len(files)-1], st.Latest+"_") {
				t.Errorf("status after Open = %+v, want up to date at the last of %v", st, files)
			}
			var n int
			if err := db.SQL.QueryRowContext(t.Context(), "SELECT count(*) FROM atlas_schema_revisions").Scan(&n); err != nil || n != len(files) {
				t.Errorf("%d revisions (%v), want one per file (%d)", n, err, len(files))
			}
			assertAppendOnly(t, db)
		})
	}
}

// TestConcurrentStartsApplyEachMigrationOnce: two processes starting on
// the same new database both open it; each file is applied once.
func TestConcurrentStartsApplyEachMigrationOnce(t *testing.T) {
	for _, kind := range dbtest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			url := dbtest.URL(t, kind)
			errs := make(chan error, 2)
			for range 2 {
				go func() {
					db, err := database.Open(t.Context(), url, database.Options{})
					if err == nil {
						db.Close()
					}
					errs <- err
				}()
			}
			for range 2 {
				if err := <-errs; err != nil {
					t.Errorf("concurrent start: %v", err)
				}
			}
			db := open(t, url, database.MigrateCheck)
			files, err := db.MigrationFiles()
			if err != nil {
				t.Fatal(err)
			}
			var n int
			if err := db.SQL.QueryRowContext(t.Context(), "SELECT count(*) FROM atlas_schema_revisions").Scan(&n); err != nil || n != len(files) {
				t.Errorf("%d revisions (%v), want %d", n, err, len(files))
			}
		})
	}
}

// TestMigrationsMatchTheEntSchema is the staleness guard: the committed
// migration directories verify against their atlas.sum, and a database
// migrated with them is what ent/schema describes (run `go generate ./...`
// after a schema change).
func TestMigrationsMatchTheEntSchema(t *testing.T) {
	for _, d := range []string{"postgres", "sqlite"} {
		dir, err := atlas.NewLocalDir(filepath.Join("..", "..", "ent", "migrate", "migrations", d))
		if err != nil {
			t.Fatal(err)
		}
		if err := atlas.Validate(dir); err != nil {
			t.Errorf("%s migrations: %v (after adding or editing a hand-written file: go run ./internal/database/migrationgen -hash)", d, err)
		}
	}
	for _, kind := range dbtest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			assertSchemaIsEnt(t, open(t, dbtest.URL(t, kind), database.MigrateAuto))
		})
	}
}

// TestCheckModeRefusesPendingAndUnknownMigrations: production's Open
// applies nothing and refuses a database behind the binary, or ahead of
// it; the automatic mode catches up the first and refuses the second.
func TestCheckModeRefusesPendingAndUnknownMigrations(t *testing.T) {
	for _, kind := range dbtest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			url := dbtest.URL(t, kind)
			db := open(t, url, database.MigrateNone)
			files, err := db.MigrationFiles()
			if err != nil {
				t.Fatal(err)
			}
			last := files[len(files)-1]
			previous := strings.SplitN(files[len(files)-2], "_", 2)[0]
			if _, err := db.MigrateUpTo(t.Context(), previous); err != nil {
				t.Fatal(err)
			}
			_, err = database.Open(t.Context(), url, database.Options{Migrate: database.MigrateCheck})
			var nm *database.NotMigratedError
			if !errors.As(err, &nm) || !slices.Equal(nm.Status.Pending, []string{last}) || nm.Status.Current != previous {
				t.Fatalf("check mode on a database one migration behind: %v, want a NotMigratedError with %s pending", err, last)
			}
			if st := status(t, db); st.Current != previous {
				t.Errorf("the check applied migrations: %+v", st)
			}
			// The automatic mode applies it; then the check passes.
			open(t, url, database.MigrateAuto)
			open(t, url, database.MigrateCheck)
			// A version this binary does not know: refused by both modes.
			if _, err := db.SQL.ExecContext(t.Context(), `INSERT INTO atlas_schema_revisions
				(version, description, type, applied, total, executed_at, execution_time, hash, operator_version)
				VALUES ('29990101000000', 'future', 2, 1, 1, CURRENT_TIMESTAMP, 0, 'h1:x', '')`); err != nil {
				t.Fatal(err)
			}
			for _, mode := range []database.MigrateMode{database.MigrateCheck, database.MigrateAuto} {
				_, err := database.Open(t.Context(), url, database.Options{Migrate: mode})
				if !errors.As(err, &nm) || !slices.Equal(nm.Status.Unknown, []string{"29990101000000"}) || !strings.Contains(err.Error(), "newer release") {
					t.Errorf("mode %d on a database of a newer release: %v", mode, err)
				}
			}
		})
	}
}

// TestUpgradeFromAutoMigratingRelease: a database created by the release
// before versioned migrations (its schema dumped in testdata/), with data,
// is baselined and migrated; the data stay, and the audit trail stays
// append-only.
func TestUpgradeFromAutoMigratingRelease(t *testing.T) {
	for _, kind := range dbtest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			ctx := t.Context()
			url := previousRelease(t, kind)
			_, err := database.Open(ctx, url, database.Options{Migrate: database.MigrateCheck})
			var nm *database.NotMigratedError
			if !errors.As(err, &nm) || !nm.Status.Unversioned {
				t.Fatalf("check mode on the previous release's database: %v, want it reported unversioned", err)
			}
			db := open(t, url, database.MigrateNone)
			files, err := db.MigrationFiles()
			if err != nil {
				t.Fatal(err)
			}
			res, err := db.MigrateUp(ctx)
			if err != nil {
				t.Fatalf("upgrading: %v", err)
			}
			if !strings.HasPrefix(files[0], res.Baselined+"_") || res.Baselined == "" || !slices.Equal(res.Applied, files[1:]) {
				t.Errorf("upgrade = %+v, want the baseline %s recorded and %v applied", res, files[0], files[1:])
			}
			if st := status(t, db); !st.UpToDate() {
				t.Errorf("status after the upgrade = %+v", st)
			}
			// The data are intact and readable through ent.
			sys := access.System(ctx)
			c, err := db.Client.Citizen.Query().Where(citizen.FiscalCode("RSSMRA80A01H501U")).Only(sys)
			if err != nil || c.FirstName != "Mario" || c.ID != 100 {
				t.Fatalf("citizen after the upgrade: %+v, %v", c, err)
			}
			k, err := db.Client.Contact.Query().Where(contact.CitizenID(c.ID)).WithMainNeed().WithReferrals(func(q *ent.ReferralQuery) { q.WithEvents() }).Only(sys)
			if err != nil || k.Edges.MainNeed.Code != "TEST_NEED" || len(k.Edges.Referrals) != 1 || len(k.Edges.Referrals[0].Edges.Events) != 1 {
				t.Fatalf("contact after the upgrade: %+v, %v", k, err)
			}
			var trail int
			if err := db.SQL.QueryRowContext(ctx, "SELECT count(*) FROM audit_events WHERE entity = 'Citizen' AND entity_id = 100").Scan(&trail); err != nil || trail != 2 {
				t.Errorf("%d audit events of the citizen (%v), want the 2 of before", trail, err)
			}
			if kind == dialect.Postgres {
				// The trail became partitioned by month: the events of
				// before are in their month's partition, and new ones
				// take ids after theirs.
				if err := db.SQL.QueryRowContext(ctx, "SELECT count(*) FROM audit_events_202503 WHERE entity_id = 100").Scan(&trail); err != nil || trail != 2 {
					t.Errorf("%d events of the citizen in March 2025's partition (%v), want 2", trail, err)
				}
				var id int64
				if err := db.SQL.QueryRowContext(ctx, "INSERT INTO audit_events (at, action, entity) VALUES (now(), 'READ', 'Citizen') RETURNING id").Scan(&id); err != nil || id <= 64424509541 || id >= 64424509440+1<<32 {
					t.Errorf("a new audit event's id after the upgrade: %d, %v", id, err)
				}
			}
			// New rows still get ids in their type's range.
			n, err := db.Client.NeedCategory.Create().SetCode("NEW_NEED").SetMacroArea("ECONOMIC").SetLabelIt("Nuovo").SetLabelEn("New").Save(sys)
			if err != nil || n.ID < 12884901888 || n.ID >= 12884901888+1<<32 {
				t.Errorf("new need category after the upgrade: id %v, %v", n, err)
			}
			assertAppendOnly(t, db)
			assertSchemaIsEnt(t, db)
			// Opening again finds nothing to do.
			open(t, url, database.MigrateCheck)
		})
	}
}

// TestUpgradeRefusesAnUnknownSchema: a database whose tables are not the
// baseline's is not baselined, and is left as it was.
func TestUpgradeRefusesAnUnknownSchema(t *testing.T) {
	for _, kind := range dbtest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			url := dbtest.PreviousRelease(t, kind)
			db := open(t, url, database.MigrateNone)
			if _, err := db.SQL.ExecContext(t.Context(), "DROP INDEX contact_occurred_at"); err != nil {
				t.Fatal(err)
			}
			_, err := database.Open(t.Context(), url, database.Options{})
			if err == nil || !strings.Contains(err.Error(), "cannot be taken as that baseline") || !strings.Contains(err.Error(), "contact_occurred_at") {
				t.Fatalf("migrating a database with an unknown schema: %v", err)
			}
			if st := status(t, db); !st.Unversioned {
				t.Errorf("the refused database was changed: %+v", st)
			}
		})
	}
}

func open(t *testing.T, url string, mode database.MigrateMode) *database.DB {
	t.Helper()
	db, err := database.Open(t.Context(), url, database.Options{Migrate: mode})
	if err != nil {
		t.Fatalf("opening (mode %d): %v", mode, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func status(t *testing.T, db *database.DB) database.MigrationStatus {
	t.Helper()
	st, err := db.MigrationStatus(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// assertAppendOnly checks the database refuses to rewrite the audit trail.
func assertAppendOnly(t *testing.T, db *database.DB) {
	t.Helper()
	ctx := t.Context()
	if _, err := db.SQL.ExecContext(ctx, "INSERT INTO audit_events (at, action, entity) VALUES (CURRENT_TIMESTAMP, 'READ', 'Citizen')"); err != nil {
		t.Fatalf("appending to the audit trail: %v", err)
	}
	stmts := []string{"UPDATE audit_events SET action = 'NOTHING'", "DELETE FROM audit_events"}
	if db.Dialect == dialect.Postgres {
		stmts = append(stmts, "TRUNCATE audit_events")
	}
	for _, stmt := range stmts {
		if _, err := db.SQL.ExecContext(ctx, stmt); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%q on the audit trail: %v, want it refused", stmt, err)
		}
	}
}

// assertSchemaIsEnt checks the database's schema is the ent schema: ent's
// own planner, dropping columns and indexes too, has nothing to do.
func assertSchemaIsEnt(t *testing.T, db *database.DB) {
	t.Helper()
	var plan bytes.Buffer
	if err := db.Client.Schema.WriteTo(t.Context(), &plan, entschema.WithDropColumn(true), entschema.WithDropIndex(true), entschema.WithDiffHook(database.KeepHandWritten)); err != nil {
		t.Fatal(err)
	}
	if plan.Len() > 0 {
		t.Errorf("the migrated schema differs from ent/schema (run go generate ./...):\n%s", plan.String())
	}
}

// previousRelease makes a database as the release before versioned
// migrations left it, with some data.
func previousRelease(t *testing.T, kind string) string {
	t.Helper()
	ctx := t.Context()
	url := dbtest.PreviousRelease(t, kind)
	loader := open(t, url, database.MigrateNone)
	at := time.Date(2025, 3, 4, 9, 30, 0, 0, time.UTC)
	for _, row := range []struct {
		q    string
		args []any
	}{
		{`INSERT INTO operators (id, created_at, updated_at, name, email, role, active) VALUES (25769803876, $1, $1, 'Anna Verdi', 'a.verdi@comune.example.it', 'SOCIAL_WORKER', true)`, []any{at}},
		{`INSERT INTO need_categories (id, created_at, updated_at, code, macro_area, label_it, label_en, position, active) VALUES (12884901988, $1, $1, 'TEST_NEED', 'ECONOMIC', 'Bisogno', 'Need', 1, true)`, []any{at}},
		{`INSERT INTO services (id, created_at, updated_at, code, name, provider, kind, target_areas, internal, active) VALUES (42949673060, $1, $1, 'TEST_SERVICE', 'Servizio', 'COMUNE', 'SOCIO_ASSISTENZIALE', '["ADULTS"]', true, true)`, []any{at}},
		{`INSERT INTO citizens (id, created_at, updated_at, version, fiscal_code, first_name, last_name, privacy_consent, holder_id) VALUES (100, $1, $1, 1, 'RSSMRA80A01H501U', 'Mario', 'Rossi', true, 25769803876)`, []any{at}},
		{`INSERT INTO contacts (id, created_at, updated_at, version, occurred_at, channel, requester, target_area, responses, outcome, citizen_id, main_need_id, operator_id) VALUES (4294967396, $1, $1, 1, $1, 'IN_PERSON', 'SELF', 'ADULTS', '[]', 'REFERRED_INTERNAL', 100, 12884901988, 25769803876)`, []any{at}},
		{`INSERT INTO contact_needs (contact_id, need_category_id) VALUES (4294967396, 12884901988)`, nil},
		{`INSERT INTO referrals (id, created_at, updated_at, version, status, proposed_at, consent_override, contact_id, service_id) VALUES (30064771172, $1, $1, 1, 'PROPOSED', $1, false, 4294967396, 42949673060)`, []any{at}},
		{`INSERT INTO referral_events (id, to_status, at, created_at, referral_events, operator_id) VALUES (34359738468, 'PROPOSED', $1, $1, 30064771172, 25769803876)`, []any{at}},
		{`INSERT INTO audit_events (id, at, operator_id, role, action, entity, entity_id) VALUES (64424509540, $1, 25769803876, 'SOCIAL_WORKER', 'CREATE', 'Citizen', 100), (64424509541, $1, 25769803876, 'SOCIAL_WORKER', 'READ', 'Citizen', 100)`, []any{at}},
	} {
		q := row.q
		if kind == dialect.SQLite {
			q = strings.ReplaceAll(q, "$", "?")
		}
		if _, err := loader.SQL.ExecContext(ctx, q, row.args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	return url
}
