// Package server builds the service's HTTP handler: the GraphQL endpoint
// with its transports, limits, error presenter and transactions, the health
// probes, CORS, authentication and request logging. cmd/server and the
// tests build the handler with the same New.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"entgo.io/contrib/entgql"
	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"go.opentelemetry.io/otel/trace"

	"segretariato/graph"
	"segretariato/graph/generated"
	"segretariato/internal/access"
	"segretariato/internal/audit"
	"segretariato/internal/auth"
	"segretariato/internal/database"
	"segretariato/internal/idempotency"
	"segretariato/internal/intake"
	"segretariato/internal/invalidate"
	"segretariato/internal/metrics"
	"segretariato/internal/refdata"
	"segretariato/internal/services"
)

// Options configure the handler. DB and the services are required; zero
// values of the others take the defaults below.
type Options struct {
	DB  *database.DB
	Log *slog.Logger
	// Invalidations, when set, lets the authentication keep the
	// operators it has read until one changes (auth.Cache): nil, every
	// request reads its operator.
	Invalidations *invalidate.Watcher
	// Development turns on GraphiQL at / and introspection.
	Development bool
	// AllowedOrigins are the browser origins (the dashboard's) that CORS
	// lets call the API. None: no cross-origin access.
	AllowedOrigins []string
	// MaxBodyBytes bounds a GraphQL request body (default 1 MiB);
	// MaxUploadBytes a multipart request carrying a file (default 64 MiB).
	MaxBodyBytes, MaxUploadBytes int64
	// DefaultPageSize is a connection's page when the client gives no
	// `first` or `last` (default 50); MaxPageSize the largest allowed (200).
	DefaultPageSize, MaxPageSize int
	// ComplexityLimit bounds a query's cost before it runs (default
	// 20000): a field costs 1, a connection its page size times the cost
	// of one node, so 200 contacts with 30 fields each fit, and a page of
	// 200 contacts each with a page of 200 contacts does not.
	ComplexityLimit int
	// Limits bound a request's document and arguments (doclimits.go).
	Limits
	// Metrics, when set, counts the requests, GraphQL operations, audit
	// write failures, imports and analytics answers (observe.go), served
	// at GET /metrics unless MetricsElsewhere (cmd/server then serves them
	// on METRICS_ADDR).
	Metrics          *metrics.Metrics
	MetricsElsewhere bool
	// Tracing, when set, opens a span for every request and GraphQL
	// operation. Nil: no tracing code runs at all.
	Tracing trace.TracerProvider
	// Drain, when started, makes /readyz answer 503 and every answer ask
	// the client to close its connection (see Drain). Nil: no drain.
	Drain *Drain
	// ReadTimeout bounds the reading of a request, body included (default
	// 30 s; an upload gets ImportTimeout); a body late past it gets 408.
	// RequestTimeout is every request's deadline, database work included
	// (default 30 s); ImportTimeout that of an import and of the CSV
	// downloads (default 10 min). See NewHTTPServer.
	ReadTimeout, RequestTimeout, ImportTimeout time.Duration
	// Set is the services the handler and the resolvers receive, built
	// once by internal/services.New (cmd/server, apitest): the demand
	// engine, the Idempotency-Key store, the referral desk, the audit
	// search recorder, the OIDC verifier. Each is required but OIDC: the
	// server makes none of its own.
	services.Set
}

// defaults fills in the zero options; it fails when the database or a
// service is missing.
func (o *Options) defaults() error {
	if o.DB == nil {
		return errors.New("server: no database (Options.DB)")
	}
	if err := o.Set.Check(); err != nil {
		return fmt.Errorf("server: %w", err)
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = 1 << 20
	}
	if o.MaxUploadBytes <= 0 {
		o.MaxUploadBytes = 64 << 20
	}
	if o.DefaultPageSize <= 0 {
		o.DefaultPageSize = 50
	}
	if o.MaxPageSize <= 0 {
		o.MaxPageSize = 200
	}
	if o.ComplexityLimit <= 0 {
		o.ComplexityLimit = DefaultComplexityLimit
	}
	o.Limits.defaults()
	// A document over the token limit is refused before it runs: the
	// key's mutation test does not parse it whole first.
	o.Idempotency.LimitTokens(o.Limits.MaxTokens)
	if o.ReadTimeout <= 0 {
		o.ReadTimeout = DefaultReadTimeout
	}
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = DefaultRequestTimeout
	}
	if o.ImportTimeout <= 0 {
		o.ImportTimeout = DefaultImportTimeout
	}
	return nil
}

// New returns the service's HTTP handler:
//
//	POST /graphql   GraphQL (GET for queries only); bearer token required
//	GET  /healthz   the process is up
//	GET  /readyz    the database answers (and whether the analytics'
//	                replica does, when there is one)
//	GET  /          GraphiQL, in development mode only (its assets
//	                under /graphiql/, from the binary)
//	GET  /metrics   Prometheus metrics, when Options.Metrics is set and not MetricsElsewhere
//
// It fails when o lacks its database or a service.
func New(o Options) (http.Handler, error) {
	h, _, err := newHandler(o)
	return h, err
}

// Routes lists the mux patterns of the routes New(o) serves, in the order
// they are registered.
func Routes(o Options) ([]string, error) {
	_, routes, err := newHandler(o)
	return routes, err
}

// routeMux is a ServeMux that keeps the patterns registered on it.
type routeMux struct {
	*http.ServeMux
	patterns []string
}

func (m *routeMux) Handle(pattern string, h http.Handler) {
	m.patterns = append(m.patterns, pattern)
	m.ServeMux.Handle(pattern, h)
}

func (m *routeMux) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	m.Handle(pattern, http.HandlerFunc(h))
}

func newHandler(o Options) (http.Handler, []string, error) {
	if err := o.defaults(); err != nil {
		return nil, nil, err
	}
	mux := &routeMux{ServeMux: http.NewServeMux()}
	authn := &auth.Authenticator{Client: o.DB.Client, Log: o.Log, OIDC: o.OIDC, Cache: auth.NewCache(o.Invalidations)}
	mux.Handle("/graphql", authn.Middleware(limitBody(o.MaxBodyBytes, o.MaxUploadBytes, readBody(o.Idempotency.Middleware(graphQL(o))))))
	mux.Handle("GET /export/contacts.csv", authn.Middleware(exportContacts(o)))
	mux.Handle("GET /export/demand.csv", authn.Middleware(exportDemand(o)))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if o.Drain.Active() {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte("shutting down\n"))
			return
		}
		if err := o.DB.Ping(ctx); err != nil {
			o.Log.ErrorContext(r.Context(), "readiness: database unreachable", "err", err)
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte("database unreachable\n"))
			return
		}
		// The analytics' replica is shared by every instance: without it
		// only the analytics fail (UNAVAILABLE), so the instance stays in
		// the load balancer and says so.
		if reads := o.Analytics.Reads; reads != nil {
			if err := reads.PingContext(ctx); err != nil {
				o.Log.ErrorContext(r.Context(), "readiness: analytics replica unreachable", "err", err)
				_, _ = w.Write([]byte("ok; analytics replica unreachable\n"))
				return
			}
		}
		_, _ = w.Write([]byte("ok\n"))
	})
	if o.Metrics != nil && !o.MetricsElsewhere {
		mux.Handle("GET /metrics", o.Metrics.Handler())
	}
	if o.Development {
		g := graphiQL()
		mux.HandleFunc("GET /{$}", g.servePage)
		mux.HandleFunc("GET /graphiql/", g.serveAsset)
	}
	c := corsPolicy(o.AllowedOrigins)
	return closeWhileDraining(o.Drain, logRequests(o.Log, observe(o.Metrics, o.Tracing, mux.ServeMux, c.Handler(deadlines(o, mux))))), mux.patterns, nil
}

// graphQL returns the GraphQL handler alone, without authentication: the
// context must already carry the viewer. o has its defaults (New).
func graphQL(o Options) http.Handler {
	client := o.DB.Client
	cfg := generated.Config{
		Resolvers: &graph.Resolver{
			Client:    client,
			DB:        o.DB,
			Referrals: o.Referrals,
			Analytics: o.Analytics,
			Metrics:   o.Metrics,
			Searches:  o.Searches,
			RefData:   refdata.NewCache(client, o.Invalidations),
		},
		Directives: generated.DirectiveRoot{Personal: access.Personal(client)},
	}
	connectionComplexity(&cfg.Complexity, o.DefaultPageSize)
	analyticsComplexity(&cfg.Complexity)
	schema := generated.NewExecutableSchema(cfg)
	srv := handler.New(schema)
	srv.AddTransport(transport.Options{})
	srv.AddTransport(requestErrors{transport.GET{}})
	srv.AddTransport(requestErrors{transport.POST{}})
	srv.AddTransport(requestErrors{transport.MultipartForm{MaxUploadSize: o.MaxUploadBytes, MaxMemory: 8 << 20}})
	cache := lru.New[*ast.QueryDocument](1000)
	srv.SetQueryCache(cache)
	if o.Metrics != nil || o.Tracing != nil {
		srv.Use(newOperationObserver(o.Metrics, o.Tracing)) // first: it sees every answer
	}
	// Then, so that it sees every answer's errors, the transactions' too.
	srv.Use(faultStatus{})
	srv.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](100)})
	useLimits(srv, o, cache)
	if o.Development {
		srv.Use(extension.Introspection{})
	} else {
		srv.SetDisableSuggestion(true)
	}
	// Every mutation runs in one transaction, but an import, which runs in
	// its own (it may be large, and writes in batches).
	present := presentError(o.Log)
	srv.Use(transactions{TxOpener: client, Skip: entgql.SkipIfHasFields("importIntakeCards"), Present: present, Log: o.Log})
	// Inside the transaction, around the stored answer: one READ event per
	// operation.
	srv.Use(auditReads{Client: client, Present: present})
	srv.Use(idempotency.Recorder{Log: o.Log}) // inside the transaction
	srv.AroundOperations(func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		return next(refdata.WithMemo(intake.WithFirstContactMemo(access.WithHolders(ctx))))
	})
	srv.AroundRootFields(access.RootFieldGuard)
	srv.AroundRootFields(access.NewFilterGuard(schema.Schema(), client, o.Searches).Guard)
	srv.AroundFields(fieldRules(access.ForeignKeys(client, schema.Schema()), o.DefaultPageSize, o.MaxPageSize))
	srv.SetErrorPresenter(present)
	srv.SetRecoverFunc(recoverPanic(o.Log))
	return srv
}

// limitBody refuses request bodies above their limit before they are
// parsed: max for GraphQL requests, maxUpload for multipart ones, which
// must also carry a header that forces a CORS preflight, so that no other
// site's plain form can post a file (CSRF).
func limitBody(max, maxUpload int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := max
		if isMultipart(r) {
			if r.Header.Get("Apollo-Require-Preflight") == "" && r.Header.Get("X-Requested-With") == "" {
				http.Error(w, "multipart requests need the Apollo-Require-Preflight header", http.StatusBadRequest)
				return
			}
			limit = maxUpload
		}
		if r.ContentLength > limit {
			answerTooLarge(w)
			return
		}
		serveLimited(w, r, limit, next)
	})
}

type requestIDKey struct{}

// RequestID returns the id logRequests gave the request.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// statusWriter remembers the status a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(s int) {
	w.status = s
	w.ResponseWriter.WriteHeader(s)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logRequests gives each request an id (the client's X-Request-Id when
// well-formed, see requestID; answered in X-Request-Id, and written in the
// log line and the audit events) and logs one line per request: method,
// path, status, duration. Never the body, the query string or headers:
// they can carry personal data and tokens.
func logRequests(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := requestID(r)
		w.Header().Set("X-Request-Id", id)
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		start := time.Now()
		ctx := context.WithValue(r.Context(), requestIDKey{}, id)
		ctx = audit.WithRequest(ctx, id, r)
		next.ServeHTTP(sw, r.WithContext(ctx))
		level := slog.LevelInfo
		if sw.status >= 500 {
			level = slog.LevelError
		}
		log.Log(ctx, level, "request", "method", r.Method, "path", r.URL.Path,
			"status", sw.status, "duration_ms", time.Since(start).Milliseconds())
	})
}
