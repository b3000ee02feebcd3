package database

import (
	"context"
	"database/sql/driver"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/lib/pq"
)

// pgConnector opens lib/pq connections, each with its cache of prepared
// statements (stmtcache.go), and, once armed, gives each a
// statement_timeout: the database then ends a statement that outlives the
// request that sent it, even when the cancel request sent at the request's
// deadline is lost. The migrations at start run unarmed, since a schema
// change on a large table may rightly take longer.
type pgConnector struct {
	*pq.Connector
	timeoutMS  atomic.Int64 // 0: none
	statements int          // kept prepared by each connection; 0: none
}

// newPGConnector's statements is Options.StatementCache.
func newPGConnector(dsn string, statements int) (*pgConnector, error) {
	c, err := pq.NewConnector(dsn)
	if err != nil {
		return nil, err
	}
	if statements == 0 {
		statements = DefaultStatementCache
	}
	return &pgConnector{Connector: c, statements: max(statements, 0)}, nil
}

func (c *pgConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	conn = newCachingConn(conn, c.statements)
	if ms := c.timeoutMS.Load(); ms > 0 {
		_, err := conn.(driver.ExecerContext).ExecContext(ctx, fmt.Sprintf("SET statement_timeout = %d", ms), nil)
		if err != nil {
			conn.Close()
			return nil, err
		}
	}
	return conn, nil
}

// armStatementTimeout gives every connection opened from now on the
// statement_timeout d, and closes the idle ones opened before (by the
// migrations), which have none.
func (d *DB) armStatementTimeout(c *pgConnector, timeout time.Duration, maxIdle int) {
	if c == nil || timeout <= 0 {
		return
	}
	c.timeoutMS.Store(timeout.Milliseconds())
	d.SQL.SetMaxIdleConns(0)
	d.SQL.SetMaxIdleConns(maxIdle)
}

// SQLiteSynchronous values: FULL (the default) syncs the WAL at every
// commit, so an acknowledged commit survives a power loss; NORMAL syncs at
// checkpoints only, so it survives a crash of the process (kill -9) but a
// power loss may lose the last commits. BENCHMARKS.md measures both.
var sqliteSynchronous = []string{"FULL", "NORMAL", "EXTRA", "OFF"}

// ValidSQLiteSynchronous reports whether s names a synchronous mode ("" is
// the default, FULL).
func ValidSQLiteSynchronous(s string) bool {
	if s == "" {
		return true
	}
	for _, v := range sqliteSynchronous {
		if strings.EqualFold(s, v) {
			return true
		}
	}
	return false
}

func synchronousPragma(s string) string {
	if s == "" || !ValidSQLiteSynchronous(s) {
		s = "FULL"
	}
	return "synchronous(" + strings.ToUpper(s) + ")"
}
