package analytics_test

import (
	"context"
	"entgo.io/ent/dialect"
	"segretariato/internal/rollup"
	"strconv"
	"testing"
	"time"
	_ "time/tzdata"

	"segretariato/ent"
	"segretariato/ent/needcategory"
	"segretariato/ent/privacy"
	"segretariato/ent/schema/schematype"
	"segretariato/ent/service"
	"segretariato/internal/analytics"
	"segretariato/internal/database"
	"segretariato/internal/localtime"
)

var rome = localtime.Rome

// local is a Europe/Rome wall-clock time.
func local(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, rome)
}

func utc(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, time.UTC)
}

func date(y int, m time.Month, d int) *time.Time {
	t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return &t
}

// fx writes fixtures through ent, past the privacy rules.
type fx struct {
	t        testing.TB
	ctx      context.Context
	c        *ent.Client
	db       *database.DB
	needs    map[string]int
	services map[string]int
}

func newFx(t testing.TB, db *database.DB) *fx {
	t.Helper()
	f := &fx{t: t, ctx: privacy.DecisionContext(context.Background(), privacy.Allow), c: db.Client, db: db,
		needs: map[string]int{}, services: map[string]int{}}
	for _, n := range db.Client.NeedCategory.Query().Select(needcategory.FieldID, needcategory.FieldCode).AllX(f.ctx) {
		f.needs[n.Code] = n.ID
	}
	for _, s := range db.Client.Service.Query().Select(service.FieldID, service.FieldCode).AllX(f.ctx) {
		f.services[s.Code] = s.ID
	}
	return f
}

func (f *fx) engine(k int) *analytics.Engine {
	f.t.Helper()
	e, err := analytics.New(f.db, k)
	if err != nil {
		f.t.Fatal(err)
	}
	return e
}

func (f *fx) operator(email string, role schematype.Role) int {
	f.t.Helper()
	o, err := f.c.Operator.Create().SetEmail(email).SetName("Op " + email).SetRole(role).Save(f.ctx)
	if err != nil {
		f.t.Fatalf("creating operator: %v", err)
	}
	return o.ID
}

// citizenSpec describes a citizen; zero fields are unknown.
type citizenSpec struct {
	birth       *time.Time
	sex         schematype.Sex
	citizenship string
	district    string
}

func (f *fx) citizen(s citizenSpec) int {
	f.t.Helper()
	b := f.c.Citizen.Create().SetNillableBirthDate(s.birth)
	if s.sex != "" {
		b.SetSex(s.sex)
	}
	if s.citizenship != "" {
		b.SetCitizenship(s.citizenship)
	}
	if s.district != "" {
		b.SetDistrict(s.district)
	}
	c, err := b.Save(f.ctx)
	if err != nil {
		f.t.Fatalf("creating citizen: %v", err)
	}
	return c.ID
}

// contactSpec describes a contact; zero enums take a default.
type contactSpec struct {
	at        time.Time
	operator  int
	citizen   int // 0 = anonymous
	anonSex   schematype.Sex
	anonBirth int
	needs     []string // first = main need; default ADM_INFO
	target    schematype.TargetArea
	channel   schematype.Channel
	requester schematype.Requester
	outcome   schematype.Outcome
}

func (f *fx) contactBuilder(s contactSpec) *ent.ContactCreate {
	if len(s.needs) == 0 {
		s.needs = []string{"ADM_INFO"}
	}
	if s.target == "" {
		s.target = schematype.TargetAreaAdults
	}
	if s.channel == "" {
		s.channel = schematype.ChannelInPerson
	}
	if s.requester == "" {
		s.requester = schematype.RequesterSelf
	}
	if s.outcome == "" {
		s.outcome = schematype.OutcomeInformed
	}
	b := f.c.Contact.Create().SetOccurredAt(s.at).SetOperatorID(s.operator).
		SetTargetArea(s.target).SetChannel(s.channel).SetRequester(s.requester).SetOutcome(s.outcome).
		SetResponses([]schematype.Response{schematype.ResponseInformation}).
		SetMainNeedID(f.need(s.needs[0]))
	for _, n := range s.needs {
		b.AddNeedIDs(f.need(n))
	}
	if s.citizen != 0 {
		b.SetCitizenID(s.citizen)
	} else {
		if s.anonSex != "" {
			b.SetAnonymousSex(s.anonSex)
		}
		if s.anonBirth != 0 {
			b.SetAnonymousBirthYear(s.anonBirth)
		}
	}
	return b
}

func (f *fx) contact(s contactSpec) int {
	f.t.Helper()
	c, err := f.contactBuilder(s).Save(f.ctx)
	if err != nil {
		f.t.Fatalf("creating contact: %v", err)
	}
	return c.ID
}

func (f *fx) need(code string) int {
	f.t.Helper()
	id, ok := f.needs[code]
	if !ok {
		f.t.Fatalf("unknown need %s", code)
	}
	return id
}

// referralSpec describes a referral; the step dates are set when given.
type referralSpec struct {
	contact                                  int
	service                                  string
	status                                   schematype.ReferralStatus
	proposed                                 time.Time
	accepted, declined, completed, cancelled *time.Time
}

func (f *fx) referralBuilder(s referralSpec) *ent.ReferralCreate {
	if s.status == "" {
		s.status = schematype.ReferralStatusProposed
	}
	id, ok := f.services[s.service]
	if !ok {
		f.t.Fatalf("unknown service %s", s.service)
	}
	return f.c.Referral.Create().SetContactID(s.contact).SetServiceID(id).SetStatus(s.status).
		SetProposedAt(s.proposed).SetNillableAcceptedAt(s.accepted).SetNillableDeclinedAt(s.declined).
		SetNillableCompletedAt(s.completed).SetNillableCancelledAt(s.cancelled)
}

func (f *fx) referral(s referralSpec) int {
	f.t.Helper()
	r, err := f.referralBuilder(s).Save(f.ctx)
	if err != nil {
		f.t.Fatalf("creating referral: %v", err)
	}
	return r.ID
}

// setRecordKeys gives every contact, citizen and referral the record key
// v, so that a test knows the noises of the cell-key method.
func setRecordKeys(t testing.TB, db *database.DB, v int) {
	t.Helper()
	for _, table := range []string{"contacts", "citizens", "referrals"} {
		if _, err := db.SQL.ExecContext(context.Background(), "UPDATE "+table+" SET record_key = "+strconv.Itoa(v)); err != nil {
			t.Fatal(err)
		}
	}
	refreshFigures(t, db)
}

// refreshFigures brings the demand figures up to date after writes made
// with SQL outside ent (which the ent driver refreshes by itself).
func refreshFigures(t testing.TB, db *database.DB) {
	t.Helper()
	tx, err := db.SQL.BeginTx(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := rollup.Refresh(context.Background(), rollup.SQLConn{Q: tx}, db.Dialect == dialect.Postgres); err != nil {
		tx.Rollback()
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

func ptr[T any](v T) *T { return &v }

func val(p *int) int {
	if p == nil {
		return -1
	}
	return *p
}

// byKey indexes an answer's cells by their keys joined with "|".
func byKey(r *analytics.Report) map[string]analytics.Cell {
	m := map[string]analytics.Cell{}
	for _, c := range r.Cells {
		k := ""
		for i, s := range c.Keys {
			if i > 0 {
				k += "|"
			}
			k += s
		}
		m[k] = c
	}
	return m
}

// figures is a cell's four figures, -1 for a withheld one.
type figures struct{ Contacts, Citizens, NewCitizens, Referrals int }

func figuresOf(c analytics.Cell) figures {
	return figures{val(c.Contacts), val(c.Citizens), val(c.NewCitizens), val(c.Referrals)}
}

func allFigures(r *analytics.Report) map[string]figures {
	m := map[string]figures{}
	for k, c := range byKey(r) {
		m[k] = figuresOf(c)
	}
	return m
}
