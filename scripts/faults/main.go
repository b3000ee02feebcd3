// Command faults puts the real server under load and injects faults, then
// checks that no acknowledged write was lost and prints the figures of
// BENCHMARKS.md ("Faults under load"):
//
//	go run ./scripts/faults -db sqlite -clients 50 -duration 60s
//	go run ./scripts/faults -db postgres -admin-url 'postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable'
//
// It builds cmd/server, runs it on 127.0.0.1 only, on a temporary
// database (a SQLite file in a temporary folder, or a PostgreSQL database
// it creates and drops), and runs clients doing reads and acknowledged
// writes (contacts with unique contactRefs). Meanwhile it injects, in
// turn: on PostgreSQL an outage of its own database (ALLOW_CONNECTIONS
// false and its backends terminated, then given back; never the
// cluster); SIGTERM (the server must finish the requests in flight and
// exit; it is started again); kill -9 (started again). At the end every
// write the server acknowledged must be in the database once, and no
// write it refused may be there.
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/lib/pq"
	_ "modernc.org/sqlite"

	"segretariato/internal/database/dbtest"
)

func main() {
	dbKind := flag.String("db", "sqlite", "sqlite or postgres")
	clients := flag.Int("clients", 50, "concurrent clients (at most 500)")
	duration := flag.Duration("duration", 60*time.Second, "length of the run (at most 10m)")
	adminURL := flag.String("admin-url", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable",
		"PostgreSQL server (loopback) where the scratch database is created and dropped")
	writes := flag.Float64("writes", 0.3, "share of requests that are writes")
	flag.Parse()
	if *clients < 1 || *clients > 500 || *duration < 10*time.Second || *duration > 10*time.Minute {
		fail("clients must be 1-500 and duration 10s-10m")
	}
	if *dbKind != "sqlite" && *dbKind != "postgres" {
		fail("-db must be sqlite or postgres")
	}
	r := &run{kind: *dbKind, clients: *clients, duration: *duration, writeShare: *writes}
	if err := r.main(*adminURL); err != nil {
		fail(err.Error())
	}
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "faults:", msg)
	os.Exit(1)
}

type run struct {
	kind       string
	clients    int
	duration   time.Duration
	writeShare float64

	dir, bin, dbURL, addr, token, need string
	admin                              *sql.DB
	dbName                             string

	mu     sync.Mutex
	server *exec.Cmd
	exited chan error
	logs   *os.File

	windows  []window // guarded by mu
	results  chan result
	acked    sync.Map // contactRef → true: the server answered the write with its id
	unknown  sync.Map // contactRef → result: no answer (connection cut), OUTCOME_UNKNOWN or TIMEOUT
	inFlight atomic.Int64

	figures   []string
	sigtermAt time.Time
}

// window is a fault's time: from its injection until the server served
// again.
type window struct {
	name     string
	from, to time.Time
}

type result struct {
	start   time.Time
	latency time.Duration
	outcome string // "ok", an extensions.code, "HTTP <status>", or "no answer"
	write   bool
}

func (r *run) main(adminURL string) (err error) {
	if r.dir, err = os.MkdirTemp("", "segretariato-faults-"); err != nil {
		return err
	}
	defer os.RemoveAll(r.dir)
	r.bin = filepath.Join(r.dir, "server")
	fmt.Println("building cmd/server …")
	if out, err := exec.Command("go", "build", "-o", r.bin, "./cmd/server").CombinedOutput(); err != nil {
		return fmt.Errorf("building the server: %v\n%s", err, out)
	}
	if r.kind == "sqlite" {
		r.dbURL = "sqlite:" + filepath.Join(r.dir, "faults.db")
	} else if err := r.scratchPostgres(adminURL); err != nil {
		return err
	} else {
		defer r.dropPostgres()
	}
	if r.logs, err = os.Create(filepath.Join(r.dir, "server.log")); err != nil {
		return err
	}
	out, err := r.command("operator", "add", "--email", "carico@comune.example.it", "--name", "Prova di carico", "--role", "COORDINATOR").Output()
	if err != nil {
		return fmt.Errorf("creating the operator: %v", err)
	}
	r.token = strings.TrimSpace(string(out))
	if err := r.start(); err != nil {
		return err
	}
	defer r.stop()
	if err := r.findNeed(); err != nil {
		return err
	}
	return r.load()
}

func (r *run) command(args ...string) *exec.Cmd {
	cmd := exec.Command(r.bin, args...)
	cmd.Env = append(os.Environ(), "DATABASE_URL="+r.dbURL, "ENV=production", "LOG_LEVEL=warn")
	cmd.Stderr = r.logs
	return cmd
}

// scratchPostgres creates the run's own database on the loopback server.
func (r *run) scratchPostgres(adminURL string) error {
	u, err := url.Parse(adminURL)
	if err != nil || !isLoopback(u.Hostname()) {
		return errors.New("-admin-url must be a postgres:// URL on a loopback address")
	}
	if r.admin, err = sql.Open("postgres", adminURL); err != nil {
		return err
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	r.dbName = "seg_faults_" + hex.EncodeToString(b)
	if _, err := r.admin.Exec("CREATE DATABASE " + pq.QuoteIdentifier(r.dbName)); err != nil {
		return fmt.Errorf("creating the scratch database: %w", err)
	}
	u.Path = "/" + r.dbName
	r.dbURL = u.String()
	return nil
}

func (r *run) dropPostgres() {
	_, _ = r.admin.Exec("ALTER DATABASE " + pq.QuoteIdentifier(r.dbName) + " ALLOW_CONNECTIONS true")
	if _, err := r.admin.Exec("DROP DATABASE IF EXISTS " + pq.QuoteIdentifier(r.dbName) + " WITH (FORCE)"); err != nil {
		fmt.Fprintln(os.Stderr, "dropping the scratch database:", err)
	}
	r.admin.Close()
}

func isLoopback(host string) bool {
	ip := net.ParseIP(host)
	return host == "localhost" || (ip != nil && ip.IsLoopback())
}

// start runs the server on a free loopback port and waits until it answers.
func (r *run) start() error {
	if r.addr == "" {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		r.addr = ln.Addr().String()
		ln.Close()
	}
	cmd := r.command()
	cmd.Env = append(cmd.Env, "ADDR="+r.addr)
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	r.mu.Lock()
	r.server, r.exited = cmd, exited
	r.mu.Unlock()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		res, err := http.Get("http://" + r.addr + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return nil
			}
		}
		select {
		case err := <-exited:
			return fmt.Errorf("the server exited at start: %v", err)
		case <-time.After(20 * time.Millisecond):
		}
	}
	return errors.New("the server did not become ready in 60 s")
}

func (r *run) stop() {
	r.mu.Lock()
	cmd, exited := r.server, r.exited
	r.mu.Unlock()
	if cmd != nil && cmd.ProcessState == nil {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
		}
	}
}

var client = &http.Client{
	Timeout:   40 * time.Second,
	Transport: &http.Transport{MaxIdleConnsPerHost: 500, DisableCompression: true},
}

type gqlAnswer struct {
	status int
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Extensions struct{ Code string } `json:"extensions"`
	} `json:"errors"`
}

func (r *run) post(ctx context.Context, query string, vars map[string]any) (gqlAnswer, error) {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+r.addr+"/graphql", bytes.NewReader(body))
	if err != nil {
		return gqlAnswer{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+r.token)
	res, err := client.Do(req)
	if err != nil {
		return gqlAnswer{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return gqlAnswer{}, err
	}
	a := gqlAnswer{status: res.StatusCode}
	_ = json.Unmarshal(b, &a)
	return a, nil
}

func (a gqlAnswer) outcome() string {
	if len(a.Errors) > 0 && a.Errors[0].Extensions.Code != "" {
		return a.Errors[0].Extensions.Code
	}
	if a.status != 200 || len(a.Errors) > 0 {
		return fmt.Sprintf("HTTP %d", a.status)
	}
	return "ok"
}

func (r *run) findNeed() error {
	a, err := r.post(context.Background(), `{ needCategories(first: 1) { edges { node { id } } } }`, nil)
	if err != nil {
		return err
	}
	var d struct {
		NeedCategories struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	if err := json.Unmarshal(a.Data, &d); err != nil || len(d.NeedCategories.Edges) == 0 {
		return fmt.Errorf("no need category: %s", a.Data)
	}
	r.need = d.NeedCategories.Edges[0].Node.ID
	return nil
}

const readQuery = `{ contacts(first: 10) { totalCount edges { node { id contactRef occurredAt mainNeed { code } } } } }`

const writeQuery = `mutation($ref: String!, $n: ID!) { createContact(input: {contactRef: $ref, mainNeedID: $n,
	occurredAt: "2025-03-14T15:45:00Z", channel: IN_PERSON, requester: SELF, targetArea: ELDERLY,
	responses: [INFORMATION], outcome: INFORMED}) { id } }`

func (r *run) addWindow(name string, from, to time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.windows = append(r.windows, window{name, from, to})
}

// phase is the fault a request overlapped, or "steady".
func (r *run) phase(res result) string {
	end := res.start.Add(res.latency)
	for _, w := range r.windows {
		if res.start.Before(w.to) && end.After(w.from) {
			return w.name
		}
	}
	return "steady"
}

// client runs requests until ctx ends, one at a time.
func (r *run) client(ctx context.Context, id int) {
	rng := mrand.New(mrand.NewPCG(uint64(id), uint64(time.Now().UnixNano())))
	for seq := 0; ctx.Err() == nil; seq++ {
		write := rng.Float64() < r.writeShare
		start := time.Now()
		r.inFlight.Add(1)
		var a gqlAnswer
		var err error
		ref := fmt.Sprintf("F-%d-%d", id, seq)
		if write {
			a, err = r.post(context.Background(), writeQuery, map[string]any{"ref": ref, "n": r.need})
		} else {
			a, err = r.post(context.Background(), readQuery, nil)
		}
		r.inFlight.Add(-1)
		res := result{start: start, latency: time.Since(start), write: write}
		if err != nil {
			res.outcome = "no answer"
		} else {
			res.outcome = a.outcome()
		}
		if write {
			switch res.outcome {
			case "ok":
				r.acked.Store(ref, true)
			case "no answer", "OUTCOME_UNKNOWN", "TIMEOUT":
				// TIMEOUT is reported when nothing was committed; it is kept
				// aside so that the check below can say so.
				r.unknown.Store(ref, res)
			}
		}
		r.results <- res
		if err != nil {
			time.Sleep(50 * time.Millisecond) // the server is down: do not spin
		}
	}
}

func (r *run) load() error {
	r.results = make(chan result, 4096)
	var all []result
	collected := make(chan struct{})
	go func() {
		for res := range r.results {
			all = append(all, res)
		}
		close(collected)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), r.duration)
	defer cancel()
	var wg sync.WaitGroup
	for i := range r.clients {
		wg.Go(func() { r.client(ctx, i) })
	}
	fmt.Printf("%s: %d clients for %v on http://%s\n", r.kind, r.clients, r.duration, r.addr)
	faultErr := r.inject(ctx, time.Now())
	<-ctx.Done()
	wg.Wait()
	close(r.results)
	<-collected
	r.report(all)
	checkErr := r.check(all)
	return errors.Join(faultErr, checkErr)
}

// inject runs the faults at fixed points of the run.
func (r *run) inject(ctx context.Context, start time.Time) error {
	at := func(frac float64) bool {
		select {
		case <-ctx.Done():
			return false
		case <-time.After(time.Until(start.Add(time.Duration(frac * float64(r.duration))))):
			return true
		}
	}
	var errs []error
	if r.kind == "postgres" && at(0.2) {
		errs = append(errs, r.outage())
	}
	if at(0.45) {
		errs = append(errs, r.sigterm())
	}
	if at(0.7) {
		errs = append(errs, r.kill9())
	}
	return errors.Join(errs...)
}

// waitServing measures how long until a read answers ok.
func (r *run) waitServing(from time.Time) (time.Duration, error) {
	for time.Since(from) < 60*time.Second {
		a, err := r.post(context.Background(), `{ me { email } }`, nil)
		if err == nil && a.outcome() == "ok" {
			return time.Since(from), nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	return 0, errors.New("not serving 60 s after the fault")
}

func (r *run) outage() error {
	out := dbtest.NewOutage(r.admin, r.dbName)
	began := time.Now()
	if err := out.Begin(context.Background()); err != nil {
		return err
	}
	time.Sleep(5 * time.Second)
	if err := out.End(context.Background()); err != nil {
		return err
	}
	ended := time.Now()
	rec, err := r.waitServing(ended)
	r.addWindow("outage", began, time.Now())
	r.figure("PostgreSQL outage: 5 s (ALLOW_CONNECTIONS false + backends terminated); serving again %v after the database was given back", rec.Round(time.Millisecond))
	return err
}

func (r *run) sigterm() error {
	r.mu.Lock()
	cmd, exited := r.server, r.exited
	r.mu.Unlock()
	inFlight := r.inFlight.Load()
	sent := time.Now()
	r.sigtermAt = sent
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return err
	}
	var exitErr error
	select {
	case exitErr = <-exited:
	case <-time.After(30 * time.Second):
		return errors.New("the server did not exit within 30 s of SIGTERM")
	}
	stopped := time.Since(sent)
	if err := r.start(); err != nil {
		return err
	}
	down, err := r.waitServing(sent)
	r.addWindow("sigterm", sent, time.Now())
	r.figure("SIGTERM with %d requests in flight: exited (%v) in %v; serving again %v after the signal (restart included)",
		inFlight, exitStatus(exitErr), stopped.Round(time.Millisecond), down.Round(time.Millisecond))
	if exitErr != nil {
		return fmt.Errorf("the server exited with %v after SIGTERM", exitErr)
	}
	return err
}

func (r *run) kill9() error {
	r.mu.Lock()
	cmd, exited := r.server, r.exited
	r.mu.Unlock()
	inFlight := r.inFlight.Load()
	sent := time.Now()
	if err := cmd.Process.Kill(); err != nil {
		return err
	}
	<-exited
	if err := r.start(); err != nil {
		return err
	}
	down, err := r.waitServing(sent)
	r.addWindow("kill9", sent, time.Now())
	r.figure("kill -9 with %d requests in flight: serving again %v after the kill (restart and recovery included)", inFlight, down.Round(time.Millisecond))
	return err
}

func exitStatus(err error) string {
	if err == nil {
		return "status 0"
	}
	return err.Error()
}

func (r *run) figure(format string, args ...any) {
	s := fmt.Sprintf(format, args...)
	fmt.Println("  " + s)
	r.figures = append(r.figures, s)
}

func (r *run) report(all []result) {
	byPhase := map[string][]result{}
	var faultTime time.Duration
	for _, w := range r.windows {
		faultTime += w.to.Sub(w.from)
	}
	cut := map[string]int{}
	for _, res := range all {
		p := r.phase(res)
		byPhase[p] = append(byPhase[p], res)
		if !r.sigtermAt.IsZero() && res.start.Before(r.sigtermAt) && res.start.Add(res.latency).After(r.sigtermAt) {
			cut[res.outcome]++
		}
	}
	fmt.Printf("\n%s, %d clients, %v, %.0f%% writes: %d requests, %.0f requests/s overall\n",
		r.kind, r.clients, r.duration, r.writeShare*100, len(all), float64(len(all))/r.duration.Seconds())
	fmt.Println("| phase | requests | p50 | p99 | answers |")
	fmt.Println("|---|---|---|---|---|")
	for _, phase := range []string{"steady", "outage", "sigterm", "kill9"} {
		rs := byPhase[phase]
		if len(rs) == 0 {
			continue
		}
		var lat []time.Duration
		codes := map[string]int{}
		for _, res := range rs {
			codes[res.outcome]++
			if res.outcome == "ok" {
				lat = append(lat, res.latency)
			}
		}
		slices.Sort(lat)
		var parts []string
		for c, n := range codes {
			parts = append(parts, fmt.Sprintf("%s %d", c, n))
		}
		sort.Strings(parts)
		fmt.Printf("| %s | %d | %s | %s | %s |\n", phase, len(rs), pct(lat, 0.5), pct(lat, 0.99), strings.Join(parts, ", "))
	}
	fmt.Printf("- steady: %.0f requests/s (outside the %v of faults)\n",
		float64(len(byPhase["steady"]))/(r.duration-faultTime).Seconds(), faultTime.Round(time.Millisecond))
	for _, f := range r.figures {
		fmt.Println("- " + f)
	}
	if len(cut) > 0 {
		fmt.Printf("- requests in flight (sent, not yet answered) at the SIGTERM: %v\n", cut)
	}
}

func pct(d []time.Duration, p float64) string {
	if len(d) == 0 {
		return "-"
	}
	i := int(math.Ceil(p*float64(len(d)))) - 1
	return d[max(i, 0)].Round(100 * time.Microsecond).String()
}

// check reads the contacts the clients wrote straight from the database.
func (r *run) check(all []result) error {
	driverName, dsn := "postgres", r.dbURL
	if r.kind == "sqlite" {
		driverName, dsn = "sqlite", "file:"+strings.TrimPrefix(r.dbURL, "sqlite:")+"?_pragma=busy_timeout(5000)"
	}
	db, err := sql.Open(driverName, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	rows, err := db.Query(`SELECT contact_ref, count(*) FROM contacts WHERE contact_ref LIKE 'F-%' GROUP BY contact_ref`)
	if err != nil {
		return fmt.Errorf("reading the written contacts: %w", err)
	}
	defer rows.Close()
	stored := map[string]int{}
	for rows.Next() {
		var ref string
		var n int
		if err := rows.Scan(&ref, &n); err != nil {
			return err
		}
		stored[ref] = n
	}
	if err := rows.Err(); err != nil {
		return err
	}
	var acked, lost, dup, unexpected, unknownStored, unknownMissing, timeoutStored int
	unanswered := map[string][2]int{} // phase → [stored, not stored]
	r.acked.Range(func(k, _ any) bool {
		acked++
		switch stored[k.(string)] {
		case 0:
			lost++
		case 1:
		default:
			dup++
		}
		return true
	})
	for ref := range stored {
		if _, ok := r.acked.Load(ref); ok {
			continue
		}
		if v, ok := r.unknown.Load(ref); ok {
			unknownStored++
			if v.(result).outcome == "TIMEOUT" {
				timeoutStored++
			}
			continue
		}
		unexpected++
	}
	r.unknown.Range(func(k, v any) bool {
		p := r.phase(v.(result)) + " " + v.(result).outcome
		c := unanswered[p]
		if stored[k.(string)] == 0 {
			unknownMissing++
			c[1]++
		} else {
			c[0]++
		}
		unanswered[p] = c
		return true
	})
	panics := 0
	if b, err := os.ReadFile(r.logs.Name()); err == nil {
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			if strings.Contains(sc.Text(), "panic") {
				panics++
			}
		}
	}
	internal := 0
	for _, res := range all {
		if res.outcome == "INTERNAL" || res.outcome == "HTTP 500" {
			internal++
		}
	}
	fmt.Printf("- writes acknowledged: %d; lost: %d; stored twice: %d; stored though refused: %d; "+
		"without an answer: %d stored, %d not; panics in the server log: %d; INTERNAL answers: %d\n",
		acked, lost, dup, unexpected, unknownStored, unknownMissing, panics, internal)
	for p, c := range unanswered {
		fmt.Printf("  - writes without an answer (%s): %d stored, %d not\n", p, c[0], c[1])
	}
	var errs []error
	if lost > 0 || dup > 0 || unexpected > 0 || timeoutStored > 0 {
		errs = append(errs, fmt.Errorf("writes: %d lost, %d stored twice, %d stored though refused, %d stored though TIMEOUT", lost, dup, unexpected, timeoutStored))
	}
	if panics > 0 {
		errs = append(errs, fmt.Errorf("%d panics in the server log", panics))
	}
	if r.kind == "postgres" {
		unavailable := 0
		for _, res := range all {
			if r.phase(res) == "outage" && res.outcome == "UNAVAILABLE" {
				unavailable++
			}
		}
		if unavailable == 0 {
			errs = append(errs, errors.New("no UNAVAILABLE answer during the outage"))
		}
	}
	if internal > 0 {
		errs = append(errs, fmt.Errorf("%d INTERNAL answers", internal))
	}
	return errors.Join(errs...)
}
