package apperr

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// Every answer of a code, JSON or text, takes its status and Retry-After
// from the one table.
func TestStatusOfEachCode(t *testing.T) {
	for _, c := range []struct {
		code       Code
		status     int
		retryAfter string
	}{
		{Unavailable, 503, "2"},
		{Timeout, 504, ""},
		{OutcomeUnknown, 504, ""},
		{RequestTimeout, 408, ""},
		{Internal, 500, ""},
		{Unauthenticated, 401, ""},
		{Forbidden, 403, ""},
		{IdempotencyKeyInvalid, 400, ""},
		{IdempotencyKeyInUse, 409, "1"},
		{IdempotencyKeyReused, 422, ""},
		{Invalid, 400, ""},
		{NotFound, 400, ""},
		{Conflict, 400, ""},
		{Erased, 400, ""},
	} {
		e := New(c.code, "the message")
		json1 := httptest.NewRecorder()
		WriteJSON(json1, e)
		var body struct {
			Errors []struct {
				Message    string
				Extensions struct{ Code string }
			}
		}
		if err := json.Unmarshal(json1.Body.Bytes(), &body); err != nil || len(body.Errors) != 1 ||
			body.Errors[0].Extensions.Code != string(c.code) || body.Errors[0].Message != "the message" {
			t.Errorf("%s: JSON answer %q (%v)", c.code, json1.Body, err)
		}
		text := httptest.NewRecorder()
		WriteText(text, e)
		if !strings.HasPrefix(text.Header().Get("Content-Type"), "text/plain") || text.Body.String() != "the message\n" {
			t.Errorf("%s: text answer %q, %s", c.code, text.Body, text.Header().Get("Content-Type"))
		}
		for name, rec := range map[string]*httptest.ResponseRecorder{"JSON": json1, "text": text} {
			if rec.Code != c.status || rec.Header().Get("Retry-After") != c.retryAfter {
				t.Errorf("%s (%s): %d Retry-After %q, want %d %q", c.code, name, rec.Code, rec.Header().Get("Retry-After"), c.status, c.retryAfter)
			}
		}
	}
	// The request's own errors have no status of their own: a GraphQL
	// answer with data stays 200.
	for _, code := range []Code{Invalid, NotFound, Conflict, Erased} {
		if s := HTTPStatus(code); s != 0 {
			t.Errorf("HTTPStatus(%s) = %d, want none (0)", code, s)
		}
	}
	if HTTPStatus(Unavailable) != http.StatusServiceUnavailable {
		t.Errorf("HTTPStatus(UNAVAILABLE) = %d", HTTPStatus(Unavailable))
	}
}
