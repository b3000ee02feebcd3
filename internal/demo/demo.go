// Package demo loads a realistic synthetic year of the Segretariato sociale
// of a Lombardy town of about 20,000 people, for demonstrations, the
// dashboard's development and load tests.
//
// Everything is generated from a seed, so the same Options give the same
// data (but for the record keys of the cell-key method, internal/cellkey,
// drawn at random by the schema as for any record: a key known from a
// seed would give away the noise of the analysts' figures): the demo staff (four social workers, a coordinator, an analyst, an
// administrator, all with e-mails at EmailDomain), about 1,200 citizens with
// valid fiscal codes, the intake contacts of the year with their needs and
// outcomes, the referrals of the referred contacts with their history, the
// desk's premises, timetable, sessions held and timetable publications, the
// training plan and trainings, and the yearly satisfaction survey. Names,
// addresses and notes are invented combinations: no row describes a real
// person.
//
// Load writes it once, in one transaction; Operators finds the demo staff
// again so that the caller can issue them tokens.
package demo

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"segretariato/ent"
	"segretariato/ent/location"
	"segretariato/ent/needcategory"
	"segretariato/ent/operator"
	"segretariato/ent/schema/schematype"
	"segretariato/ent/service"
	"segretariato/ent/trainingplan"
	"segretariato/internal/access/system"
	"segretariato/internal/intakerule"
	"segretariato/internal/localtime"
	"segretariato/internal/refdata"
)

// EmailDomain is the domain of the demo operators' e-mails
// (nome.cognome@EmailDomain); an operator with such an e-mail is how Load
// recognises that the demo is already loaded.
const EmailDomain = "demo.segretariato.example"

// ErrNotLoaded is returned by Operators when the database holds no demo
// operator.
var ErrNotLoaded = errors.New("demo: the demo data is not loaded")

// Options choose the demo year. The zero value is the default demo.
type Options struct {
	// Year is the calendar year of the contacts; 0 means the year before
	// the current one (in Europe/Rome). For the current year, only what
	// has already happened is generated.
	Year int
	// Seed makes the data reproducible: the same seed gives the same data.
	// 0 means 1.
	Seed int64
	// Contacts is the number of intake contacts of the year; 0 means 3000.
	// The number of citizens follows it (0.4 per contact: 1,200 for 3,000).
	Contacts int
}

// Summary says what Load wrote.
type Summary struct {
	// Created is false when the demo was already there and nothing was
	// written.
	Created         bool
	Operators       int
	Citizens        int
	Contacts        int
	Referrals       int
	Trainings       int
	Sessions        int
	SurveyResponses int
}

// batchSize bounds the rows of one bulk insert.
const batchSize = 500

// Load loads, once, a realistic synthetic year for a town of about 20,000
// people. It first loads the reference data (refdata.Load); if demo data
// is already present (an operator with an e-mail at EmailDomain) it writes
// nothing else and returns Summary{Created: false}. Everything is written
// in one transaction, so a failure leaves nothing half-written.
//
// Load is a system operation: it runs with the privacy policies allowed,
// and sets the server-side fields (holder, operator, created_at, referral
// status and dates) itself.
func Load(ctx context.Context, client *ent.Client, opt Options) (Summary, error) {
	loc := localtime.Rome
	now := time.Now()
	opt, err := opt.normalise(now.In(loc))
	if err != nil {
		return Summary{}, err
	}
	ctx = system.Context(ctx)
	tx, err := client.Tx(ctx)
	if err != nil {
		return Summary{}, fmt.Errorf("demo: starting the transaction: %w", err)
	}
	sum, err := load(ctx, tx.Client(), opt, loc, now)
	if err != nil {
		_ = tx.Rollback()
		if ent.IsConstraintError(err) {
			// Another Load may have won the race: then there is nothing to do.
			if ok, perr := present(ctx, client); perr == nil && ok {
				return Summary{}, nil
			}
		}
		return Summary{}, err
	}
	if err := tx.Commit(); err != nil {
		return Summary{}, fmt.Errorf("demo: committing: %w", err)
	}
	return sum, nil
}

// Operators returns the demo operators, the first (lowest id) of each
// role, for the caller to issue tokens. It returns ErrNotLoaded when there
// is none.
func Operators(ctx context.Context, client *ent.Client) (map[schematype.Role]*ent.Operator, error) {
	ctx = system.Context(ctx)
	ops, err := client.Operator.Query().
		Where(operator.EmailHasSuffix("@" + EmailDomain)).
		Order(operator.ByID()).
		All(ctx)
	if err != nil {
		return nil, fmt.Errorf("demo: reading the demo operators: %w", err)
	}
	if len(ops) == 0 {
		return nil, ErrNotLoaded
	}
	out := make(map[schematype.Role]*ent.Operator)
	for _, o := range ops {
		if _, ok := out[o.Role]; !ok {
			out[o.Role] = o
		}
	}
	return out, nil
}

func (o Options) normalise(now time.Time) (Options, error) {
	if o.Year == 0 {
		o.Year = now.Year() - 1
	}
	if o.Year < 2000 || o.Year > now.Year() {
		return o, fmt.Errorf("demo: year %d is not between 2000 and the current year", o.Year)
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.Contacts == 0 {
		o.Contacts = 3000
	}
	if o.Contacts < 0 {
		return o, errors.New("demo: the number of contacts cannot be negative")
	}
	return o, nil
}

func present(ctx context.Context, c *ent.Client) (bool, error) {
	return c.Operator.Query().Where(operator.EmailHasSuffix("@" + EmailDomain)).Exist(ctx)
}

func load(ctx context.Context, c *ent.Client, opt Options, loc *time.Location, now time.Time) (Summary, error) {
	if _, err := refdata.Load(ctx, c); err != nil {
		return Summary{}, fmt.Errorf("demo: %w", err)
	}
	ok, err := present(ctx, c)
	if err != nil {
		return Summary{}, fmt.Errorf("demo: looking for demo data: %w", err)
	}
	if ok {
		return Summary{}, nil
	}
	p, err := newPlan(opt, loc, now)
	if err != nil {
		return Summary{}, err
	}
	return write(ctx, c, p, now)
}

func operatorEmail(o operatorSeed) string {
	return strings.ToLower(o.first+"."+o.last) + "@" + EmailDomain
}

// saveAll saves builders in bulk batches of batchSize and returns the rows
// in order.
func saveAll[B, R any](builders []B, save func([]B) ([]R, error)) ([]R, error) {
	out := make([]R, 0, len(builders))
	for len(builders) > 0 {
		n := min(batchSize, len(builders))
		rows, err := save(builders[:n])
		if err != nil {
			return nil, err
		}
		out = append(out, rows...)
		builders = builders[n:]
	}
	return out, nil
}

func write(ctx context.Context, c *ent.Client, p *plan, now time.Time) (Summary, error) {
	sum := Summary{Created: true}

	// Staff.
	obs := make([]*ent.OperatorCreate, len(operatorSeeds))
	for i, o := range operatorSeeds {
		obs[i] = c.Operator.Create().SetName(o.first + " " + o.last).SetEmail(operatorEmail(o)).
			SetRole(o.role).SetActive(true)
	}
	ops, err := c.Operator.CreateBulk(obs...).Save(ctx)
	if err != nil {
		return Summary{}, fmt.Errorf("demo: creating operators: %w", err)
	}
	sum.Operators = len(ops)

	// Reference data, by code.
	needs, err := c.NeedCategory.Query().Select(needcategory.FieldID, needcategory.FieldCode).All(ctx)
	if err != nil {
		return Summary{}, fmt.Errorf("demo: reading need categories: %w", err)
	}
	needID := make(map[string]int, len(needs))
	for _, n := range needs {
		needID[n.Code] = n.ID
	}
	svcs, err := c.Service.Query().Select(service.FieldID, service.FieldCode).All(ctx)
	if err != nil {
		return Summary{}, fmt.Errorf("demo: reading services: %w", err)
	}
	svcID := make(map[string]int, len(svcs))
	for _, s := range svcs {
		svcID[s.Code] = s.ID
	}

	if sum.Sessions, err = writeDesk(ctx, c, p); err != nil {
		return Summary{}, err
	}

	// Citizens.
	cbs := make([]*ent.CitizenCreate, len(p.citizens))
	for i, x := range p.citizens {
		b := c.Citizen.Create().
			SetFiscalCode(x.code).SetFirstName(x.first).SetLastName(x.last).
			SetBirthDate(x.birth).SetSex(x.sex).SetCitizenship(x.citizenship).
			SetDistrict(x.district).SetDistrictKey(intakerule.DistrictKey(x.district)).
			SetHolderID(ops[x.holder].ID).
			SetCreatedAt(x.createdAt).SetUpdatedAt(x.createdAt)
		if x.address != "" {
			b.SetAddress(x.address)
		}
		if x.consentAt != nil {
			b.SetPrivacyConsent(true).SetConsentAt(*x.consentAt).SetConsentScope(x.consentScope).
				SetNillableConsentExpiresAt(x.consentExpires)
		}
		cbs[i] = b
	}
	citizens, err := saveAll(cbs, func(bs []*ent.CitizenCreate) ([]*ent.Citizen, error) {
		return c.Citizen.CreateBulk(bs...).Save(ctx)
	})
	if err != nil {
		return Summary{}, fmt.Errorf("demo: creating citizens: %w", err)
	}
	sum.Citizens = len(citizens)

	// Contacts.
	kbs := make([]*ent.ContactCreate, len(p.contacts))
	for i, x := range p.contacts {
		ids := make([]int, len(x.needs))
		for j, n := range x.needs {
			id, ok := needID[n]
			if !ok {
				return Summary{}, fmt.Errorf("demo: need category %s is missing", n)
			}
			ids[j] = id
		}
		recorded := x.at.Add(15 * time.Minute)
		if x.duration != nil {
			recorded = x.at.Add(time.Duration(*x.duration) * time.Minute)
		}
		if recorded.After(now) {
			recorded = now
		}
		b := c.Contact.Create().
			SetContactRef(x.ref).SetOccurredAt(x.at).SetChannel(x.channel).
			SetRequester(x.requester).SetTargetArea(x.area).SetResponses(x.responses).
			SetOutcome(x.outcome).SetNillableDurationMinutes(x.duration).
			SetOperatorID(ops[x.operator].ID).
			SetMainNeedID(ids[0]).AddNeedIDs(ids...).
			SetCreatedAt(recorded).SetUpdatedAt(recorded)
		if x.notes != "" {
			b.SetNotes(x.notes)
		}
		if x.citizen >= 0 {
			b.SetCitizenID(citizens[x.citizen].ID)
		} else {
			b.SetNillableAnonymousSex(x.anonSex).SetNillableAnonymousBirthYear(x.anonBirthYear)
		}
		for _, s := range x.informed {
			if id, ok := svcID[s]; ok {
				b.AddInformedAboutIDs(id)
			}
		}
		kbs[i] = b
	}
	contacts, err := saveAll(kbs, func(bs []*ent.ContactCreate) ([]*ent.Contact, error) {
		return c.Contact.CreateBulk(bs...).Save(ctx)
	})
	if err != nil {
		return Summary{}, fmt.Errorf("demo: creating contacts: %w", err)
	}
	sum.Contacts = len(contacts)

	// Referrals and their history.
	var rbs []*ent.ReferralCreate
	var rps []*referralPlan
	var rops []int
	for i, x := range p.contacts {
		r := x.referral
		if r == nil {
			continue
		}
		id, ok := svcID[r.service]
		if !ok {
			return Summary{}, fmt.Errorf("demo: service %s is missing", r.service)
		}
		last := r.events[len(r.events)-1].at
		rbs = append(rbs, c.Referral.Create().
			SetContactID(contacts[i].ID).SetServiceID(id).SetStatus(r.status).
			SetProposedAt(r.proposed).SetNillableAcceptedAt(r.accepted).
			SetNillableDeclinedAt(r.declined).SetNillableCompletedAt(r.completed).
			SetNillableCancelledAt(r.cancelled).SetNillableAppointmentAt(r.appointment).
			SetNillableSuccessful(r.successful).SetNillableFailureReason(r.failure).
			SetNotes(r.notes).
			SetCreatedAt(r.proposed).SetUpdatedAt(last))
		rps = append(rps, r)
		rops = append(rops, ops[x.operator].ID)
	}
	referrals, err := saveAll(rbs, func(bs []*ent.ReferralCreate) ([]*ent.Referral, error) {
		return c.Referral.CreateBulk(bs...).Save(ctx)
	})
	if err != nil {
		return Summary{}, fmt.Errorf("demo: creating referrals: %w", err)
	}
	sum.Referrals = len(referrals)
	var ebs []*ent.ReferralEventCreate
	for i, r := range rps {
		for _, e := range r.events {
			b := c.ReferralEvent.Create().SetReferralID(referrals[i].ID).
				SetNillableFromStatus(e.from).SetToStatus(e.to).SetAt(e.at).
				SetOperatorID(rops[i]).SetCreatedAt(e.at)
			if e.reason != "" {
				b.SetReason(e.reason)
			}
			ebs = append(ebs, b)
		}
	}
	if _, err := saveAll(ebs, func(bs []*ent.ReferralEventCreate) ([]*ent.ReferralEvent, error) {
		return c.ReferralEvent.CreateBulk(bs...).Save(ctx)
	}); err != nil {
		return Summary{}, fmt.Errorf("demo: creating referral events: %w", err)
	}

	if sum.Trainings, err = writeTrainings(ctx, c, p, ops); err != nil {
		return Summary{}, err
	}
	if sum.SurveyResponses, err = writeSurvey(ctx, c, p); err != nil {
		return Summary{}, err
	}
	return sum, nil
}

// writeDesk writes the premises, the weekly timetable, the sessions held
// and the timetable's publications, and returns the number of sessions.
// An existing location at the same address is reused, with its timetable
// if it has one.
func writeDesk(ctx context.Context, c *ent.Client, p *plan) (int, error) {
	loc, err := c.Location.Query().Where(location.AddressContainsFold("Ripamonti")).
		Order(location.ByID()).First(ctx)
	switch {
	case ent.IsNotFound(err):
		loc, err = c.Location.Create().
			SetName("Servizio sociale - Uffici delle Assistenti sociali, 1° piano").
			SetAddress("Piazza Camillo Ripamonti 1, 20064 Gorgonzola (MI)").
			SetAccessible(true).SetReservedRooms(true).SetWaitingArea(true).
			SetPhone("02 95701220").
			SetEmail("servizio.sociale@comune.gorgonzola.mi.it").
			Save(ctx)
		if err != nil {
			return 0, fmt.Errorf("demo: creating the location: %w", err)
		}
	case err != nil:
		return 0, fmt.Errorf("demo: reading locations: %w", err)
	}
	hasHours, err := loc.QueryHours().Exist(ctx)
	if err != nil {
		return 0, fmt.Errorf("demo: reading opening hours: %w", err)
	}
	if !hasHours {
		hbs := make([]*ent.OpeningHourCreate, len(timetable))
		for i, s := range timetable {
			hbs[i] = c.OpeningHour.Create().SetWeekday(int(s.weekday)).
				SetStart(s.startStr).SetEnd(s.endStr).SetLocationID(loc.ID)
		}
		if err := c.OpeningHour.CreateBulk(hbs...).Exec(ctx); err != nil {
			return 0, fmt.Errorf("demo: creating opening hours: %w", err)
		}
	}
	sbs := make([]*ent.OpeningSessionCreate, len(p.sessions))
	for i, s := range p.sessions {
		sbs[i] = c.OpeningSession.Create().SetStartsAt(s.start).SetEndsAt(s.end).
			SetNotes(s.notes).SetLocationID(loc.ID).
			SetCreatedAt(s.end).SetUpdatedAt(s.end)
	}
	sessions, err := saveAll(sbs, func(bs []*ent.OpeningSessionCreate) ([]*ent.OpeningSession, error) {
		return c.OpeningSession.CreateBulk(bs...).Save(ctx)
	})
	if err != nil {
		return 0, fmt.Errorf("demo: creating opening sessions: %w", err)
	}
	pbs := make([]*ent.TimetablePublicationCreate, len(p.publications))
	for i, x := range p.publications {
		pbs[i] = c.TimetablePublication.Create().SetPublishedOn(x.on).SetMedium(x.medium).SetReference(x.reference)
	}
	if err := c.TimetablePublication.CreateBulk(pbs...).Exec(ctx); err != nil {
		return 0, fmt.Errorf("demo: creating timetable publications: %w", err)
	}
	return len(sessions), nil
}

// writeTrainings writes the year's training plan (or reuses the existing
// one) and its trainings, and returns the number of trainings.
func writeTrainings(ctx context.Context, c *ent.Client, p *plan, ops []*ent.Operator) (int, error) {
	tp, err := c.TrainingPlan.Query().Where(trainingplan.Year(p.year)).Only(ctx)
	if ent.IsNotFound(err) {
		tp, err = c.TrainingPlan.Create().SetYear(p.year).
			SetTitle(fmt.Sprintf("Piano formativo delle Assistenti sociali %d", p.year)).
			SetApprovedAt(p.planApproved).
			SetDescription("Aggiornamento normativo, lavoro di rete, tutela dei soggetti fragili e supervisione professionale: almeno 8 giornate per ciascuna Assistente sociale, come previsto dalla Carta dei servizi.").
			Save(ctx)
	}
	if err != nil {
		return 0, fmt.Errorf("demo: training plan: %w", err)
	}
	tbs := make([]*ent.TrainingCreate, len(p.trainings))
	for i, t := range p.trainings {
		ids := make([]int, len(t.attendees))
		for j, a := range t.attendees {
			ids[j] = ops[a].ID
		}
		tbs[i] = c.Training.Create().SetTitle(t.title).SetProvider(t.provider).
			SetDate(t.date).SetDays(t.days).SetHours(t.hours).SetPlanID(tp.ID).
			AddAttendeeIDs(ids...)
	}
	if err := c.Training.CreateBulk(tbs...).Exec(ctx); err != nil {
		return 0, fmt.Errorf("demo: creating trainings: %w", err)
	}
	return len(tbs), nil
}

// writeSurvey writes the yearly satisfaction survey and its responses, and
// returns the number of responses.
func writeSurvey(ctx context.Context, c *ent.Client, p *plan) (int, error) {
	s := p.survey
	if len(s.responses) == 0 {
		return 0, nil
	}
	sv, err := c.SatisfactionSurvey.Create().SetYear(p.year).
		SetTitle(fmt.Sprintf("Indagine di soddisfazione sul Segretariato sociale %d", p.year)).
		SetOpenedOn(s.opened).SetClosedOn(s.closed).
		Save(ctx)
	if err != nil {
		return 0, fmt.Errorf("demo: creating the survey: %w", err)
	}
	bs := make([]*ent.SurveyResponseCreate, len(s.responses))
	for i, r := range s.responses {
		bs[i] = c.SurveyResponse.Create().SetSurveyID(sv.ID).SetAnsweredOn(r.on).
			SetScore(r.score).SetSatisfied(r.satisfied).SetComment(r.comment)
	}
	rows, err := saveAll(bs, func(bs []*ent.SurveyResponseCreate) ([]*ent.SurveyResponse, error) {
		return c.SurveyResponse.CreateBulk(bs...).Save(ctx)
	})
	if err != nil {
		return 0, fmt.Errorf("demo: creating survey responses: %w", err)
	}
	return len(rows), nil
}
