package apperr

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// RetryAfter is what a 503 answer's Retry-After header asks the client to
// wait, in seconds: a database restart takes about that long.
const RetryAfter = 2

// The codes of the answers about the Idempotency-Key request header
// (internal/idempotency).
const (
	IdempotencyKeyInvalid Code = "IDEMPOTENCY_KEY_INVALID"
	IdempotencyKeyInUse   Code = "IDEMPOTENCY_KEY_IN_USE"
	IdempotencyKeyReused  Code = "IDEMPOTENCY_KEY_REUSED"
)

// status is the HTTP status of an answer that failed with a code, and the
// Retry-After (seconds, 0 for none) that goes with it.
type status struct{ code, retryAfter int }

// statuses is the one table of the HTTP status of an answer that failed
// with a code as a whole (no data), for the GraphQL endpoint and the REST
// ones (the CSV downloads, authentication, idempotency keys) alike. The
// service's faults get 5xx, with which proxies and clients know to retry
// (503) or not (504). A code not here (INVALID, NOT_FOUND, CONFLICT,
// ERASED) is the request's own error: its status is the caller's (a
// GraphQL answer with data is 200), 400 when the answer has no data.
var statuses = map[Code]status{
	Unavailable:           {http.StatusServiceUnavailable, RetryAfter},
	Timeout:               {http.StatusGatewayTimeout, 0}, // the database did not answer in time
	OutcomeUnknown:        {http.StatusGatewayTimeout, 0}, // the database's answer to the commit was lost
	RequestTimeout:        {http.StatusRequestTimeout, 0}, // the client's body did not arrive
	Internal:              {http.StatusInternalServerError, 0},
	Unauthenticated:       {http.StatusUnauthorized, 0},
	Forbidden:             {http.StatusForbidden, 0},
	IdempotencyKeyInvalid: {http.StatusBadRequest, 0},
	IdempotencyKeyInUse:   {http.StatusConflict, 1}, // the first request is still running
	IdempotencyKeyReused:  {http.StatusUnprocessableEntity, 0},
}

// HTTPStatus is the HTTP status of an answer that failed with code as a
// whole (see statuses); OK (0) for the codes whose status the caller
// decides.
func HTTPStatus(code Code) int { return statuses[code].code }

// faultRank orders the codes of the service's faults, which decide the
// status of a GraphQL answer without data; with several, the one most
// telling for the client wins.
var faultRank = map[Code]int{OutcomeUnknown: 3, Unavailable: 2, Timeout: 1}

// IsFault reports whether code is one of the service's faults
// (UNAVAILABLE, TIMEOUT, OUTCOME_UNKNOWN), which a GraphQL answer without
// data reports with their HTTP status rather than 200.
func IsFault(code Code) bool { return faultRank[code] > 0 }

// Worse returns the fault of a and b that decides an answer's status.
func Worse(a, b Code) Code {
	if faultRank[b] > faultRank[a] {
		return b
	}
	return a
}

// SetStatus writes the status of code (400 for the request's own errors),
// with Retry-After when the client should retry later.
func SetStatus(w http.ResponseWriter, code Code) {
	w.WriteHeader(statusHeader(w, code))
}

// statusHeader sets the Retry-After of code and returns its status.
func statusHeader(w http.ResponseWriter, code Code) int {
	s := statuses[code]
	if s.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(s.retryAfter))
	}
	if s.code == 0 {
		return http.StatusBadRequest
	}
	return s.code
}

// WriteJSON answers e alone, as a GraphQL error response with its code,
// for the answers given outside GraphQL execution (authentication, the
// CSV downloads, idempotency keys).
func WriteJSON(w http.ResponseWriter, e *Error) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Del("Content-Disposition")
	SetStatus(w, e.Code)
	type gqlError struct {
		Message    string            `json:"message"`
		Extensions map[string]string `json:"extensions"`
	}
	_ = json.NewEncoder(w).Encode(struct {
		Errors []gqlError `json:"errors"`
		Data   *struct{}  `json:"data"`
	}{Errors: []gqlError{{Message: e.Message, Extensions: map[string]string{"code": string(e.Code)}}}})
}

// WriteText answers e alone as plain text (http.Error), with the status
// of its code: the CSV downloads' refusals of a request.
func WriteText(w http.ResponseWriter, e *Error) {
	http.Error(w, e.Error(), statusHeader(w, e.Code))
}
