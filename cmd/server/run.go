package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"segretariato/ent/schema/schematype"
	"segretariato/internal/access"
	"segretariato/internal/audit"
	"segretariato/internal/auth"
	"segretariato/internal/auth/oidc"
	"segretariato/internal/database"
	"segretariato/internal/demo"
	"segretariato/internal/dsr"
	"segretariato/internal/metrics"
	"segretariato/internal/server"
	"segretariato/internal/services"
	"segretariato/internal/tracing"
	"segretariato/internal/wiring"
)

// onListen, when set (by tests), is told the address the server listens on.
var onListen func(net.Addr)

// run dispatches the command line: no command serves the API (commands.go).
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if done, err := dispatch(ctx, args, getenv, stdout, stderr); done {
		return err
	}
	if len(args) > 0 && args[0] == "serve" {
		args = args[1:]
	}
	flagOut := stderr
	if asksForHelp(args) {
		getenv, flagOut = noEnv, stdout
	}
	cfg, err := parseConfig(args, getenv, flagOut)
	if err != nil {
		return helpIsNoError(err)
	}
	return serve(ctx, cfg, stdout, stderr)
}

func newLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(server.LogHandler(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level})))
}

func serve(ctx context.Context, cfg config, stdout, stderr io.Writer) error {
	log := newLogger(stderr, cfg.LogLevel)
	obs, err := startTracing(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer obs.shutdown()
	opt := cfg.options()
	opt.Driver = tracing.EntDriver(obs.tracing()) // statements traced when tracing is on
	db, err := openDBWith(ctx, cfg.DatabaseURL, opt)
	if err != nil {
		return err
	}
	defer db.Close()
	// Every instance on one PostgreSQL database hears of the others'
	// changes to what it caches (internal/invalidate).
	watch, err := wiring.WatchInvalidations(db, cfg.DatabaseURL, log)
	if err != nil {
		return err
	}
	defer watch.Close()
	announceDatabase(cfg, stdout, log)
	warnRewritableAuditTrail(ctx, cfg, db, log)
	if cfg.Demo {
		if err := loadDemo(ctx, db, cfg, stdout, log); err != nil {
			return err
		}
	}
	if err := obs.startMetrics(cfg, db); err != nil {
		return err
	}
	// The services, built once here and handed to the server.
	set, err := services.New(ctx, db, services.Config{
		SuppressionK: cfg.SuppressionK, IdempotencyTTL: cfg.IdempotencyTTL,
		OIDC:           oidc.Config{Issuer: cfg.OIDCIssuer, Audience: cfg.OIDCAudience, JWKSURL: cfg.OIDCJWKSURL},
		AuditSearchKey: cfg.AuditSearchKey, Log: log, Metrics: obs.metrics,
	})
	if err != nil {
		return err
	}
	if cfg.AnalyticsDatabaseURL != "" {
		if set.Analytics.Reads, err = openAnalyticsReplica(ctx, cfg, obs, log); err != nil {
			return err
		}
		defer set.Analytics.Reads.Close()
	}
	go set.Idempotency.SweepEvery(ctx, time.Hour)         // expired keys and their answers
	go audit.KeepPartitions(ctx, db.SQL, db.Dialect, log) // the coming months of the trail (PostgreSQL)
	drain := &server.Drain{}
	srv, err := server.NewHTTPServer(server.Options{
		Drain: drain, Invalidations: watch,
		DB: db, Log: log, Development: cfg.development(), Set: *set,
		AllowedOrigins: cfg.AllowedOrigins, MaxBodyBytes: cfg.MaxBodyBytes, MaxUploadBytes: cfg.MaxUploadBytes,
		DefaultPageSize: cfg.DefaultPageSize, MaxPageSize: cfg.MaxPageSize,
		Limits: cfg.Limits, ComplexityLimit: cfg.MaxCost,
		ReadTimeout: cfg.ReadTimeout, RequestTimeout: cfg.RequestTimeout, ImportTimeout: cfg.ImportTimeout,
		Metrics: obs.metrics, MetricsElsewhere: cfg.MetricsAddr != "", Tracing: obs.tracing(),
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", cfg.Addr, err)
	}
	ln = server.LimitPerClient(ln, cfg.MaxConnsPerClient)
	if onListen != nil {
		onListen(ln.Addr())
	}
	log.Info("listening", "addr", ln.Addr().String(), "database", db.Dialect, "env", cfg.Env)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	if cfg.ShutdownDrain > 0 {
		log.Info("draining", "for", cfg.ShutdownDrain.String())
		drain.Start()
		select {
		case <-time.After(cfg.ShutdownDrain):
		case err := <-errc:
			return err
		}
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.shutdownTimeout())
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutting down: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// openAnalyticsReplica opens the read replica of ANALYTICS_DATABASE_URL,
// with the pool size and statement timeout of the main database, and
// watches its pool (go_sql_* with db_name="segretariato_analytics").
func openAnalyticsReplica(ctx context.Context, cfg config, obs *observability, log *slog.Logger) (*sql.DB, error) {
	reads, err := database.OpenReplica(ctx, cfg.AnalyticsDatabaseURL, database.Options{
		MaxOpenConns: cfg.DBMaxConns, StatementTimeout: cfg.statementTimeout(), StatementCache: cfg.DBStatementCache,
	})
	if err != nil {
		return nil, fmt.Errorf("ANALYTICS_DATABASE_URL: %w", err)
	}
	obs.metrics.WatchPool(reads, metrics.Namespace+"_analytics")
	log.Info("the analytics read from the replica of ANALYTICS_DATABASE_URL")
	return reads, nil
}

// loadDemo loads the demo year (once) and prints a fresh token for each
// role's demo operator, with a request to paste.
func loadDemo(ctx context.Context, db *database.DB, cfg config, stdout io.Writer, log *slog.Logger) error {
	sum, err := demo.Load(ctx, db.Client, demo.Options{})
	if err != nil {
		return fmt.Errorf("loading the demo data: %w", err)
	}
	if sum.Created {
		log.Info("demo data loaded", "contacts", sum.Contacts, "citizens", sum.Citizens, "referrals", sum.Referrals)
	}
	ops, err := demo.Operators(ctx, db.Client)
	if err != nil {
		return err
	}
	host := cfg.Addr
	if h, p, err := net.SplitHostPort(cfg.Addr); err == nil && (h == "" || h == "0.0.0.0" || h == "::") {
		host = "localhost:" + p
	}
	fmt.Fprintln(stdout, "Demo tokens (new at every start with --demo):")
	var example string
	for _, role := range []schematype.Role{schematype.RoleCoordinator, schematype.RoleSocialWorker, schematype.RoleAnalyst, schematype.RoleAdmin} {
		op, ok := ops[role]
		if !ok {
			continue
		}
		token, err := auth.IssueToken(ctx, db.Client, op.ID)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "  %-14s %-40s %s\n", role, op.Email, token)
		if example == "" {
			example = token
		}
	}
	fmt.Fprintf(stdout, "\nTry:\n  curl -s http://%s/graphql -H 'Authorization: Bearer %s' -H 'Content-Type: application/json' \\\n    -d '{\"query\":\"{ contacts(first: 3) { totalCount edges { node { occurredAt targetArea outcome mainNeed { code labelIt } } } } }\"}'\n", host, example)
	if cfg.development() {
		fmt.Fprintf(stdout, "GraphiQL: http://%s/ (set the Authorization header there)\n\n", host)
	}
	return nil
}

// runRetention handles `server retention [--years N] [--dry-run]`: it
// pseudonymises the citizens with no contact for N years (RETENTION_YEARS,
// default 10) and prints how many.
func runRetention(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("retention", flag.ContinueOnError)
	fs.SetOutput(stderr)
	def := 10
	if v := getenv("RETENTION_YEARS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return errors.New("RETENTION_YEARS must be a whole number of years, at least 1")
		}
		def = n
	}
	years := fs.Int("years", def, "pseudonymise citizens with no contact for this many years (RETENTION_YEARS)")
	dryRun := fs.Bool("dry-run", false, "only count them")
	dbURL := fs.String("database-url", getenv("DATABASE_URL"), "database (DATABASE_URL)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, err := openDB(ctx, *dbURL, getenv)
	if err != nil {
		return err
	}
	defer db.Close()
	tx, err := db.Client.Tx(ctx)
	if err != nil {
		return err
	}
	n, err := dsr.Retain(access.System(ctx), tx.Client(), *years, time.Now(), *dryRun)
	if err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	verb := "pseudonymised"
	if *dryRun {
		verb = "would be pseudonymised (dry run)"
	}
	_, err = fmt.Fprintf(stdout, "%d citizens with no contact for %d years %s\n", n, *years, verb)
	return err
}
