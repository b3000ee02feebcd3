package tracing

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"entgo.io/ent/dialect"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// EntDriver returns a wrapper of the ent driver (database.Options.Driver)
// that makes every statement run inside a traced request a span: named
// by the statement's verb (SELECT, INSERT…), with db.system.name and
// db.operation.name, never the statement's text or its arguments.
// Statements outside a trace (the migration at start) open none. With a
// nil provider it returns nil: the driver is not wrapped.
//
// Statements sent through database/sql directly (the analytics' SQL, the
// COPY of a PostgreSQL import) do not go through ent and are covered by
// their request's and operation's spans only.
func EntDriver(tp trace.TracerProvider) func(dialect.Driver) dialect.Driver {
	if tp == nil {
		return nil
	}
	tracer := tp.Tracer("segretariato/internal/tracing")
	return func(d dialect.Driver) dialect.Driver {
		system := d.Dialect()
		switch system {
		case dialect.Postgres:
			system = "postgresql"
		case dialect.SQLite:
			system = "sqlite"
		}
		return &entDriver{Driver: d, st: statements{tracer: tracer, system: attribute.String("db.system.name", system)}}
	}
}

type statements struct {
	tracer trace.Tracer
	system attribute.KeyValue
}

// run runs one statement in a span when ctx is traced.
func (s statements) run(ctx context.Context, query string, f func(context.Context) error) error {
	if !trace.SpanFromContext(ctx).SpanContext().IsValid() {
		return f(ctx)
	}
	verb := verbOf(query)
	ctx, span := s.tracer.Start(ctx, verb, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(s.system, attribute.String("db.operation.name", verb)))
	err := f(ctx)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		span.SetStatus(codes.Error, "statement failed") // the driver's text may quote values
	}
	span.End()
	return err
}

// verbOf is the statement's first word, upper-case: a closed list, so
// that nothing of the statement's text reaches the span.
func verbOf(query string) string {
	q := strings.TrimLeft(query, " \t\r\n(")
	end := strings.IndexAny(q, " \t\r\n(")
	if end < 0 {
		end = len(q)
	}
	switch v := strings.ToUpper(q[:end]); v {
	case "SELECT", "INSERT", "UPDATE", "DELETE", "WITH", "BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "SET", "PRAGMA":
		return v
	}
	return "SQL"
}

type entDriver struct {
	dialect.Driver
	st statements
}

func (d *entDriver) Exec(ctx context.Context, query string, args, v any) error {
	return d.st.run(ctx, query, func(ctx context.Context) error { return d.Driver.Exec(ctx, query, args, v) })
}

func (d *entDriver) Query(ctx context.Context, query string, args, v any) error {
	return d.st.run(ctx, query, func(ctx context.Context) error { return d.Driver.Query(ctx, query, args, v) })
}

func (d *entDriver) Tx(ctx context.Context) (dialect.Tx, error) {
	tx, err := d.Driver.Tx(ctx)
	if err != nil {
		return nil, err
	}
	return &entTx{Tx: tx, st: d.st}, nil
}

// BeginTx is ent's Client.BeginTx, when the driver under has it.
func (d *entDriver) BeginTx(ctx context.Context, opts *sql.TxOptions) (dialect.Tx, error) {
	b, ok := d.Driver.(interface {
		BeginTx(context.Context, *sql.TxOptions) (dialect.Tx, error)
	})
	if !ok {
		return nil, errors.New("tracing: the driver cannot begin a transaction with options")
	}
	tx, err := b.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return &entTx{Tx: tx, st: d.st}, nil
}

type entTx struct {
	dialect.Tx
	st statements
}

func (t *entTx) Exec(ctx context.Context, query string, args, v any) error {
	return t.st.run(ctx, query, func(ctx context.Context) error { return t.Tx.Exec(ctx, query, args, v) })
}

func (t *entTx) Query(ctx context.Context, query string, args, v any) error {
	return t.st.run(ctx, query, func(ctx context.Context) error { return t.Tx.Query(ctx, query, args, v) })
}
