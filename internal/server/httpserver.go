package server

import (
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"segretariato/internal/apperr"
)

// NewHTTPServer returns the http.Server cmd/server runs, serving New(o),
// with its deadlines: headers within min(10 s, ReadTimeout), the whole
// request within ReadTimeout (an upload within ImportTimeout), the answer
// written within RequestTimeout (ImportTimeout) plus a margin, so that a
// request past its deadline can still be told so. It fails when a default
// of o cannot be made.
func NewHTTPServer(o Options) (*http.Server, error) {
	if err := o.defaults(); err != nil {
		return nil, err
	}
	h, err := New(o)
	if err != nil {
		return nil, err
	}
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: min(10*time.Second, o.ReadTimeout),
		ReadTimeout:       o.ReadTimeout,
		WriteTimeout:      o.RequestTimeout + writeMargin,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}, nil
}

// DefaultMaxConnsPerClient is how many connections one client address
// may hold open at once (MAX_CONNS_PER_CLIENT).
const DefaultMaxConnsPerClient = 64

// LimitPerClient returns a listener that holds at most max open
// connections per client IP address: a client's further connection gets
// a bare 503 with Retry-After and is closed, so one client dribbling
// bodies cannot take every connection. max <= 0: no limit. Behind a
// reverse proxy every connection comes from the proxy's address.
func LimitPerClient(ln net.Listener, max int) net.Listener {
	if max <= 0 {
		return ln
	}
	return &perClient{Listener: ln, max: max, open: map[string]int{}}
}

type perClient struct {
	net.Listener
	max  int
	mu   sync.Mutex
	open map[string]int
}

// refused is the answer to a connection over the limit, with the
// Retry-After of UNAVAILABLE.
var refused = "HTTP/1.1 503 Service Unavailable\r\nRetry-After: " + strconv.Itoa(apperr.RetryAfter) + "\r\nContent-Type: text/plain; charset=utf-8\r\n" +
	"Connection: close\r\nContent-Length: 31\r\n\r\ntoo many connections from you\r\n"

func (l *perClient) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		ip := c.RemoteAddr().String()
		if h, _, err := net.SplitHostPort(ip); err == nil {
			ip = h
		}
		l.mu.Lock()
		if l.open[ip] >= l.max {
			l.mu.Unlock()
			go func() {
				_ = c.SetWriteDeadline(time.Now().Add(time.Second))
				_, _ = c.Write([]byte(refused))
				_ = c.Close()
			}()
			continue
		}
		l.open[ip]++
		l.mu.Unlock()
		return &countedConn{Conn: c, release: func() { l.release(ip) }}, nil
	}
}

func (l *perClient) release(ip string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[ip]--; l.open[ip] <= 0 {
		delete(l.open, ip)
	}
}

type countedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *countedConn) Close() error {
	c.once.Do(c.release)
	return c.Conn.Close()
}
