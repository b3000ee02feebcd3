// Package apitest drives the real HTTP handler (the one cmd/server builds)
// in tests: it creates operators with tokens and sends GraphQL requests
// through net/http/httptest, returning data and errors as the client sees
// them.
package apitest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"segretariato/ent"
	"segretariato/ent/schema/schematype"
	"segretariato/internal/auth"
	"segretariato/internal/database"
	"segretariato/internal/server"
	"segretariato/internal/services"
)

// API is a handler under test over one database.
type API struct {
	DB      *database.DB
	Handler http.Handler
	Logs    *bytes.Buffer // everything the server logged
}

// New builds the handler as cmd/server does, in production mode, logging
// into a buffer the test can inspect.
func New(t testing.TB, db *database.DB, opts ...func(*server.Options)) *API {
	t.Helper()
	logs := &bytes.Buffer{}
	o := Options(t, db, slog.New(server.LogHandler(slog.NewJSONHandler(logs, nil))), opts...)
	h, err := server.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return &API{DB: db, Handler: h, Logs: logs}
}

// Options returns the server's options over db as cmd/server makes them:
// opts applied to the defaults, then the services the options leave out
// built by services.New (as cmd/server builds them), with the options'
// logger and metrics. log nil: slog.Default().
func Options(t testing.TB, db *database.DB, log *slog.Logger, opts ...func(*server.Options)) server.Options {
	t.Helper()
	o := server.Options{DB: db, Log: log}
	for _, f := range opts {
		f(&o)
	}
	set, err := services.New(context.Background(), db, services.Config{Log: o.Log, Metrics: o.Metrics})
	if err != nil {
		t.Fatal(err)
	}
	if o.Analytics == nil {
		o.Analytics = set.Analytics
	}
	if o.Idempotency == nil {
		o.Idempotency = set.Idempotency
	}
	if o.Referrals == nil {
		o.Referrals = set.Referrals
	}
	if o.Searches == nil {
		o.Searches = set.Searches
	}
	// o.OIDC: only when a test gives a verifier.
	return o
}

var seq atomic.Int64

// Operator creates an operator with the role and returns it with its token.
func (a *API) Operator(t testing.TB, role schematype.Role) (*ent.Operator, string) {
	t.Helper()
	n := seq.Add(1)
	op, token, err := auth.CreateOperator(context.Background(), a.DB.Client,
		fmt.Sprintf("op%d.%s@comune.example.it", n, role), fmt.Sprintf("Operatore %d", n), role)
	if err != nil {
		t.Fatalf("creating operator: %v", err)
	}
	return op, token
}

// Error is one GraphQL error as the client sees it.
type Error struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

// Response is a GraphQL answer.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
	Data   json.RawMessage `json:"data"`
	Errors []Error         `json:"errors"`
}

// Code is the extensions.code of the first error, or "".
func (r Response) Code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	c, _ := r.Errors[0].Extensions["code"].(string)
	return c
}

// Do posts a query with a bearer token ("" for none).
func (a *API) Do(t testing.TB, token, query string, vars map[string]any) Response {
	t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return a.Send(t, req)
}

// Send sends any request to the handler and decodes a GraphQL answer.
func (a *API) Send(t testing.TB, req *http.Request) Response {
	t.Helper()
	rec := httptest.NewRecorder()
	a.Handler.ServeHTTP(rec, req)
	res := rec.Result()
	b, _ := io.ReadAll(res.Body)
	r := Response{Status: res.StatusCode, Header: res.Header, Body: b}
	_ = json.Unmarshal(b, &r)
	return r
}

// MustDo posts a query, fails the test on any error, and decodes the data
// into out (when not nil).
func (a *API) MustDo(t testing.TB, token, query string, vars map[string]any, out any) {
	t.Helper()
	r := a.Do(t, token, query, vars)
	if r.Status != http.StatusOK || len(r.Errors) > 0 {
		t.Fatalf("query failed: status %d, body %s", r.Status, r.Body)
	}
	if out != nil {
		if err := json.Unmarshal(r.Data, out); err != nil {
			t.Fatalf("decoding data %s: %v", r.Data, err)
		}
	}
}

// Upload posts a GraphQL multipart request (the upload spec) carrying one
// file in the variable named field.
func (a *API) Upload(t testing.TB, token, query string, vars map[string]any, field, filename string, content []byte) Response {
	t.Helper()
	return a.Send(t, UploadRequest(t, token, query, vars, field, filename, content))
}

// UploadRequest builds the request Upload sends; each has its own
// multipart boundary.
func UploadRequest(t testing.TB, token, query string, vars map[string]any, field, filename string, content []byte) *http.Request {
	t.Helper()
	if vars == nil {
		vars = map[string]any{}
	}
	vars[field] = nil
	ops, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		t.Fatal(err)
	}
	body := &bytes.Buffer{}
	mw := multipart.NewWriter(body)
	_ = mw.WriteField("operations", string(ops))
	_ = mw.WriteField("map", `{"0": ["variables.`+field+`"]}`)
	fw, _ := mw.CreateFormFile("0", filename)
	_, _ = fw.Write(content)
	_ = mw.Close()
	req := httptest.NewRequest(http.MethodPost, "/graphql", body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Apollo-Require-Preflight", "true")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return req
}
