package audit

import (
	"context"
	"crypto/sha256"
	stdsql "database/sql"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"strconv"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"github.com/lib/pq"

	"segretariato/ent"
)

// The trail's months. On PostgreSQL audit_events is partitioned by month
// (UTC), one table audit_events_YYYYMM a month, made ahead by the server
// (EnsurePartitions); an event of a month with no partition is refused.
// Every partition refuses UPDATE, DELETE and TRUNCATE like the trail
// itself (ent/migrate/migrations/postgres/…_audit_partitions.sql).
//
// The retention keeps at least MinRetentionMonths whole months before the
// current one. A month older than that leaves the trail in two steps, so
// that nothing is lost on the way: ExportMonths writes it to a file, and
// once the file is safely written RecordExport records, for each month,
// an EXPORT event with its count and the file's SHA-256; then
// DetachMonths detaches the month's partition, only when such an event
// counts as many events as the partition holds and names the SHA-256 of
// the file the administrator shows it. The detached table stays in the
// database, still refusing changes, until its owner drops it. SQLite has
// no partitions: ExportMonths works there, DetachMonths does not.

// MinRetentionMonths is the shortest retention of the trail: the Italian
// data-protection authority's rule for the access logs of health dossiers.
const MinRetentionMonths = 24

// monthsAhead is how many months after the current one have their
// partition ready.
const monthsAhead = 3

// Month is the first instant (UTC) of t's month.
func Month(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// ParseMonth reads YYYY-MM.
func ParseMonth(s string) (time.Time, error) {
	t, err := time.Parse("2006-01", s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is no month: write it YYYY-MM, e.g. 2024-01", s)
	}
	return t, nil
}

// EnsurePartitions makes the partitions of now's month and the next
// monthsAhead, where they are missing, one statement a month, so that a
// month that cannot be made now (its lock waited past lock_timeout) does
// not keep the others from being made. Several instances may run it at
// once. Nothing on SQLite.
// It returns the months it could not make.
func EnsurePartitions(ctx context.Context, db *stdsql.DB, dia string, now time.Time) (failed []string, err error) {
	if dia != dialect.Postgres {
		return nil, nil
	}
	var errs []error
	for i := range monthsAhead + 1 {
		m := Month(now).AddDate(0, i, 0)
		if _, err := db.ExecContext(ctx, `SELECT audit_events_partition($1::date)`, m.Format(time.DateOnly)); err != nil {
			failed = append(failed, m.Format("2006-01"))
			errs = append(errs, err)
		}
	}
	return failed, errors.Join(errs...)
}

// KeepPartitions runs EnsurePartitions now and then every hour until ctx
// ends, logging a failure: three months ahead are made, so a failure has
// weeks to heal before an event would find its month missing. The log
// names the months, not the driver's text.
func KeepPartitions(ctx context.Context, db *stdsql.DB, dia string, log *slog.Logger) {
	if dia != dialect.Postgres {
		return
	}
	for {
		if failed, err := EnsurePartitions(ctx, db, dia, time.Now()); err != nil && ctx.Err() == nil {
			log.ErrorContext(ctx, "the audit trail's coming months could not be made; retrying within the hour", "months", failed)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Hour):
		}
	}
}

// Partition is one month of the trail on PostgreSQL.
type Partition struct {
	Name  string
	Month time.Time
	Rows  int64
	Bytes int64 // table and indexes
}

// partitionName is how audit_events_partition names a month's table.
var partitionName = regexp.MustCompile(`^audit_events_(\d{4})(\d{2})$`)

// Partitions lists the trail's months before before (zero: all of them),
// oldest first, each counted. ErrNotPartitioned on SQLite.
func Partitions(ctx context.Context, db *stdsql.DB, dia string, before time.Time) ([]Partition, error) {
	if dia != dialect.Postgres {
		return nil, ErrNotPartitioned
	}
	rows, err := db.QueryContext(ctx, `SELECT c.relname, pg_total_relation_size(c.oid)
		FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
		WHERE i.inhparent = 'audit_events'::regclass ORDER BY c.relname`)
	if err != nil {
		return nil, err
	}
	var out []Partition
	for rows.Next() {
		var p Partition
		if err := rows.Scan(&p.Name, &p.Bytes); err != nil {
			rows.Close()
			return nil, err
		}
		m := partitionName.FindStringSubmatch(p.Name)
		if m == nil {
			continue // no table of the trail's but its months'
		}
		y, _ := strconv.Atoi(m[1])
		mo, _ := strconv.Atoi(m[2])
		if p.Month = time.Date(y, time.Month(mo), 1, 0, 0, 0, 0, time.UTC); before.IsZero() || p.Month.Before(before) {
			out = append(out, p)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM `+pq.QuoteIdentifier(out[i].Name)).Scan(&out[i].Rows); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// RetentionStart is the first month the retention keeps at now: months
// before it may leave the trail.
func RetentionStart(now time.Time, months int) time.Time {
	return Month(now).AddDate(0, -months, 0)
}

// CheckRetention refuses a retention shorter than MinRetentionMonths.
func CheckRetention(months int) error {
	if months < MinRetentionMonths {
		return fmt.Errorf("the audit trail's retention is %d months: it must keep at least %d", months, MinRetentionMonths)
	}
	return nil
}

// Exported is what ExportMonths wrote.
type Exported struct {
	Months []MonthCount // the months with events, oldest first
	Rows   int64
	SHA256 string // of the file, hex
}

// MonthCount is the number of events of a month.
type MonthCount struct {
	Month time.Time
	Rows  int64
}

var exportHeader = []string{"id", "at", "operator_id", "operator_email", "role", "action", "entity",
	"entity_id", "request_id", "client_addr", "detail", "records", "citizens"}

// ExportMonths writes every event before the month before (UTC), oldest
// first, to w as CSV: a header, then one row an event, "at" in RFC 3339
// with nanoseconds, an empty cell for an absent value. It returns the
// months written, their counts and the SHA-256 of what it wrote, which
// RecordExport records once the file is safely written. before may not
// be after the current month: a month still being written cannot be
// exported whole.
func ExportMonths(ctx context.Context, db *stdsql.DB, dia string, before, now time.Time, w io.Writer) (Exported, error) {
	var out Exported
	if before.After(Month(now)) {
		return out, fmt.Errorf("--before %s: the current month is still being written; export months before %s at the latest", before.Format("2006-01"), Month(now).Format("2006-01"))
	}
	citizens := "citizens"
	if dia == dialect.Postgres {
		citizens = "citizens::text"
	}
	rows, err := db.QueryContext(ctx, `SELECT id, at, operator_id, operator_email, role, action, entity, entity_id,
		request_id, client_addr, detail, records, `+citizens+` FROM audit_events WHERE at < $1 ORDER BY at, id`, before)
	if err != nil {
		return out, err
	}
	defer rows.Close()
	sum := sha256.New()
	cw := csv.NewWriter(io.MultiWriter(w, sum))
	if err := cw.Write(exportHeader); err != nil {
		return out, err
	}
	var (
		id                                                     int64
		at                                                     time.Time
		operatorID, entityID                                   stdsql.NullInt64
		email, role, requestID, addr, detail, records, citizen stdsql.NullString
		action, entity                                         string
	)
	str := func(s stdsql.NullString) string { return s.String }
	num := func(n stdsql.NullInt64) string {
		if !n.Valid {
			return ""
		}
		return strconv.FormatInt(n.Int64, 10)
	}
	for rows.Next() {
		if err := rows.Scan(&id, &at, &operatorID, &email, &role, &action, &entity, &entityID,
			&requestID, &addr, &detail, &records, &citizen); err != nil {
			return out, err
		}
		if m := Month(at); len(out.Months) == 0 || !out.Months[len(out.Months)-1].Month.Equal(m) {
			out.Months = append(out.Months, MonthCount{Month: m})
		}
		out.Months[len(out.Months)-1].Rows++
		out.Rows++
		if err := cw.Write([]string{strconv.FormatInt(id, 10), at.UTC().Format(time.RFC3339Nano), num(operatorID),
			str(email), str(role), action, entity, num(entityID), str(requestID), str(addr), str(detail),
			str(records), str(citizen)}); err != nil {
			return out, err
		}
	}
	if err := rows.Err(); err != nil {
		return out, err
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return out, err
	}
	out.SHA256 = hex.EncodeToString(sum.Sum(nil))
	return out, nil
}

// RecordExport records what ExportMonths wrote to file, in one
// transaction: an EXPORT event a month with its count and the file's
// SHA-256, what DetachMonths checks.
func RecordExport(ctx context.Context, c *ent.Client, got Exported, file string) error {
	tx, err := c.Tx(ctx)
	if err != nil {
		return err
	}
	for _, m := range got.Months {
		detail := fmt.Sprintf("month=%s rows=%d sha256=%s file=%s", m.Month.Format("2006-01"), m.Rows, got.SHA256, file)
		if err := Record(ctx, tx.Client(), Export, "AuditEvent", nil, truncate(detail, 500)); err != nil {
			return errors.Join(err, tx.Rollback())
		}
	}
	return tx.Commit()
}

// ErrNotPartitioned is DetachMonths' refusal on SQLite.
var ErrNotPartitioned = errors.New("the audit trail has partitions on PostgreSQL only: on SQLite it is kept whole")

// Detached is one partition DetachMonths took out of the trail.
type Detached struct {
	Partition
	Export string // the EXPORT event's detail that allowed it, or "empty"
}

// DetachMonths detaches from the trail the partitions of the months before
// before, which must all be older than the retention (retention months
// before now's month) and each, unless empty, exported (ExportMonths,
// RecordExport) to the file whose SHA-256 is sha256, with as many events
// as it holds; it refuses the lot, detaching nothing, when one is not. The
// counts are checked again inside the transaction, once the partitions
// are locked. It records a DETACH event a partition. It needs the tables'
// owner: the server's role may not detach.
func DetachMonths(ctx context.Context, db *stdsql.DB, dia string, before, now time.Time, retention int, sha256 string) ([]Detached, error) {
	if err := CheckRetention(retention); err != nil {
		return nil, err
	}
	if keep := RetentionStart(now, retention); before.After(keep) {
		return nil, fmt.Errorf("--before %s: the retention keeps %d months, so only months before %s may leave the trail",
			before.Format("2006-01"), retention, keep.Format("2006-01"))
	}
	if dia != dialect.Postgres {
		return nil, ErrNotPartitioned
	}
	if sha256 == "" {
		return nil, errors.New("audit detach: --file is required: the export file of these months (server audit export), whose SHA-256 their export recorded")
	}
	parts, err := Partitions(ctx, db, dia, before)
	if err != nil {
		return nil, err
	}
	var out []Detached
	for _, p := range parts {
		d := Detached{Partition: p, Export: "empty"}
		if p.Rows > 0 {
			month := p.Month.Format("2006-01")
			err := db.QueryRowContext(ctx, `SELECT detail FROM audit_events WHERE action = $2 AND entity = 'AuditEvent'
				AND detail LIKE $1 ORDER BY at DESC, id DESC LIMIT 1`, fmt.Sprintf("month=%s rows=%d sha256=%s %%", month, p.Rows, sha256), Export).Scan(&d.Export)
			if errors.Is(err, stdsql.ErrNoRows) {
				return nil, fmt.Errorf("%s (%s, %d events) has no export of %d events to this file: run server audit export --before %s, then detach with its file",
					month, p.Name, p.Rows, p.Rows, before.Format("2006-01"))
			}
			if err != nil {
				return nil, err
			}
		}
		out = append(out, d)
	}
	// All of them or none, with their DETACH events.
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	// Detaching locks the whole trail: behind a long reader it gives up
	// rather than hold up every request's audit event.
	if _, err := tx.ExecContext(ctx, `SET LOCAL lock_timeout = '5s'`); err != nil {
		return nil, err
	}
	c := ent.NewClient(ent.Driver(entsql.NewDriver(dia, entsql.Conn{ExecQuerier: tx})))
	for _, d := range out {
		// Detaching drops the row trigger the partition had from the
		// trail; the table gets its own, so it still refuses changes.
		t := pq.QuoteIdentifier(d.Name)
		if _, err := tx.ExecContext(ctx, `ALTER TABLE audit_events DETACH PARTITION `+t); err != nil {
			return nil, fmt.Errorf("detaching %s: only the tables' owner may (MIGRATE_DATABASE_URL), not the server's role, and not while a long query holds the trail", d.Name)
		}
		var rows int64
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM `+t).Scan(&rows); err != nil {
			return nil, err
		}
		if rows != d.Rows {
			return nil, fmt.Errorf("%s gained events since it was counted (%d, now %d): export it again", d.Month.Format("2006-01"), d.Rows, rows)
		}
		if _, err := tx.ExecContext(ctx, `CREATE TRIGGER audit_events_no_update BEFORE UPDATE OR DELETE ON `+t+
			` FOR EACH ROW EXECUTE FUNCTION audit_events_append_only(); ALTER TABLE `+t+` ENABLE ALWAYS TRIGGER audit_events_no_update`); err != nil {
			return nil, err
		}
		detail := fmt.Sprintf("month=%s rows=%d partition=%s", d.Month.Format("2006-01"), d.Rows, d.Name)
		if err := Record(ctx, c, Detach, "AuditEvent", nil, detail); err != nil {
			return nil, err
		}
	}
	return out, tx.Commit()
}

// TrailBytes is the trail's size on disk, indexes included: on PostgreSQL
// the sum of its partitions (a partitioned table has no storage of its
// own), on SQLite its table's and indexes' pages.
func TrailBytes(ctx context.Context, db *stdsql.DB, dia string) (int64, error) {
	q := `SELECT COALESCE(SUM(pgsize), 0) FROM dbstat WHERE name = 'audit_events' OR name LIKE 'auditevent%'`
	if dia == dialect.Postgres {
		q = `SELECT COALESCE(SUM(pg_total_relation_size(inhrelid)), 0) FROM pg_inherits WHERE inhparent = 'audit_events'::regclass`
	}
	var n int64
	err := db.QueryRowContext(ctx, q).Scan(&n)
	return n, err
}
