// Package idempotency makes GraphQL mutations safe to retry with the
// Idempotency-Key request header (the IETF httpapi draft "The
// Idempotency-Key HTTP Header Field"). A client that sends a mutation
// with a key and gets no answer (a timeout, a dropped connection) sends
// the same request with the same key again, and gets the first answer
// instead of a second execution.
//
// Keys belong to the operator who sent them. The first request with a
// key claims it by inserting a row (the unique (operator, key) index
// decides between concurrent requests, on any server instance), runs,
// and stores its answer in the mutation's own transaction, so the
// mutation's writes and the stored answer commit together or not at all
// (an import, which runs in transactions of its own, has its answer
// stored just after). Then, with the same key:
//
//	same request, answer stored       the stored answer, with Idempotent-Replayed: true
//	same request, first still running 409 IDEMPOTENCY_KEY_IN_USE (Retry-After: 1)
//	another request                   422 IDEMPOTENCY_KEY_REUSED
//	malformed key                     400 IDEMPOTENCY_KEY_INVALID
//
// A request is the same when its query (its text, or its persisted-query
// hash, which is the text's SHA-256), operation name and variables are
// (variables compared as JSON values, so the order of their keys does not
// matter), and, for a file upload, its files' contents. Keys on queries
// are ignored: queries change nothing, and each read of a person's record
// must be audited, not replayed. Only answers that the same request would
// get again are stored: a mutation that succeeded, or that failed with
// INVALID or CONFLICT only (nothing was written). Anything else (a
// database outage, a timeout, NOT_FOUND or FORBIDDEN, which can change,
// an answer that never reached execution) releases the key, so a retry
// runs again. Keys expire after the store's TTL; expired rows are deleted
// when their key is claimed again and by Sweep.
package idempotency

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	"segretariato/ent"
	"segretariato/ent/idempotencykey"
	"segretariato/ent/predicate"
	"segretariato/internal/access"
	"segretariato/internal/apperr"
	"segretariato/internal/auth"
)

// Header is the request header carrying the key; ReplayedHeader marks an
// answer that was stored, not computed now.
const (
	Header         = "Idempotency-Key"
	ReplayedHeader = "Idempotent-Replayed"
)

// Codes of the answers the store gives itself, in extensions.code (their
// statuses are apperr's).
const (
	CodeInvalid = string(apperr.IdempotencyKeyInvalid)
	CodeInUse   = string(apperr.IdempotencyKeyInUse)
	CodeReused  = string(apperr.IdempotencyKeyReused)
)

// DefaultTTL is how long a key and its answer are kept.
const DefaultTTL = 24 * time.Hour

// MaxKeyLen is the longest key accepted.
const MaxKeyLen = 255

// lease is how long a claimed key may stay without an answer before it
// counts as abandoned (its server stopped mid-request) and may be claimed
// again. Far above any request's run time; and an answer recorded for a
// claim that was taken over fails its mutation, so nothing runs twice.
const lease = 10 * time.Minute

// Store keeps the keys and answers in the database.
type Store struct {
	client *ent.Client
	// maxTokens bounds the parse that tells a mutation from a query, as the
	// server bounds its own (0: the parser's default, no bound).
	maxTokens int
	ttl       time.Duration
	log       *slog.Logger
}

// New returns a store over client keeping keys for ttl (DefaultTTL when
// zero or less).
func New(client *ent.Client, ttl time.Duration, log *slog.Logger) *Store {
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	if log == nil {
		log = slog.Default()
	}
	return &Store{client: client, ttl: ttl, log: log}
}

// LimitTokens bounds the parse that tells a mutation from a query to the
// server's own token limit, so that a document the server refuses is not
// parsed whole first.
func (s *Store) LimitTokens(n int) { s.maxTokens = n }

// Middleware applies the key of a POST request to next, a GraphQL handler
// whose executor carries Recorder. It must run after authentication (keys
// are the operator's) and after the body limit (it reads the body).
func (s *Store) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		values, ok := r.Header[Header]
		v := auth.FromContext(r.Context())
		if !ok || r.Method != http.MethodPost || v == nil {
			next.ServeHTTP(w, r)
			return
		}
		key, err := ParseKey(values)
		if err != nil {
			writeError(w, apperr.IdempotencyKeyInvalid, err.Error())
			return
		}
		var fp string
		var applies bool
		if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
			var cleanup func()
			fp, applies, cleanup, err = uploadFingerprint(r, s.maxTokens)
			defer cleanup()
		} else {
			var body []byte
			if body, err = io.ReadAll(r.Body); err == nil {
				r.Body = io.NopCloser(bytes.NewReader(body))
				fp, applies = fingerprint(body, s.maxTokens)
			}
		}
		if err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
				return
			}
			s.log.ErrorContext(r.Context(), "reading a request with an idempotency key", "err", err)
			http.Error(w, "could not read the request body", http.StatusBadRequest)
			return
		}
		if !applies {
			next.ServeHTTP(w, r)
			return
		}
		s.serve(w, r, next, v.OperatorID, key, fp)
	})
}

func (s *Store) serve(w http.ResponseWriter, r *http.Request, next http.Handler, operatorID int, key, fp string) {
	ctx := r.Context()
	row, prev, err := s.claim(ctx, operatorID, key, fp)
	switch {
	case err != nil:
		s.log.ErrorContext(ctx, "claiming an idempotency key", "err", err)
		writeError(w, apperr.Internal, "internal error")
		return
	case prev != nil && prev.Fingerprint != fp:
		writeError(w, apperr.IdempotencyKeyReused,
			"this Idempotency-Key was used for a different request; use a new key for a new request")
		return
	case prev != nil && prev.Status == nil:
		writeError(w, apperr.IdempotencyKeyInUse,
			"a request with this Idempotency-Key is still being processed; retry later")
		return
	case prev != nil:
		w.Header().Set("Content-Type", prev.ContentType)
		w.Header().Set(ReplayedHeader, "true")
		w.WriteHeader(*prev.Status)
		_, _ = w.Write(prev.Body)
		return
	}
	c := &claim{id: row.ID, header: w.Header()}
	cw := &captureWriter{ResponseWriter: w, status: http.StatusOK}
	next.ServeHTTP(cw, r.WithContext(context.WithValue(ctx, claimKey{}, c)))
	// The request's context may be cancelled (the client went away):
	// the key must still be completed or released.
	done, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := s.finish(done, c, cw); err != nil {
		s.log.ErrorContext(ctx, "completing an idempotency key", "err", err)
	}
}

// claim inserts the key's row, or returns the live row that holds the key
// already. An expired or abandoned row is deleted and the key claimed anew.
func (s *Store) claim(ctx context.Context, operatorID int, key, fp string) (*ent.IdempotencyKey, *ent.IdempotencyKey, error) {
	ctx = access.System(ctx)
	for range 3 {
		now := time.Now().UTC()
		row, err := s.client.IdempotencyKey.Create().
			SetOperatorID(operatorID).SetKey(key).SetFingerprint(fp).
			SetCreatedAt(now).SetExpiresAt(now.Add(s.ttl)).
			Save(ctx)
		if err == nil {
			return row, nil, nil
		}
		if !ent.IsConstraintError(err) {
			return nil, nil, err
		}
		prev, err := s.client.IdempotencyKey.Query().
			Where(idempotencykey.OperatorID(operatorID), idempotencykey.Key(key)).
			Only(ctx)
		if ent.IsNotFound(err) {
			continue // released meanwhile: claim again
		}
		if err != nil {
			return nil, nil, err
		}
		if live(prev, now) {
			return nil, prev, nil
		}
		if _, err := s.client.IdempotencyKey.Delete().
			Where(idempotencykey.ID(prev.ID), stale(now)).
			Exec(ctx); err != nil {
			return nil, nil, err
		}
	}
	return nil, nil, errors.New("the idempotency key changed hands three times while being claimed")
}

// live reports whether a row still holds its key at now.
func live(k *ent.IdempotencyKey, now time.Time) bool {
	return k.ExpiresAt.After(now) && (k.Status != nil || k.CreatedAt.After(now.Add(-lease)))
}

// stale is the negation of live, for deleting rows.
func stale(now time.Time) predicate.IdempotencyKey {
	return idempotencykey.Or(
		idempotencykey.ExpiresAtLTE(now),
		idempotencykey.And(idempotencykey.StatusIsNil(), idempotencykey.CreatedAtLTE(now.Add(-lease))),
	)
}

// finish stores the answer when it may be replayed, or releases the key;
// either only while the claim is still in flight. An answer recorded in
// the mutation's transaction stays as it is; had that transaction failed
// to commit, the answer is an error and the key is released.
func (s *Store) finish(ctx context.Context, c *claim, cw *captureWriter) error {
	ctx = access.System(ctx)
	pending := idempotencykey.And(idempotencykey.ID(c.id), idempotencykey.StatusIsNil())
	if c.mutation && replayable(cw.status, cw.body.Bytes()) {
		if c.recorded {
			return nil // committed with the mutation
		}
		return s.client.IdempotencyKey.Update().Where(pending).
			SetStatus(cw.status).SetContentType(cw.Header().Get("Content-Type")).SetBody(cw.body.Bytes()).
			Exec(ctx)
	}
	_, err := s.client.IdempotencyKey.Delete().Where(pending).Exec(ctx)
	return err
}

// replayable reports whether an answer is what the same request would get
// again: HTTP 200 with no error, or with INVALID and CONFLICT errors only.
func replayable(status int, body []byte) bool {
	if status != http.StatusOK {
		return false
	}
	var resp struct {
		Errors []struct {
			Extensions struct {
				Code string `json:"code"`
			} `json:"extensions"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		return false
	}
	for _, e := range resp.Errors {
		switch apperr.Code(e.Extensions.Code) {
		case apperr.Invalid, apperr.Conflict, apperr.Erased:
		default:
			return false
		}
	}
	return true
}

// Sweep deletes the expired keys and returns how many.
func (s *Store) Sweep(ctx context.Context) (int, error) {
	return s.client.IdempotencyKey.Delete().
		Where(idempotencykey.ExpiresAtLTE(time.Now().UTC())).
		Exec(access.System(ctx))
}

// SweepEvery runs Sweep now and then every interval until ctx ends.
func (s *Store) SweepEvery(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if n, err := s.Sweep(ctx); err != nil && ctx.Err() == nil {
			s.log.ErrorContext(ctx, "deleting expired idempotency keys", "err", err)
		} else if n > 0 {
			s.log.InfoContext(ctx, "expired idempotency keys deleted", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// ParseKey reads the header's values: one key, as a Structured Field
// string ("…", as the draft has it) or bare, of 1 to MaxKeyLen printable
// ASCII characters.
func ParseKey(values []string) (string, error) {
	if len(values) != 1 {
		return "", errors.New("send one Idempotency-Key header")
	}
	key := strings.TrimSpace(values[0])
	if len(key) >= 2 && key[0] == '"' && key[len(key)-1] == '"' {
		var b strings.Builder
		for i := 1; i < len(key)-1; i++ {
			ch := key[i]
			if ch == '\\' && i+1 < len(key)-1 && (key[i+1] == '"' || key[i+1] == '\\') {
				i++
				ch = key[i]
			} else if ch == '"' || ch == '\\' {
				return "", errors.New("the Idempotency-Key is not a valid quoted string")
			}
			b.WriteByte(ch)
		}
		key = b.String()
	}
	if key == "" {
		return "", errors.New("the Idempotency-Key is empty")
	}
	if len(key) > MaxKeyLen {
		return "", fmt.Errorf("the Idempotency-Key is longer than %d characters", MaxKeyLen)
	}
	for i := 0; i < len(key); i++ {
		if key[i] < 0x20 || key[i] > 0x7e {
			return "", errors.New("the Idempotency-Key may hold printable ASCII characters only")
		}
	}
	return key, nil
}

// fingerprint hashes the normalised GraphQL request and tells whether the
// key applies to it (see operation).
func fingerprint(body []byte, maxTokens int) (string, bool) {
	op, ok := operation(bytes.NewReader(body), maxTokens)
	if !ok {
		return "", false
	}
	return hash(op)
}

// operation reads a GraphQL request's JSON (a POST body, or the
// operations part of an upload) into its normalised form, and tells
// whether the key applies to it: it does unless the request is not one
// (gqlgen will refuse it; nothing runs) or its operation is a query or a
// subscription. A persisted query sent by hash alone cannot be told
// apart here: it is claimed, and released when Recorder finds no mutation.
func operation(r io.Reader, maxTokens int) ([]any, bool) {
	// The types gqlgen decodes the request into: what it accepts, this
	// reads too.
	var req struct {
		Query         string         `json:"query"`
		OperationName string         `json:"operationName"`
		Variables     map[string]any `json:"variables"`
		Extensions    map[string]any `json:"extensions"`
	}
	dec := json.NewDecoder(r)
	dec.UseNumber()
	if err := dec.Decode(&req); err != nil {
		return nil, false
	}
	if req.Query != "" && !isMutation(req.Query, req.OperationName, maxTokens) {
		return nil, false
	}
	// The query is known by its SHA-256, as a persisted query is, so that
	// a retry by hash alone is the same request as the first with the text.
	pq, _ := req.Extensions["persistedQuery"].(map[string]any)
	h, _ := pq["sha256Hash"].(string)
	if req.Query != "" || h == "" {
		sum := sha256.Sum256([]byte(req.Query))
		h = hex.EncodeToString(sum[:])
	}
	return []any{h, req.OperationName, req.Variables}, true
}

// hash is the fingerprint of a normalised request: encoding/json writes
// map keys sorted, so variables compare as values.
func hash(v any) (string, bool) {
	norm, err := json.Marshal(v)
	if err != nil {
		return "", false
	}
	sum := sha256.Sum256(norm)
	return hex.EncodeToString(sum[:]), true
}

// isMutation reports whether the operation a request runs is a mutation.
// A document over maxTokens is none: the server refuses it before it runs,
// so no key is claimed for it.
func isMutation(query, operationName string, maxTokens int) bool {
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: query}, maxTokens)
	if err != nil {
		return false
	}
	var op *ast.OperationDefinition
	switch {
	case operationName != "":
		op = doc.Operations.ForName(operationName)
	case len(doc.Operations) == 1:
		op = doc.Operations[0]
	}
	return op != nil && op.Operation == ast.Mutation
}

// writeError answers with a GraphQL-shaped error and its code's status.
func writeError(w http.ResponseWriter, code apperr.Code, message string) {
	apperr.WriteJSON(w, &apperr.Error{Code: code, Message: message})
}

// captureWriter passes the answer on to the client and keeps a copy.
type captureWriter struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (w *captureWriter) WriteHeader(s int) {
	w.status = s
	w.ResponseWriter.WriteHeader(s)
}

func (w *captureWriter) Write(b []byte) (int, error) {
	w.body.Write(b)
	return w.ResponseWriter.Write(b)
}
