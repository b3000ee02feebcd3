package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"text/tabwriter"
	"time"

	"segretariato/internal/access"
	"segretariato/internal/audit"
	"segretariato/internal/database"
)

const auditUsage = "usage: server audit months|export|detach [flags]\n" +
	"  months                           the trail's months (PostgreSQL): events, size, whether the retention keeps them\n" +
	"  export --before YYYY-MM [--out F] write the events before that month to F (CSV) and F.sha256\n" +
	"  detach --before YYYY-MM --file F detach the months before that one, past the retention and exported to F (the tables' owner)\n" +
	"The retention is AUDIT_RETENTION_MONTHS (--retention-months), default and minimum 24 whole months before the current one."

// auditRetention is AUDIT_RETENTION_MONTHS, default and minimum
// audit.MinRetentionMonths.
func auditRetention(getenv func(string) string) (int, error) {
	v := getenv("AUDIT_RETENTION_MONTHS")
	if v == "" {
		return audit.MinRetentionMonths, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("AUDIT_RETENTION_MONTHS=%q: a whole number of months, at least %d", v, audit.MinRetentionMonths)
	}
	return n, audit.CheckRetention(n)
}

// runAudit handles `server audit months|export|detach`: the trail's
// months, and how the ones past the retention leave it (internal/audit,
// partitions.go; README, "The audit trail: partitions and retention").
func runAudit(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 && isHelp(args[0]) {
		fmt.Fprintln(stdout, auditUsage)
		return nil
	}
	if len(args) == 0 || (args[0] != "months" && args[0] != "export" && args[0] != "detach") {
		return errors.New(auditUsage)
	}
	sub := args[0]
	fs := flag.NewFlagSet("audit "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	defURL := getenv("DATABASE_URL")
	if sub == "detach" {
		defURL = migrateURL(getenv)
	}
	dbURL := fs.String("database-url", defURL, "database (detach: MIGRATE_DATABASE_URL, else DATABASE_URL; the others: DATABASE_URL)")
	before := fs.String("before", "", "the first month kept (YYYY-MM): export or detach the months before it")
	out := fs.String("out", "", "export: the file to write (default audit-events-before-YYYY-MM.csv)")
	file := fs.String("file", "", "detach: the export file of those months, checked against the SHA-256 their export recorded")
	retention, err := auditRetention(getenv)
	if err != nil {
		return err
	}
	fs.IntVar(&retention, "retention-months", retention, "whole months before the current one the trail keeps (AUDIT_RETENTION_MONTHS)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q\n%s", fs.Arg(0), auditUsage)
	}
	if err := audit.CheckRetention(retention); err != nil {
		return err
	}
	var month time.Time
	if sub != "months" {
		if *before == "" {
			return fmt.Errorf("audit %s: --before YYYY-MM is required", sub)
		}
		if month, err = audit.ParseMonth(*before); err != nil {
			return fmt.Errorf("--before: %w", err)
		}
	}
	db, err := openDB(ctx, *dbURL, getenv)
	if err != nil {
		return err
	}
	defer db.Close()
	// The command line's work, recorded as such (the trail's EXPORT and
	// DETACH events).
	ctx = audit.CommandLine(access.System(ctx), audit.OSUser())
	now := time.Now()
	switch sub {
	case "months":
		parts, err := audit.Partitions(ctx, db.SQL, db.Dialect, time.Time{})
		if err != nil {
			return err
		}
		keep := audit.RetentionStart(now, retention)
		tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "month\tpartition\tevents\tMB\tretention\t")
		for _, p := range parts {
			kept := "kept"
			if p.Month.Before(keep) {
				kept = "past"
			}
			fmt.Fprintf(tw, "%s\t%s\t%d\t%.1f\t%s\t\n", p.Month.Format("2006-01"), p.Name, p.Rows, float64(p.Bytes)/(1<<20), kept)
		}
		return tw.Flush()
	case "export":
		path := *out
		if path == "" {
			path = "audit-events-before-" + month.Format("2006-01") + ".csv"
		}
		return exportAudit(ctx, db, month, now, path, stdout)
	default:
		var sum string
		if *file != "" {
			if sum, err = fileSHA256(*file); err != nil {
				return fmt.Errorf("--file: %w", err)
			}
		}
		done, err := audit.DetachMonths(ctx, db.SQL, db.Dialect, month, now, retention, sum)
		if err != nil {
			return err
		}
		for _, d := range done {
			fmt.Fprintf(stdout, "detached %s (%s, %d events); exported as %s\n", d.Month.Format("2006-01"), d.Name, d.Rows, d.Export)
		}
		if len(done) == 0 {
			fmt.Fprintf(stdout, "no partition before %s left to detach\n", month.Format("2006-01"))
		} else {
			fmt.Fprintln(stdout, "The detached tables stay in the database, still refusing changes; the tables' owner may DROP them once the files are kept safe.")
		}
		return nil
	}
}

// exportAudit writes the file and its checksum beside it (sha256sum's
// format, so `sha256sum -c F.sha256` checks it), never over an existing
// file; only once both are on disk does it record the export (the events
// detach checks). A failure removes what it wrote.
func exportAudit(ctx context.Context, db *database.DB, month, now time.Time, path string, stdout io.Writer) (err error) {
	var written []string
	defer func() {
		if err != nil {
			for _, p := range written {
				os.Remove(p)
			}
		}
	}()
	create := func(p string) (*os.File, error) {
		f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err == nil {
			written = append(written, p)
		}
		return f, err
	}
	f, err := create(path)
	if err != nil {
		return fmt.Errorf("the export file: %w", err)
	}
	w := bufio.NewWriter(f)
	got, err := audit.ExportMonths(ctx, db.SQL, db.Dialect, month, now, w)
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	sf, err := create(path + ".sha256")
	if err != nil {
		return fmt.Errorf("the checksum file: %w", err)
	}
	_, err = sf.WriteString(got.SHA256 + "  " + filepath.Base(path) + "\n")
	if err == nil {
		err = sf.Sync()
	}
	if cerr := sf.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("the checksum file: %w", err)
	}
	if err := audit.RecordExport(ctx, db.Client, got, filepath.Base(path)); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %d events of %d months before %s to %s\nsha256 %s (in %s.sha256)\n",
		got.Rows, len(got.Months), month.Format("2006-01"), path, got.SHA256, path)
	for _, m := range got.Months {
		fmt.Fprintf(stdout, "  %s  %d events\n", m.Month.Format("2006-01"), m.Rows)
	}
	return nil
}

// fileSHA256 is the SHA-256 of the file at path, hex.
func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
