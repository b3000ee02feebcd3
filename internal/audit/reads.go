package audit

import (
	"context"
	stdsql "database/sql"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"

	"segretariato/ent"
	"segretariato/ent/predicate"
	"segretariato/internal/auth"
	"segretariato/internal/metrics"
	"segretariato/internal/sqlbind"
)

// A read is recorded as one READ event per request, however many records
// it returned: records lists them by entity ("Citizen:1,2 Contact:3,7
// Referral:9"), and citizens the people they are about (a citizen read,
// a contact's citizen, a referral's contact's citizen), which the
// database works out in the same INSERT, whatever columns the queries
// selected. So a page costs one statement and a row of about a kilobyte
// (BENCHMARKS.md), and "who looked at this citizen" is an index probe of
// citizens (GIN on PostgreSQL).
//
// A request gathers its reads when its context comes from CollectReads,
// and FlushReads writes them; without one (a query outside a GraphQL
// operation) each query's reads are written at once, in the same shape.

type readsKey struct{}

// readSet is what the queries of one request returned, by entity, each
// id once, in the order read.
type readSet struct {
	mu   sync.Mutex
	ids  map[string][]int
	seen map[string]map[int]bool
}

func newReadSet() *readSet {
	return &readSet{ids: map[string][]int{}, seen: map[string]map[int]bool{}}
}

func (s *readSet) add(entity string, ids []int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seen[entity] == nil {
		s.seen[entity] = map[int]bool{}
	}
	for _, id := range ids {
		if !s.seen[entity][id] {
			s.seen[entity][id] = true
			s.ids[entity] = append(s.ids[entity], id)
		}
	}
}

// CollectReads returns a context whose reads are gathered for FlushReads.
func CollectReads(ctx context.Context) context.Context {
	return context.WithValue(ctx, readsKey{}, newReadSet())
}

// FlushReads writes the reads gathered in ctx (CollectReads) as one
// event, with the client of ctx's transaction when there is one, else
// base; nothing when there were none. The error fails the request.
func FlushReads(ctx context.Context, base *ent.Client) error {
	s, _ := ctx.Value(readsKey{}).(*readSet)
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	err := s.write(ctx, clientOf(ctx, base))
	s.ids, s.seen = map[string][]int{}, map[string]map[int]bool{}
	return err
}

// write inserts the READ event of the set, when it has records and the
// context an operator.
func (s *readSet) write(ctx context.Context, c *ent.Client) error {
	v := auth.FromContext(ctx)
	if v == nil || len(s.ids) == 0 {
		return nil
	}
	entities := slices.Sorted(maps.Keys(s.ids))
	var records []byte
	for i, e := range entities {
		if i > 0 {
			records = append(records, ' ')
		}
		records = sqlbind.AppendIDs(append(append(records, e...), ':'), s.ids[e])
	}
	// The event names its entity when it read one kind only, and the
	// record when it read one.
	var entity string
	var entityID any
	if len(entities) == 1 {
		entity = entities[0]
		if ids := s.ids[entity]; len(ids) == 1 {
			entityID = ids[0]
		}
	}
	rq, _ := ctx.Value(requestKey{}).(request)
	drv := c.Driver()
	postgres := drv.Dialect() == dialect.Postgres
	b := &sqlbind.Binder{Postgres: postgres}
	vals := []string{b.Arg(time.Now().UTC()), b.Arg(v.OperatorID), b.Arg(v.Email), b.Arg(string(v.Role)), b.Arg(Read),
		b.Arg(entity), b.Arg(entityID), b.Arg(rq.id), b.Arg(rq.addr), b.Arg(string(records))}
	cits, contacts, refs := s.ids["Citizen"], s.ids["Contact"], s.ids["Referral"]
	// The citizens: those read, and those of the contacts and referrals
	// read, each once, in order.
	var read string
	if postgres {
		read = "SELECT unnest(" + b.Arg(sqlbind.PGArray(cits)) + "::bigint[]) AS x"
	} else {
		read = "SELECT value AS x FROM json_each(" + b.Arg(sqlbind.JSONArray(cits)) + ")"
	}
	of := read +
		" UNION SELECT citizen_id FROM contacts WHERE id" + b.OneOf(contacts) +
		" UNION SELECT c.citizen_id FROM referrals r JOIN contacts c ON c.id = r.contact_id WHERE r.id" + b.OneOf(refs)
	citizens := "ARRAY(SELECT DISTINCT x FROM (" + of + ") s WHERE x IS NOT NULL ORDER BY x)"
	if !postgres {
		citizens = "(SELECT '{' || COALESCE(group_concat(x, ','), '') || '}' FROM (SELECT DISTINCT x FROM (" + of + ") WHERE x IS NOT NULL ORDER BY x))"
	}
	q := "INSERT INTO audit_events (at, operator_id, operator_email, role, action, entity, entity_id, request_id, client_addr, records, citizens)" +
		" VALUES (" + strings.Join(vals, ", ") + ", " + citizens + ")"
	var res stdsql.Result
	if err := drv.Exec(ctx, q, b.Args, &res); err != nil {
		return writeFailed(ctx, metrics.AuditRead, err)
	}
	return nil
}

// readOf is the predicate of the READ events whose records are about the
// citizen.
func readOf(citizenID int) predicate.AuditEvent {
	return predicate.AuditEvent(func(s *sql.Selector) {
		col := s.C("citizens")
		if s.Dialect() == dialect.Postgres {
			s.Where(sql.P(func(b *sql.Builder) {
				b.WriteString(col + " @> ARRAY[").Arg(citizenID).WriteString("]::bigint[]")
			}))
			return
		}
		s.Where(sql.P(func(b *sql.Builder) {
			b.WriteString("instr(',' || trim(" + col + ", '{}') || ',', ").Arg("," + strconv.Itoa(citizenID) + ",").WriteString(") > 0")
		}))
	})
}
