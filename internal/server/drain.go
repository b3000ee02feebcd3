package server

import (
	"net/http"
	"sync/atomic"
)

// Drain is the time between a stop signal and the server's shutdown: the
// readiness probe answers 503, so the load balancer stops sending, and
// every answer carries `Connection: close`, so clients leave their
// kept-alive connections after their current request instead of sending
// another one on a connection the shutdown is about to close (a request
// lost that way never reached the server, and a client cannot tell).
type Drain struct{ on atomic.Bool }

// Start begins the drain; it never ends, the shutdown follows it.
func (d *Drain) Start() { d.on.Store(true) }

// Active reports whether the server is draining. A nil Drain never is.
func (d *Drain) Active() bool { return d != nil && d.on.Load() }

// closeWhileDraining asks the client to close the connection after each
// answer once the drain has begun.
func closeWhileDraining(d *Drain, next http.Handler) http.Handler {
	if d == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if d.Active() {
			w.Header().Set("Connection", "close")
		}
		next.ServeHTTP(w, r)
	})
}
