package server

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"

	"segretariato/internal/apperr"
)

// TestPanicsAndInternalErrorsReachTheClientGenerically: a resolver's panic
// and an unexpected error (with SQL in its text) reach the client as
// "internal error" with code INTERNAL; the details go to the log only.
func TestPanicsAndInternalErrorsReachTheClientGenerically(t *testing.T) {
	logs := &bytes.Buffer{}
	log := slog.New(slog.NewJSONHandler(logs, nil))
	ctx := graphql.WithResponseContext(context.Background(), graphql.DefaultErrorPresenter, nil)

	err := recoverPanic(log)(ctx, "index out of range [3] with length 3")
	if apperr.CodeOf(err) != apperr.Internal || strings.Contains(err.Error(), "index") {
		t.Errorf("panic became %v", err)
	}
	if !strings.Contains(logs.String(), "index out of range") {
		t.Error("the panic is not in the log")
	}

	leak := errors.New(`pq: duplicate key value violates unique constraint "citizens_fiscal_code_key"`)
	gerr := presentError(log)(ctx, apperr.From(leak))
	if gerr.Message != "internal error" || gerr.Extensions["code"] != "INTERNAL" || strings.Contains(gerr.Error(), "pq:") {
		t.Errorf("internal error presented as %q %v", gerr.Message, gerr.Extensions)
	}
	if !strings.Contains(logs.String(), "citizens_fiscal_code_key") {
		t.Error("the cause is not in the log")
	}
	gerr = presentError(log)(ctx, apperr.OnField("durationMinutes", "value out of range"))
	if gerr.Extensions["code"] != "INVALID" || gerr.Extensions["field"] != "durationMinutes" {
		t.Errorf("a client error presented as %v", gerr.Extensions)
	}
}
