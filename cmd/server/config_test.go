package main

import (
	"io"
	"strings"
	"testing"
	"time"

	"segretariato/internal/server"
)

func TestConfig(t *testing.T) {
	c, err := parseConfig(nil, env(nil), io.Discard)
	if err != nil || c.Addr != ":8080" || c.Env != "development" || c.DatabaseURL != "" || c.OIDCIssuer != "" {
		t.Fatalf("defaults: %+v, %v", c, err)
	}
	c, err = parseConfig([]string{"--addr", "127.0.0.1:9000", "--env", "production"},
		env(map[string]string{"ADDR": ":7000", "CORS_ORIGINS": "https://dashboard.comune.example.it/, https://b.example.it", "SUPPRESSION_K": "7"}), io.Discard)
	if err != nil || c.Addr != "127.0.0.1:9000" || c.Env != "production" || c.SuppressionK != 7 ||
		strings.Join(c.AllowedOrigins, " ") != "https://dashboard.comune.example.it https://b.example.it" {
		t.Fatalf("flags over environment: %+v, %v", c, err)
	}
	if c, err := parseConfig(nil, env(map[string]string{"IDEMPOTENCY_TTL": "36h"}), io.Discard); err != nil || c.IdempotencyTTL != 36*time.Hour {
		t.Errorf("IDEMPOTENCY_TTL: %v, %v", c.IdempotencyTTL, err)
	}
	key := strings.Repeat("k", 32)
	if c, err := parseConfig(nil, env(map[string]string{"AUDIT_SEARCH_KEY": key}), io.Discard); err != nil || c.AuditSearchKey != key {
		t.Errorf("AUDIT_SEARCH_KEY: %v", err)
	}
	for name, vars := range map[string]map[string]string{
		"unknown mode":            {"ENV": "staging"},
		"wildcard origin":         {"CORS_ORIGINS": "*"},
		"null origin":             {"CORS_ORIGINS": "null"},
		"origin without a scheme": {"CORS_ORIGINS": "dashboard.example.it"},
		"K below 3":               {"SUPPRESSION_K": "2"},
		"not a number":            {"MAX_PAGE_SIZE": "many"},
		"default above the max":   {"DEFAULT_PAGE_SIZE": "300", "MAX_PAGE_SIZE": "200"},
		"half an OIDC setting":    {"OIDC_ISSUER": "https://idp.example.it"},
		"bad log level":           {"LOG_LEVEL": "chatty"},
		"TTL not a duration":      {"IDEMPOTENCY_TTL": "1 day"},
		"TTL under a minute":      {"IDEMPOTENCY_TTL": "30s"},
		"short audit search key":  {"AUDIT_SEARCH_KEY": "short"},
	} {
		if _, err := parseConfig(nil, env(vars), io.Discard); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestLimitConfig(t *testing.T) {
	c, err := parseConfig(nil, env(nil), io.Discard)
	if err != nil || c.Limits != (server.Limits{}) || c.MaxCost != 0 {
		t.Fatalf("defaults (the server's): %+v, %v", c.limitConfig, err)
	}
	c, err = parseConfig(nil, env(map[string]string{"MAX_TOKENS": "2000", "MAX_ALIASES": "20", "MAX_REPEATED_FIELDS": "3",
		"MAX_DIRECTIVES": "10", "MAX_DEPTH": "8", "MAX_COST": "5000", "MAX_STRING_LENGTH": "500", "MAX_LIST_LENGTH": "100"}), io.Discard)
	want := server.Limits{MaxTokens: 2000, MaxAliases: 20, MaxRepeats: 3, MaxDirectives: 10, MaxDepth: 8, MaxStringLength: 500, MaxListLength: 100}
	if err != nil || c.Limits != want || c.MaxCost != 5000 {
		t.Fatalf("set: %+v, %v", c.limitConfig, err)
	}
	for _, v := range []string{"0", "-1", "many"} {
		if _, err := parseConfig(nil, env(map[string]string{"MAX_ALIASES": v}), io.Discard); err == nil || !strings.Contains(err.Error(), "MAX_ALIASES") {
			t.Errorf("MAX_ALIASES=%s: %v", v, err)
		}
	}
}

func TestFaultConfig(t *testing.T) {
	c, err := parseConfig(nil, env(nil), io.Discard)
	if err != nil || c.ReadTimeout != 30*time.Second || c.RequestTimeout != 30*time.Second || c.ImportTimeout != 10*time.Minute ||
		c.MaxConnsPerClient != 64 || c.statementTimeout() != 35*time.Second {
		t.Fatalf("defaults: %+v, %v", c.faultConfig, err)
	}
	c, err = parseConfig(nil, env(map[string]string{"READ_TIMEOUT": "5s", "REQUEST_TIMEOUT": "10s", "IMPORT_TIMEOUT": "1h",
		"MAX_CONNS_PER_CLIENT": "0", "SQLITE_SYNCHRONOUS": "normal"}), io.Discard)
	if err != nil || c.ReadTimeout != 5*time.Second || c.RequestTimeout != 10*time.Second || c.ImportTimeout != time.Hour ||
		c.MaxConnsPerClient != 0 || c.SQLiteSynchronous != "normal" {
		t.Fatalf("set: %+v, %v", c.faultConfig, err)
	}
	for name, vars := range map[string]map[string]string{
		"not a duration":           {"REQUEST_TIMEOUT": "30"},
		"too short":                {"READ_TIMEOUT": "1ms"},
		"import shorter":           {"REQUEST_TIMEOUT": "5m", "IMPORT_TIMEOUT": "1m"},
		"negative connections":     {"MAX_CONNS_PER_CLIENT": "-1"},
		"unknown synchronous mode": {"SQLITE_SYNCHRONOUS": "SOMETIMES"},
		"drain over 5m":            {"SHUTDOWN_DRAIN": "6m"},
		"negative drain":           {"SHUTDOWN_DRAIN": "-1s"},
	} {
		if _, err := parseConfig(nil, env(vars), io.Discard); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestAnalyticsDatabaseConfig: ANALYTICS_DATABASE_URL (or its flag) is a
// PostgreSQL replica beside a PostgreSQL DATABASE_URL; anything else is
// refused at start with an error that quotes neither URL.
func TestAnalyticsDatabaseConfig(t *testing.T) {
	const primary, replica = "postgres://seg:s3cret@db.example.it/seg", "postgres://seg:s3cret@replica.example.it/seg"
	c, err := parseConfig(nil, env(map[string]string{"DATABASE_URL": primary, "ANALYTICS_DATABASE_URL": replica}), io.Discard)
	if err != nil || c.AnalyticsDatabaseURL != replica {
		t.Fatalf("set: %q, %v", c.AnalyticsDatabaseURL, err)
	}
	c, err = parseConfig([]string{"--analytics-database-url", "postgresql://r.example.it/seg"}, env(map[string]string{"DATABASE_URL": primary}), io.Discard)
	if err != nil || c.AnalyticsDatabaseURL != "postgresql://r.example.it/seg" {
		t.Fatalf("flag: %q, %v", c.AnalyticsDatabaseURL, err)
	}
	for name, vars := range map[string]map[string]string{
		"beside the embedded SQLite": {"ANALYTICS_DATABASE_URL": replica},
		"beside another SQLite file": {"DATABASE_URL": "sqlite:/var/lib/seg.db", "ANALYTICS_DATABASE_URL": replica},
		"a SQLite replica":           {"DATABASE_URL": primary, "ANALYTICS_DATABASE_URL": "sqlite:/var/lib/s3cret.db"},
	} {
		_, err := parseConfig(nil, env(vars), io.Discard)
		if err == nil || !strings.Contains(err.Error(), "ANALYTICS_DATABASE_URL") || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("%s: %v", name, err)
		}
	}
}
