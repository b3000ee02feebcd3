package server_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"segretariato/ent/schema/schematype"
	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
	"segretariato/internal/server"
	"segretariato/internal/server/apitest"
)

// syncBuffer is a log the server writes while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// serveReal runs the http.Server cmd/server runs, on a loopback port,
// with a read timeout of 500 ms (an upload's 700 ms) and at most max
// connections per client;
// logs gets both the service's log and net/http's own (panics).
func serveReal(t *testing.T, max int) (addr, token string, logs *syncBuffer) {
	t.Helper()
	db := dbtest.Open(t, "sqlite3", database.Options{})
	_, token = apitest.New(t, db).Operator(t, schematype.RoleCoordinator)
	logs = &syncBuffer{}
	srv, err := server.NewHTTPServer(apitest.Options(t, db, slog.New(server.LogHandler(slog.NewJSONHandler(logs, nil))), func(o *server.Options) {
		o.ReadTimeout, o.ImportTimeout = 500*time.Millisecond, 700*time.Millisecond
	}))
	if err != nil {
		t.Fatal(err)
	}
	srv.ErrorLog = log.New(logs, "http: ", 0)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(server.LimitPerClient(ln, max)) }()
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String(), token, logs
}

func postMe(t *testing.T, addr, token string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/graphql", strings.NewReader(`{"query":"{ me { email } }"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Logf("POST /graphql: %v", err)
		return 0
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, res.Body)
	return res.StatusCode
}

// TestSlowBody: a client that sends its headers and then dribbles the body
// gets 408 REQUEST_TIMEOUT at the read timeout, as JSON, without a panic,
// and the server goes on serving.
func TestSlowBody(t *testing.T) {
	addr, token, logs := serveReal(t, 64)
	const upload = "--b\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{\"query\":\"mutation($f: Upload!) { importIntakeCards(file: $f) { created } }\"}\r\n--b\r\n"
	for i, req := range []struct{ header, body string }{
		{"Content-Type: application/json", `{"query":"{ me { email } }"}`},
		{"Content-Type: application/json", `{"query":"{ me { email } }"}`},
		{"Content-Type: application/json", `{"query":"{ me { email } }"}`},
		{"Content-Type: multipart/form-data; boundary=b\r\nApollo-Require-Preflight: 1", upload},
	} {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(c, "POST /graphql HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\n%s\r\nContent-Length: %d\r\n\r\n",
			addr, token, req.header, len(req.body)+100)
		start := time.Now()
		go func() {
			for _, b := range []byte(req.body) {
				if _, err := c.Write([]byte{b}); err != nil {
					return
				}
				time.Sleep(100 * time.Millisecond)
			}
		}()
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		res, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("request %d: no answer: %v", i, err)
		}
		var out struct {
			Errors []struct {
				Extensions struct{ Code string }
			}
		}
		err = json.NewDecoder(res.Body).Decode(&out)
		c.Close()
		if res.StatusCode != http.StatusRequestTimeout || err != nil || len(out.Errors) != 1 || out.Errors[0].Extensions.Code != "REQUEST_TIMEOUT" {
			t.Errorf("request %d: status %d, errors %+v (%v)", i, res.StatusCode, out, err)
		}
		if took := time.Since(start); took > 3*time.Second {
			t.Errorf("request %d: answered after %v, read timeout 500ms", i, took)
		}
	}
	if s := postMe(t, addr, token); s != http.StatusOK {
		t.Errorf("after the slow bodies: %d", s)
	}
	if l := logs.String(); strings.Contains(l, "panic") {
		t.Errorf("the server panicked: %s", l)
	}
}

// TestConnectionsPerClient: a client holding its share of connections gets
// 503 on one more, and is served again once it lets one go.
func TestConnectionsPerClient(t *testing.T) {
	addr, token, _ := serveReal(t, 2)
	var held []net.Conn
	for range 2 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
		// Half a request keeps the connection busy.
		fmt.Fprintf(c, "POST /graphql HTTP/1.1\r\nHost: %s\r\n", addr)
	}
	time.Sleep(50 * time.Millisecond) // let the server accept them
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: %s\r\n\r\n", addr)
	_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	c.Close()
	if err != nil || res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" {
		t.Fatalf("a third connection: %v %v", res, err)
	}
	held[0].Close()
	// The server notices the close when it next reads the connection.
	s := 0
	for start := time.Now(); s != http.StatusOK && time.Since(start) < 3*time.Second; time.Sleep(20 * time.Millisecond) {
		s = postMe(t, addr, token)
	}
	if s != http.StatusOK {
		t.Errorf("after letting one go: %d", s)
	}
	held[1].Close()
}
