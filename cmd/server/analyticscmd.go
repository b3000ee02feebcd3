package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"entgo.io/ent/dialect"

	"segretariato/internal/database"
	"segretariato/internal/rollup"
	"segretariato/internal/wiring"
)

const analyticsUsage = `usage: server analytics verify|rebuild [--database-url URL]

  verify   compare every kept figure (the contacts' facts and the weekly and
           monthly cells) with a recomputation from the raw rows, in one
           consistent snapshot; exit 1 and list the first differences if any
  rebuild  recompute every kept figure from the raw rows (after an upgrade or
           a repair), in one transaction, with a progress bar on standard
           error; writes wait until it is done`

// runAnalytics is `server analytics verify|rebuild`.
func runAnalytics(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 && isHelp(args[0]) {
		fmt.Fprintln(stdout, analyticsUsage)
		return nil
	}
	if len(args) == 0 || (args[0] != "verify" && args[0] != "rebuild") {
		return errors.New(analyticsUsage)
	}
	fs := flag.NewFlagSet("analytics "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	dbURL := fs.String("database-url", getenv("DATABASE_URL"), "database (DATABASE_URL)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q; %s", fs.Arg(0), analyticsUsage)
	}
	d, err := parseDBConfig(getenv)
	if err != nil {
		return err
	}
	// A whole database's figures: no statement timeout.
	opt := d.options()
	opt.StatementTimeout = 0
	db, err := wiring.Open(ctx, *dbURL, opt)
	if err != nil {
		return err
	}
	defer db.Close()
	pg := db.Dialect == dialect.Postgres
	bar := progressBar(stderr)
	if args[0] == "rebuild" {
		start := time.Now()
		if err := sqlTx(ctx, db, nil, func(c rollup.Conn) error { return rollup.Rebuild(ctx, c, pg, bar) }); err != nil {
			return fmt.Errorf("rebuilding the figures: %w", err)
		}
		fmt.Fprintln(stderr)
		_, err := fmt.Fprintf(stdout, "figures rebuilt in %s\n", time.Since(start).Round(time.Millisecond))
		return err
	}
	var rep *rollup.VerifyReport
	var opts *sql.TxOptions
	if pg {
		opts = &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
	}
	err = sqlTx(ctx, db, opts, func(c rollup.Conn) error {
		var err error
		rep, err = rollup.Verify(ctx, c, pg, bar)
		return err
	})
	if err != nil {
		return fmt.Errorf("verifying the figures: %w", err)
	}
	fmt.Fprintln(stderr)
	fmt.Fprintf(stdout, "%d contacts and %d cells checked, %d pending, %d differences\n", rep.Contacts, rep.Cells, rep.Pending, rep.Differences)
	for _, x := range rep.Examples {
		fmt.Fprintf(stdout, "  %s: %s\n", x.What, x.Detail)
	}
	if rep.Differences > 0 || rep.Pending > 0 {
		return errors.New("the kept figures differ from the raw rows: run `server analytics rebuild`")
	}
	return nil
}

// sqlTx runs f in one database/sql transaction, committed when f succeeds.
func sqlTx(ctx context.Context, db *database.DB, opts *sql.TxOptions, f func(rollup.Conn) error) error {
	tx, err := db.SQL.BeginTx(ctx, opts)
	if err != nil {
		return err
	}
	if err := f(rollup.SQLConn{Q: tx}); err != nil {
		return errors.Join(err, tx.Rollback())
	}
	return tx.Commit()
}

// progressBar draws "[#####     ] 512/1024 contacts" on w, at most ten
// times a second.
func progressBar(w io.Writer) rollup.Progress {
	var last time.Time
	return func(done, total int) {
		if time.Since(last) < 100*time.Millisecond && done < total {
			return
		}
		last = time.Now()
		const width = 30
		n := width
		if total > 0 {
			n = min(width, done*width/total)
		}
		bar := make([]byte, width)
		for i := range bar {
			bar[i] = ' '
			if i < n {
				bar[i] = '#'
			}
		}
		fmt.Fprintf(w, "\r[%s] %d/%d contacts", bar, done, total)
	}
}
