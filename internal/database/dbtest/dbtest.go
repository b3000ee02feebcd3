// Package dbtest gives tests a fresh, migrated database: an embedded SQLite
// file always, and a PostgreSQL database of its own when TEST_DATABASE_URL
// is set (created for the test and dropped after it). Tests that must hold
// on both databases run once per database with ForEach.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"entgo.io/ent/dialect"

	"segretariato/internal/database"
	"segretariato/internal/refdata"
	"segretariato/internal/wiring"
)

// Kinds are the databases a test can run on: "sqlite", and "postgres" when
// TEST_DATABASE_URL is set.
func Kinds(t testing.TB) []string {
	kinds := []string{dialect.SQLite}
	if postgresURL() != "" {
		kinds = append(kinds, dialect.Postgres)
	}
	return kinds
}

func postgresURL() string { return os.Getenv("TEST_DATABASE_URL") }

// ForEach runs f as a subtest on each database of Kinds, each with a fresh
// database holding the reference data.
func ForEach(t *testing.T, f func(t *testing.T, db *database.DB)) {
	t.Helper()
	for _, kind := range Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			f(t, Open(t, kind, database.Options{}))
		})
	}
}

// Open returns a fresh, migrated database of the given kind holding the
// reference data; it is closed (and, on PostgreSQL, dropped) when the test
// ends. It fails the test when the database cannot be reached: it never
// skips.
func Open(t testing.TB, kind string, opt database.Options) *database.DB {
	t.Helper()
	return OpenURL(t, kind, URL(t, kind), opt)
}

// OpenURL is Open on the database at url: a second instance's handle on
// the database of another, for a test of several instances.
func OpenURL(t testing.TB, kind, url string, opt database.Options) *database.DB {
	t.Helper()
	ctx := context.Background()
	db, err := wiring.Open(ctx, url, opt)
	if err != nil {
		t.Fatalf("opening %s test database: %v", kind, err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := refdata.Load(ctx, db.Client); err != nil {
		t.Fatalf("loading reference data: %v", err)
	}
	return db
}

// URL is the address of a fresh, empty database of the given kind, which
// lives as long as the test: a file in the test's directory, or a
// PostgreSQL database of its own.
func URL(t testing.TB, kind string) string {
	t.Helper()
	switch kind {
	case dialect.SQLite:
		return "sqlite:" + filepath.Join(t.TempDir(), "test.db")
	case dialect.Postgres:
		return FreshPostgres(t)
	}
	t.Fatalf("unknown database kind %q", kind)
	return ""
}

var counter atomic.Int64

// FreshPostgres creates an empty database for one test on the server of
// TEST_DATABASE_URL and returns its URL; the database is dropped at
// cleanup.
func FreshPostgres(t testing.TB) string {
	t.Helper()
	base := postgresURL()
	if base == "" {
		t.Fatal("TEST_DATABASE_URL is not set")
	}
	u, drop, err := CreatePostgres(context.Background(), base, "seg_test_")
	if err != nil {
		t.Fatalf("creating PostgreSQL test database (is PostgreSQL running at TEST_DATABASE_URL?): %v", err)
	}
	t.Cleanup(drop)
	return u
}

// CreatePostgres creates an empty database, named prefix and a random
// suffix, on the server of the URL base, and returns its URL and a
// function that drops it.
func CreatePostgres(ctx context.Context, base, prefix string) (string, func(), error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", nil, errors.New("the PostgreSQL URL is not a URL")
	}
	admin, err := sql.Open("postgres", base)
	if err != nil {
		return "", nil, err
	}
	defer admin.Close()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	name := prefix + hex.EncodeToString(b) + "_" + strconv.FormatInt(counter.Add(1), 10)
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		return "", nil, err
	}
	drop := func() {
		admin, err := sql.Open("postgres", base)
		if err != nil {
			return
		}
		defer admin.Close()
		_, _ = admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
	}
	u.Path = "/" + name
	if !strings.Contains(u.RawQuery, "sslmode") {
		q := u.Query()
		q.Set("sslmode", "disable")
		u.RawQuery = q.Encode()
	}
	return u.String(), drop, nil
}

// Column runs query on q (a database or one of its connections) and
// returns its one column, a T a row; any error fails the test.
func Column[T any](t testing.TB, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, query string, args ...any) []T {
	t.Helper()
	rows, err := q.QueryContext(context.Background(), query, args...)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var v T
		if err := rows.Scan(&v); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return out
}
