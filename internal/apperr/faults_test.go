package apperr_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
	"testing"

	"github.com/lib/pq"

	"segretariato/internal/apperr"
)

// TestFaults: the database's conditions get their codes wherever they are
// wrapped; the request's own errors and bugs do not.
func TestFaults(t *testing.T) {
	dial := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	for err, want := range map[error]apperr.Code{
		driver.ErrBadConn: apperr.Unavailable,
		fmt.Errorf("ent: starting a transaction: %w", driver.ErrBadConn): apperr.Unavailable,
		dial: apperr.Unavailable,
		&pq.Error{Code: "57P01", Message: "terminating connection due to administrator command"}:      apperr.Unavailable,
		&pq.Error{Code: "53300", Message: "sorry, too many clients already"}:                          apperr.Unavailable,
		&pq.Error{Code: "08006", Message: "connection failure"}:                                       apperr.Unavailable,
		&pq.Error{Code: "57P03", Message: "the database system is starting up"}:                       apperr.Unavailable,
		&pq.Error{Code: "55000", Message: `database "x" is not currently accepting connections`}:      apperr.Unavailable,
		&pq.Error{Code: "55000", Message: "cannot ALTER TABLE because it has pending trigger events"}: apperr.Internal,
		&pq.Error{Code: "57014", Message: "canceling statement due to statement timeout"}:             apperr.Timeout,
		fmt.Errorf("querying: %w", context.DeadlineExceeded):                                          apperr.Timeout,
		&pq.Error{Code: "42601", Message: "syntax error"}:                                             apperr.Internal,
		errors.New("something else"):                                                                  apperr.Internal,
	} {
		if got := apperr.CodeOf(err); got != want {
			t.Errorf("%v: %s, want %s", err, got, want)
		}
	}
	for err, want := range map[error]apperr.Code{
		driver.ErrBadConn: apperr.OutcomeUnknown,
		&pq.Error{Code: "57P01", Message: "terminating connection"}: apperr.OutcomeUnknown,
		sql.ErrTxDone: apperr.Timeout,
		&pq.Error{Code: "23505", Message: "duplicate key value violates unique"}: apperr.Conflict,
	} {
		if got := apperr.FromCommit(err).Code; got != want {
			t.Errorf("commit %v: %s, want %s", err, got, want)
		}
	}
	e := &pq.Error{Code: "23505", Message: "duplicate key value violates unique constraint", Detail: "Key (fiscal_code)=(RSSMRA80A01H501U) already exists."}
	if c := apperr.LogCause(apperr.From(e)); strings.Contains(c, "RSSMRA") || !strings.Contains(c, "23505") {
		t.Errorf("logged cause %q", c)
	}
}
