// Package intakeio brings a municipality's intake-card history in and out
// of the database, in the CSV format of docs/intake-csv.md (parsed and
// written by internal/intakecsv).
//
// Import streams a file into one transaction: every row is validated
// against the format and against the database's need codes, services and
// operators; a file with any invalid row changes nothing and is answered
// with every problem (line, column, reason). Rows are keyed by contact_ref,
// so importing a file twice creates nothing the second time, and a changed
// row updates its contact. Citizens are matched by fiscal code. Writes go
// in batches of bulk statements (a fixed number per batch, never one per
// row), and memory does not grow with the file except for one small key
// per row (the contact_refs already read, to refuse duplicates) and a
// compressed set of the ids of the citizens met: a batch reads its
// citizens' records and latest contacts back from the transaction. On
// PostgreSQL the records an import creates
// go in with COPY instead of multi-row INSERTs (copy.go).
//
// Export writes contacts back in the same format, streaming with keyset
// pagination; an export read back by Import into an empty database (with
// the same operators) reproduces the same contacts.
//
// Errors never carry a cell's value, a name, a fiscal code or SQL: row
// problems name the line, the column and a short reason; database failures
// are *apperr.Error values whose cause is kept for the logs only.
package intakeio

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"

	"segretariato/ent"
	"segretariato/internal/access"
	"segretariato/internal/database"
	"segretariato/internal/intake"
	"segretariato/internal/intakecsv"
	"segretariato/internal/intakerule"
	"segretariato/internal/metrics"
	"segretariato/internal/rollup"
)

// Defaults of ImportOptions.
const (
	DefaultMaxErrors = 200
	DefaultBatchSize = 1000
)

// figuresRows is how many rows the demand figures of the PostgreSQL path
// follow at a time (internal/rollup's Batcher); the commit takes up the
// rest.
const figuresRows = 10_000

// ReasonTooLong is the RowError reason of a cell longer than the database
// keeps (contact_ref 64 bytes, names and district 100, notes 10000).
const ReasonTooLong = "too long"

// ReasonStatusMove is the RowError reason of a referral_status that would
// move a stored referral backwards or out of a closed status, which the
// referral's lifecycle does not allow (internal/referral).
const ReasonStatusMove = "the stored referral cannot move to this status"

// ImportOptions tune an import. The zero value imports for real, lists up
// to DefaultMaxErrors problems and writes DefaultBatchSize rows at a time.
type ImportOptions struct {
	// DryRun validates and writes inside the transaction, then rolls it
	// back: the Summary is exactly what the import would do, and nothing
	// stays written.
	DryRun bool
	// MaxErrors caps Refused.Errors (Refused.Total still counts them all);
	// zero or less means DefaultMaxErrors.
	MaxErrors int
	// BatchSize is the number of rows written per batch of statements;
	// zero or less means DefaultBatchSize.
	BatchSize int
	// FiguresEvery is the number of rows the PostgreSQL path writes
	// before the demand figures follow them (rounded up to whole
	// batches); zero or less means figuresRows. The figures are exact at
	// the commit whatever it is: it trades statements against the work of
	// one step.
	FiguresEvery int
	// Progress, when set, is called with the number of rows read so far,
	// once per batch and once at the end.
	Progress func(rows int)
	// Metrics counts the rows of real imports by outcome
	// (segretariato_import_rows_total); dry runs are not counted. Nil:
	// nothing counted.
	Metrics *metrics.Metrics
}

// Summary says what an import did (or, for a dry run, would do).
type Summary struct {
	Rows              int // data rows read (blank spreadsheet rows are skipped)
	ContactsCreated   int
	ContactsUpdated   int // existing contact_ref whose contact or referral changed
	ContactsUnchanged int // existing contact_ref already holding the row's values
	CitizensCreated   int // distinct fiscal codes new to the database
	CitizensMatched   int // distinct fiscal codes of citizens already known
	Anonymous         int // rows without a fiscal code
	Referrals         int // rows that carry a referral (referral_service)
	// Encoding is the file's encoding: "UTF-8", or "windows-1252" when the
	// file was not valid UTF-8 (intakecsv.Encoding).
	Encoding string
	DryRun   bool
}

// Refused is returned when the file has invalid rows or a bad header:
// nothing was written.
type Refused struct {
	// Errors lists the problems in file order, capped at MaxErrors.
	Errors []intakecsv.RowError
	// Total counts every problem (invalid cell) of the file.
	Total int
	// Header is set when the header row is unusable: intakecsv.ErrNoHeader,
	// a *intakecsv.HeaderError or a malformed-CSV error. No row was read.
	Header error
}

// Error summarises the refusal: the header problem, or the number of
// problems and the first one. It holds no cell value.
func (r *Refused) Error() string {
	if r.Header != nil {
		return "intakeio: file refused: " + r.Header.Error()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "intakeio: file refused: %d problem", r.Total)
	if r.Total != 1 {
		b.WriteString("s")
	}
	if len(r.Errors) > 0 {
		b.WriteString(", first: ")
		b.WriteString(r.Errors[0].Error())
	}
	return b.String()
}

// merge adds o's problems to r's, in line order, capped at max.
func (r *Refused) merge(o *Refused, max int) {
	r.Total += o.Total
	r.Errors = append(r.Errors, o.Errors...)
	slices.SortStableFunc(r.Errors, func(a, b intakecsv.RowError) int { return a.Line - b.Line })
	r.Errors = r.Errors[:min(len(r.Errors), max)]
}

func (r *Refused) add(errs []intakecsv.RowError, max int) {
	r.Total += len(errs)
	for _, e := range errs {
		if len(r.Errors) >= max {
			return
		}
		r.Errors = append(r.Errors, e)
	}
}

// Import reads an intake-card CSV from r as a stream and writes it in ONE
// transaction of db: all or nothing. It starts its own transaction.
//
// On PostgreSQL the transaction is opened with database/sql and carries
// both ent statements (reads, upserts of changed records) and COPY of the
// new citizens, contacts, their needs, referrals and referral events
// (copy.go), which apply explicitly what the schema's hooks would; on
// SQLite, and on PostgreSQL over a driver other than lib/pq, every write
// goes through ent. The batch's planning does not know which: it hands
// what a batch creates to a bulkWriter (writer.go).
//
// Import is a job of the service (access.System): the privacy rules and
// the per-record audit do not apply to its reads and writes. The caller
// decides who may import (the coordinator) and records one audit event
// for the whole import (audit.Record).
//
// It returns:
//   - *Refused when the header or any row is invalid (every row is still
//     read, so that all problems are listed); nothing is written;
//   - a wrapped intakecsv.ErrRecordTooLarge, or the reader's error, when
//     the file cannot be read to its end; nothing is written;
//   - an *apperr.Error for a database failure (INTERNAL, with the failing
//     batch's lines); nothing is written;
//   - the context's error when ctx ends first.
//
// The Summary is complete on success and holds only Rows on error.
//
// Historical import does not apply the consent rule of external referrals
// (internal/referral): that rule guards a referral made at the desk today,
// while a file records referrals made in the past, when consent was
// collected on paper. Imported referrals and their step dates take the
// contact's date; each created referral, and each step of a status a
// re-import changes, gets one ReferralEvent by the contact's operator.
//
// A row with a REFERRED_* outcome is the truth for its contact's referrals
// (a row with another outcome leaves them alone: the format cannot list
// them): a re-import creates the referrals the row lists that are not
// stored, deletes (with their events) the stored ones it no longer lists,
// and moves a stored one whose status differs along the referral's
// lifecycle; a row that would move one back (or out of a closed status) is
// refused with ReasonStatusMove, after the rows before it were checked
// (the other rows are still read and their own problems listed).
// Referrals are matched by service: the row's k-th referral to a service
// is the contact's k-th stored one to it (by proposal date, then id).
//
// The file's encoding is detected (intakecsv.Options.Encoding) and named
// in the Summary. When r is also an io.Seeker and the file turns out not
// to be UTF-8 only after UTF-8 text (intakecsv.ErrMixedEncoding), the
// import starts again from r's starting offset, reading it as
// windows-1252; otherwise that error is returned.
func Import(ctx context.Context, db *database.DB, r io.Reader, opt ImportOptions) (Summary, error) {
	sum, err := importDetectingEncoding(ctx, db, r, opt)
	if !opt.DryRun {
		countRows(opt.Metrics, sum, err)
	}
	return sum, err
}

// importDetectingEncoding reads the file as UTF-8, or as windows-1252 when
// it is not UTF-8; a file whose first non-UTF-8 byte comes late is read
// again from its start, when it can be.
func importDetectingEncoding(ctx context.Context, db *database.DB, r io.Reader, opt ImportOptions) (Summary, error) {
	seeker, _ := r.(io.Seeker)
	var start int64
	if seeker != nil {
		var err error
		if start, err = seeker.Seek(0, io.SeekCurrent); err != nil {
			seeker = nil
		}
	}
	sum, err := importOnce(ctx, db, r, opt, "")
	if errors.Is(err, intakecsv.ErrMixedEncoding) && seeker != nil {
		if _, serr := seeker.Seek(start, io.SeekStart); serr == nil {
			return importOnce(ctx, db, r, opt, intakecsv.Windows1252)
		}
	}
	return sum, err
}

// countRows counts an import's rows: by outcome when it went in, all of
// them as refused when the file was.
func countRows(m *metrics.Metrics, sum Summary, err error) {
	var refused *Refused
	switch {
	case err == nil:
		m.ImportRows(metrics.RowsCreated, sum.ContactsCreated)
		m.ImportRows(metrics.RowsUpdated, sum.ContactsUpdated)
		m.ImportRows(metrics.RowsUnchanged, sum.ContactsUnchanged)
	case errors.As(err, &refused):
		m.ImportRows(metrics.RowsRefused, sum.Rows)
	}
}

// importOnce is Import reading the file in encoding enc ("" detects).
func importOnce(ctx context.Context, db *database.DB, r io.Reader, opt ImportOptions, enc intakecsv.Encoding) (Summary, error) {
	ctx = access.System(ctx)
	if opt.MaxErrors <= 0 {
		opt.MaxErrors = DefaultMaxErrors
	}
	if opt.BatchSize <= 0 {
		opt.BatchSize = DefaultBatchSize
	}
	if opt.FiguresEvery <= 0 {
		opt.FiguresEvery = figuresRows
	}
	im := &importer{
		ctx:  intake.VouchNotErased(ctx), // see refuseErased
		opt:  opt,
		enc:  enc,
		cits: newCitizensMet(),
		sum:  Summary{DryRun: opt.DryRun},
	}
	var commit, rollback func() error
	if db.Dialect == dialect.Postgres {
		tx, err := db.SQL.BeginTx(ctx, nil)
		if err != nil {
			return Summary{DryRun: opt.DryRun}, dbErr(err, "starting the transaction")
		}
		// The import's tables grow inside this one transaction, where the
		// planner's statistics cannot follow: it would go on choosing
		// sequential scans (with hashed IN lists, and in the foreign-key
		// checks) that grow with every batch. Every statement of the
		// import looks rows up by a unique key or an indexed column.
		// Without statistics the estimates of its statements grow with the
		// tables too, and past jit_above_cost each would be compiled
		// (measured at 1,000,000 rows into an empty database: 40 ms of
		// compilation for a 1 ms probe of the referrals, 30 s in all).
		// For the same reason each execution of a statement the connection
		// keeps prepared is planned for the tables as they are: a generic
		// plan, made once at an early batch, would go on reading tables
		// that were small then (measured at 100,000 rows: a look-up of the
		// figures read every fact with a citizen, a second a batch, the
		// import four times slower).
		if _, err := tx.ExecContext(ctx, "SELECT set_config('enable_seqscan', 'off', true), set_config('jit', 'off', true), set_config('plan_cache_mode', 'force_custom_plan', true)"); err != nil {
			tx.Rollback()
			return Summary{DryRun: opt.DryRun}, dbErr(err, "starting the transaction")
		}
		if err := skipForeignKeyChecks(ctx, tx); err != nil {
			tx.Rollback()
			return Summary{DryRun: opt.DryRun}, err
		}
		im.c = ent.NewClient(ent.Driver(inTx{entsql.NewDriver(dialect.Postgres, entsql.Conn{ExecQuerier: tx})}))
		im.w = postgresWriter(im.ctx, im.c, tx, db.SQL.Driver())
		// The demand figures follow each batch and the whole import
		// before it commits (internal/rollup); on SQLite the ent
		// transaction's commit does it (rollup.Driver).
		figures := rollup.NewBatcher(rollup.SQLConn{Q: tx}, true)
		im.figures = figures.Batch
		commit = func() error {
			if err := figures.Finish(ctx); err != nil {
				return errors.Join(err, tx.Rollback())
			}
			return tx.Commit()
		}
		rollback = tx.Rollback
	} else {
		tx, err := db.Client.Tx(ctx)
		if err != nil {
			return Summary{DryRun: opt.DryRun}, dbErr(err, "starting the transaction")
		}
		im.c = tx.Client()
		im.w = &entWriter{ctx: im.ctx, c: im.c}
		commit, rollback = tx.Commit, tx.Rollback
	}
	err := im.run(r)
	if err != nil || opt.DryRun {
		if rbErr := rollback(); rbErr != nil && err == nil {
			err = dbErr(rbErr, "rolling back the dry run")
		}
		if err != nil {
			return Summary{Rows: im.sum.Rows, DryRun: opt.DryRun}, err
		}
		return im.sum, nil
	}
	if err := commit(); err != nil {
		return Summary{Rows: im.sum.Rows}, dbErr(err, "committing the import")
	}
	return im.sum, nil
}

// importer is the state of one import: the transaction's client, the
// reference data, the batch's citizens, and the citizens met so far as a
// compressed set of ids (citizensMet).
type importer struct {
	ctx context.Context
	c   *ent.Client
	// w reads the stored records of a batch by key and creates its new
	// ones: COPY on PostgreSQL, ent otherwise (bulkWriter).
	w bulkWriter
	// figures brings the demand figures up to date with the batches
	// written so far; nil when the transaction's commit does it.
	figures func(context.Context) error
	// unfigured counts the rows written since the figures last followed.
	unfigured int
	opt       ImportOptions
	refs      *refs
	cits      citizensMet
	// batchCits holds the citizens of the batch being written, by fiscal
	// code (writeCitizens); empty when the batch is only checked.
	batchCits map[string]*citizenState
	enc       intakecsv.Encoding // "" detects
	sum       Summary
	// refused lists the rows refused while writing (referral moves the
	// lifecycle does not allow); once it has any, batches are only checked.
	refused Refused
}

func (im *importer) refuse(e intakecsv.RowError) {
	im.refused.add([]intakecsv.RowError{e}, im.opt.MaxErrors)
}

func (im *importer) run(r io.Reader) error {
	var err error
	if im.refs, err = loadRefs(im.ctx, im.c); err != nil {
		return err
	}
	rd, err := intakecsv.NewReaderWithOptions(r, intakecsv.Options{
		NeedCodes:      keys(im.refs.needID),
		ServiceCodes:   keys(im.refs.serviceID),
		OperatorEmails: keys(im.refs.operatorID),
		Encoding:       im.enc,
	})
	if err != nil {
		var he *intakecsv.HeaderError
		var pe *csv.ParseError
		if errors.Is(err, intakecsv.ErrNoHeader) || errors.As(err, &he) || errors.As(err, &pe) {
			return &Refused{Header: err}
		}
		return fmt.Errorf("intakeio: reading the file: %w", err)
	}
	// A reader goroutine parses and validates the file while this one
	// writes the previous batch: the database and the parsing overlap. At
	// most three batches exist at once (one read, one queued, one written).
	batches := make(chan readBatch, 1)
	stop := make(chan struct{})
	var rb reading
	go rb.read(rd, im.opt, batches, stop)
	defer func() {
		close(stop)
		for range batches { // let the reader finish before returning
		}
	}()
	for b := range batches {
		im.sum.Rows = b.read
		if err := im.flush(b.rows); err != nil {
			return err
		}
		if im.opt.Progress != nil {
			im.opt.Progress(b.read)
		}
	}
	// The reader has closed the channel: its fields are final.
	im.sum.Rows = rb.rows
	im.sum.Encoding = string(rd.Encoding())
	switch {
	case rb.err != nil:
		return rb.err
	case rb.refused.Total > 0 || im.refused.Total > 0:
		rb.refused.merge(&im.refused, im.opt.MaxErrors)
		return &rb.refused
	}
	return im.ctx.Err()
}

// readBatch is a run of valid rows to write (none once the file has shown
// an invalid row) and the number of rows read so far.
type readBatch struct {
	rows []*intakecsv.Row
	read int
}

// reading is the state of the reader goroutine; the writer reads it once
// the batches channel is closed.
type reading struct {
	rows    int
	line    int // spreadsheet line of the last row read
	refused Refused
	err     error // the file could not be read to its end
}

// read sends a batch every opt.BatchSize rows and at the end. After the
// first invalid row it sends no more rows (nothing will be written) but
// reads on, to list every problem, and still reports progress.
func (rb *reading) read(rd *intakecsv.Reader, opt ImportOptions, out chan<- readBatch, stop <-chan struct{}) {
	defer close(out)
	batch := make([]*intakecsv.Row, 0, opt.BatchSize)
	send := func() bool {
		b := readBatch{read: rb.rows}
		if rb.refused.Total == 0 {
			b.rows = batch
		}
		select {
		case out <- b:
			batch = make([]*intakecsv.Row, 0, opt.BatchSize)
			return true
		case <-stop:
			return false
		}
	}
	for {
		row, err := rd.Next()
		if err == io.EOF {
			break
		}
		var rowErrs intakecsv.RowErrors
		if err != nil && !errors.As(err, &rowErrs) {
			rb.err = fmt.Errorf("intakeio: reading the file after line %d: %w", max(rb.line, 1), err)
			return
		}
		rb.rows++
		rb.line = row.Line
		rowErrs = append(rowErrs, tooLong(row)...)
		if len(rowErrs) > 0 {
			rb.refused.add(rowErrs, opt.MaxErrors)
			batch = batch[:0]
		} else if rb.refused.Total == 0 {
			batch = append(batch, row)
		}
		if rb.rows%opt.BatchSize == 0 && !send() {
			return
		}
	}
	if rb.rows%opt.BatchSize != 0 || rb.rows == 0 {
		send()
	}
}

// tooLong reports the cells the database could not keep: the schema
// declares the columns with intakerule's lengths, ent's MaxLen counts bytes,
// and so does this check.
func tooLong(row *intakecsv.Row) []intakecsv.RowError {
	if row == nil {
		return nil
	}
	var errs []intakecsv.RowError
	check := func(col, v string, max int) {
		if len(v) > max {
			errs = append(errs, intakecsv.RowError{Line: row.Line, PhysicalLine: row.PhysicalLine, Column: col, Reason: ReasonTooLong})
		}
	}
	check(intakecsv.ColContactRef, row.ContactRef, intakerule.MaxContactRef)
	check(intakecsv.ColFirstName, row.FirstName, intakerule.MaxName)
	check(intakecsv.ColLastName, row.LastName, intakerule.MaxName)
	check(intakecsv.ColDistrict, row.District, intakerule.MaxDistrict)
	check(intakecsv.ColNotes, row.Notes, intakerule.MaxNotes)
	return errs
}

// flush writes one batch of valid rows: citizens first (contacts point to
// them), then contacts and their needs, then referrals and their events.
func (im *importer) flush(rows []*intakecsv.Row) error {
	if len(rows) == 0 {
		return im.ctx.Err()
	}
	where := fmt.Sprintf("lines %d-%d", rows[0].Line, rows[len(rows)-1].Line)
	im.batchCits = map[string]*citizenState{}
	if im.refused.Total == 0 {
		if err := im.writeCitizens(rows, where); err != nil {
			return err
		}
	}
	if err := im.writeContacts(rows, where); err != nil {
		return err
	}
	if im.figures != nil && !im.opt.DryRun {
		// Every figuresRows rows: a few days of a chronological file, whose
		// cells are then updated once rather than once per batch.
		if im.unfigured += len(rows); im.unfigured >= im.opt.FiguresEvery {
			im.unfigured = 0
			if err := im.figures(im.ctx); err != nil {
				return dbErr(err, "%s: the figures", where)
			}
		}
	}
	return nil
}

// inTx is an ent driver over a database/sql transaction: the transactions
// ent opens for its multi-statement writes are that one (commit and
// rollback do nothing), as with the client of an ent.Tx.
type inTx struct{ *entsql.Driver }

func (d inTx) Tx(context.Context) (dialect.Tx, error) { return dialect.NopTx(d), nil }
