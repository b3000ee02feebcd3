package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"

	"segretariato/internal/tracing"
)

// config is the server's configuration. Every setting has a flag and an
// environment variable; the flag wins. Secrets (the database password)
// are never logged.
type config struct {
	Addr            string   // ADDR, --addr: listen address (default :8080)
	DatabaseURL     string   // DATABASE_URL, --database-url: empty = embedded SQLite file
	AllowedOrigins  []string // CORS_ORIGINS, --cors-origins: comma-separated dashboard origins
	Demo            bool     // --demo: load the demo year once, print a token per role; refused in production
	LogLevel        slog.Level
	MaxBodyBytes    int64 // MAX_BODY_BYTES (default 1 MiB)
	MaxUploadBytes  int64 // MAX_UPLOAD_BYTES: an imported CSV file (default 64 MiB)
	DefaultPageSize int   // DEFAULT_PAGE_SIZE (default 50)
	MaxPageSize     int   // MAX_PAGE_SIZE (default 200)
	SuppressionK    int   // SUPPRESSION_K: analysts' small-cell threshold (default 5, at least 3)
	// IDEMPOTENCY_TTL: how long an Idempotency-Key and its answer are kept
	// (default 24h, at least 1m).
	IdempotencyTTL time.Duration
	// OIDC_ISSUER, OIDC_AUDIENCE, OIDC_JWKS_URL: accept the municipality's
	// identity provider's JWTs (all three, or none).
	OIDCIssuer, OIDCAudience, OIDCJWKSURL string
	// METRICS_ADDR, --metrics-addr: serve /metrics there only (say
	// 127.0.0.1:9090); empty: on the main listener.
	MetricsAddr string
	// Tracing: OTEL_EXPORTER_OTLP_ENDPOINT (or _TRACES_ENDPOINT) is set;
	// the exporter reads the OTEL_* variables itself.
	Tracing bool
	// AUDIT_SEARCH_KEY: the key of the audit trail's search hashes (at
	// least 32 characters, the same on every instance); empty: one made
	// on first start and kept in the database.
	AuditSearchKey string
	// ANALYTICS_DATABASE_URL, --analytics-database-url: a streaming read
	// replica of DATABASE_URL (PostgreSQL only) that answers the
	// analytics; empty: DATABASE_URL answers them. Never logged.
	AnalyticsDatabaseURL string
	dbConfig             // ENV, DB_MAX_CONNS, DB_STATEMENT_CACHE and the fault settings (faultConfig)
	limitConfig
}

func (c config) development() bool { return c.Env == "development" }

// parseConfig reads the flags of the serve command over the environment.
// It returns an error naming the setting at fault.
func parseConfig(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	c := config{
		Addr:        envOr(getenv, "ADDR", ":8080"),
		DatabaseURL: getenv("DATABASE_URL"),
		OIDCIssuer:  getenv("OIDC_ISSUER"), OIDCAudience: getenv("OIDC_AUDIENCE"), OIDCJWKSURL: getenv("OIDC_JWKS_URL"),
		MetricsAddr:          getenv("METRICS_ADDR"),
		Tracing:              tracing.Enabled(getenv),
		AuditSearchKey:       getenv("AUDIT_SEARCH_KEY"),
		AnalyticsDatabaseURL: getenv("ANALYTICS_DATABASE_URL"),
	}
	if k := c.AuditSearchKey; k != "" && len(k) < 32 {
		return c, fmt.Errorf("AUDIT_SEARCH_KEY must have at least 32 characters")
	}
	var err error
	if c.dbConfig, err = parseDBConfig(getenv); err != nil {
		return c, err
	}
	if c.limitConfig, err = parseLimitConfig(getenv); err != nil {
		return c, err
	}
	origins := getenv("CORS_ORIGINS")
	level := envOr(getenv, "LOG_LEVEL", "info")
	var maxBody, maxUpload int
	if err := positiveInts(getenv, []envInt{
		{"MAX_BODY_BYTES", &maxBody}, {"MAX_UPLOAD_BYTES", &maxUpload}, {"DEFAULT_PAGE_SIZE", &c.DefaultPageSize},
		{"MAX_PAGE_SIZE", &c.MaxPageSize}, {"SUPPRESSION_K", &c.SuppressionK},
	}); err != nil {
		return c, err
	}
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.Addr, "addr", c.Addr, "listen address (ADDR)")
	fs.StringVar(&c.DatabaseURL, "database-url", c.DatabaseURL, "postgres://… for PostgreSQL; empty for the embedded SQLite file (DATABASE_URL)")
	fs.StringVar(&c.AnalyticsDatabaseURL, "analytics-database-url", c.AnalyticsDatabaseURL, "postgres://… of a read replica of the PostgreSQL database, to answer the analytics; empty: the database itself (ANALYTICS_DATABASE_URL)")
	fs.StringVar(&c.Env, "env", c.Env, "development or production (ENV)")
	fs.StringVar(&origins, "cors-origins", origins, "comma-separated origins allowed to call the API from a browser (CORS_ORIGINS)")
	fs.StringVar(&level, "log-level", level, "debug, info, warn or error (LOG_LEVEL)")
	fs.StringVar(&c.MetricsAddr, "metrics-addr", c.MetricsAddr, "serve /metrics on this address only, such as 127.0.0.1:9090 (METRICS_ADDR); empty: on the main listener")
	fs.BoolVar(&c.Demo, "demo", false, "load a synthetic demo year once and print a token per role (development mode only)")
	fs.Usage = func() { printHelp(fs.Output(), fs) }
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	c.MaxBodyBytes, c.MaxUploadBytes = int64(maxBody), int64(maxUpload)
	if c.Env != "development" && c.Env != "production" {
		return c, errors.New("ENV must be development or production")
	}
	if err := c.checkAnalyticsDatabase(); err != nil {
		return c, err
	}
	if c.Demo && !c.development() {
		return c, errors.New("--demo loads fake citizens and is refused in production mode (ENV=production): nothing was written")
	}
	if err := c.LogLevel.UnmarshalText([]byte(level)); err != nil {
		return c, errors.New("LOG_LEVEL must be debug, info, warn or error")
	}
	for _, o := range strings.Split(origins, ",") {
		o = strings.TrimSpace(o)
		if o == "" {
			continue
		}
		if o == "*" || o == "null" || !(strings.HasPrefix(o, "https://") || strings.HasPrefix(o, "http://")) {
			return c, fmt.Errorf("CORS_ORIGINS: %q is not an origin such as https://dashboard.example.it", o)
		}
		c.AllowedOrigins = append(c.AllowedOrigins, strings.TrimRight(o, "/"))
	}
	if oidcSet := []bool{c.OIDCIssuer != "", c.OIDCAudience != "", c.OIDCJWKSURL != ""}; oidcSet[0] != oidcSet[1] || oidcSet[1] != oidcSet[2] {
		return c, errors.New("OIDC_ISSUER, OIDC_AUDIENCE and OIDC_JWKS_URL go together: set all three or none")
	}
	if c.SuppressionK != 0 && c.SuppressionK < 3 {
		return c, errors.New("SUPPRESSION_K must be at least 3 (the Italian statistical system's minimum)")
	}
	if c.MetricsAddr != "" {
		if _, port, err := net.SplitHostPort(c.MetricsAddr); err != nil || (c.MetricsAddr == c.Addr && port != "0") {
			return c, errors.New("METRICS_ADDR must be an address such as 127.0.0.1:9090, other than ADDR")
		}
	}
	if err := envDuration(getenv, "IDEMPOTENCY_TTL", &c.IdempotencyTTL, time.Minute, 0, "IDEMPOTENCY_TTL must be a duration of at least 1m, such as 24h"); err != nil {
		return c, err
	}
	if c.MaxPageSize > 0 && c.DefaultPageSize > c.MaxPageSize {
		return c, errors.New("DEFAULT_PAGE_SIZE must not exceed MAX_PAGE_SIZE")
	}
	return c, nil
}

// checkAnalyticsDatabase refuses a read replica that is not PostgreSQL,
// or beside the embedded SQLite database (which has none). The errors
// never quote the URLs, which may hold passwords.
func (c config) checkAnalyticsDatabase() error {
	if c.AnalyticsDatabaseURL == "" {
		return nil
	}
	if !isPostgresURL(c.DatabaseURL) {
		return errors.New("ANALYTICS_DATABASE_URL is a read replica of a PostgreSQL database: it needs DATABASE_URL to be PostgreSQL (postgres://…), not the embedded SQLite database")
	}
	if !isPostgresURL(c.AnalyticsDatabaseURL) {
		return errors.New("ANALYTICS_DATABASE_URL must start with postgres:// or postgresql://")
	}
	return nil
}

func isPostgresURL(u string) bool {
	return strings.HasPrefix(u, "postgres://") || strings.HasPrefix(u, "postgresql://")
}

func envOr(getenv func(string) string, name, def string) string {
	if v := getenv(name); v != "" {
		return v
	}
	return def
}

// envInt is an environment variable and the setting it goes into.
type envInt struct {
	name string
	p    *int
}

// positiveInts reads each variable that is set into its setting; it fails,
// naming the variable, on anything but a positive whole number.
func positiveInts(getenv func(string) string, vars []envInt) error {
	for _, v := range vars {
		if s := getenv(v.name); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n <= 0 {
				return fmt.Errorf("%s must be a positive whole number", v.name)
			}
			*v.p = n
		}
	}
	return nil
}

// envDuration reads the variable name, when set, into *p; it fails with
// msg on anything but a duration from least to most (most 0: no bound).
func envDuration(getenv func(string) string, name string, p *time.Duration, least, most time.Duration, msg string) error {
	v := getenv(name)
	if v == "" {
		return nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < least || (most > 0 && d > most) {
		return errors.New(msg)
	}
	*p = d
	return nil
}
