package dbtest

import (
	"context"
	"sync/atomic"

	"entgo.io/ent/dialect"
)

// Counter is an ent driver that counts the SQL statements it runs, so a
// test can assert that a query takes a fixed number of them (no N+1).
type Counter struct {
	dialect.Driver
	n atomic.Int64
}

// Counting wraps a driver; use it as database.Options.Driver.
func (c *Counter) Counting(d dialect.Driver) dialect.Driver {
	c.Driver = d
	return c
}

// Reset sets the count to zero.
func (c *Counter) Reset() { c.n.Store(0) }

// Count is the number of statements since the last Reset.
func (c *Counter) Count() int { return int(c.n.Load()) }

// Exec counts and runs a statement.
func (c *Counter) Exec(ctx context.Context, query string, args, v any) error {
	c.n.Add(1)
	return c.Driver.Exec(ctx, query, args, v)
}

// Query counts and runs a query.
func (c *Counter) Query(ctx context.Context, query string, args, v any) error {
	c.n.Add(1)
	return c.Driver.Query(ctx, query, args, v)
}

// Tx starts a transaction whose statements are counted too.
func (c *Counter) Tx(ctx context.Context) (dialect.Tx, error) {
	tx, err := c.Driver.Tx(ctx)
	if err != nil {
		return nil, err
	}
	return &countingTx{Tx: tx, n: &c.n}, nil
}

type countingTx struct {
	dialect.Tx
	n *atomic.Int64
}

func (t *countingTx) Exec(ctx context.Context, query string, args, v any) error {
	t.n.Add(1)
	return t.Tx.Exec(ctx, query, args, v)
}

func (t *countingTx) Query(ctx context.Context, query string, args, v any) error {
	t.n.Add(1)
	return t.Tx.Query(ctx, query, args, v)
}
