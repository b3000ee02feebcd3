package main

import (
	"net/http"
	"path/filepath"
	"testing"
	"time"
)

// TestShutdownDrain: after the stop signal, with SHUTDOWN_DRAIN set, the
// server still answers for that long, with /readyz at 503 and every answer
// asking the client to close its connection; then it stops. Without it the
// server stops at once.
func TestShutdownDrain(t *testing.T) {
	dbURL := "sqlite:" + filepath.Join(t.TempDir(), "seg.db")
	addr, stop := startServer(t, nil, env(map[string]string{"DATABASE_URL": dbURL, "SHUTDOWN_DRAIN": "1500ms"}))
	get := func(path string) (*http.Response, error) {
		c := &http.Client{Timeout: 2 * time.Second}
		return c.Get("http://" + addr + path)
	}
	r, err := get("/readyz")
	if err != nil || r.StatusCode != 200 || r.Close {
		t.Fatalf("before the signal: %v %v, Connection: close %v", r, err, r != nil && r.Close)
	}
	r.Body.Close()

	stopped := make(chan error, 1)
	start := time.Now()
	go func() { stopped <- stop() }()
	time.Sleep(300 * time.Millisecond)
	r, err = get("/readyz")
	if err != nil {
		t.Fatalf("readiness while draining: %v", err)
	}
	r.Body.Close()
	if r.StatusCode != http.StatusServiceUnavailable || !r.Close {
		t.Errorf("readiness while draining: %d, Connection: close %v; want 503 and close", r.StatusCode, r.Close)
	}
	r, err = get("/healthz")
	if err != nil {
		t.Fatalf("liveness while draining: %v", err)
	}
	r.Body.Close()
	if r.StatusCode != 200 || !r.Close {
		t.Errorf("liveness while draining: %d, Connection: close %v; want 200 and close", r.StatusCode, r.Close)
	}
	if err := <-stopped; err != nil {
		t.Fatalf("stop: %v", err)
	}
	if d := time.Since(start); d < 1500*time.Millisecond {
		t.Errorf("the server stopped %v after the signal, before its drain of 1.5s", d)
	}
	if _, err := get("/healthz"); err == nil {
		t.Error("the server still answers after the drain")
	}
}
