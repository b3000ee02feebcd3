// Package metrics holds the service's Prometheus metrics and serves them
// in the Prometheus text format (Handler).
//
// A *Metrics owns its registry (never the process-wide default), so each
// test builds its own and counts only its own requests. Every method is
// safe on a nil *Metrics and then does nothing: code built without
// metrics (the command-line tools, most tests) runs unchanged.
//
// No label ever carries personal data or a client's free text: routes are
// the handler's fixed patterns, methods and codes come from closed lists,
// and operation names are kept only when they are plain GraphQL names,
// up to MaxOperationNames distinct ones ("other" beyond).
package metrics

import (
	"context"
	"database/sql"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Namespace prefixes every metric of the service.
const Namespace = "segretariato"

// MaxOperationNames bounds the distinct operation names kept as label
// values; later names are counted under "other".
const MaxOperationNames = 100

// Label values used beyond the names themselves.
const (
	Anonymous = "anonymous" // an operation without a name; a request without an operator
	Other     = "other"     // a name past the bound, or not a plain name
	OK        = "ok"        // a GraphQL answer without errors
)

// Answer kinds of the analytics histogram.
const (
	AnswerDemand   = "demand"
	AnswerFunnel   = "funnel"
	AnswerCaseload = "caseload"
	AnswerQuality  = "quality"
	AnswerCSV      = "csv"
)

// Where an audit event failed to be written.
const (
	AuditRead     = "read"     // the read interceptor
	AuditMutation = "mutation" // the mutation hook
	AuditRecord   = "record"   // a single event (import, export, data-subject request)
)

// Outcomes of imported rows.
const (
	RowsCreated   = "created"
	RowsUpdated   = "updated"
	RowsUnchanged = "unchanged"
	RowsRefused   = "refused"
)

// Metrics is the service's set of metrics over a registry of its own.
type Metrics struct {
	reg *prometheus.Registry

	graphqlRequests *prometheus.CounterVec
	graphqlDuration *prometheus.HistogramVec
	httpDuration    *prometheus.HistogramVec
	auditFailures   *prometheus.CounterVec
	importRows      *prometheus.CounterVec
	answerDuration  *prometheus.HistogramVec

	names operationNames
}

// WatchPool adds the statistics of another connection pool: go_sql_*
// with db_name set to name.
func (m *Metrics) WatchPool(db *sql.DB, name string) {
	m.reg.MustRegister(collectors.NewDBStatsCollector(db, name))
}

// New returns the service's metrics on a fresh registry, with the Go
// runtime and process collectors and, when db is not nil, the connection
// pool's statistics (go_sql_* with db_name="segretariato").
func New(db *sql.DB) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.graphqlRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace, Name: "graphql_requests_total",
		Help: "GraphQL requests by operation name, outcome (ok or the first error's extensions.code) and the operator's role.",
	}, []string{"operation", "code", "role"})
	m.graphqlDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: Namespace, Name: "graphql_operation_duration_seconds",
		Help:    "Time to answer a GraphQL operation, by operation type and name.",
		Buckets: prometheus.DefBuckets,
	}, []string{"type", "operation"})
	m.httpDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: Namespace, Name: "http_request_duration_seconds",
		Help:    "Time to answer an HTTP request, by route, method and status class.",
		Buckets: prometheus.DefBuckets,
	}, []string{"route", "method", "status"})
	m.auditFailures = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace, Name: "audit_write_failures_total",
		Help: "Audit events that could not be written (the operation failed with them), by where: read, mutation, record.",
	}, []string{"kind"})
	m.importRows = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace, Name: "import_rows_total",
		Help: "Rows of intake-card imports (not dry runs) by outcome: created, updated, unchanged, refused (every row of a refused file).",
	}, []string{"outcome"})
	m.answerDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: Namespace, Name: "analytics_answer_duration_seconds",
		Help:    "Time to compute an analytics answer, by kind: demand, funnel, caseload, quality, csv (a whole demand download).",
		Buckets: prometheus.DefBuckets,
	}, []string{"kind"})
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.graphqlRequests, m.graphqlDuration, m.httpDuration, m.auditFailures, m.importRows, m.answerDuration,
	)
	if db != nil {
		m.reg.MustRegister(collectors.NewDBStatsCollector(db, Namespace))
	}
	// The counters an alert watches exist from the start, at zero.
	for _, k := range []string{AuditRead, AuditMutation, AuditRecord} {
		m.auditFailures.WithLabelValues(k)
	}
	for _, o := range []string{RowsCreated, RowsUpdated, RowsUnchanged, RowsRefused} {
		m.importRows.WithLabelValues(o)
	}
	return m
}

// Registry is the registry the metrics live in (for tests and for adding
// collectors).
func (m *Metrics) Registry() *prometheus.Registry {
	if m == nil {
		return nil
	}
	return m.reg
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	if m == nil {
		return http.NotFoundHandler()
	}
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// GraphQL records one GraphQL answer: opType is query, mutation or
// subscription ("" when the request had no valid operation), name the
// operation's name as the client gave it, code "" for success or the
// first error's extensions.code, role the operator's role ("" for none).
func (m *Metrics) GraphQL(opType, name, code, role string, d time.Duration) {
	if m == nil {
		return
	}
	name = m.names.label(name)
	if code == "" {
		code = OK
	} else if !isCode(code) {
		code = Other
	}
	if role == "" {
		role = Anonymous
	} else if !isCode(role) {
		role = Other
	}
	m.graphqlRequests.WithLabelValues(name, code, role).Inc()
	if opType == "" {
		opType = "none"
	}
	m.graphqlDuration.WithLabelValues(opType, name).Observe(d.Seconds())
}

// HTTP records one HTTP request: route is the handler's fixed pattern
// ("" when none matched), status the status written.
func (m *Metrics) HTTP(route, method string, status int, d time.Duration) {
	if m == nil {
		return
	}
	if route == "" {
		route = "unmatched"
	}
	m.httpDuration.WithLabelValues(route, methodLabel(method), statusClass(status)).Observe(d.Seconds())
}

// AuditWriteFailed counts an audit event that could not be written.
func (m *Metrics) AuditWriteFailed(kind string) {
	if m == nil {
		return
	}
	m.auditFailures.WithLabelValues(kind).Inc()
}

// ImportRows counts n rows of an import with the outcome.
func (m *Metrics) ImportRows(outcome string, n int) {
	if m == nil || n <= 0 {
		return
	}
	m.importRows.WithLabelValues(outcome).Add(float64(n))
}

// Answer records the time of an analytics answer started at start; it is
// meant for defer: defer m.Answer(metrics.AnswerDemand, time.Now()).
func (m *Metrics) Answer(kind string, start time.Time) {
	if m == nil {
		return
	}
	m.answerDuration.WithLabelValues(kind).Observe(time.Since(start).Seconds())
}

type ctxKey struct{}

// NewContext returns a context carrying m, for the code that a request
// reaches without an options struct (the audit hooks, installed when the
// database is opened).
func NewContext(ctx context.Context, m *Metrics) context.Context {
	if m == nil {
		return ctx
	}
	return context.WithValue(ctx, ctxKey{}, m)
}

// FromContext returns the context's metrics, or nil.
func FromContext(ctx context.Context) *Metrics {
	m, _ := ctx.Value(ctxKey{}).(*Metrics)
	return m
}

// operationNames keeps the first MaxOperationNames valid operation names.
type operationNames struct {
	known sync.Map // name → struct{}
	mu    sync.Mutex
	n     int
}

func (o *operationNames) label(name string) string {
	if name == "" {
		return Anonymous
	}
	if _, ok := o.known.Load(name); ok {
		return name
	}
	if !isName(name) {
		return Other
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if _, ok := o.known.Load(name); ok {
		return name
	}
	if o.n >= MaxOperationNames {
		return Other
	}
	o.n++
	o.known.Store(name, struct{}{})
	return name
}

// isName reports whether s is a GraphQL name of at most 64 characters:
// ^[A-Za-z_][A-Za-z0-9_]{0,63}$.
func isName(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_', 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z':
		case '0' <= c && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// isCode reports whether s looks like an error code or a role: upper-case
// letters and underscores, at most 40.
func isCode(s string) bool {
	if len(s) == 0 || len(s) > 40 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c != '_' && (c < 'A' || c > 'Z') {
			return false
		}
	}
	return true
}

func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodPost, http.MethodHead, http.MethodOptions,
		http.MethodPut, http.MethodPatch, http.MethodDelete:
		return m
	}
	return Other
}

var statusClasses = [...]string{"1xx", "2xx", "3xx", "4xx", "5xx"}

func statusClass(s int) string {
	if s >= 100 && s < 600 {
		return statusClasses[s/100-1]
	}
	return Other
}
