// Command migrationgen writes the versioned migrations of the ent schema.
// For each dialect it replays ent/migrate/migrations/<dialect> on an empty
// scratch database, compares the result with ent/schema and, when they
// differ, writes one new file <version>_<name>.sql with the statements
// that close the gap, and updates the directory's atlas.sum. When the
// schema did not change it writes nothing.
//
// `go generate ./...` runs it after the ent code generation, from the
// module root. The SQLite scratch database is a temporary file; the
// PostgreSQL one is created, and dropped afterwards, on the server of
// TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres),
// so regenerating needs that server.
//
//	-name N   names the new file (default MIGRATION_NAME, else "changes")
//	-hash     only rewrites atlas.sum of both directories: run it after
//	          adding or editing a hand-written migration file
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"text/template"
	"time"

	atlas "ariga.io/atlas/sql/migrate"
	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"entgo.io/ent/dialect/sql/schema"

	"segretariato/ent/migrate"
	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
)

// root is the migration directory, relative to the module root.
const root = "ent/migrate/migrations"

func main() {
	log.SetFlags(0)
	log.SetPrefix("migrationgen: ")
	def := os.Getenv("MIGRATION_NAME")
	if def == "" {
		def = "changes"
	}
	name := flag.String("name", def, "name of a new migration file (MIGRATION_NAME)")
	hashOnly := flag.Bool("hash", false, "only rewrite the atlas.sum files")
	flag.Parse()
	// One version for both dialects, so their files pair up.
	version := time.Now().UTC().Format("20060102150405")
	ctx := context.Background()
	for _, dia := range []string{dialect.Postgres, dialect.SQLite} {
		path := filepath.Join(root, database.MigrationDirName(dia))
		if err := os.MkdirAll(path, 0o755); err != nil {
			log.Fatal(err)
		}
		dir, err := atlas.NewLocalDir(path)
		if err != nil {
			log.Fatal(err)
		}
		if *hashOnly {
			sum, err := dir.Checksum()
			if err == nil {
				err = atlas.WriteSumFile(dir, sum)
			}
			if err != nil {
				log.Fatalf("%s: %v", path, err)
			}
			continue
		}
		if err := diff(ctx, dia, dir, version, *name); err != nil {
			log.Fatalf("%s: %v", path, err)
		}
	}
}

// diff writes the migration that takes the directory's schema to the ent
// schema, if there is a difference.
func diff(ctx context.Context, dia string, dir *atlas.LocalDir, version, name string) error {
	devURL, cleanup, err := devDatabase(ctx, dia)
	if err != nil {
		return err
	}
	defer cleanup()
	db, err := database.Open(ctx, devURL, database.Options{Migrate: database.MigrateNone})
	if err != nil {
		return err
	}
	defer db.Close()
	before, err := dir.Files()
	if err != nil {
		return err
	}
	names, err := template.New("").Parse(version + "{{ with .Name }}_{{ . }}{{ end }}.sql")
	if err != nil {
		return err
	}
	format := atlas.TemplateFormatter{{N: names, C: atlas.DefaultFormatter[0].C}}
	err = migrate.NewSchema(entsql.OpenDB(dia, db.SQL)).NamedDiff(ctx, name,
		schema.WithDir(dir),
		schema.WithMigrationMode(schema.ModeReplay),
		schema.WithDialect(dia),
		schema.WithFormatter(format),
		schema.WithDropColumn(true),
		schema.WithDropIndex(true),
		schema.WithDiffHook(database.KeepHandWritten),
	)
	if err != nil {
		return err
	}
	after, err := dir.Files()
	if err != nil {
		return err
	}
	if len(after) > len(before) {
		fmt.Printf("migrationgen: wrote %s/%s: review it and commit it\n", dir.Path(), after[len(after)-1].Name())
	}
	return nil
}

// devDatabase makes an empty database to replay the migrations on.
func devDatabase(ctx context.Context, dia string) (string, func(), error) {
	if dia == dialect.SQLite {
		tmp, err := os.MkdirTemp("", "migrationgen")
		if err != nil {
			return "", nil, err
		}
		return "sqlite:" + filepath.Join(tmp, "dev.db"), func() { os.RemoveAll(tmp) }, nil
	}
	base := os.Getenv("TEST_DATABASE_URL")
	if base == "" {
		base = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
	u, drop, err := dbtest.CreatePostgres(ctx, base, "seg_migrationgen_")
	if err != nil {
		return "", nil, errors.Join(errors.New("creating a scratch PostgreSQL database (regenerating the migrations needs the local PostgreSQL server)"), err)
	}
	return u, drop, nil
}
