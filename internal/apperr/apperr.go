// Package apperr is the service's one error vocabulary. Every error a
// client may see is an *Error with a Code; everything else is reported to
// the client as an internal error and logged with its details. Messages
// never carry SQL, stack traces or personal data.
package apperr

import (
	"errors"
	"fmt"
	"strings"

	"segretariato/ent"
	"segretariato/ent/privacy"
)

// Code classifies an error for clients; it is what `extensions.code`
// carries in GraphQL answers.
type Code string

const (
	Invalid         Code = "INVALID"
	NotFound        Code = "NOT_FOUND"
	Conflict        Code = "CONFLICT"
	Forbidden       Code = "FORBIDDEN"
	Unauthenticated Code = "UNAUTHENTICATED"
	Internal        Code = "INTERNAL"
	// Unavailable: a dependency (the database, the identity provider's
	// keys) cannot be reached; the client may retry (see Retry-After).
	Unavailable Code = "UNAVAILABLE"
	// Erased: the record belongs to a citizen erased under GDPR art. 17,
	// which is never changed again (internal/intake).
	Erased Code = "ERASED"
)

// Error is an error a client may see.
type Error struct {
	Code    Code
	Message string // safe for the client: no SQL, no personal data
	Field   string // the input field at fault, when there is one
	cause   error  // kept for logs only
}

func (e *Error) Error() string {
	if e.Field != "" {
		return e.Field + ": " + e.Message
	}
	return e.Message
}

// Unwrap gives the cause, for logs.
func (e *Error) Unwrap() error { return e.cause }

// New returns an error with a code and a client-safe message.
func New(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// OnField returns an INVALID error about one input field.
func OnField(field, format string, args ...any) *Error {
	return &Error{Code: Invalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an error with a code and client-safe message that keeps
// cause for the logs.
func Wrap(cause error, code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), cause: cause}
}

// From turns any error into an *Error: an *Error stays as it is; ent's
// validation, not-found and constraint errors get their codes with messages
// that name no table, column or SQL; the database's faults (unreachable,
// too slow: see fault) UNAVAILABLE or TIMEOUT; anything else becomes INTERNAL, whose
// message is "internal error" and whose cause is kept for the logs.
func From(err error) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	var ve *ent.ValidationError
	if errors.As(err, &ve) {
		return &Error{Code: Invalid, Field: fieldName(ve.Name), Message: validationMessage(ve), cause: err}
	}
	if errors.Is(err, privacy.Deny) {
		return &Error{Code: Forbidden, Message: "not allowed", cause: err}
	}
	var nf *ent.NotFoundError
	if errors.As(err, &nf) {
		return &Error{Code: NotFound, Message: "not found", cause: err}
	}
	if ent.IsNotSingular(err) {
		return &Error{Code: NotFound, Message: "not found", cause: err}
	}
	if ent.IsConstraintError(err) {
		return &Error{Code: Conflict, Message: conflictMessage(err), cause: err}
	}
	if e, ok := fault(err); ok {
		return e
	}
	return &Error{Code: Internal, Message: "internal error", cause: err}
}

// CodeOf returns the code err would be reported with.
func CodeOf(err error) Code { return From(err).Code }

// fieldName turns ent's "duration_minutes" into the API's "durationMinutes".
func fieldName(s string) string {
	parts := strings.Split(s, "_")
	for i := 1; i < len(parts); i++ {
		if parts[i] != "" {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
	}
	return strings.Join(parts, "")
}

func validationMessage(ve *ent.ValidationError) string {
	msg := ve.Error()
	switch {
	case strings.Contains(msg, "out of range"):
		return "value out of range"
	case strings.Contains(msg, "missing required"):
		return "is required"
	case strings.Contains(msg, "empty"):
		return "must not be empty"
	case strings.Contains(msg, "too long"), strings.Contains(msg, "length"):
		return "has the wrong length"
	case strings.Contains(msg, "invalid enum"), strings.Contains(msg, "invalid value"):
		return "is not an allowed value"
	case strings.Contains(msg, "format"), strings.Contains(msg, "match"):
		return "has the wrong format"
	}
	// A validator of the schema's own (internal/…) returns an *Error.
	var e *Error
	if errors.As(ve.Unwrap(), &e) {
		return e.Message
	}
	return "is not valid"
}

// conflictMessage says what clashed without naming the constraint.
func conflictMessage(err error) string {
	msg := strings.ToLower(err.Error())
	switch {
	case strings.Contains(msg, "unique"), strings.Contains(msg, "duplicate"):
		return "a record with the same unique value already exists"
	case strings.Contains(msg, "foreign key"):
		return "the record refers to, or is referred to by, another record"
	}
	return "the change conflicts with existing data"
}
