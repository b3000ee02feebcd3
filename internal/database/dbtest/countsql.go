package dbtest

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"strings"
	"sync/atomic"
	"testing"

	"segretariato/internal/database"
)

// The analytics engine runs its statements on database/sql directly, not
// through ent, so the counting ent driver (Counter) does not see them.
// SQLCounter gives the engine a second pool on the same database whose
// connections count what they run.

// SQLCounter counts the statements run on the pools it opens.
type SQLCounter struct {
	n atomic.Int64
}

// Reset sets the count to zero.
func (c *SQLCounter) Reset() { c.n.Store(0) }

// Count is the number of statements since the last Reset.
func (c *SQLCounter) Count() int { return int(c.n.Load()) }

// Pool opens a pool on the same driver as db, on the database rawURL names
// (a URL as database.Open takes: postgres://… or sqlite:PATH), whose
// statements are counted. The caller closes it.
func (c *SQLCounter) Pool(db *sql.DB, rawURL string) *sql.DB {
	dsn := rawURL
	if path, ok := strings.CutPrefix(rawURL, "sqlite:"); ok {
		dsn = path + "?_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)&_time_format=sqlite"
	}
	return sql.OpenDB(countingConnector{drv: db.Driver(), dsn: dsn, n: &c.n})
}

// OpenCounting is Open with every statement counted: those that go
// through ent by the returned Counter, and those on the returned DB's SQL
// pool (a second pool on the same database, closed when the test ends) by
// the SQLCounter.
func OpenCounting(t testing.TB, kind string) (*database.DB, *Counter, *SQLCounter) {
	t.Helper()
	url := URL(t, kind)
	ec, sc := &Counter{}, &SQLCounter{}
	db := OpenURL(t, kind, url, database.Options{Driver: ec.Counting})
	pool := sc.Pool(db.SQL, url)
	t.Cleanup(func() { pool.Close() })
	return &database.DB{Client: db.Client, SQL: pool, Dialect: db.Dialect}, ec, sc
}

// countingConnector opens connections of drv on dsn that count their
// statements into n.
type countingConnector struct {
	drv driver.Driver
	dsn string
	n   *atomic.Int64
}

func (c countingConnector) Connect(context.Context) (driver.Conn, error) {
	conn, err := c.drv.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: conn, n: c.n}, nil
}

func (c countingConnector) Driver() driver.Driver { return c.drv }

type countingConn struct {
	driver.Conn
	n *atomic.Int64
}

func (c *countingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	q, ok := c.Conn.(driver.QueryerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	rows, err := q.QueryContext(ctx, query, args)
	if err != driver.ErrSkip {
		c.n.Add(1)
	}
	return rows, err
}

func (c *countingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	e, ok := c.Conn.(driver.ExecerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	res, err := e.ExecContext(ctx, query, args)
	if err != driver.ErrSkip {
		c.n.Add(1)
	}
	return res, err
}

// PrepareContext counts a statement prepared (database/sql prepares when
// the driver skips QueryContext or ExecContext).
func (c *countingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	c.n.Add(1)
	if p, ok := c.Conn.(driver.ConnPrepareContext); ok {
		return p.PrepareContext(ctx, query)
	}
	return c.Conn.Prepare(query)
}

func (c *countingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if b, ok := c.Conn.(driver.ConnBeginTx); ok {
		return b.BeginTx(ctx, opts)
	}
	return c.Conn.Begin() //nolint:staticcheck // the fallback database/sql itself uses
}

func (c *countingConn) CheckNamedValue(v *driver.NamedValue) error {
	if ch, ok := c.Conn.(driver.NamedValueChecker); ok {
		return ch.CheckNamedValue(v)
	}
	return driver.ErrSkip
}

func (c *countingConn) ResetSession(ctx context.Context) error {
	if r, ok := c.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}
