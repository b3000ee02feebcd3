package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
)

// TestMigrateCommandAndProductionStart walks a new production database
// through the commands: the server refuses to start on it and names the
// command to run, `migrate status` lists what is pending, `migrate up`
// applies it, and then the server starts.
func TestMigrateCommandAndProductionStart(t *testing.T) {
	for _, kind := range dbtest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			url := dbtest.URL(t, kind)
			files, err := filepath.Glob(filepath.Join("..", "..", "ent", "migrate", "migrations", database.MigrationDirName(kind), "*.sql"))
			if err != nil || len(files) < 2 {
				t.Fatalf("migration files: %v %v", files, err)
			}
			latest := strings.SplitN(filepath.Base(files[len(files)-1]), "_", 2)[0]
			getenv := env(map[string]string{"DATABASE_URL": url, "ENV": "production"})

			out := migrate(t, getenv, "status")
			if !strings.Contains(out, "current version: none\n") || !strings.Contains(out, "latest version:  "+latest+"\n") ||
				!strings.Contains(out, "pending:         "+strconv.Itoa(len(files))+"\n") {
				t.Errorf("status of an empty database:\n%s", out)
			}
			refuseToStart(t, getenv, "pending migrations")
			// An administration command is held to the same rule.
			var stdout, stderr bytes.Buffer
			err = run(t.Context(), []string{"operator", "add", "--email", "a@comune.example.it", "--name", "A", "--role", "ADMIN"}, getenv, &stdout, &stderr)
			if err == nil || !strings.Contains(err.Error(), "server migrate up") || stdout.Len() > 0 {
				t.Errorf("operator add on an unmigrated production database: err %v, stdout %q; want a refusal naming `server migrate up`", err, stdout.String())
			}
			if out := migrate(t, getenv, "status"); !strings.Contains(out, "current version: none\n") {
				t.Errorf("the refused start or command migrated the database:\n%s", out)
			}

			out = migrate(t, getenv, "up")
			for _, f := range files {
				if !strings.Contains(out, "applied "+filepath.Base(f)+"\n") {
					t.Errorf("migrate up does not report %s:\n%s", filepath.Base(f), out)
				}
			}
			if !strings.Contains(out, "current version: "+latest+"\n") || !strings.Contains(out, "up to date\n") {
				t.Errorf("migrate up:\n%s", out)
			}
			if out := migrate(t, getenv, "up"); !strings.Contains(out, "nothing to apply\n") || !strings.Contains(out, "up to date\n") {
				t.Errorf("migrate up on an up-to-date database:\n%s", out)
			}
			if out := migrate(t, getenv, "status"); !strings.Contains(out, "current version: "+latest+"\n") || strings.Contains(out, "pending") {
				t.Errorf("status after migrate up:\n%s", out)
			}
			_, stop := startServer(t, nil, getenv)
			if err := stop(); err != nil {
				t.Errorf("production server on the migrated database: %v", err)
			}
			if err := run(t.Context(), []string{"migrate", "down"}, getenv, &bytes.Buffer{}, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "usage") {
				t.Errorf("migrate down: %v, want the usage", err)
			}
		})
	}
}

// TestMigrateUpBaselinesAPreviousRelease: `migrate up` on the database of
// the release before versioned migrations records the baseline and applies
// the rest; the production server refuses it before.
func TestMigrateUpBaselinesAPreviousRelease(t *testing.T) {
	for _, kind := range dbtest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			url := dbtest.PreviousRelease(t, kind)
			getenv := env(map[string]string{"DATABASE_URL": url, "ENV": "production"})
			if out := migrate(t, getenv, "status"); !strings.Contains(out, "created before versioned migrations") {
				t.Errorf("status of a previous release's database:\n%s", out)
			}
			refuseToStart(t, getenv, "no migration history")
			out := migrate(t, getenv, "up")
			if !strings.Contains(out, "baseline ") || !strings.Contains(out, "_audit_append_only.sql\n") || !strings.Contains(out, "up to date\n") {
				t.Errorf("migrate up of a previous release's database:\n%s", out)
			}
		})
	}
}

func migrate(t *testing.T, getenv func(string) string, sub string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	if err := run(t.Context(), []string{"migrate", sub}, getenv, &out, &errOut); err != nil {
		t.Fatalf("migrate %s: %v (%s)", sub, err, errOut.String())
	}
	return out.String()
}

// refuseToStart checks the server exits at once with an error naming
// `server migrate up`.
func refuseToStart(t *testing.T, getenv func(string) string, why string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	err := run(ctx, []string{"--addr", "127.0.0.1:0"}, getenv, &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), why) || !strings.Contains(err.Error(), "run `server migrate up`") {
		t.Errorf("production start on a database not migrated: %v", err)
	}
}
