package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"entgo.io/ent/dialect"

	"segretariato/internal/audit"
)

// The audit trail at regional scale (--audit-events N): the trail is
// filled with synthetic READ events up to N, spread over the last 24
// months (the retention) in their months' partitions, as a trail grown
// over two years of use would be: four in five read one citizen (a
// citizen's history, a node), one in five a page of 50 contacts' citizens.
// Answer w then asks "who looked at this citizen" of it.

// trailMark is the request id of the synthetic events.
const trailMark = "regionbench"

// fillTrail adds the synthetic events the trail lacks, a million a
// statement, and analyses it. PostgreSQL only.
func fillTrail(ctx context.Context, db *sql.DB, n int, out, progress io.Writer) error {
	var have int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM audit_events WHERE request_id = $1`, trailMark).Scan(&have); err != nil {
		return err
	}
	if have >= n {
		fmt.Fprintf(out, "audit trail: %d synthetic read events already there\n", have)
		return nil
	}
	if _, err := db.ExecContext(ctx, `SELECT audit_events_partition((date_trunc('month', now()) - make_interval(months => g))::date)
		FROM generate_series(0, 24) AS g`); err != nil {
		return err
	}
	start := time.Now()
	for have < n {
		k := min(1_000_000, n-have)
		if _, err := db.ExecContext(ctx, `WITH c AS (SELECT array_agg(id) AS ids, count(*)::int AS n FROM citizens)
INSERT INTO audit_events (at, role, action, entity, entity_id, request_id, records, citizens)
SELECT now() - random() * interval '730 days', 'SOCIAL_WORKER', 'READ', e.entity, e.one, $1, e.records, e.cits
FROM c, generate_series(1, $2::int) AS g,
LATERAL (SELECT CASE WHEN g % 5 = 0 THEN 'Contact' ELSE 'Citizen' END AS entity,
  CASE WHEN g % 5 = 0 THEN NULL ELSE c.ids[1 + (random() * (c.n - 1))::int] END AS one) AS p,
LATERAL (SELECT p.entity, p.one,
  CASE WHEN p.one IS NULL THEN 'Contact:' || g ELSE 'Citizen:' || p.one END AS records,
  CASE WHEN p.one IS NULL THEN ARRAY(SELECT c.ids[1 + (random() * (c.n - 1))::int] FROM generate_series(1, 50) AS s WHERE s > 0 * g)
       ELSE ARRAY[p.one] END AS cits) AS e`, trailMark, k); err != nil {
			return err
		}
		have += k
		fmt.Fprintf(progress, "audit trail: %d of %d synthetic read events, %s\n", have, n, time.Since(start).Round(time.Second))
	}
	if _, err := db.ExecContext(ctx, `ANALYZE audit_events`); err != nil {
		return err
	}
	size, err := audit.TrailBytes(ctx, db, dialect.Postgres)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "audit trail: filled to %d synthetic read events in %s, %d MB with the indexes\n", n, time.Since(start).Round(time.Second), size>>20)
	return nil
}

// whoLooked is answer w: the newest 50 events about a citizen, as the
// coordinator asks, for another citizen each round (trailCitizens).
var whoLooked = answer{
	name: "w", title: `"who looked at this citizen": the newest 50 events of one citizen's trail`,
	query: `query($c: ID!) { citizenAuditTrail(citizenID: $c, first: 50) { id at action entity } }`,
	vars:  func(e env) map[string]any { return map[string]any{"c": strconv.Itoa(e.trailCitizen())} },
	decode: func(data json.RawMessage) (figures, error) {
		var out struct {
			CitizenAuditTrail []struct{ ID string }
		}
		if err := json.Unmarshal(data, &out); err != nil {
			return nil, err
		}
		f := figures{"TOTAL": strconv.Itoa(len(out.CitizenAuditTrail))}
		for i, ev := range out.CitizenAuditTrail {
			f[strconv.Itoa(i)] = ev.ID
		}
		return f, nil
	},
	// The SQL a hand-written client would send: the citizen's contacts,
	// their referrals, then one query over the whole trail.
	sql: func(ctx context.Context, e env) (figures, error) {
		d := dialectSQL{e.postgres}
		id := e.trailCitizen()
		contacts, err := ids(ctx, e.db, d.bind(`SELECT id FROM contacts WHERE citizen_id = $1`), id)
		if err != nil {
			return nil, err
		}
		referrals, err := ids(ctx, e.db, `SELECT id FROM referrals WHERE contact_id IN (`+inList(contacts)+`)`)
		if err != nil {
			return nil, err
		}
		has := "citizens @> ARRAY[$1]::bigint[]"
		if !e.postgres {
			has = "instr(',' || trim(citizens, '{}') || ',', ',' || $1 || ',') > 0"
		}
		events, err := ids(ctx, e.db, d.bind(`SELECT id FROM audit_events WHERE (entity = 'Citizen' AND entity_id = $1)
  OR (entity = 'Contact' AND entity_id IN (`+inList(contacts)+`)) OR (entity = 'Referral' AND entity_id IN (`+inList(referrals)+`)) OR `+has+`
ORDER BY at DESC, id DESC LIMIT 50`), id)
		if err != nil {
			return nil, err
		}
		f := figures{"TOTAL": strconv.Itoa(len(events))}
		for i, v := range events {
			f[strconv.Itoa(i)] = strconv.Itoa(v)
		}
		return f, nil
	},
}

// trailCitizens are about a hundred citizens spread over the region, in
// a fixed order.
func trailCitizens(ctx context.Context, db *sql.DB) ([]int, error) {
	got, err := ids(ctx, db, `SELECT id FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY id) AS r,
  COUNT(*) OVER () AS n FROM citizens) x WHERE r % (n / 100 + 1) = 1 ORDER BY id`)
	if err == nil && len(got) == 0 {
		err = fmt.Errorf("the region has no citizens")
	}
	return got, err
}

// ids runs a query of ids and returns them in their order.
func ids(ctx context.Context, db *sql.DB, query string, args ...any) ([]int, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int
	for rows.Next() {
		var id int
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// inList joins ids for an IN list: "0", which no record has, when empty.
func inList(ids []int) string {
	if len(ids) == 0 {
		return "0"
	}
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.Itoa(id)
	}
	return strings.Join(s, ",")
}

// vacuumTrail vacuums the trail's months that autovacuum would have by
// now (every thousand events, audit_events_partition), which merges the
// citizens index's pending entries: answer w then reads the trail as a
// server with autovacuum on would.
func vacuumTrail(ctx context.Context, db *sql.DB, out io.Writer) error {
	return vacuum(ctx, db, out, "the audit trail", "audit_events")
}

// vacuumRegion vacuums the region's tables, as autovacuum does some time
// after a load: their visibility maps are then set, so an index that
// holds every column a query reads (the operator's, with the target
// area) answers without the heap. Once done it takes a moment.
func vacuumRegion(ctx context.Context, db *sql.DB, out io.Writer) error {
	return vacuum(ctx, db, out, "the region's tables", "contacts", "citizens", "contact_needs", "referrals")
}

// vacuum vacuums the tables and says how long it took, and whether the
// cluster has autovacuum on (some test machines have it off).
func vacuum(ctx context.Context, db *sql.DB, out io.Writer, what string, tables ...string) error {
	var on string
	if err := db.QueryRowContext(ctx, `SHOW autovacuum`).Scan(&on); err != nil {
		return err
	}
	start := time.Now()
	if _, err := db.ExecContext(ctx, `VACUUM `+strings.Join(tables, ", ")); err != nil {
		return err
	}
	fmt.Fprintf(out, "vacuumed %s in %s (autovacuum is %s on this server)\n", what, time.Since(start).Round(time.Millisecond), on)
	return nil
}
