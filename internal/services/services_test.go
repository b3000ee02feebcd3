package services_test

import (
	"strings"
	"testing"

	"segretariato/internal/apperr"
	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
	"segretariato/internal/server"
	"segretariato/internal/services"
)

// New makes every service the server requires, or says why it cannot; the
// server refuses options that lack one rather than making its own.
func TestNewMakesEveryServiceOrFails(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		set, err := services.New(t.Context(), db, services.Config{SuppressionK: 7})
		if err != nil {
			t.Fatal(err)
		}
		if err := set.Check(); err != nil || set.Analytics.K != 7 || set.OIDC != nil {
			t.Errorf("the set: %+v, %v", set, err)
		}
		if _, err := server.New(server.Options{DB: db, Set: *set}); err != nil {
			t.Errorf("the server refuses the set: %v", err)
		}
		if _, err := services.New(t.Context(), db, services.Config{SuppressionK: 2}); apperr.CodeOf(err) != apperr.Invalid {
			t.Errorf("a threshold of 2: %v, want INVALID", err)
		}
		if _, err := services.New(t.Context(), nil, services.Config{}); err == nil {
			t.Error("services without a database")
		}
		for name, drop := range map[string]func(s *services.Set){
			"demand engine":         func(s *services.Set) { s.Analytics = nil },
			"Idempotency-Key store": func(s *services.Set) { s.Idempotency = nil },
			"referral service":      func(s *services.Set) { s.Referrals = nil },
			"audit search recorder": func(s *services.Set) { s.Searches = nil },
		} {
			partial := *set
			drop(&partial)
			if _, err := server.New(server.Options{DB: db, Set: partial}); err == nil || !strings.Contains(err.Error(), name) {
				t.Errorf("the server without its %s: %v", name, err)
			}
		}
		if _, err := server.New(server.Options{Set: *set}); err == nil {
			t.Error("the server without a database")
		}
	})
}
