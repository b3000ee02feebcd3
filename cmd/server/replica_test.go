package main

import (
	"bytes"
	"database/sql"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"segretariato/internal/database/dbtest"
)

// TestAnalyticsReplica runs on a streaming read replica of the PostgreSQL
// of TEST_DATABASE_URL, at TEST_REPLICA_DATABASE_URL (scripts/replica.sh
// start makes one; .ci/run starts it and sets the variable, so the test
// runs in CI). A fresh database made on the primary reaches the replica
// by itself. With the demo year loaded on the primary and replayed, a
// server whose ANALYTICS_DATABASE_URL is the replica gives every analytics
// answer, and the demand download, exactly as a server reading the
// primary. With the replica's replay paused, a new contact shows on the
// primary's answers and not on the replica's (the answers lag by the
// replay, as the README says); once replayed, they agree again.
func TestAnalyticsReplica(t *testing.T) {
	replicaBase := os.Getenv("TEST_REPLICA_DATABASE_URL")
	if replicaBase == "" {
		t.Skip("TEST_REPLICA_DATABASE_URL is not set: scripts/replica.sh start makes a replica (.ci/run does)")
	}
	primaryURL := dbtest.FreshPostgres(t)
	replicaURL := sameDatabase(t, replicaBase, primaryURL)

	var out bytes.Buffer
	addrPrimary, _ := startServer(t, []string{"--demo"}, env(map[string]string{"DATABASE_URL": primaryURL}), &out)
	tokens := map[string]string{}
	for _, m := range regexp.MustCompile(`(COORDINATOR|ANALYST)\s+\S+\s+(seg_\S+)`).FindAllStringSubmatch(out.String(), -1) {
		tokens[m[1]] = m[2]
	}
	if len(tokens) != 2 {
		t.Fatalf("no coordinator and analyst tokens printed:\n%s", out.String())
	}
	primary, replica := openPlain(t, primaryURL), openPlain(t, replicaURL)
	waitForReplay(t, primary, replica)
	addrReplica, _ := startServer(t, nil, env(map[string]string{"DATABASE_URL": primaryURL, "ANALYTICS_DATABASE_URL": replicaURL}))
	if body := getWith(t, addrReplica, "", "/readyz"); body != "ok\n" {
		t.Errorf("/readyz with the replica up: %q", body)
	}

	const demand = `{ demand(groupBy: [PERIOD, NEED_MACRO], period: QUARTER) { cells { keys labels contacts citizens newCitizens referrals suppressed }
		total { contacts citizens newCitizens referrals suppressed } } }`
	asks := []struct{ role, query string }{
		{"COORDINATOR", demand},
		{"ANALYST", demand},
		{"ANALYST", `{ demand(groupBy: [DISTRICT, AGE_BAND], period: YEAR) { cells { keys labels contacts citizens } total { contacts } } }`},
		{"COORDINATOR", `{ referralFunnel(period: QUARTER) { service serviceName period proposed accepted declined completed cancelled
			completionRate medianDaysToAcceptance medianDaysToCompletion suppressed } }`},
		{"ANALYST", `{ referralFunnel(period: YEAR) { service period proposed completed completionRate suppressed } }`},
		{"COORDINATOR", `{ caseload { operatorId email name role active contacts citizens openReferrals pendingFollowUps } }`},
		{"COORDINATOR", `{ qualityReport(year: ` + demoYear() + `) { year lines { code measured value met shortfalls }
			weeks { week hours afternoonOpenings } socialWorkers { operatorId days } locations { name accessible reservedRooms waitingArea } } }`},
	}
	answers := func(addr string) []string {
		var got []string
		for _, a := range asks {
			got = append(got, graphQL(t, addr, tokens[a.role], a.query))
		}
		for _, role := range []string{"COORDINATOR", "ANALYST"} {
			got = append(got, getWith(t, addr, tokens[role], "/export/demand.csv?groupBy=PERIOD,MAIN_NEED,DISTRICT&period=QUARTER"))
		}
		return got
	}
	want := answers(addrPrimary)
	for i, w := range want {
		if strings.Contains(w, `"errors"`) || !strings.Contains(w, "1") {
			t.Fatalf("answer %d on the primary is an error or empty: %s", i, w)
		}
	}
	same := func(when string) {
		t.Helper()
		for i, got := range answers(addrReplica) {
			if got != want[i] {
				t.Errorf("%s, answer %d from the replica:\n%s\nfrom the primary:\n%s", when, i, got, want[i])
			}
		}
	}
	same("replayed")

	// Replay paused: the replica's answers lag behind a new contact.
	if _, err := replica.Exec("SELECT pg_wal_replay_pause()"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = replica.Exec("SELECT pg_wal_replay_resume()") })
	waitFor(t, replica, "SELECT pg_get_wal_replay_pause_state() = 'paused'")
	need := graphQL(t, addrPrimary, tokens["COORDINATOR"], `{ needCategories(where: {code: "WRK_UNEMPLOYED"}) { edges { node { id } } } }`)
	m := regexp.MustCompile(`"id":"([^"]+)"`).FindStringSubmatch(need)
	if m == nil {
		t.Fatalf("need category: %s", need)
	}
	created := graphQL(t, addrPrimary, tokens["COORDINATOR"], `mutation { createContact(input: {mainNeedID: "`+m[1]+`", occurredAt: "`+demoYear()+`-06-02T09:00:00Z",
		channel: IN_PERSON, requester: SELF, targetArea: ADULTS, responses: [ORIENTATION], outcome: INFORMED, anonymousSex: F}) { id } }`)
	if !strings.Contains(created, `"createContact":{"id"`) {
		t.Fatalf("createContact: %s", created)
	}
	before := want[0]
	want = answers(addrPrimary)
	if want[0] == before {
		t.Fatal("the new contact does not show on the primary's demand")
	}
	if got := graphQL(t, addrReplica, tokens["COORDINATOR"], demand); got != before {
		t.Errorf("with the replay paused, the replica's demand is not the one before the contact:\n%s", got)
	}
	if _, err := replica.Exec("SELECT pg_wal_replay_resume()"); err != nil {
		t.Fatal(err)
	}
	waitForReplay(t, primary, replica)
	same("replayed again")
}

// graphQL is postGraphQL for a query written on several lines.
func graphQL(t *testing.T, addr, token, query string) string {
	t.Helper()
	return postGraphQL(t, addr, token, strings.Join(strings.Fields(query), " "))
}

// demoYear is the year the demo loads: last year.
func demoYear() string { return time.Now().AddDate(-1, 0, 0).Format("2006") }

// sameDatabase is the URL of base's server with the database of dbURL.
func sameDatabase(t *testing.T, base, dbURL string) string {
	t.Helper()
	b, err := url.Parse(base)
	if err != nil {
		t.Fatal("TEST_REPLICA_DATABASE_URL is not a URL")
	}
	d, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	b.Path = d.Path
	return b.String()
}

func openPlain(t *testing.T, u string) *sql.DB {
	t.Helper()
	db, err := sql.Open("postgres", u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// waitForReplay waits until the replica has replayed everything the
// primary had written when it was called.
func waitForReplay(t *testing.T, primary, replica *sql.DB) {
	t.Helper()
	var lsn string
	if err := primary.QueryRow("SELECT pg_current_wal_lsn()::text").Scan(&lsn); err != nil {
		t.Fatal(err)
	}
	waitFor(t, replica, "SELECT pg_last_wal_replay_lsn() >= '"+lsn+"'::pg_lsn")
}

// waitFor polls the query, a boolean, until it is true (up to a minute).
func waitFor(t *testing.T, db *sql.DB, query string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		var ok bool
		if err := db.QueryRow(query).Scan(&ok); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("still false after a minute: %s", query)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// getWith answers a GET with the token (none when empty).
func getWith(t *testing.T, addr, token, path string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, "http://"+addr+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return bodyOf(t, req)
}

// BenchmarkReplicaVisibility measures how long a row committed on the
// primary takes to be visible on the replica of TEST_REPLICA_DATABASE_URL:
// one op is an INSERT on the primary, then reading the replica until the
// row is there (BENCHMARKS.md).
func BenchmarkReplicaVisibility(b *testing.B) {
	replicaBase := os.Getenv("TEST_REPLICA_DATABASE_URL")
	if replicaBase == "" {
		b.Skip("TEST_REPLICA_DATABASE_URL is not set")
	}
	primaryURL := dbtest.FreshPostgres(b)
	primary, err := sql.Open("postgres", primaryURL)
	if err != nil {
		b.Fatal(err)
	}
	defer primary.Close()
	if _, err := primary.Exec("CREATE TABLE seen (id bigserial PRIMARY KEY)"); err != nil {
		b.Fatal(err)
	}
	u, _ := url.Parse(replicaBase)
	p, _ := url.Parse(primaryURL)
	u.Path = p.Path
	replica, err := sql.Open("postgres", u.String())
	if err != nil {
		b.Fatal(err)
	}
	defer replica.Close()
	var id int64
	if err := primary.QueryRow("INSERT INTO seen DEFAULT VALUES RETURNING id").Scan(&id); err != nil {
		b.Fatal(err)
	}
	for seen := false; !seen; {
		_ = replica.QueryRow("SELECT EXISTS (SELECT 1 FROM seen WHERE id = $1)", id).Scan(&seen)
	}
	var took []time.Duration
	for b.Loop() {
		start := time.Now()
		if err := primary.QueryRow("INSERT INTO seen DEFAULT VALUES RETURNING id").Scan(&id); err != nil {
			b.Fatal(err)
		}
		for seen := false; !seen; {
			if err := replica.QueryRow("SELECT EXISTS (SELECT 1 FROM seen WHERE id = $1)", id).Scan(&seen); err != nil {
				b.Fatal(err)
			}
		}
		took = append(took, time.Since(start))
	}
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "p99-ms")
}
