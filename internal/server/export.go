package server

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"segretariato/internal/access"
	"segretariato/internal/analytics"
	"segretariato/internal/apperr"
	"segretariato/internal/audit"
	"segretariato/internal/auth"
	"segretariato/internal/dimension"
	"segretariato/internal/intakecsv"
	"segretariato/internal/intakeio"
	"segretariato/internal/metrics"
)

// exportContacts serves the coordinator's download of the intake cards
// as CSV: GET /export/contacts.csv?from=2025-01-01&to=2025-12-31&area=ELDERLY
// &excel=1 (';', BOM, CRLF, Italian dates) &notes=1 (the notes, which are
// left out otherwise). The download is audited.
func exportContacts(o Options) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !routeAllowed(r) {
			apperr.WriteText(w, apperr.New(apperr.Forbidden, "only the coordinator may export the intake cards"))
			return
		}
		q := r.URL.Query()
		opt, err := intakeio.ParseExportOptions(q.Get("from"), q.Get("to"), q.Get("area"), q.Get("notes") == "1", q.Get("excel") == "1")
		if err != nil {
			apperr.WriteText(w, apperr.New(apperr.Invalid, "%s", err.Error()))
			return
		}
		ctx := r.Context()
		detail := fmt.Sprintf("CSV download from=%q to=%q area=%q notes=%v", q.Get("from"), q.Get("to"), q.Get("area"), opt.Notes)
		if err := audit.Record(ctx, o.DB.Client, audit.Export, "Contact", nil, detail); err != nil {
			downloadFailed(w, r, o, "export: audit", err)
			return
		}
		cw := &csvWriter{w: w, filename: fmt.Sprintf("schede-segretariato-%s.csv", time.Now().Format("2006-01-02"))}
		if _, err := intakeio.Export(access.System(ctx), o.DB.Client, cw, opt); err != nil {
			// Once the file has begun the client sees a cut file; the log says why.
			downloadFailed(cw, r, o, "export failed", err)
		}
	})
}

// exportDemand serves any demand answer as CSV, for the dashboard's and
// the analysts' spreadsheets: GET /export/demand.csv?groupBy=PERIOD,NEED
// &period=MONTH&from=2025-01-01&to=2026-01-01&excel=1. It applies the same
// rules as the demand query: coordinators and analysts only, analysts'
// figures suppressed and their ranges in whole months.
func exportDemand(o Options) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer o.Metrics.Answer(metrics.AnswerCSV, time.Now())
		ctx := r.Context()
		if !routeAllowed(r) {
			apperr.WriteText(w, apperr.New(apperr.Forbidden, "your role may not read the demand figures"))
			return
		}
		q := r.URL.Query()
		var groupBy []dimension.Dimension
		for _, d := range strings.Split(q.Get("groupBy"), ",") {
			if d = strings.TrimSpace(d); d != "" {
				groupBy = append(groupBy, dimension.Dimension(strings.ToUpper(d)))
			}
		}
		period := dimension.PeriodUnit(strings.ToUpper(q.Get("period")))
		if period == "" {
			period = dimension.Month
		}
		in := &analytics.FilterInput{}
		for name, dst := range map[string]**time.Time{"from": &in.From, "to": &in.To} {
			if s := q.Get(name); s != "" {
				d, err := intakecsv.ParseDate(s)
				if err != nil {
					apperr.WriteText(w, apperr.OnField(name, "not a date (YYYY-MM-DD or DD/MM/YYYY)"))
					return
				}
				*dst = &d
			}
		}
		rep, err := o.Analytics.DemandFor(ctx, groupBy, period, in)
		if err != nil {
			downloadFailed(w, r, o, "demand export", err)
			return
		}
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="domanda-sociale.csv"`)
		if err := analytics.WriteCSV(w, rep, groupBy, q.Get("excel") == "1"); err != nil {
			o.Log.ErrorContext(ctx, "demand export failed", "err", err)
		}
	})
}

// routeAllowed reports whether the viewer's role may request the route
// that matched r, as access.RootFields says under access.Route.
func routeAllowed(r *http.Request) bool {
	v := auth.FromContext(r.Context())
	return v != nil && access.Allowed(v.Role, access.Route, r.Pattern)
}

// csvWriter sets a CSV download's headers at its first byte, so that a
// failure before it can still be answered with a status and a code.
type csvWriter struct {
	w        http.ResponseWriter
	filename string
	started  bool
}

func (c *csvWriter) Header() http.Header { return c.w.Header() }
func (c *csvWriter) WriteHeader(s int)   { c.started = true; c.w.WriteHeader(s) }

func (c *csvWriter) Write(b []byte) (int, error) {
	if !c.started {
		c.started = true
		h := c.w.Header()
		h.Set("Content-Type", "text/csv; charset=utf-8")
		h.Set("Content-Disposition", `attachment; filename="`+c.filename+`"`)
		h.Set("Cache-Control", "no-store")
	}
	return c.w.Write(b)
}

// downloadFailed answers a CSV download's error, when nothing of the file
// was sent yet, as a JSON error with its code and status: 400 for the
// request's own errors, 503 (Retry-After) when the database cannot be
// reached, 504 past the deadline, 500 otherwise. The log keeps the cause.
func downloadFailed(w http.ResponseWriter, r *http.Request, o Options, what string, err error) {
	e := apperr.From(err)
	if e.Code == apperr.Internal || apperr.IsFault(e.Code) {
		o.Log.ErrorContext(r.Context(), what, "code", string(e.Code), "err", apperr.LogCause(err))
	}
	if c, ok := w.(*csvWriter); ok && c.started {
		return
	}
	if apperr.HTTPStatus(e.Code) == 0 {
		apperr.WriteText(w, e)
		return
	}
	apperr.WriteJSON(w, e)
}
