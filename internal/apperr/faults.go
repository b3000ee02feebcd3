package apperr

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"net"
	"os"
	"strings"
	"syscall"

	"github.com/lib/pq"
	"github.com/lib/pq/pqerror"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// The codes of faults of the service rather than of the request. Clients
// read them in extensions.code; HTTPStatus gives their status.
const (
	// Timeout: the request ran past its deadline (REQUEST_TIMEOUT) or a
	// statement past the database's statement_timeout; it was cancelled
	// and nothing it would have written was written.
	Timeout Code = "TIMEOUT"
	// OutcomeUnknown: a mutation's commit was sent but the database's
	// answer was lost with the connection; the change may or may not be
	// stored. Read before writing again, or retry with the same
	// Idempotency-Key.
	OutcomeUnknown Code = "OUTCOME_UNKNOWN"
	// RequestTimeout: the request's body did not arrive within READ_TIMEOUT.
	RequestTimeout Code = "REQUEST_TIMEOUT"
)

// fault classifies the errors that are the database's condition, not the
// request's nor a bug: the database unreachable (UNAVAILABLE) or too slow
// for the request's deadline (TIMEOUT). It is the one place that knows the
// drivers' error shapes.
func fault(err error) (*Error, bool) {
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return &Error{Code: Timeout, Message: "the request took longer than allowed and was cancelled", cause: err}, true
	case errors.Is(err, context.Canceled):
		// The client went away (or the server is stopping the request).
		return &Error{Code: Timeout, Message: "the request was cancelled", cause: err}, true
	case DatabaseUnavailable(err):
		return &Error{Code: Unavailable, Message: "the database cannot be reached; retry later", cause: err}, true
	}
	if pe := pq.As(err, pqerror.QueryCanceled); pe != nil {
		// statement_timeout, or a cancel request sent on the context's end.
		return &Error{Code: Timeout, Message: "the request took longer than allowed and was cancelled", cause: err}, true
	}
	var se *sqlite.Error
	if errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_INTERRUPT {
		return &Error{Code: Timeout, Message: "the request took longer than allowed and was cancelled", cause: err}, true
	}
	return nil, false
}

// DatabaseUnavailable reports whether err says the database cannot serve
// now, whatever the statement: the connection refused, lost or reset, the
// database not accepting connections, shutting down or starting up, too
// many connections, the backend terminated (pg_terminate_backend, 57P01);
// on SQLite the file locked beyond the busy timeout, unreadable or full.
// A retry later may succeed; nothing about the request is wrong.
func DatabaseUnavailable(err error) bool {
	if err == nil {
		return false
	}
	// lib/pq reports a lost connection (EOF, a FATAL error such as 57P01)
	// as driver.ErrBadConn.
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return true
	}
	var ne *net.OpError
	if errors.As(err, &ne) {
		return true
	}
	if pe := pq.As(err); pe != nil {
		switch pe.Code.Class() {
		case "08", // connection exception
			"53", // insufficient resources: too many connections, out of memory, disk full
			"57": // operator intervention: admin shutdown (57P01), crash shutdown, cannot connect now
			return pe.Code != pqerror.QueryCanceled
		}
		switch pe.Code {
		case pqerror.InvalidCatalogName: // the database is gone
			return true
		case pqerror.ObjectNotInPrerequisiteState:
			// 55000 at connection time: "database … is not currently accepting connections".
			return strings.Contains(pe.Message, "accepting connections")
		}
		return false
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_FULL, sqlite3.SQLITE_CANTOPEN:
			return true
		}
	}
	return false
}

// LogCause is the text of an error's cause for the log: for a PostgreSQL
// error its SQLSTATE and message only (never the detail, which can hold
// the row's values), so nothing personal and no password is logged; for
// the others the error's text, which names no value.
func LogCause(err error) string {
	var e *Error
	if errors.As(err, &e) && e.cause != nil {
		err = e.cause
	}
	if err == nil {
		return ""
	}
	if pe := pq.As(err); pe != nil {
		return "pq " + string(pe.Code) + " " + pe.Code.Name() + ": " + pe.Message
	}
	return err.Error()
}

// FromCommit classifies the error of a transaction's commit. When the
// database refused the COMMIT itself (a serialisation failure, a deferred
// constraint) or it was never sent (the request's deadline had passed, and
// database/sql rolled back), nothing was written and the error says so.
// Otherwise the COMMIT may have been applied before the connection was
// lost: OUTCOME_UNKNOWN.
func FromCommit(err error) *Error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrTxDone) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		e, _ := fault(context.DeadlineExceeded)
		e.cause = err
		return e
	}
	if pe := pq.As(err); pe != nil && !pe.Fatal() && !DatabaseUnavailable(err) {
		switch pe.Code.Class() {
		case "23", "40": // a deferred constraint; a serialisation failure or deadlock
			return &Error{Code: Conflict, Message: "the change conflicts with another made at the same time; nothing was saved", cause: err}
		}
		return From(err)
	}
	return &Error{Code: OutcomeUnknown, cause: err,
		Message: "the change was sent to the database but its answer was lost: it may or may not be saved; read it before writing again, or retry with the same Idempotency-Key"}
}
