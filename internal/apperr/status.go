package apperr

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// RetryAfter is what a 503 answer's Retry-After header asks the client to
// wait, in seconds: a database restart takes about that long.
const RetryAfter = 2

// HTTPStatus is the HTTP status of an answer that failed with code as a
// whole (no data): the service's faults get 5xx, with which proxies and
// clients know to retry (503) or not (504); OK (0) for the codes whose
// status the caller decides.
//
//	UNAVAILABLE      503 Service Unavailable, Retry-After
//	TIMEOUT          504 Gateway Timeout (the database did not answer in time)
//	OUTCOME_UNKNOWN  504 Gateway Timeout (the database's answer to the commit was lost)
//	REQUEST_TIMEOUT  408 Request Timeout (the client's body did not arrive)
//	INTERNAL         500
func HTTPStatus(code Code) int {
	switch code {
	case Unavailable:
		return http.StatusServiceUnavailable
	case Timeout, OutcomeUnknown:
		return http.StatusGatewayTimeout
	case RequestTimeout:
		return http.StatusRequestTimeout
	case Internal:
		return http.StatusInternalServerError
	case Unauthenticated:
		return http.StatusUnauthorized
	case Forbidden:
		return http.StatusForbidden
	}
	return 0
}

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

// SetStatus writes the status of code, with Retry-After when the client
// should retry later.
func SetStatus(w http.ResponseWriter, code Code) {
	status := HTTPStatus(code)
	if status == 0 {
		status = http.StatusBadRequest
	}
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", strconv.Itoa(RetryAfter))
	}
	w.WriteHeader(status)
}

// WriteJSON answers e alone, as a GraphQL error response with its code,
// for the answers given outside GraphQL execution (authentication, the
// CSV downloads).
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
