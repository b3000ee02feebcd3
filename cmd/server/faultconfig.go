package main

import (
	"fmt"
	"strconv"
	"time"

	"segretariato/internal/database"
	"segretariato/internal/server"
)

// faultConfig is the serve command's deadlines and limits against slow
// clients and a slow or unreachable database.
type faultConfig struct {
	ReadTimeout       time.Duration // READ_TIMEOUT (default 30s): reading a request, body included
	RequestTimeout    time.Duration // REQUEST_TIMEOUT (default 30s): a request's deadline, database included
	ImportTimeout     time.Duration // IMPORT_TIMEOUT (default 10m): an import's and a CSV download's
	MaxConnsPerClient int           // MAX_CONNS_PER_CLIENT (default 64; 0: no limit)
	SQLiteSynchronous string        // SQLITE_SYNCHRONOUS (default FULL)
	// SHUTDOWN_DRAIN (default 0): after a stop signal, how long the server
	// goes on answering, with /readyz at 503 and `Connection: close`,
	// before it shuts down (see server.Drain).
	ShutdownDrain time.Duration
}

// shutdownTimeout is how long the shutdown waits for the requests in
// flight: their deadline, and the margin to write the answer.
func (f faultConfig) shutdownTimeout() time.Duration { return f.RequestTimeout + 5*time.Second }

// statementTimeout is PostgreSQL's statement_timeout: a little past the
// request's deadline, so that the deadline's cancellation comes first and
// statement_timeout only ends what it missed.
func (f faultConfig) statementTimeout() time.Duration { return f.RequestTimeout + 5*time.Second }

func parseFaultConfig(getenv func(string) string) (faultConfig, error) {
	f := faultConfig{
		ReadTimeout: server.DefaultReadTimeout, RequestTimeout: server.DefaultRequestTimeout,
		ImportTimeout: server.DefaultImportTimeout, MaxConnsPerClient: server.DefaultMaxConnsPerClient,
		SQLiteSynchronous: getenv("SQLITE_SYNCHRONOUS"),
	}
	for _, d := range []struct {
		name string
		p    *time.Duration
	}{{"READ_TIMEOUT", &f.ReadTimeout}, {"REQUEST_TIMEOUT", &f.RequestTimeout}, {"IMPORT_TIMEOUT", &f.ImportTimeout}} {
		if err := envDuration(getenv, d.name, d.p, 100*time.Millisecond, 0, d.name+" must be a duration of at least 100ms, such as 30s or 2m"); err != nil {
			return f, err
		}
	}
	if err := envDuration(getenv, "SHUTDOWN_DRAIN", &f.ShutdownDrain, 0, 5*time.Minute, "SHUTDOWN_DRAIN must be a duration from 0s to 5m, such as 5s"); err != nil {
		return f, err
	}
	if v := getenv("MAX_CONNS_PER_CLIENT"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return f, fmt.Errorf("MAX_CONNS_PER_CLIENT must be a whole number (0: no limit)")
		}
		f.MaxConnsPerClient = n
	}
	if f.ImportTimeout < f.RequestTimeout {
		return f, fmt.Errorf("IMPORT_TIMEOUT must not be shorter than REQUEST_TIMEOUT")
	}
	if !database.ValidSQLiteSynchronous(f.SQLiteSynchronous) {
		return f, fmt.Errorf("SQLITE_SYNCHRONOUS must be FULL, NORMAL, EXTRA or OFF")
	}
	return f, nil
}
