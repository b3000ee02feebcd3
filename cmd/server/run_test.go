package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// TestOperatorAddPrintsTheTokenAlone checks the command a script uses to
// create an operator: the token is the only thing on standard output, and
// it opens the API.
func TestOperatorAddPrintsTheTokenAlone(t *testing.T) {
	dbURL := "sqlite:" + filepath.Join(t.TempDir(), "seg.db")
	getenv := env(map[string]string{"DATABASE_URL": dbURL})
	var out, errOut bytes.Buffer
	err := run(t.Context(), []string{"operator", "add", "--email", "A.Verdi@Comune.example.it", "--name", "Anna Verdi", "--role", "COORDINATOR"}, getenv, &out, &errOut)
	if err != nil {
		t.Fatalf("operator add: %v (%s)", err, errOut.String())
	}
	token := strings.TrimSpace(out.String())
	if !regexp.MustCompile(`^seg_[A-Za-z0-9_-]{43}$`).MatchString(token) || strings.Count(out.String(), "\n") != 1 {
		t.Fatalf("stdout %q, want the token alone on one line", out.String())
	}
	// The same e-mail again is refused.
	if err := run(t.Context(), []string{"operator", "add", "--email", "a.verdi@comune.example.it", "--name", "X", "--role", "ANALYST"}, getenv, io.Discard, io.Discard); err == nil {
		t.Error("a second operator with the same e-mail was created")
	}
	if err := run(t.Context(), []string{"operator", "add", "--email", "b@comune.example.it", "--name", "X", "--role", "BOSS"}, getenv, io.Discard, io.Discard); err == nil {
		t.Error("an unknown role was accepted")
	}
	addr, stop := startServer(t, nil, getenv)
	defer stop()
	body := postGraphQL(t, addr, token, `{ me { email role } }`)
	if !strings.Contains(body, `"email":"a.verdi@comune.example.it"`) || !strings.Contains(body, `"role":"COORDINATOR"`) {
		t.Errorf("me = %s", body)
	}
}

// TestServeDemo starts the server as a newcomer does, with --demo on the
// embedded database, uses a printed token, and shuts it down gracefully.
func TestServeDemo(t *testing.T) {
	dir := t.TempDir()
	getenv := env(map[string]string{"DATABASE_URL": "sqlite:" + filepath.Join(dir, "seg.db")})
	var out bytes.Buffer
	addr, stop := startServer(t, []string{"--demo"}, getenv, &out)
	for _, path := range []string{"/healthz", "/readyz", "/"} {
		res, err := http.Get("http://" + addr + path)
		if err != nil || res.StatusCode != 200 {
			t.Errorf("GET %s: %v %v", path, err, res)
		}
	}
	m := regexp.MustCompile(`COORDINATOR\s+\S+\s+(seg_\S+)`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no coordinator token printed:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "curl") {
		t.Errorf("no curl example printed")
	}
	if file := filepath.Join(dir, "seg.db"); !strings.Contains(out.String(), "Database: "+file) || !strings.Contains(out.String(), "delete "+file+", "+file+"-wal, "+file+"-shm") {
		t.Errorf("the database file and how to start afresh are not printed:\n%s", out.String())
	}
	body := postGraphQL(t, addr, m[1], `{ contacts(first: 1) { totalCount } referrals(where: {status: COMPLETED}) { totalCount } }`)
	if !regexp.MustCompile(`"totalCount":[1-9][0-9]{3}`).MatchString(body) {
		t.Errorf("demo contacts: %s, want thousands", body)
	}
	if err := stop(); err != nil {
		t.Errorf("graceful shutdown: %v", err)
	}
}

func startServer(t *testing.T, args []string, getenv func(string) string, stdout ...io.Writer) (string, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan net.Addr, 1)
	onListen = func(a net.Addr) { addrc <- a }
	t.Cleanup(func() { onListen = nil })
	var w io.Writer = io.Discard
	if len(stdout) > 0 {
		w = stdout[0]
	}
	errc := make(chan error, 1)
	go func() {
		errc <- run(ctx, append([]string{"--addr", "127.0.0.1:0"}, args...), getenv, w, io.Discard)
	}()
	select {
	case a := <-addrc:
		stopped := false
		stop := func() error {
			if stopped {
				return nil
			}
			stopped = true
			cancel()
			return <-errc
		}
		t.Cleanup(func() { _ = stop() })
		return a.String(), stop
	case err := <-errc:
		cancel()
		t.Fatalf("server did not start: %v", err)
	case <-time.After(60 * time.Second):
		cancel()
		t.Fatal("server did not start in 60s")
	}
	return "", nil
}

func postGraphQL(t *testing.T, addr, token, query string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/graphql", strings.NewReader(`{"query":`+quote(query)+`}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	return bodyOf(t, req)
}

// bodyOf sends the request and returns the answer's body.
func bodyOf(t *testing.T, req *http.Request) string {
	t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return string(b)
}

func quote(s string) string {
	b := strings.ReplaceAll(s, `\`, `\\`)
	return `"` + strings.ReplaceAll(b, `"`, `\"`) + `"`
}
