package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"time"

	"segretariato/internal/intakecsv"
	"segretariato/internal/intakeio"
)

// importMemoryLimit is the soft memory limit of `server import`.
const importMemoryLimit = 100 << 20

// runImport handles `server import FILE [--dry-run]`: it imports an
// intake-card CSV, all or nothing, showing progress on stderr, and prints a
// summary on stdout. A refused file lists its invalid rows on stderr and
// makes the command fail.
func runImport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dryRun := fs.Bool("dry-run", false, "validate the whole file and write nothing")
	dbURL := fs.String("database-url", getenv("DATABASE_URL"), "database (DATABASE_URL)")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errors.New("usage: server import FILE [--dry-run]")
	}
	// The import's working set is bounded (a batch of rows, the figures of
	// 10,000), but the collector lets the heap grow to twice what is live:
	// a soft limit keeps a 1,000,000-row import under 150 MB of RSS
	// (BENCHMARKS.md). GOMEMLIMIT, when set, decides instead.
	if _, set := os.LookupEnv("GOMEMLIMIT"); !set {
		defer debug.SetMemoryLimit(debug.SetMemoryLimit(importMemoryLimit))
	}
	f, err := os.Open(pos[0])
	if err != nil {
		return fmt.Errorf("opening the file: %w", err)
	}
	defer f.Close()
	var size int64
	if fi, err := f.Stat(); err == nil {
		size = fi.Size()
	}
	db, err := openDB(ctx, *dbURL, getenv)
	if err != nil {
		return err
	}
	defer db.Close()
	counted := &countingReader{r: f}
	prog := newProgress(stderr, size, counted)
	sum, err := intakeio.Import(ctx, db, counted, intakeio.ImportOptions{DryRun: *dryRun, Progress: prog.rows})
	prog.done()
	var refused *intakeio.Refused
	if errors.As(err, &refused) {
		printRefusal(stderr, refused)
		return fmt.Errorf("file refused, nothing was written")
	}
	if err != nil {
		return err
	}
	printSummary(stdout, sum)
	return nil
}

func printRefusal(w io.Writer, r *intakeio.Refused) {
	if r.Header != nil {
		fmt.Fprintf(w, "header: %v\n", r.Header)
		return
	}
	fmt.Fprintf(w, "%d invalid cells; nothing was written.\n", r.Total)
	for _, e := range r.Errors {
		fmt.Fprintf(w, "  line %d, column %s: %s\n", e.Line, e.Column, e.Reason)
	}
	if r.Total > len(r.Errors) {
		fmt.Fprintf(w, "  … and %d more\n", r.Total-len(r.Errors))
	}
}

func printSummary(w io.Writer, s intakeio.Summary) {
	verb := "Imported"
	if s.DryRun {
		verb = "Checked (dry run, nothing written)"
	}
	fmt.Fprintf(w, "%s: %d rows\n", verb, s.Rows)
	fmt.Fprintf(w, "  contacts:  %d created, %d updated, %d unchanged\n", s.ContactsCreated, s.ContactsUpdated, s.ContactsUnchanged)
	fmt.Fprintf(w, "  citizens:  %d created, %d matched\n", s.CitizensCreated, s.CitizensMatched)
	fmt.Fprintf(w, "  anonymous contacts: %d\n", s.Anonymous)
	fmt.Fprintf(w, "  referrals: %d\n", s.Referrals)
	if s.Encoding == string(intakecsv.Windows1252) {
		fmt.Fprintf(w, "  encoding:  not UTF-8, read as windows-1252\n")
	} else {
		fmt.Fprintf(w, "  encoding:  %s\n", s.Encoding)
	}
}

// runExport handles `server export [--from D --to D] [--area A] [--notes] [--excel]`:
// it writes contacts as intake-card CSV on stdout.
func runExport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	from := fs.String("from", "", "first local date included (YYYY-MM-DD or DD/MM/YYYY)")
	to := fs.String("to", "", "last local date included")
	areas := fs.String("area", "", "target areas, comma-separated (ADULTS, ELDERLY, DISABILITY, MINORS_FAMILIES)")
	notes := fs.Bool("notes", false, "include the notes (they can hold special-category data)")
	excel := fs.Bool("excel", false, "Excel-friendly: ';' separator, BOM, CRLF, dd/mm/yyyy dates")
	dbURL := fs.String("database-url", getenv("DATABASE_URL"), "database (DATABASE_URL)")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return errors.New("usage: server export [--from D] [--to D] [--area A] [--notes] [--excel] > file.csv")
	}
	opt, err := intakeio.ParseExportOptions(*from, *to, *areas, *notes, *excel)
	if err != nil {
		return err
	}
	db, err := openDB(ctx, *dbURL, getenv)
	if err != nil {
		return err
	}
	defer db.Close()
	n, err := intakeio.Export(ctx, db.Client, stdout, opt)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "exported %d contacts\n", n)
	return nil
}

// parseInterspersed parses flags that may come before or after the
// positional arguments (`import FILE --dry-run`).
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// Seek lets Import read the file again from its start (a file found to be
// windows-1252 only after UTF-8 text); the count follows.
func (c *countingReader) Seek(offset int64, whence int) (int64, error) {
	s, ok := c.r.(io.Seeker)
	if !ok {
		return 0, errors.New("the file cannot be read again")
	}
	n, err := s.Seek(offset, whence)
	if err == nil {
		c.n.Store(n)
	}
	return n, err
}

// progress shows an import's advance: a bar redrawn in place on a
// terminal, a plain line every few seconds otherwise.
type progress struct {
	w        io.Writer
	tty      bool
	size     int64
	read     *countingReader
	start    time.Time
	last     time.Time
	lastRows int
}

func newProgress(w io.Writer, size int64, read *countingReader) *progress {
	tty := false
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			tty = true
		}
	}
	now := time.Now()
	return &progress{w: w, tty: tty, size: size, read: read, start: now, last: now}
}

func (p *progress) rows(n int) {
	p.lastRows = n
	now := time.Now()
	if !p.tty && now.Sub(p.last) < 5*time.Second {
		return
	}
	p.last = now
	p.draw(n, now)
}

func (p *progress) draw(n int, now time.Time) {
	rate := float64(n) / max(now.Sub(p.start).Seconds(), 0.001)
	if !p.tty {
		fmt.Fprintf(p.w, "import: %d rows, %.0f rows/s\n", n, rate)
		return
	}
	frac := 0.0
	if p.size > 0 {
		frac = min(float64(p.read.n.Load())/float64(p.size), 1)
	}
	const width = 30
	done := int(frac * width)
	fmt.Fprintf(p.w, "\r[%s%s] %3.0f%%  %d rows  %.0f rows/s ", strings.Repeat("#", done), strings.Repeat(".", width-done), frac*100, n, rate)
}

// done draws the last state: the full bar on a terminal, a last line
// otherwise.
func (p *progress) done() {
	p.draw(p.lastRows, time.Now())
	if p.tty {
		fmt.Fprintln(p.w)
	}
}
