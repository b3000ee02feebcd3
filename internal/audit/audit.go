// Package audit keeps the trail of who read or changed which personal
// record, when and from where (the Italian data-protection authority's
// access-log rules, GDPR art. 5 and 32).
//
// For every request with an authenticated operator, an ent hook records
// each mutation and an ent interceptor records each citizen, contact and
// referral a query returns, in one READ event per request (reads.go).
// Both write with the operation's own client — the mutation's transaction
// when there is one — and fail the operation when the event cannot be
// written (counted in the request's metrics,
// segretariato_audit_write_failures_total). Bulk work (an import) writes one
// summary event instead of one per row (Record). A change of an operator
// says which fields changed, before and after (changes.go); the server's
// command line's changes are recorded too (CommandLine).
package audit

import (
	"context"
	"fmt"
	"math"
	"net"
	"net/http"
	"time"

	"entgo.io/ent/dialect"

	"segretariato/ent"
	"segretariato/ent/auditevent"
	"segretariato/ent/contact"
	"segretariato/ent/predicate"
	"segretariato/ent/referral"
	"segretariato/internal/access/system"
	"segretariato/internal/auth"
	"segretariato/internal/metrics"
)

// Actions recorded.
const (
	Read   = "READ"
	Create = "CREATE"
	Update = "UPDATE"
	Delete = "DELETE"
	Export = "EXPORT"
	Erase  = "ERASE"
	Import = "IMPORT"
	Share  = "SHARE"
	Detach = "DETACH" // a month of the trail detached (partitions.go)
)

// personal lists the entities whose reads are recorded.
var personal = map[string]bool{"Citizen": true, "Contact": true, "Referral": true}

type requestKey struct{}

type internalKey struct{}

// Internal marks a context for the service's own checks (does this
// operator hold that case?): what they read is not shown to anyone, so it
// is not recorded as a read.
func Internal(ctx context.Context) context.Context {
	return context.WithValue(ctx, internalKey{}, true)
}

func isInternal(ctx context.Context) bool {
	return ctx.Value(internalKey{}) != nil || system.Is(ctx)
}

type request struct{ id, addr string }

// WithRequest stores the request's id and client address for the events.
func WithRequest(ctx context.Context, id string, r *http.Request) context.Context {
	addr := r.RemoteAddr
	if h, _, err := net.SplitHostPort(addr); err == nil {
		addr = h
	}
	return context.WithValue(ctx, requestKey{}, request{id: id, addr: addr})
}

// event starts an audit event for the context's operator and request, or
// for the server's command line (CommandLine); it returns nil when the
// context has neither (the system's own work).
func event(ctx context.Context, c *ent.Client, action, entity string, id *int) *ent.AuditEventCreate {
	v := auth.FromContext(ctx)
	if v == nil {
		where, ok := commandLine(ctx)
		if !ok {
			return nil
		}
		return c.AuditEvent.Create().SetRole(CommandLineRole).
			SetAction(action).SetEntity(entity).SetNillableEntityID(id).SetClientAddr(where)
	}
	rq, _ := ctx.Value(requestKey{}).(request)
	return c.AuditEvent.Create().
		SetOperatorID(v.OperatorID).SetOperatorEmail(v.Email).SetRole(string(v.Role)).
		SetAction(action).SetEntity(entity).SetNillableEntityID(id).
		SetRequestID(rq.id).SetClientAddr(rq.addr)
}

// clientOf is the client of the context's transaction when there is one,
// else base: an event is written in the transaction of what it records.
func clientOf(ctx context.Context, base *ent.Client) *ent.Client {
	if tx := ent.FromContext(ctx); tx != nil {
		return tx
	}
	return base
}

// Record writes one event for the context's operator (a coordinator's
// import, a data-subject export) with the client of the context when in a
// transaction. It does nothing without an operator.
func Record(ctx context.Context, c *ent.Client, action, entity string, id *int, detail string) error {
	c = clientOf(ctx, c)
	e := event(ctx, c, action, entity, id)
	if e == nil {
		return nil
	}
	if err := e.SetDetail(detail).Exec(ctx); err != nil {
		return writeFailed(ctx, metrics.AuditRecord, err)
	}
	return nil
}

// recorded reports whether the context's mutations are recorded: an
// operator's (but not the service's own checks made for them), and the
// server's command line's.
func recorded(ctx context.Context) bool {
	if _, ok := commandLine(ctx); ok {
		return true
	}
	return auth.FromContext(ctx) != nil && !isInternal(ctx)
}

// MutationHook records every mutation made for an operator or the
// command line. The event is written with the mutation's client, so
// inside the same transaction. A change of an operator says which fields
// changed, before and after (changes).
func MutationHook() ent.Hook {
	return func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
			if m.Type() == "AuditEvent" || !recorded(ctx) {
				return next.Mutate(ctx, m)
			}
			detail, err := changes(ctx, m)
			if err != nil {
				return nil, err
			}
			var ids []int
			if !m.Op().Is(ent.OpCreate) {
				if idm, ok := m.(interface {
					IDs(context.Context) ([]int, error)
				}); ok {
					var err error
					if ids, err = idm.IDs(ctx); err != nil {
						return nil, err
					}
				}
			}
			v, err := next.Mutate(ctx, m)
			if err != nil {
				return v, err
			}
			if m.Op().Is(ent.OpCreate) {
				if idm, ok := m.(interface{ ID() (int, bool) }); ok {
					if id, ok := idm.ID(); ok {
						ids = []int{id}
					}
				}
			}
			c := m.(interface{ Client() *ent.Client }).Client()
			action := actionOf(m.Op())
			var bulk []*ent.AuditEventCreate
			for i := range ids {
				bulk = append(bulk, event(ctx, c, action, m.Type(), &ids[i]).SetDetail(detail))
			}
			if len(ids) == 0 {
				bulk = append(bulk, event(ctx, c, action, m.Type(), nil).SetDetail(detail))
			}
			if err := c.AuditEvent.CreateBulk(bulk...).Exec(ctx); err != nil {
				return nil, writeFailed(ctx, metrics.AuditMutation, err)
			}
			return v, nil
		})
	}
}

func actionOf(op ent.Op) string {
	switch {
	case op.Is(ent.OpCreate):
		return Create
	case op.Is(ent.OpDelete), op.Is(ent.OpDeleteOne):
		return Delete
	default:
		return Update
	}
}

// ReadInterceptor records each citizen, contact and referral that a query
// made for an operator returns: into the request's READ event when its
// context gathers them (CollectReads), else as an event of its own
// (reads.go). base is used outside transactions.
func ReadInterceptor(base *ent.Client) ent.Interceptor {
	return ent.InterceptFunc(func(next ent.Querier) ent.Querier {
		return ent.QuerierFunc(func(ctx context.Context, q ent.Query) (ent.Value, error) {
			v, err := next.Query(ctx, q)
			if err != nil || auth.FromContext(ctx) == nil || isInternal(ctx) {
				return v, err
			}
			entity, ids := returned(v)
			if len(ids) == 0 || !personal[entity] {
				return v, nil
			}
			if s, ok := ctx.Value(readsKey{}).(*readSet); ok {
				s.add(entity, ids)
				return v, nil
			}
			s := newReadSet()
			s.add(entity, ids)
			if err := s.write(ctx, clientOf(ctx, base)); err != nil {
				return nil, err
			}
			return v, nil
		})
	})
}

// writeFailed counts an event that could not be written (in the metrics
// of the request, when it has some) and returns the error that fails the
// operation.
func writeFailed(ctx context.Context, kind string, err error) error {
	metrics.FromContext(ctx).AuditWriteFailed(kind)
	return fmt.Errorf("writing the audit event: %w", err)
}

// returned lists the person-level records in a query's result.
func returned(v ent.Value) (string, []int) {
	switch rs := v.(type) {
	case []*ent.Citizen:
		return "Citizen", idsOf(rs, func(r *ent.Citizen) int { return r.ID })
	case []*ent.Contact:
		return "Contact", idsOf(rs, func(r *ent.Contact) int { return r.ID })
	case []*ent.Referral:
		return "Referral", idsOf(rs, func(r *ent.Referral) int { return r.ID })
	}
	return "", nil
}

func idsOf[T any](rs []T, id func(T) int) []int {
	out := make([]int, len(rs))
	for i, r := range rs {
		out[i] = id(r)
	}
	return out
}

// CitizenTrail returns the events about a citizen, its contacts and their
// referrals, newest first, at most limit: "who looked at this citizen,
// when". Which contacts and referrals are the citizen's is read whoever
// asks (the events themselves are guarded by their own privacy rule).
func CitizenTrail(ctx context.Context, c *ent.Client, citizenID, limit int) ([]*ent.AuditEvent, error) {
	sys := system.Context(ctx)
	contacts, err := c.Contact.Query().Where(contact.CitizenID(citizenID)).IDs(sys)
	if err != nil {
		return nil, err
	}
	referrals, err := c.Referral.Query().Where(referral.ContactIDIn(contacts...)).IDs(sys)
	if err != nil {
		return nil, err
	}
	about := auditevent.Or(
		auditevent.And(auditevent.Entity("Citizen"), auditevent.EntityID(citizenID)),
		auditevent.And(auditevent.Entity("Contact"), auditevent.EntityIDIn(contacts...)),
		auditevent.And(auditevent.Entity("Referral"), auditevent.EntityIDIn(referrals...)),
		readOf(citizenID),
	)
	page := func(n int, in ...predicate.AuditEvent) ([]*ent.AuditEvent, error) {
		return c.AuditEvent.Query().Where(append(in, about)...).
			Order(ent.Desc(auditevent.FieldAt), ent.Desc(auditevent.FieldID)).Limit(n).All(ctx)
	}
	if c.Driver().Dialect() != dialect.Postgres {
		return page(limit)
	}
	// On PostgreSQL, newest first in windows of months, each statement
	// planning and reading only its window's partitions (partitions.go):
	// PostgreSQL plans every partition a statement may read, some 0.35 ms
	// each for this one. The first window is the last trailFirstMonths
	// months and any after them; the second as many months before as, at
	// the rate the first found, fill the page, and half as many again; the
	// third all the rest.
	var out []*ent.AuditEvent
	var hi *time.Time // the previous window's start
	lo := Month(time.Now()).AddDate(0, 1-trailFirstMonths, 0)
	read := trailFirstMonths // the months back the windows have read
	for window := 1; ; window++ {
		var in []predicate.AuditEvent
		if hi != nil {
			in = append(in, auditevent.AtLT(*hi))
		}
		last := window == trailWindows
		if !last {
			in = append(in, auditevent.AtGTE(lo))
		}
		got, err := page(limit-len(out), in...)
		if err != nil {
			return nil, err
		}
		if out = append(out, got...); len(out) == limit || last {
			return out, nil
		}
		months := trailEmptyMonths
		if len(out) > 0 {
			months = int(math.Ceil(1.5 * float64((limit-len(out))*read) / float64(len(out))))
		}
		start := lo
		hi, lo = &start, lo.AddDate(0, -months, 0)
		read += months
	}
}

const (
	// trailWindows is how many statements CitizenTrail reads the months
	// in, at most (trailFirstMonths, then as the rate found says, then the
	// rest).
	trailWindows = 3
	// trailFirstMonths is the months back its first statement reads, the
	// current one included.
	trailFirstMonths = 3
	// trailEmptyMonths is the months its second statement reads when the
	// first found nothing.
	trailEmptyMonths = 8
)
