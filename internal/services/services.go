// Package services builds the parts of the service that the HTTP handler
// and the resolvers receive: the demand engine, the Idempotency-Key store,
// the referral desk, the audit trail's search recorder and the OIDC
// verifier. cmd/server builds them once, from its configuration, and
// hands them to internal/server in its Options; the test constructor
// (apitest) builds them with the same New. Nothing else makes them, and
// the server makes none of its own.
package services

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"segretariato/internal/access"
	"segretariato/internal/analytics"
	"segretariato/internal/apperr"
	"segretariato/internal/audit"
	"segretariato/internal/auth/oidc"
	"segretariato/internal/database"
	"segretariato/internal/idempotency"
	"segretariato/internal/metrics"
	"segretariato/internal/referral"
)

// Config is what the services are made from. Zero values take the
// services' defaults.
type Config struct {
	// SuppressionK is the analysts' small-cell threshold (0: analytics.DefaultK).
	SuppressionK int
	// IdempotencyTTL is how long a key and its answer are kept (0:
	// idempotency.DefaultTTL).
	IdempotencyTTL time.Duration
	// OIDC, when its Issuer is set, accepts the identity provider's JWTs.
	OIDC oidc.Config
	// AuditSearchKey keys the hashes of searched values in the audit
	// trail. Empty: the key kept in the database, made on first use.
	AuditSearchKey string
	Log            *slog.Logger     // nil: slog.Default()
	Metrics        *metrics.Metrics // nil: nothing counted
}

// Set is the services, as internal/server.Options receives them.
type Set struct {
	// Analytics answers the demand figures; its threshold K suppresses
	// small cells for analysts.
	Analytics *analytics.Engine
	// Idempotency keeps the Idempotency-Key answers of mutations.
	Idempotency *idempotency.Store
	// Referrals moves referrals through their states.
	Referrals *referral.Service
	// Searches records the audit trail's SEARCH events.
	Searches *audit.Searches
	// OIDC, when set, accepts the identity provider's JWTs besides the
	// operators' API tokens. Nil: API tokens only.
	OIDC *oidc.Verifier
}

// New builds the services over db. It fails when one cannot be made: an
// invalid suppression threshold (apperr.Invalid), an identity provider
// that cannot be configured.
func New(ctx context.Context, db *database.DB, cfg Config) (*Set, error) {
	if db == nil {
		return nil, errors.New("services: no database")
	}
	log := cfg.Log
	if log == nil {
		log = slog.Default()
	}
	s := &Set{
		Idempotency: idempotency.New(db.Client, cfg.IdempotencyTTL, log),
		Referrals:   &referral.Service{Client: db.Client},
		Searches:    loadSearches(db, cfg.AuditSearchKey, log),
	}
	var err error
	if s.Analytics, err = analytics.New(db, cfg.SuppressionK); err != nil {
		return nil, fmt.Errorf("the demand engine: %w", err)
	}
	s.Analytics.Metrics = cfg.Metrics
	if cfg.OIDC.Issuer != "" {
		if s.OIDC, err = oidc.New(ctx, cfg.OIDC); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Check reports the first service missing from s (OIDC may be).
func (s Set) Check() error {
	switch {
	case s.Analytics == nil:
		return errors.New("no demand engine (services.Set.Analytics)")
	case s.Idempotency == nil:
		return errors.New("no Idempotency-Key store (services.Set.Idempotency)")
	case s.Referrals == nil:
		return errors.New("no referral service (services.Set.Referrals)")
	case s.Searches == nil:
		return errors.New("no audit search recorder (services.Set.Searches)")
	}
	return nil
}

// loadSearches makes the recorder of the audit trail's SEARCH events and
// reads its key now, while no transaction holds the database: when the
// database cannot be read yet, the key is read on the first search.
func loadSearches(db *database.DB, key string, log *slog.Logger) *audit.Searches {
	s := audit.NewSearches(key)
	if key == "" {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Load(access.System(ctx), db.Client); err != nil {
			log.Warn("the audit search key will be read on first use", "err", apperr.LogCause(err))
		}
	}
	return s
}
