package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"entgo.io/ent/dialect"

	"segretariato/ent/operator"
	"segretariato/ent/schema/schematype"
	"segretariato/internal/access"
	"segretariato/internal/analytics"
	"segretariato/internal/auth"
	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
	"segretariato/internal/region"
	"segretariato/internal/server"
	"segretariato/internal/services"
	"segretariato/internal/wiring"
)

// result is what a run measured, for the test and the report.
type result struct {
	Mismatches []string
	Lines      []line
	Compared   []string // answers whose API figures were checked against the SQL
	// What the database holds after the load.
	Contacts, Anonymous, Citizens, Referrals int
}

// line is one answer's measurements.
type line struct {
	Name, Title        string
	API, SQL           []time.Duration // measured rounds
	Statements         int             // SQL statements per API answer (counting drivers)
	Cells              int             // entries of the answer's figures
	SQLNote            string
	APIBytes, Requests int
}

// run generates (or finds) the region, loads it (unless reuse finds it
// loaded), serves the API on a loopback port and measures the answers.
func run(ctx context.Context, o options, out, progress io.Writer) (result, error) {
	var res result
	if o.Peer != "" && (o.Peer != "postgraphile" || o.DB != dialect.Postgres) {
		return res, fmt.Errorf("--peer: only postgraphile, on PostgreSQL")
	}
	cfg := region.Config{Contacts: o.N, Seed: o.Seed}.Normalised()
	o.N, o.Seed = cfg.Contacts, cfg.Seed
	if o.DB == "sqlite" {
		o.DB = dialect.SQLite
	}
	if o.Rounds <= 0 {
		o.Rounds = 1
	}
	selected, err := selectAnswers(o.Only)
	if err != nil {
		return res, err
	}
	if o.CPUProfile != "" {
		f, err := os.Create(o.CPUProfile)
		if err != nil {
			return res, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return res, err
		}
		defer pprof.StopCPUProfile()
	}
	if o.MemProfile != "" {
		defer func() {
			if err := writeHeapProfile(o.MemProfile); err != nil {
				fmt.Fprintf(progress, "memory profile: %v\n", err)
			}
		}()
	}
	dir := o.Cache
	if dir == "" {
		if dir, err = region.DefaultCacheDir(); err != nil {
			return res, err
		}
	}
	start := time.Now()
	path, created, err := region.Cached(dir, cfg)
	if err != nil {
		return res, fmt.Errorf("generating the region: %w", err)
	}
	if created {
		fmt.Fprintf(out, "generated %s in %s\n", path, time.Since(start).Round(time.Millisecond))
	} else {
		fmt.Fprintf(out, "using the cached %s\n", path)
	}

	sc, err := prepare(ctx, o)
	if err != nil {
		return res, err
	}
	counter := &dbtest.Counter{}
	db, err := wiring.Open(ctx, sc.url, o.dbOptions(counter))
	if err != nil {
		return res, err
	}
	defer func() {
		db.Close()
		if !o.Keep && !o.Reuse {
			if err := sc.drop(); err != nil {
				fmt.Fprintln(progress, "regionbench: dropping the database:", err)
			}
		}
	}()
	isLoaded := false
	if o.Reuse {
		if isLoaded, err = loaded(ctx, db, o.N); err != nil {
			return res, err
		}
	}
	if isLoaded {
		fmt.Fprintf(out, "reusing the loaded %s database\n", db.Dialect)
	} else {
		if o.Reuse {
			// A half-loaded database from an interrupted run: start again.
			db.Close()
			o.Reuse = false
			if sc, err = prepare(ctx, o); err != nil {
				return res, err
			}
			o.Reuse = true
			if db, err = wiring.Open(ctx, sc.url, o.dbOptions(counter)); err != nil {
				return res, err
			}
		}
		if err := load(ctx, db, path, out, progress); err != nil {
			return res, err
		}
		if db.Dialect == dialect.Postgres {
			if _, err := db.SQL.ExecContext(ctx, "ANALYZE"); err != nil {
				return res, err
			}
		}
	}
	if db.Dialect == dialect.Postgres {
		if err := vacuumRegion(ctx, db.SQL, out); err != nil {
			return res, err
		}
	}
	if err := describe(ctx, db, out, &res); err != nil {
		return res, err
	}
	if o.AuditEvents > 0 {
		if db.Dialect != dialect.Postgres {
			return res, fmt.Errorf("--audit-events: PostgreSQL only")
		}
		if err := fillTrail(ctx, db.SQL, o.AuditEvents, out, progress); err != nil {
			return res, fmt.Errorf("filling the audit trail: %w", err)
		}
	}
	if db.Dialect == dialect.Postgres && slices.ContainsFunc(selected, func(a answer) bool { return a.name == "w" }) {
		if err := vacuumTrail(ctx, db.SQL, out); err != nil {
			return res, err
		}
	}

	// The coordinator, and the social worker whose case list is read (the
	// one holding the most contacts).
	sys := access.System(ctx)
	stamp := time.Now().UnixNano()
	_, coordToken, err := auth.CreateOperator(sys, db.Client, fmt.Sprintf("coordinatore.%d@ambito.example.it", stamp), "Coordinatrice", schematype.RoleCoordinator)
	if err != nil {
		return res, err
	}
	worker, err := db.Client.Operator.Query().Where(operator.Email(region.Operators()[0].Email)).Only(sys)
	if err != nil {
		return res, err
	}
	workerToken, err := auth.IssueToken(sys, db.Client, worker.ID)
	if err != nil {
		return res, err
	}

	// The analytics engine on a pool of its own whose statements are
	// counted (dbtest.SQLCounter); everything else goes through ent and the
	// counting ent driver.
	var analyticsStatements dbtest.SQLCounter
	pool := analyticsStatements.Pool(db.SQL, sc.url)
	pool.SetMaxOpenConns(8)
	defer pool.Close()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	set, err := services.New(ctx, db, services.Config{Log: quiet})
	if err != nil {
		return res, err
	}
	// The one service made here: the engine the server's would be, but on
	// the counted pool.
	if set.Analytics, err = analytics.New(&database.DB{Client: db.Client, SQL: pool, Dialect: db.Dialect}, 0); err != nil {
		return res, err
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return res, err
	}
	// As every server process: the operators kept until one changes.
	watch, err := wiring.WatchInvalidations(db, sc.url, quiet)
	if err != nil {
		return res, err
	}
	defer watch.Close()
	srv, err := server.NewHTTPServer(server.Options{
		DB: db, Log: quiet, Set: *set, Invalidations: watch,
		ReadTimeout: time.Hour, RequestTimeout: time.Hour, ImportTimeout: time.Hour,
	})
	if err != nil {
		return res, err
	}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	endpoint := "http://" + ln.Addr().String() + "/graphql"
	client := &http.Client{}
	e := env{db: db.SQL, postgres: db.Dialect == dialect.Postgres, operatorID: worker.ID}
	if e.citizens, err = trailCitizens(ctx, db.SQL); err != nil {
		return res, err
	}

	lines := make([]line, len(selected))
	for i, a := range selected {
		lines[i] = line{Name: a.name, Title: a.title, SQLNote: a.sqlNote}
	}
	for round := 0; round < o.Warmup+o.Rounds; round++ {
		measured := round >= o.Warmup
		e.round = round
		for i, a := range selected {
			token := coordToken
			if a.socialWorker {
				token = workerToken
			}
			counter.Reset()
			analyticsStatements.Reset()
			t0 := time.Now()
			data, size, err := post(ctx, client, endpoint, token, a.query, a.vars(e))
			took := time.Since(t0)
			if err != nil {
				return res, fmt.Errorf("answer %s: %w", a.name, err)
			}
			lines[i].Statements = counter.Count() + analyticsStatements.Count()
			lines[i].APIBytes = size
			if measured {
				lines[i].API = append(lines[i].API, took)
			}
			if a.sql == nil {
				if round == 0 {
					got, err := a.decode(data)
					if err != nil {
						return res, fmt.Errorf("answer %s: %w", a.name, err)
					}
					lines[i].Cells = len(got)
				}
				continue
			}
			t0 = time.Now()
			want, err := a.sql(ctx, e)
			took = time.Since(t0)
			if err != nil {
				return res, fmt.Errorf("answer %s, SQL: %w", a.name, err)
			}
			if measured {
				lines[i].SQL = append(lines[i].SQL, took)
			}
			if round == 0 {
				got, err := a.decode(data)
				if err != nil {
					return res, fmt.Errorf("answer %s: %w", a.name, err)
				}
				lines[i].Cells = len(got)
				res.Compared = append(res.Compared, a.name)
				if diff := compare(got, want); diff != "" {
					res.Mismatches = append(res.Mismatches, a.name)
					fmt.Fprintf(out, "\n!!! MISMATCH in %s (%s): API != SQL\n%s\n", a.name, a.title, diff)
				}
			}
		}
		fmt.Fprintf(progress, "round %d of %d done\n", round+1, o.Warmup+o.Rounds)
	}
	res.Lines = lines
	report(out, o, db.Dialect, lines)
	if o.Peer != "" {
		if err := againstPeer(ctx, o, e, dir, sc.url, endpoint, coordToken, workerToken, counter.Reset, counter.Count, out, progress); err != nil {
			return res, err
		}
	}
	return res, nil
}

// againstPeer runs the comparisons with --peer: the case list (answer h)
// and a citizen's history (answer i, of the citizen the social worker
// holds with the most contacts, so that both roles read the same page).
func againstPeer(ctx context.Context, o options, e env, cache, dbURL, endpoint, coordToken, workerToken string,
	reset func(), count func() int, out, progress io.Writer) error {
	dir := filepath.Join(cache, "peer-postgraphile")
	var held int
	if err := e.db.QueryRowContext(ctx, `SELECT c.id FROM citizens c JOIN contacts k ON k.citizen_id = c.id
  WHERE c.holder_id = $1 GROUP BY c.id ORDER BY COUNT(*) DESC, c.id LIMIT 1`, e.operatorID).Scan(&held); err != nil {
		return fmt.Errorf("the social worker's citizen with the most contacts: %w", err)
	}
	history := e
	history.citizens, history.round = []int{held}, 0
	for _, c := range []struct {
		answer, title, query string
		e                    env
		vars                 map[string]any
		decode               func(json.RawMessage) (figures, error)
	}{
		{"h", "case list (answer h)", peerCaseList, e, map[string]any{"op": strconv.Itoa(e.operatorID),
			"from": march25[0].Format(time.RFC3339), "to": march25[1].Format(time.RFC3339)}, decodePeer},
		{"i", fmt.Sprintf("a citizen's history (answer i, citizen %d)", held), peerHistory, history, map[string]any{"id": strconv.Itoa(held)}, decodePeerHistory},
	} {
		a, err := answerNamed(c.answer)
		if err != nil {
			return err
		}
		// A page's statements once the server's caches hold the operator
		// and the reference data (its first request reads them).
		statements := func(token string) (int, error) {
			if _, _, err := post(ctx, http.DefaultClient, endpoint, token, a.query, a.vars(c.e)); err != nil {
				return 0, err
			}
			reset()
			_, _, err := post(ctx, http.DefaultClient, endpoint, token, a.query, a.vars(c.e))
			return count(), err
		}
		coord, err := statements(coordToken)
		if err != nil {
			return err
		}
		worker, err := statements(workerToken)
		if err != nil {
			return err
		}
		peerSQL, err := peerStatements(ctx, dir, dbURL, c.query, c.vars, progress)
		if err != nil {
			return err
		}
		p, err := startPostGraphile(ctx, dir, dbURL, false, progress)
		if err != nil {
			return err
		}
		sides := []peerSide{
			{name: "this API, coordinator", endpoint: endpoint, token: coordToken, query: a.query, vars: a.vars(c.e), decode: a.decode, pid: "self", statements: float64(coord)},
			{name: "this API, social worker", endpoint: endpoint, token: workerToken, query: a.query, vars: a.vars(c.e), decode: a.decode, pid: "self", statements: float64(worker)},
			{name: "PostGraphile 4.14.1", endpoint: p.endpoint, query: c.query, vars: c.vars, decode: c.decode, pid: strconv.Itoa(p.cmd.Process.Pid), statements: peerSQL},
		}
		err = comparePeer(ctx, o, e, c.title, sides, out, progress)
		p.stop()
		if err != nil {
			return err
		}
	}
	return nil
}

func selectAnswers(only []string) ([]answer, error) {
	if len(only) == 0 {
		return answers, nil
	}
	var out []answer
	for _, name := range only {
		a, err := answerNamed(strings.TrimSpace(name))
		if err != nil {
			return nil, fmt.Errorf("--only: %w", err)
		}
		out = append(out, a)
	}
	return out, nil
}

// answerNamed is the answer of that name.
func answerNamed(name string) (answer, error) {
	i := slices.IndexFunc(answers, func(a answer) bool { return a.name == name })
	if i < 0 {
		return answer{}, fmt.Errorf("no answer %q (answers: %s)", name, strings.Join(answerNames(), ","))
	}
	return answers[i], nil
}

// describe prints what the database holds.
func describe(ctx context.Context, db *database.DB, out io.Writer, res *result) error {
	var needs int
	contacts, anonymous, citizens, referrals := &res.Contacts, &res.Anonymous, &res.Citizens, &res.Referrals
	row := db.SQL.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM contacts), (SELECT COUNT(*) FROM contacts WHERE citizen_id IS NULL),
  (SELECT COUNT(*) FROM citizens), (SELECT COUNT(*) FROM referrals), (SELECT COUNT(*) FROM contact_needs)`)
	if err := row.Scan(contacts, anonymous, citizens, referrals, &needs); err != nil {
		return err
	}
	fmt.Fprintf(out, "data: %d contacts (%d anonymous), %d citizens, %d referrals, %d contact needs\n", *contacts, *anonymous, *citizens, *referrals, needs)
	return nil
}

// post sends a GraphQL request and returns its data, or its first error.
func post(ctx context.Context, client *http.Client, endpoint, token, query string, vars map[string]any) (json.RawMessage, int, error) {
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		return nil, 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, 0, err
	}
	var r struct {
		Data   json.RawMessage `json:"data"`
		Errors []struct {
			Message    string         `json:"message"`
			Extensions map[string]any `json:"extensions"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, 0, fmt.Errorf("status %d: %s", resp.StatusCode, b)
	}
	if resp.StatusCode != http.StatusOK || len(r.Errors) > 0 {
		if len(r.Errors) > 0 {
			return nil, 0, fmt.Errorf("status %d: %s (%v)", resp.StatusCode, r.Errors[0].Message, r.Errors[0].Extensions["code"])
		}
		return nil, 0, fmt.Errorf("status %d", resp.StatusCode)
	}
	return r.Data, len(b), nil
}

// compare lists the differences between the API's figures and the SQL's
// ("" when equal), at most ten.
func compare(api, sql figures) string {
	var keys []string
	for k := range api {
		keys = append(keys, k)
	}
	for k := range sql {
		if _, ok := api[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var b strings.Builder
	n := 0
	for _, k := range keys {
		a, okA := api[k]
		s, okS := sql[k]
		if okA && okS && a == s {
			continue
		}
		n++
		if n <= 10 {
			if !okA {
				a = "(missing)"
			}
			if !okS {
				s = "(missing)"
			}
			fmt.Fprintf(&b, "    %-40s API %-24s SQL %s\n", k, a, s)
		}
	}
	if n > 10 {
		fmt.Fprintf(&b, "    … %d differences in all (of %d API cells, %d SQL cells)\n", n, len(api), len(sql))
	}
	return b.String()
}

// percentile is the nearest-rank p-th percentile (0-100) of ds.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(math.Ceil(p/100*float64(len(s)))) - 1
	return s[max(0, min(i, len(s)-1))]
}

func ms(d time.Duration) string {
	if d == 0 {
		return "—"
	}
	return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000)
}

// report prints the table of the answers and the process's memory.
func report(out io.Writer, o options, dia string, lines []line) {
	host, _ := os.Hostname()
	fmt.Fprintf(out, "\n%s, %d contacts (seed %d), %d rounds after %d warm-up, %s %s/%s, %d CPUs, host %s\n",
		dia, o.N, o.Seed, o.Rounds, o.Warmup, runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), host)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "answer\tcells\tAPI p50\tAPI p99\tSQL p50\tSQL p99\tAPI/SQL\tSQL statements\t")
	for _, l := range lines {
		ratio := "—"
		if s := percentile(l.SQL, 50); s > 0 {
			ratio = fmt.Sprintf("%.2f", float64(percentile(l.API, 50))/float64(s))
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%d\t\n", l.Name, l.Cells,
			ms(percentile(l.API, 50)), ms(percentile(l.API, 99)), ms(percentile(l.SQL, 50)), ms(percentile(l.SQL, 99)), ratio, l.Statements)
	}
	_ = tw.Flush()
	for _, l := range lines {
		fmt.Fprintf(out, "  %s: %s", l.Name, l.Title)
		if l.SQLNote != "" {
			fmt.Fprintf(out, " (%s)", l.SQLNote)
		}
		fmt.Fprintln(out)
	}
	fmt.Fprintf(out, "server process (in-process handler, loader and generator included): %s\n", rss())
}

// writeHeapProfile writes the allocations so far (pprof's heap profile,
// read with -sample_index=alloc_space or alloc_objects).
func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
