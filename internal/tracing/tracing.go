// Package tracing sets up OpenTelemetry traces, exported over OTLP/HTTP,
// when the environment asks for them (OTEL_EXPORTER_OTLP_ENDPOINT or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT). Off by default: then there is no
// provider at all, and the server installs no tracing middleware.
//
// The provider is not made the process-wide default: it is handed to the
// server through its options, so tests inject their own (an in-memory
// exporter) and nothing is shared between them.
package tracing

import (
	"context"
	"fmt"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// ServiceName is the service.name of the spans, unless OTEL_SERVICE_NAME
// or OTEL_RESOURCE_ATTRIBUTES says otherwise.
const ServiceName = "segretariato"

// Enabled reports whether the environment configures an OTLP endpoint
// for traces (and does not disable the SDK with OTEL_SDK_DISABLED=true).
func Enabled(getenv func(string) string) bool {
	if strings.EqualFold(strings.TrimSpace(getenv("OTEL_SDK_DISABLED")), "true") {
		return false
	}
	return getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != ""
}

// FromEnv returns a tracer provider exporting over OTLP/HTTP, configured by
// the standard OTEL_* variables of the process (endpoint, headers,
// timeout, sampler, resource attributes); call it when Enabled. Shut the
// provider down at exit: that flushes the spans still queued.
func FromEnv(ctx context.Context) (*sdktrace.TracerProvider, error) {
	exp, err := otlptracehttp.New(ctx)
	if err != nil {
		return nil, fmt.Errorf("tracing: the OTLP exporter: %w", err)
	}
	return NewProvider(ctx, sdktrace.WithBatcher(exp))
}

// NewProvider returns a tracer provider with the service's resource and
// the given options (an exporter: sdktrace.WithBatcher, or WithSyncer in
// tests).
func NewProvider(ctx context.Context, opts ...sdktrace.TracerProviderOption) (*sdktrace.TracerProvider, error) {
	res, err := resource.New(ctx,
		resource.WithTelemetrySDK(),
		resource.WithAttributes(attribute.String("service.name", ServiceName)),
		resource.WithFromEnv(),
	)
	if err != nil {
		return nil, fmt.Errorf("tracing: the resource: %w", err)
	}
	return sdktrace.NewTracerProvider(append([]sdktrace.TracerProviderOption{sdktrace.WithResource(res)}, opts...)...), nil
}
