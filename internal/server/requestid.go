package server

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
)

// MaxRequestIDLen is the longest X-Request-Id taken from a client.
const MaxRequestIDLen = 64

// requestID returns the id of a request: the client's X-Request-Id (a
// reverse proxy's, or the dashboard's) when it is well-formed — 1 to 64
// characters among A-Z, a-z, 0-9, '.', '_' and '-', which covers UUIDs and
// the usual proxies' ids and cannot break a log line or a header — and
// otherwise a new random one of 16 hexadecimal digits.
func requestID(r *http.Request) string {
	if id := r.Header.Get("X-Request-Id"); wellFormedRequestID(id) {
		return id
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func wellFormedRequestID(id string) bool {
	if id == "" || len(id) > MaxRequestIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		switch c := id[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '.', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}
