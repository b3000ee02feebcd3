package database

import (
	"container/list"
	"context"
	"database/sql/driver"
	"errors"
	"strings"

	"github.com/lib/pq"
)

// A PostgreSQL connection keeps the statements it runs often prepared,
// as PostGraphile and pgx do: a statement with parameters sent unprepared
// (lib/pq's way) costs two round trips, a parse and a plan each time; a
// prepared one costs one round trip, and PostgreSQL plans it once when
// its plan does not depend on the values (plan_cache_mode auto). A
// statement is prepared the second time the connection sees its text, so
// the texts seen once (an IN list of an unusual length) do not take up
// the cache; the least recently used is closed when the cache is full.
// Statements without parameters go as before, in one round trip of the
// simple protocol, and so do paged ones (LIMIT): how far an index walk
// must go to fill a page depends on the values, which a generic plan does
// not know (a case list's generic plan read every contact of the month
// and sorted them, instead of walking the index to the 51st: ten times
// slower, BENCHMARKS.md); an unprepared statement is planned for its
// values. The cache is per connection, as prepared statements
// are; a pooler that moves sessions between connections (PgBouncer in
// transaction mode) needs it off (DB_STATEMENT_CACHE=0, README).

// DefaultStatementCache is the number of statements a connection keeps
// prepared.
const DefaultStatementCache = 100

// StatementsKept is Options.StatementCache for n statements kept a
// connection as DB_STATEMENT_CACHE counts them: 0 none (where Options'
// zero value is the default).
func StatementsKept(n int) int {
	if n == 0 {
		return -1
	}
	return n
}

// cachingConn is a lib/pq connection with its cache of statements.
type cachingConn struct {
	conn     pgConn
	size     int
	lru      *list.List // of *cached, most recent first
	byKey    map[string]*list.Element
	prepared int // entries with a statement
}

// pgConn is what lib/pq's connection implements and database/sql uses.
type pgConn interface {
	driver.Conn
	driver.ConnPrepareContext
	driver.ConnBeginTx
	driver.QueryerContext
	driver.ExecerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
	driver.NamedValueChecker
}

type cached struct {
	query string
	stmt  driver.Stmt // nil: seen once, not prepared
}

var _ pgConn = (*cachingConn)(nil)

// newCachingConn gives c a cache of size statements (none when 0).
func newCachingConn(c driver.Conn, size int) driver.Conn {
	pc, ok := c.(pgConn)
	if !ok || size <= 0 {
		return c
	}
	return &cachingConn{conn: pc, size: size, lru: list.New(), byKey: map[string]*list.Element{}}
}

// statement is the prepared statement of query, or nil when it is to go
// unprepared (seen for the first time).
func (c *cachingConn) statement(ctx context.Context, query string) (driver.Stmt, error) {
	if strings.Contains(query, " LIMIT ") {
		return nil, nil
	}
	e, ok := c.byKey[query]
	if !ok {
		c.byKey[query] = c.lru.PushFront(&cached{query: query})
		return nil, c.trim()
	}
	c.lru.MoveToFront(e)
	it := e.Value.(*cached)
	if it.stmt == nil {
		st, err := c.conn.PrepareContext(ctx, query)
		if err != nil {
			return nil, err
		}
		it.stmt = st
		c.prepared++
		if err := c.trim(); err != nil {
			return nil, err
		}
	}
	return it.stmt, nil
}

// trim forgets the least recently used texts beyond twice the cache's
// size, and closes the least recently used statements beyond its size.
// A connection runs one statement at a time (database/sql), so none of
// them is in use.
func (c *cachingConn) trim() error {
	for c.lru.Len() > 2*c.size || c.prepared > c.size {
		e := c.lru.Back()
		it := e.Value.(*cached)
		c.lru.Remove(e)
		delete(c.byKey, it.query)
		if it.stmt != nil {
			c.prepared--
			if err := it.stmt.Close(); err != nil {
				return err
			}
		}
	}
	return nil
}

// stale reports an error of a prepared statement the server no longer
// has (26000), or whose result a schema change altered ("cached plan must
// not change result type": 0A000 from the server's revalidation of cached
// plans, told by its routine's name, since the message may be translated):
// the connection is then given up (driver.ErrBadConn), its statements
// with it, and database/sql runs the statement again on another one when
// it may.
func stale(err error) bool {
	var pe *pq.Error
	if !errors.As(err, &pe) {
		return false
	}
	return pe.Code == "26000" || (pe.Code == "0A000" && pe.Routine == "RevalidateCachedQuery")
}

func (c *cachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	return runCached(ctx, c, query, args, c.conn.QueryContext, func(st driver.Stmt) (driver.Rows, error) {
		return st.(driver.StmtQueryContext).QueryContext(ctx, args)
	})
}

func (c *cachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	return runCached(ctx, c, query, args, c.conn.ExecContext, func(st driver.Stmt) (driver.Result, error) {
		return st.(driver.StmtExecContext).ExecContext(ctx, args)
	})
}

// runCached runs query through its kept statement (onStmt), or unprepared
// (direct) when it has no parameters or is not kept.
func runCached[T any](ctx context.Context, c *cachingConn, query string, args []driver.NamedValue,
	direct func(context.Context, string, []driver.NamedValue) (T, error), onStmt func(driver.Stmt) (T, error)) (T, error) {
	var none T
	if len(args) == 0 {
		return direct(ctx, query, args)
	}
	st, err := c.statement(ctx, query)
	if err != nil {
		return none, err
	}
	if st == nil {
		return direct(ctx, query, args)
	}
	res, err := onStmt(st)
	if err != nil && stale(err) {
		return none, driver.ErrBadConn
	}
	return res, err
}

func (c *cachingConn) Prepare(query string) (driver.Stmt, error) { return c.conn.Prepare(query) }
func (c *cachingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return c.conn.PrepareContext(ctx, query)
}
func (c *cachingConn) Close() error              { return c.conn.Close() }
func (c *cachingConn) Begin() (driver.Tx, error) { return c.conn.Begin() } //nolint:staticcheck // driver.Conn requires it
func (c *cachingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.conn.BeginTx(ctx, opts)
}
func (c *cachingConn) Ping(ctx context.Context) error         { return c.conn.Ping(ctx) }
func (c *cachingConn) ResetSession(ctx context.Context) error { return c.conn.ResetSession(ctx) }
func (c *cachingConn) IsValid() bool                          { return c.conn.IsValid() }
func (c *cachingConn) CheckNamedValue(nv *driver.NamedValue) error {
	return c.conn.CheckNamedValue(nv)
}
