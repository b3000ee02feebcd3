package main

import (
	"io"
	"strings"
	"testing"
	"time"
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
	} {
		if _, err := parseConfig(nil, env(vars), io.Discard); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
