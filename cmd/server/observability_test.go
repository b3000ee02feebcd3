package main

import (
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"segretariato/internal/metrics/metricstest"
)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// TestMetricsOnTheMainListener: without METRICS_ADDR the API's listener
// serves /metrics.
func TestMetricsOnTheMainListener(t *testing.T) {
	getenv := env(map[string]string{"DATABASE_URL": "sqlite:" + filepath.Join(t.TempDir(), "seg.db")})
	addr, stop := startServer(t, nil, getenv)
	defer stop()
	get(t, "http://"+addr+"/healthz")
	status, body := get(t, "http://"+addr+"/metrics")
	if status != 200 {
		t.Fatalf("GET /metrics: %d", status)
	}
	f := metricstest.Parse(t, strings.NewReader(body))
	if v, _ := f.Value("segretariato_http_request_duration_seconds", "route", "/healthz", "method", "GET", "status", "2xx"); v != 1 {
		t.Errorf("healthz requests = %v, want 1", v)
	}
}

// TestMetricsOnTheirOwnAddress: with METRICS_ADDR the API's listener has
// no /metrics, and the metrics listener serves them, counting the API's
// requests.
func TestMetricsOnTheirOwnAddress(t *testing.T) {
	dbURL := "sqlite:" + filepath.Join(t.TempDir(), "seg.db")
	var out strings.Builder
	if err := run(t.Context(), []string{"operator", "add", "--email", "c@comune.example.it", "--name", "C", "--role", "COORDINATOR"}, env(map[string]string{"DATABASE_URL": dbURL}), &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	token := strings.TrimSpace(out.String())
	metricsAddr := make(chan net.Addr, 1)
	onMetricsListen = func(a net.Addr) { metricsAddr <- a }
	t.Cleanup(func() { onMetricsListen = nil })
	getenv := env(map[string]string{"DATABASE_URL": dbURL, "METRICS_ADDR": "127.0.0.1:0"})
	addr, stop := startServer(t, nil, getenv)
	maddr := (<-metricsAddr).String()

	postGraphQL(t, addr, token, `query Me { me { role } }`)
	if status, _ := get(t, "http://"+addr+"/metrics"); status != http.StatusNotFound {
		t.Errorf("the API's listener answered /metrics with %d, want 404", status)
	}
	status, body := get(t, "http://"+maddr+"/metrics")
	if status != 200 {
		t.Fatalf("GET /metrics on METRICS_ADDR: %d", status)
	}
	f := metricstest.Parse(t, strings.NewReader(body))
	if v, _ := f.Value("segretariato_graphql_requests_total", "operation", "Me", "code", "ok", "role", "COORDINATOR"); v != 1 {
		t.Errorf("Me requests = %v, want 1", v)
	}
	if status, _ := get(t, "http://"+maddr+"/graphql"); status != http.StatusNotFound {
		t.Errorf("the metrics listener answered /graphql with %d", status)
	}
	if err := stop(); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	if _, err := http.Get("http://" + maddr + "/metrics"); err == nil {
		t.Error("the metrics listener is still up after shutdown")
	}
}

func TestMonitoringConfig(t *testing.T) {
	c, err := parseConfig(nil, env(nil), io.Discard)
	if err != nil || c.MetricsAddr != "" || c.Tracing {
		t.Fatalf("defaults: metrics addr %q, tracing %v, %v", c.MetricsAddr, c.Tracing, err)
	}
	c, err = parseConfig([]string{"--metrics-addr", "127.0.0.1:9191"},
		env(map[string]string{"METRICS_ADDR": "127.0.0.1:9090", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}), io.Discard)
	if err != nil || c.MetricsAddr != "127.0.0.1:9191" || !c.Tracing {
		t.Fatalf("metrics addr %q, tracing %v, %v", c.MetricsAddr, c.Tracing, err)
	}
	for _, bad := range []map[string]string{{"METRICS_ADDR": "9090"}, {"METRICS_ADDR": ":8080"}} {
		if _, err := parseConfig(nil, env(bad), io.Discard); err == nil {
			t.Errorf("%v: accepted", bad)
		}
	}
}
