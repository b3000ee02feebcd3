package dbtest

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"testing"

	"entgo.io/ent/dialect"
	"github.com/lib/pq"

	"segretariato/internal/database"
)

// Outage cuts one PostgreSQL database off as an outage does, without
// touching the cluster or any other database: new connections are refused
// (ALLOW_CONNECTIONS false) and the open ones are terminated (57P01).
type Outage struct {
	admin *sql.DB
	name  string
}

// NewOutage returns an Outage of the database name, driven through the
// admin connection (another database of the same server).
func NewOutage(admin *sql.DB, name string) *Outage { return &Outage{admin: admin, name: name} }

// OutageOf returns an Outage of db, a PostgreSQL test database, driven
// from TEST_DATABASE_URL; the database is given back at cleanup.
func OutageOf(t testing.TB, db *database.DB) *Outage {
	t.Helper()
	var name string
	if err := db.SQL.QueryRow("SELECT current_database()").Scan(&name); err != nil {
		t.Fatalf("naming the test database: %v", err)
	}
	admin, err := sql.Open("postgres", postgresURL())
	if err != nil {
		t.Fatal(err)
	}
	admin.SetMaxOpenConns(1)
	o := NewOutage(admin, name)
	t.Cleanup(func() {
		_ = o.End(context.Background())
		admin.Close()
	})
	return o
}

// Begin starts the outage.
func (o *Outage) Begin(ctx context.Context) error {
	if _, err := o.admin.ExecContext(ctx, "ALTER DATABASE "+pq.QuoteIdentifier(o.name)+" ALLOW_CONNECTIONS false"); err != nil {
		return fmt.Errorf("refusing connections: %w", err)
	}
	return o.Terminate(ctx)
}

// Terminate ends every open connection to the database.
func (o *Outage) Terminate(ctx context.Context) error {
	_, err := o.admin.ExecContext(ctx,
		"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", o.name)
	return err
}

// End gives the database back.
func (o *Outage) End(ctx context.Context) error {
	_, err := o.admin.ExecContext(ctx, "ALTER DATABASE "+pq.QuoteIdentifier(o.name)+" ALLOW_CONNECTIONS true")
	return err
}

// Hooked is an ent driver over the real one that runs a test's function
// at a chosen moment (before a query, a transaction's begin or its commit),
// to cut the database off exactly then. Set the hooks with On.
type Hooked struct {
	dialect.Driver
	mu                              sync.Mutex
	beforeQuery                     func(query string) bool
	onQuery, beforeTx, beforeCommit func()
}

// Hooking wraps a driver; use it as database.Options.Driver.
func (h *Hooked) Hooking(d dialect.Driver) dialect.Driver {
	h.Driver = d
	return h
}

// BeforeQuery runs f, once, before the first statement outside a
// transaction for which match says yes.
func (h *Hooked) BeforeQuery(match func(query string) bool, f func()) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.beforeQuery, h.onQuery = match, f
}

// BeforeTx runs f, once, before the next transaction begins.
func (h *Hooked) BeforeTx(f func()) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.beforeTx = f
}

// BeforeCommit runs f, once, before the next transaction's commit.
func (h *Hooked) BeforeCommit(f func()) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.beforeCommit = f
}

func (h *Hooked) take(p *func()) func() {
	h.mu.Lock()
	defer h.mu.Unlock()
	f := *p
	*p = nil
	return f
}

func (h *Hooked) Query(ctx context.Context, query string, args, v any) error {
	h.mu.Lock()
	var f func()
	if h.beforeQuery != nil && h.beforeQuery(query) {
		f, h.beforeQuery, h.onQuery = h.onQuery, nil, nil
	}
	h.mu.Unlock()
	if f != nil {
		f()
	}
	return h.Driver.Query(ctx, query, args, v)
}

func (h *Hooked) Tx(ctx context.Context) (dialect.Tx, error) {
	if f := h.take(&h.beforeTx); f != nil {
		f()
	}
	tx, err := h.Driver.Tx(ctx)
	if err != nil {
		return nil, err
	}
	return &hookedTx{Tx: tx, h: h}, nil
}

type hookedTx struct {
	dialect.Tx
	h *Hooked
}

func (t *hookedTx) Commit() error {
	if f := t.h.take(&t.h.beforeCommit); f != nil {
		f()
	}
	return t.Tx.Commit()
}
