package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"segretariato/internal/database"
	"segretariato/internal/metrics"
	"segretariato/internal/tracing"
)

// onMetricsListen, when set (by tests), is told the address of the
// METRICS_ADDR listener.
var onMetricsListen func(net.Addr)

// observability is what the serve command adds for monitoring: the
// metrics, their own listener when METRICS_ADDR is set, and the tracer
// provider when OTLP tracing is configured.
type observability struct {
	metrics  *metrics.Metrics
	provider *sdktrace.TracerProvider // nil: tracing off
	srv      *http.Server             // the METRICS_ADDR listener; nil: /metrics is on the main one
	log      *slog.Logger
}

// startTracing builds the tracer provider when OTLP tracing is
// configured; the rest of observability starts once the database is open
// (startMetrics). Shut it down at exit in any case.
func startTracing(ctx context.Context, cfg config, log *slog.Logger) (*observability, error) {
	o := &observability{log: log}
	if cfg.Tracing {
		tp, err := tracing.FromEnv(ctx)
		if err != nil {
			return nil, err
		}
		o.provider = tp
		log.Info("tracing on: spans go to the OTLP endpoint")
	}
	return o, nil
}

// startMetrics builds the metrics over db and, with METRICS_ADDR, starts
// their own listener.
func (o *observability) startMetrics(cfg config, db *database.DB) error {
	o.metrics = metrics.New(db.SQL)
	if cfg.MetricsAddr == "" {
		return nil
	}
	ln, err := net.Listen("tcp", cfg.MetricsAddr)
	if err != nil {
		return fmt.Errorf("listening on %s (METRICS_ADDR): %w", cfg.MetricsAddr, err)
	}
	if onMetricsListen != nil {
		onMetricsListen(ln.Addr())
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", o.metrics.Handler())
	o.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second, IdleTimeout: 120 * time.Second}
	go func() {
		if err := o.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			o.log.Error("metrics listener stopped", "err", err)
		}
	}()
	o.log.Info("metrics listening", "addr", ln.Addr().String())
	return nil
}

// tracing is the provider for server.Options: an untyped nil when off.
func (o *observability) tracing() trace.TracerProvider {
	if o.provider == nil {
		return nil
	}
	return o.provider
}

// shutdown closes the metrics listener and flushes the spans still queued.
func (o *observability) shutdown() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if o.srv != nil {
		_ = o.srv.Shutdown(ctx)
	}
	if o.provider != nil {
		if err := o.provider.Shutdown(ctx); err != nil {
			o.log.Warn("flushing the traces", "err", err)
		}
	}
}
