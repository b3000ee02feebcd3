package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"segretariato/internal/database"
	"segretariato/internal/wiring"
)

const migrateUsage = "usage: server migrate status|up [--database-url U]\n" +
	"The database is --database-url, else MIGRATE_DATABASE_URL (the tables' owner), else DATABASE_URL."

// migrateURL is the database the migrations run on: MIGRATE_DATABASE_URL
// when set (on PostgreSQL, as the role that owns the tables, while the
// server runs as a role that owns nothing: README, Deployment, step 2),
// else DATABASE_URL.
func migrateURL(getenv func(string) string) string {
	if u := getenv("MIGRATE_DATABASE_URL"); u != "" {
		return u
	}
	return getenv("DATABASE_URL")
}

// runMigrate handles `server migrate status` (where the database stands
// against the binary's migrations; it changes nothing) and `server migrate
// up` (apply the pending ones, baselining first a database of a release
// before versioned migrations).
func runMigrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 && isHelp(args[0]) {
		fmt.Fprintln(stdout, migrateUsage)
		return nil
	}
	if len(args) == 0 || (args[0] != "status" && args[0] != "up") {
		return errors.New(migrateUsage)
	}
	fs := flag.NewFlagSet("migrate "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	dbURL := fs.String("database-url", migrateURL(getenv), "database (MIGRATE_DATABASE_URL, else DATABASE_URL)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q; %s", fs.Arg(0), migrateUsage)
	}
	d, err := parseDBConfig(getenv)
	if err != nil {
		return err
	}
	// The server's settings, but for the migrations: run here, by this
	// command alone, and with no statement timeout (a schema change on a
	// large table may rightly take longer).
	opt := d.options()
	opt.Migrate, opt.StatementTimeout = database.MigrateNone, 0
	db, err := wiring.Open(ctx, *dbURL, opt)
	if err != nil {
		return err
	}
	defer db.Close()
	if args[0] == "up" {
		res, err := db.MigrateUp(ctx)
		if res.Baselined != "" {
			fmt.Fprintf(stdout, "baseline %s recorded: the schema created before versioned migrations matches it\n", res.Baselined)
		}
		for _, name := range res.Applied {
			fmt.Fprintf(stdout, "applied %s\n", name)
		}
		if err != nil {
			return err
		}
		if res.Baselined == "" && len(res.Applied) == 0 {
			fmt.Fprintln(stdout, "nothing to apply")
		}
	}
	st, err := db.MigrationStatus(ctx)
	if err != nil {
		return err
	}
	printStatus(stdout, db.Dialect, st)
	return nil
}

func printStatus(w io.Writer, dia string, st database.MigrationStatus) {
	current := st.Current
	switch {
	case st.Unversioned:
		current = "none: created before versioned migrations (`server migrate up` checks it against the baseline and records it)"
	case current == "":
		current = "none"
	}
	fmt.Fprintf(w, "database:        %s\ncurrent version: %s\nlatest version:  %s\n", dia, current, st.Latest)
	if len(st.Unknown) > 0 {
		fmt.Fprintf(w, "unknown versions: %s (a newer release migrated this database: run that release)\n", strings.Join(st.Unknown, ", "))
	}
	if len(st.Pending) == 0 {
		if len(st.Unknown) == 0 {
			fmt.Fprintln(w, "up to date")
		}
		return
	}
	fmt.Fprintf(w, "pending:         %d\n", len(st.Pending))
	for _, name := range st.Pending {
		fmt.Fprintf(w, "  %s\n", name)
	}
}

// migrationMode is what the server and the administration commands do
// about the schema when they open the database: in production (env) nothing
// but check it (migrations are run on purpose, with `server migrate up`);
// in development they migrate it.
func migrationMode(env string) database.MigrateMode {
	if env == "production" {
		return database.MigrateCheck
	}
	return database.MigrateAuto
}

// explainMigration turns the refusal of a database at another version
// into the operator's next step.
func explainMigration(err error) error {
	var nm *database.NotMigratedError
	if !errors.As(err, &nm) {
		return err
	}
	if len(nm.Status.Unknown) > 0 {
		return fmt.Errorf("%w; start the release that migrated it, or a newer one", err)
	}
	return fmt.Errorf("%w; in production the server does not migrate at start: run `server migrate up` (same DATABASE_URL), then start it again", err)
}
