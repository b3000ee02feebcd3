package server

import (
	"errors"
	"io"
	"net/http"
	"sync/atomic"
)

// answerTooLarge answers 413 with a coded GraphQL error.
func answerTooLarge(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusRequestEntityTooLarge)
	_, _ = w.Write([]byte(`{"errors":[{"message":"request body too large","extensions":{"code":"INVALID"}}]}` + "\n"))
}

// serveLimited bounds the body to limit bytes. A GraphQL body is read
// whole by readBody, which answers 413 past the limit; an upload is read
// by gqlgen's multipart transport, which answers 422 "failed to read
// file" when the body runs past it without a Content-Length (sent
// chunked), so that answer is replaced by 413 too.
func serveLimited(w http.ResponseWriter, r *http.Request, limit int64, next http.Handler) {
	if !isMultipart(r) {
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		next.ServeHTTP(w, r)
		return
	}
	b := &limitedBody{ReadCloser: http.MaxBytesReader(w, r.Body, limit)}
	r.Body = b
	// The transport's error answer to a body past its limit becomes 413.
	next.ServeHTTP(&firstStatusWriter{ResponseWriter: w, onHeader: func(w http.ResponseWriter, status int) bool {
		if status != http.StatusOK && b.over.Load() {
			answerTooLarge(w)
			return true
		}
		w.WriteHeader(status)
		return false
	}}, r)
}

// limitedBody remembers that the body ran past its limit.
type limitedBody struct {
	io.ReadCloser
	over atomic.Bool
}

func (b *limitedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		b.over.Store(true)
	}
	return n, err
}
