package rollup

import (
	"segretariato/internal/sqlbind"

	"context"
	"database/sql"
	"strings"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"github.com/lib/pq"
)

// Conn is the transaction the figures are kept in: a *sql.Tx (the
// import's PostgreSQL path), or an ent transaction through EntConn.
type Conn interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (Rows, error)
}

// Rows are a query's rows.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Close() error
	Err() error
}

// SQLConn is a Conn over database/sql (a *sql.Tx, or a *sql.DB for reads).
type SQLConn struct {
	Q interface {
		ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
		QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	}
}

// ExecContext runs a statement.
func (c SQLConn) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return c.Q.ExecContext(ctx, query, args...)
}

// QueryContext runs a query.
func (c SQLConn) QueryContext(ctx context.Context, query string, args ...any) (Rows, error) {
	return c.Q.QueryContext(ctx, query, args...)
}

// EntConn is a Conn over an ent transaction (or driver).
type EntConn struct{ Q dialect.ExecQuerier }

// ExecContext runs a statement.
func (c EntConn) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	var res sql.Result
	err := c.Q.Exec(ctx, query, args, &res)
	return res, err
}

// QueryContext runs a query.
func (c EntConn) QueryContext(ctx context.Context, query string, args ...any) (Rows, error) {
	var rows entsql.Rows
	if err := c.Q.Query(ctx, query, args, &rows); err != nil {
		return nil, err
	}
	return &rows, nil
}

// Each runs a query and calls each for every row; it closes the rows
// before returning (SQLite holds a single connection).
func Each(ctx context.Context, c Conn, q string, args []any, each func(scan func(...any) error) error) error {
	rs, err := c.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rs.Close()
	for rs.Next() {
		if err := each(rs.Scan); err != nil {
			return err
		}
	}
	return rs.Err()
}

// maxParams bounds the arguments of one statement (SQLite's default
// limit is 32,766, PostgreSQL's 65,535).
const maxParams = 30000

// chunks calls f for consecutive slices of xs of at most n.
func chunks[T any](xs []T, n int, f func([]T) error) error {
	for lo := 0; lo < len(xs); lo += n {
		if err := f(xs[lo:min(lo+n, len(xs))]); err != nil {
			return err
		}
	}
	return nil
}

// insertRows inserts n rows into table: with COPY on PostgreSQL when c is
// a database/sql transaction (the import's), else with multi-row INSERTs
// followed by suffix (ON CONFLICT …; COPY is used only without one).
func insertRows(ctx context.Context, c Conn, postgres bool, table string, cols []string, n int, row func(i int) []any, suffix string) error {
	if n == 0 {
		return nil
	}
	if p, ok := c.(SQLConn); ok && postgres && suffix == "" {
		if tx, ok := p.Q.(*sql.Tx); ok {
			stmt, err := tx.PrepareContext(ctx, pq.CopyIn(table, cols...))
			if err != nil {
				return err
			}
			for i := range n {
				if _, err := stmt.ExecContext(ctx, row(i)...); err != nil {
					stmt.Close()
					return err
				}
			}
			if _, err := stmt.ExecContext(ctx); err != nil {
				stmt.Close()
				return err
			}
			return stmt.Close()
		}
	}
	per := max(1, maxParams/len(cols))
	for lo := 0; lo < n; lo += per {
		hi := min(lo+per, n)
		b := &sqlbind.Binder{Postgres: postgres}
		ts := make([]string, 0, hi-lo)
		for i := lo; i < hi; i++ {
			ts = append(ts, b.Tuple(row(i)...))
		}
		q := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES " + strings.Join(ts, ", ") + suffix
		if _, err := c.ExecContext(ctx, q, b.Args...); err != nil {
			return err
		}
	}
	return nil
}
