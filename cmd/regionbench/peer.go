package main

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"entgo.io/ent/dialect"

	"segretariato/internal/audit"
)

// The comparison with a generic GraphQL server over the same database
// (--peer postgraphile): the case list (answer h) as the coordinator and
// as the social worker through this API, and the same page through
// PostGraphile 4 with the connection-filter plugin, installed from npm
// into a scratch folder of the cache only when asked. Each runs
// --clients clients for --duration, one after the other, --reps times.

// postgraphileVersions are the npm packages the peer runs.
var postgraphileVersions = []string{"postgraphile@4.14.1", "postgraphile-plugin-connection-filter@2.3.0"}

// peerCaseList is answer h in PostGraphile's schema: the same filter, the
// same order (newest first, then by id) and the same fields.
const peerCaseList = `query($op: BigInt!, $from: Datetime!, $to: Datetime!) {
  allContacts(first: 50, orderBy: [OCCURRED_AT_DESC, ID_ASC], filter: {
    occurredAt: {greaterThanOrEqualTo: $from, lessThan: $to}, operatorId: {equalTo: $op}, targetArea: {in: ["ADULTS", "ELDERLY"]}}) {
    totalCount
    nodes {
      id occurredAt targetArea outcome
      citizenByCitizenId { id firstName lastName fiscalCode }
      needCategoryByMainNeedId { code labelIt }
      contactNeedsByContactId { nodes { needCategoryByNeedCategoryId { code } } }
      referralsByContactId { nodes { status serviceByServiceId { code name } } }
    }
  } }`

// peerHistory is answer i in PostGraphile's schema: the citizen by its
// id, with the same contacts, in the same order, and the same fields.
const peerHistory = `query($id: BigInt!) {
  citizenById(id: $id) { id firstName lastName fiscalCode
    contactsByCitizenId(first: 50, orderBy: [OCCURRED_AT_DESC, ID_ASC]) {
      totalCount
      nodes {
        id occurredAt targetArea outcome
        needCategoryByMainNeedId { code labelIt }
        contactNeedsByContactId { nodes { needCategoryByNeedCategoryId { code } } }
        referralsByContactId { nodes { status serviceByServiceId { code name } } }
      }
    } } }`

// peerContacts is a page of contacts in PostGraphile's answer.
type peerContacts struct {
	TotalCount int
	Nodes      []struct {
		ID                      string
		ContactNeedsByContactID struct {
			Nodes []struct{ NeedCategoryByNeedCategoryID struct{ Code string } }
		} `json:"contactNeedsByContactId"`
		ReferralsByContactID struct {
			Nodes []struct {
				Status             string
				ServiceByServiceID struct{ Code string } `json:"serviceByServiceId"`
			}
		} `json:"referralsByContactId"`
	}
}

// figures are the page as answers h and i compare it.
func (p peerContacts) figures() figures {
	f := figures{"TOTAL": strconv.Itoa(p.TotalCount)}
	for i, n := range p.Nodes {
		var needs, refs []string
		for _, x := range n.ContactNeedsByContactID.Nodes {
			needs = append(needs, x.NeedCategoryByNeedCategoryID.Code)
		}
		for _, r := range n.ReferralsByContactID.Nodes {
			refs = append(refs, r.ServiceByServiceID.Code+":"+r.Status)
		}
		caseRow(f, i, n.ID, needs, refs)
	}
	return f
}

// decodePeer reads PostGraphile's page as the figures of answer h.
func decodePeer(data json.RawMessage) (figures, error) {
	var out struct{ AllContacts peerContacts }
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, err
	}
	return out.AllContacts.figures(), nil
}

// decodePeerHistory reads PostGraphile's citizen as the figures of answer i.
func decodePeerHistory(data json.RawMessage) (figures, error) {
	var out struct {
		CitizenByID struct {
			ContactsByCitizenID peerContacts `json:"contactsByCitizenId"`
		} `json:"citizenById"`
	}
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, err
	}
	return out.CitizenByID.ContactsByCitizenID.figures(), nil
}

// postgraphile is a running PostGraphile.
type postgraphile struct {
	endpoint string
	cmd      *exec.Cmd
	// statements counts the SQL statements it has sent, when started to
	// count them (its debug log of each, which costs time: a sample's).
	statements atomic.Int64
	logged     sync.WaitGroup
}

// startPostGraphile installs PostGraphile into dir (once) and starts it
// over the database dbURL on a free loopback port; with countSQL, it logs
// each statement it sends, which statements counts.
func startPostGraphile(ctx context.Context, dir, dbURL string, countSQL bool, progress io.Writer) (*postgraphile, error) {
	bin := filepath.Join(dir, "node_modules", ".bin", "postgraphile")
	if _, err := os.Stat(bin); err != nil {
		fmt.Fprintf(progress, "installing %s into %s (npm)\n", strings.Join(postgraphileVersions, " "), dir)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		npm := exec.CommandContext(ctx, "npm", append([]string{"install", "--no-audit", "--no-fund", "--prefix", dir}, postgraphileVersions...)...)
		npm.Stdout, npm.Stderr = progress, progress
		if err := npm.Run(); err != nil {
			return nil, fmt.Errorf("npm install: %w", err)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command(bin, "-c", dbURL, "--host", "127.0.0.1", "--port", strconv.Itoa(port),
		"--append-plugins", "postgraphile-plugin-connection-filter", "--disable-default-mutations", "--disable-graphiql")
	cmd.Stdout = io.Discard
	p := &postgraphile{endpoint: fmt.Sprintf("http://127.0.0.1:%d/graphql", port), cmd: cmd}
	if countSQL {
		cmd.Env = append(os.Environ(), "DEBUG=postgraphile:postgres")
		stderr, err := cmd.StderrPipe()
		if err != nil {
			return nil, err
		}
		p.logged.Add(1)
		go func() {
			defer p.logged.Done()
			s := bufio.NewScanner(stderr)
			for s.Scan() {
				// Each statement's first line: "<time> postgraphile:postgres <SQL>".
				if _, rest, ok := strings.Cut(s.Text(), " "); ok && strings.HasPrefix(rest, "postgraphile:postgres ") {
					p.statements.Add(1)
				}
			}
		}()
	} else {
		cmd.Stderr = io.Discard
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		if _, _, err := post(ctx, http.DefaultClient, p.endpoint, "", "{ __typename }", nil); err == nil {
			return p, nil
		}
		if time.Now().After(deadline) {
			p.stop()
			return nil, errors.New("PostGraphile did not answer within 60 s")
		}
	}
}

func (p *postgraphile) stop() {
	_ = p.cmd.Process.Kill()
	p.logged.Wait()
	_ = p.cmd.Wait()
}

// peerStatements is the statements PostGraphile sends per page of query:
// a sample of 10 pages through an instance that logs them.
func peerStatements(ctx context.Context, dir, dbURL, query string, vars map[string]any, progress io.Writer) (float64, error) {
	p, err := startPostGraphile(ctx, dir, dbURL, true, progress)
	if err != nil {
		return 0, err
	}
	defer p.stop()
	time.Sleep(500 * time.Millisecond) // its start's own statements logged
	before := p.statements.Load()
	for range 10 {
		if _, _, err := post(ctx, http.DefaultClient, p.endpoint, "", query, vars); err != nil {
			return 0, err
		}
	}
	time.Sleep(500 * time.Millisecond)
	return float64(p.statements.Load()-before) / 10, nil
}

// loadResult is one load run: its requests and their latencies.
type loadResult struct {
	requests  int
	latencies []time.Duration
	elapsed   time.Duration
}

// underLoad runs clients clients posting the request for d.
func underLoad(ctx context.Context, endpoint, token, query string, vars map[string]any, clients int, d time.Duration) (loadResult, error) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	var mu sync.Mutex
	var res loadResult
	var firstErr error
	var wg sync.WaitGroup
	start := time.Now()
	stop := start.Add(d)
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for time.Now().Before(stop) {
				t0 := time.Now()
				_, _, err := post(ctx, client, endpoint, token, query, vars)
				if err != nil {
					mu.Lock()
					firstErr = cmp.Or(firstErr, err)
					mu.Unlock()
					return
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			res.latencies = append(res.latencies, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	res.requests = len(res.latencies)
	return res, firstErr
}

// peerSide is one side of the comparison.
type peerSide struct {
	name, endpoint, token, query string
	vars                         map[string]any
	decode                       func(json.RawMessage) (figures, error)
	pid                          string  // whose memory is reported ("self": this process)
	statements                   float64 // SQL statements per page
}

// comparePeer checks that both servers return the same page, then runs
// the load on each side in turn and prints the table.
func comparePeer(ctx context.Context, o options, e env, title string, sides []peerSide, out, progress io.Writer) error {
	var want figures
	for _, s := range sides {
		data, _, err := post(ctx, http.DefaultClient, s.endpoint, s.token, s.query, s.vars)
		if err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		got, err := s.decode(data)
		if err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		if want == nil {
			want = got
		} else if diff := compare(got, want); diff != "" {
			return fmt.Errorf("%s does not return the same page as %s:\n%s", s.name, sides[0].name, diff)
		}
	}
	type row struct {
		side  peerSide
		rep   int
		res   loadResult
		audit float64
		peak  string // the process's peak RSS
		cpu   cpuSplit
	}
	var rows []row
	for rep := 1; rep <= o.Reps; rep++ {
		for _, s := range sides {
			a0, err := audit.TrailBytes(ctx, e.db, dialect.Postgres)
			if err != nil {
				return err
			}
			c0 := cpuNow(s.pid)
			res, err := underLoad(ctx, s.endpoint, s.token, s.query, s.vars, o.Clients, o.Duration)
			if err != nil {
				return fmt.Errorf("%s: %w", s.name, err)
			}
			cpu := cpuNow(s.pid).since(c0)
			a1, err := audit.TrailBytes(ctx, e.db, dialect.Postgres)
			if err != nil {
				return err
			}
			rows = append(rows, row{s, rep, res, float64(a1-a0) / float64(max(res.requests, 1)), peakOf(s.pid), cpu})
			fmt.Fprintf(progress, "%s, repetition %d: %d requests\n", s.name, rep, res.requests)
		}
	}
	fmt.Fprintf(out, "\n%s under load: %d clients × %s each, %d repetitions, interleaved\n", title, o.Clients, o.Duration, o.Reps)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	// This API's process also runs the clients, the loader and the
	// generator: its peak is theirs too.
	// The CPU a request: of this process (the clients; the server too on
	// this API's rows), of the peer's process, of PostgreSQL.
	fmt.Fprintln(tw, "server\trep\trequests/s\tp50\tp99\tstatements per page\taudit bytes per page\tprocess peak RSS\tCPU ms/request: this process\tpeer\tPostgreSQL\t")
	for _, r := range rows {
		n := time.Duration(max(r.res.requests, 1))
		fmt.Fprintf(tw, "%s\t%d\t%.0f\t%s\t%s\t%.1f\t%.0f\t%s\t%s\t%s\t%s\t\n", r.side.name, r.rep,
			float64(r.res.requests)/r.res.elapsed.Seconds(), ms(percentile(r.res.latencies, 50)), ms(percentile(r.res.latencies, 99)),
			r.side.statements, r.audit, r.peak, ms(r.cpu.self/n), ms(r.cpu.peer/n), ms(r.cpu.postgres/n))
	}
	return tw.Flush()
}

// peakOf is a process's peak resident memory ("?" where unknown).
func peakOf(pid string) string {
	if _, peak := memoryOf(pid); peak != "" {
		return peak
	}
	return "?"
}
