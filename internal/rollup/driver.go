package rollup

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
)

// Driver wraps the service's ent driver so that the figures follow every
// ent write: a transaction runs Refresh before it commits (a failure
// rolls it back and is the commit's error), and a write outside a
// transaction, which commits on its own, is followed at once by a
// transaction that runs Refresh. The first is atomic; the second leaves,
// if the process dies between the two, rows in analytics_pending that the
// next refresh of any transaction takes up (Refresh reads every pending
// row it can see), and that `analytics verify` reports meanwhile.
func Driver(d dialect.Driver) dialect.Driver {
	return &driver{Driver: d, postgres: d.Dialect() == dialect.Postgres}
}

type driver struct {
	dialect.Driver
	postgres bool
}

// tracked are the tables whose triggers list changes in
// analytics_pending.
var tracked = map[string]bool{
	"contacts": true, "citizens": true, "contact_needs": true, "referrals": true,
	"need_categories": true, "operators": true, "services": true,
}

// isWrite reports whether a statement writes one of the tracked tables.
// It runs on every statement ent sends outside a transaction, reads
// included, so it looks at the first words only.
func isWrite(query string) bool {
	q := strings.TrimLeft(query, " \t\n")
	verb, rest, _ := strings.Cut(q, " ")
	switch {
	case strings.EqualFold(verb, "INSERT"), strings.EqualFold(verb, "DELETE"):
		_, rest, _ = strings.Cut(strings.TrimLeft(rest, " "), " ") // INTO, FROM
	case strings.EqualFold(verb, "UPDATE"):
	default:
		return false
	}
	table, _, _ := strings.Cut(strings.TrimLeft(rest, " "), " ")
	return tracked[strings.Trim(table, "\"`")]
}

// refreshAlone runs Refresh in a transaction of its own.
func (d *driver) refreshAlone(ctx context.Context) error {
	tx, err := d.Driver.Tx(ctx)
	if err != nil {
		return err
	}
	if err := Refresh(ctx, EntConn{tx}, d.postgres); err != nil {
		return errors.Join(err, tx.Rollback())
	}
	return tx.Commit()
}

// Exec runs a statement; a write is followed by a refresh.
func (d *driver) Exec(ctx context.Context, query string, args, v any) error {
	if err := d.Driver.Exec(ctx, query, args, v); err != nil {
		return err
	}
	if isWrite(query) {
		return d.refreshAlone(ctx)
	}
	return nil
}

// Query runs a query; a write (INSERT … RETURNING) is followed by a
// refresh once its rows are closed.
func (d *driver) Query(ctx context.Context, query string, args, v any) error {
	if err := d.Driver.Query(ctx, query, args, v); err != nil {
		return err
	}
	if rows, ok := v.(*entsql.Rows); ok && isWrite(query) {
		rows.ColumnScanner = &refreshOnClose{ColumnScanner: rows.ColumnScanner, refresh: func() error { return d.refreshAlone(ctx) }}
	}
	return nil
}

type refreshOnClose struct {
	entsql.ColumnScanner
	refresh func() error
	closed  bool
}

func (r *refreshOnClose) Close() error {
	err := r.ColumnScanner.Close()
	if r.closed {
		return err
	}
	r.closed = true
	return errors.Join(err, r.refresh())
}

// Tx starts a transaction that refreshes the figures before it commits.
func (d *driver) Tx(ctx context.Context) (dialect.Tx, error) {
	tx, err := d.Driver.Tx(ctx)
	if err != nil {
		return nil, err
	}
	return &refreshTx{Tx: tx, ctx: ctx, postgres: d.postgres}, nil
}

// BeginTx is Tx with options, when the driver under has it.
func (d *driver) BeginTx(ctx context.Context, opts *sql.TxOptions) (dialect.Tx, error) {
	b, ok := d.Driver.(interface {
		BeginTx(context.Context, *sql.TxOptions) (dialect.Tx, error)
	})
	if !ok {
		return d.Tx(ctx)
	}
	tx, err := b.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return &refreshTx{Tx: tx, ctx: ctx, postgres: d.postgres}, nil
}

type refreshTx struct {
	dialect.Tx
	ctx      context.Context
	postgres bool
}

// Commit refreshes the figures, then commits; on a failure of the refresh
// the transaction is rolled back.
func (t *refreshTx) Commit() error {
	if err := Refresh(t.ctx, EntConn{t.Tx}, t.postgres); err != nil {
		return errors.Join(err, t.Tx.Rollback())
	}
	return t.Tx.Commit()
}
