package demo_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"segretariato/internal/access"
	"slices"
	"strings"
	"testing"
	"time"

	"segretariato/ent"
	"segretariato/ent/citizen"
	"segretariato/ent/contact"
	"segretariato/ent/referral"
	"segretariato/ent/referralevent"
	"segretariato/ent/schema/schematype"
	"segretariato/internal/database"
	"segretariato/internal/demo"
	"segretariato/internal/fiscalcode"
	"segretariato/internal/localtime"
	"segretariato/internal/refdata"
	"segretariato/internal/wiring"
)

func openDB(t *testing.T) *ent.Client { return openRaw(t).Client }

func openRaw(t *testing.T) *database.DB {
	t.Helper()
	db, err := wiring.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "demo.db"), database.Options{})
	if err != nil {
		t.Fatalf("opening the database: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

var rome = localtime.Rome

func TestLoad(t *testing.T) {
	ctx := access.System(context.Background())
	db := openRaw(t)
	client := db.Client
	start := time.Now()
	sum, err := demo.Load(ctx, client, demo.Options{})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	t.Logf("Load took %v: %+v", time.Since(start), sum)
	year := time.Now().In(rome).Year() - 1

	if !sum.Created || sum.Operators != 7 || sum.Citizens != 1200 || sum.Contacts != 3000 ||
		sum.Trainings != 10 || sum.SurveyResponses != 150 || sum.Sessions < 120 || sum.Referrals < 800 {
		t.Errorf("unexpected summary %+v", sum)
	}
	counts := map[string][2]int{
		"operators": {client.Operator.Query().CountX(ctx), sum.Operators},
		"citizens":  {client.Citizen.Query().CountX(ctx), sum.Citizens},
		"contacts":  {client.Contact.Query().CountX(ctx), sum.Contacts},
		"referrals": {client.Referral.Query().CountX(ctx), sum.Referrals},
		"trainings": {client.Training.Query().CountX(ctx), sum.Trainings},
		"sessions":  {client.OpeningSession.Query().CountX(ctx), sum.Sessions},
		"responses": {client.SurveyResponse.Query().CountX(ctx), sum.SurveyResponses},
		"needs":     {client.NeedCategory.Query().CountX(ctx), len(refdata.Needs)},
		"services":  {client.Service.Query().CountX(ctx), len(refdata.Services)},
	}
	for name, c := range counts {
		if c[0] != c[1] {
			t.Errorf("%s: %d in the database, want %d", name, c[0], c[1])
		}
	}

	t.Run("times stored in UTC", func(t *testing.T) {
		for _, q := range []string{
			"SELECT occurred_at FROM contacts",
			"SELECT starts_at FROM opening_sessions",
			"SELECT proposed_at FROM referrals",
		} {
			var raw string
			if err := db.SQL.QueryRowContext(ctx, q+" LIMIT 1").Scan(&raw); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			if !strings.HasSuffix(raw, "+00:00") && !strings.HasSuffix(raw, "Z") {
				t.Errorf("%s: stored %q, not UTC", q, raw)
			}
		}
	})
	t.Run("citizens", func(t *testing.T) { checkCitizens(t, client) })
	t.Run("contacts", func(t *testing.T) { checkContacts(t, client, year) })
	t.Run("referrals", func(t *testing.T) { checkReferrals(t, client) })
	t.Run("desk", func(t *testing.T) { checkDesk(t, client, year) })
	t.Run("trainings", func(t *testing.T) { checkTrainings(t, client, year) })
	t.Run("survey", func(t *testing.T) { checkSurvey(t, client, year) })
	t.Run("operators", func(t *testing.T) {
		ops, err := demo.Operators(ctx, client)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range []schematype.Role{schematype.RoleSocialWorker, schematype.RoleCoordinator, schematype.RoleAnalyst, schematype.RoleAdmin} {
			o := ops[r]
			if o == nil || o.Role != r || !o.Active || !strings.HasSuffix(o.Email, "@"+demo.EmailDomain) {
				t.Errorf("operator for %s = %+v", r, o)
			}
		}
		if n := client.Operator.Query().CountX(ctx); n != 7 {
			t.Errorf("%d operators, want 7", n)
		}
	})

	t.Run("second load writes nothing", func(t *testing.T) {
		sum, err := demo.Load(ctx, client, demo.Options{Seed: 7, Year: year - 1})
		if err != nil {
			t.Fatal(err)
		}
		if sum != (demo.Summary{}) {
			t.Errorf("second Load = %+v, want the zero Summary", sum)
		}
		for name, got := range map[string]int{
			"operators": client.Operator.Query().CountX(ctx),
			"citizens":  client.Citizen.Query().CountX(ctx),
			"contacts":  client.Contact.Query().CountX(ctx),
			"referrals": client.Referral.Query().CountX(ctx),
			"sessions":  client.OpeningSession.Query().CountX(ctx),
			"locations": client.Location.Query().CountX(ctx),
			"plans":     client.TrainingPlan.Query().CountX(ctx),
			"surveys":   client.SatisfactionSurvey.Query().CountX(ctx),
		} {
			if want := counts[name][1]; name == "locations" || name == "plans" || name == "surveys" {
				if got != 1 {
					t.Errorf("%s: %d after the second Load, want 1", name, got)
				}
			} else if got != want {
				t.Errorf("%s: %d after the second Load, want %d", name, got, want)
			}
		}
	})
}

func checkCitizens(t *testing.T, client *ent.Client) {
	ctx := access.System(context.Background())
	citizens := client.Citizen.Query().AllX(ctx)
	foreign, elderly, minors, consent, expired := 0, 0, 0, 0, 0
	districts := map[string]bool{}
	for _, c := range citizens {
		if c.FiscalCode == nil || c.BirthDate == nil || c.Sex == nil {
			t.Fatalf("citizen %d lacks fiscal code, birth date or sex", c.ID)
		}
		info, err := fiscalcode.Parse(*c.FiscalCode)
		if err != nil {
			t.Errorf("citizen %d: fiscal code does not parse: %v", c.ID, err)
			continue
		}
		if !info.BirthDate.Equal(c.BirthDate.UTC()) || info.Sex != string(*c.Sex) {
			t.Errorf("citizen %d: code says %v %s, record %v %s", c.ID, info.BirthDate, info.Sex, *c.BirthDate, *c.Sex)
		}
		if c.District == nil || c.DistrictKey == nil || *c.DistrictKey != strings.ToLower(*c.District) {
			t.Errorf("citizen %d: district %v, key %v", c.ID, c.District, c.DistrictKey)
		} else {
			districts[*c.District] = true
		}
		if c.HolderID == nil || c.FirstName == "" || c.LastName == "" || c.Citizenship == nil {
			t.Errorf("citizen %d lacks holder, names or citizenship", c.ID)
		}
		if *c.Citizenship != "IT" {
			foreign++
		}
		age := time.Now().Year() - 1 - c.BirthDate.Year()
		switch {
		case age >= 65:
			elderly++
		case age < 18:
			minors++
		}
		if c.PrivacyConsent {
			consent++
			if c.ConsentAt == nil || c.ConsentScope == "" {
				t.Errorf("citizen %d: consent without date or scope", c.ID)
			}
			if c.ConsentExpiresAt != nil && c.ConsentExpiresAt.Before(time.Now()) {
				expired++
			}
		}
	}
	n := len(citizens)
	t.Logf("%d citizens: %d foreign, %d elderly, %d minors, %d consents (%d expired), districts %v",
		n, foreign, elderly, minors, consent, expired, districts)
	if len(districts) != 6 {
		t.Errorf("%d districts, want 6", len(districts))
	}
	if foreign < n/10 || foreign > n/3 || elderly < n/4 || minors == 0 || minors > n/10 {
		t.Errorf("implausible population: %d foreign, %d elderly, %d minors of %d", foreign, elderly, minors, n)
	}
	if consent < n/4 || expired == 0 || expired > n/10 {
		t.Errorf("consents: %d, expired %d of %d", consent, expired, n)
	}
}

func checkContacts(t *testing.T, client *ent.Client, year int) {
	ctx := access.System(context.Background())
	contacts := client.Contact.Query().WithNeeds().WithReferrals().WithInformedAbout().Order(contact.ByID()).AllX(ctx)
	areas := map[schematype.TargetArea]int{}
	outcomes := map[schematype.Outcome]int{}
	channels := map[schematype.Channel]int{}
	anonymous, anonSex, anonYear, noDuration, notes, informed := 0, 0, 0, 0, 0, 0
	refs := map[string]bool{}
	sessions := client.OpeningSession.Query().AllX(ctx)
	for _, c := range contacts {
		areas[c.TargetArea]++
		outcomes[c.Outcome]++
		channels[c.Channel]++
		if c.ContactRef == nil || !strings.HasPrefix(*c.ContactRef, fmt.Sprintf("DEMO-%d-", year)) || refs[*c.ContactRef] {
			t.Errorf("contact %d: bad or duplicate ref %v", c.ID, c.ContactRef)
		} else {
			refs[*c.ContactRef] = true
		}
		if y := c.OccurredAt.In(rome).Year(); y != year {
			t.Errorf("contact %d: occurred in %d", c.ID, y)
		}
		if c.CitizenID == nil {
			anonymous++
			if c.AnonymousSex != nil {
				anonSex++
			}
			if c.AnonymousBirthYear != nil {
				anonYear++
			}
		} else if c.AnonymousSex != nil || c.AnonymousBirthYear != nil {
			t.Errorf("contact %d has a citizen and anonymous fields", c.ID)
		}
		ids := make([]int, len(c.Edges.Needs))
		for i, n := range c.Edges.Needs {
			ids[i] = n.ID
		}
		if len(ids) < 1 || len(ids) > 3 || !slices.Contains(ids, c.MainNeedID) {
			t.Errorf("contact %d: needs %v, main %d", c.ID, ids, c.MainNeedID)
		}
		if len(c.Responses) < 1 || len(c.Responses) > 3 {
			t.Errorf("contact %d: %d responses", c.ID, len(c.Responses))
		}
		if c.DurationMinutes == nil {
			noDuration++
		} else if d := *c.DurationMinutes; d < 5 || d > 90 {
			t.Errorf("contact %d: duration %d", c.ID, d)
		}
		if c.Notes != "" {
			notes++
		}
		if c.Channel == schematype.ChannelInPerson && !inSession(c.OccurredAt, sessions) {
			t.Errorf("contact %d: in person at %v, outside every session", c.ID, c.OccurredAt.In(rome))
		}
		if c.Outcome.IsReferral() != (len(c.Edges.Referrals) == 1) || len(c.Edges.Referrals) > 1 {
			t.Errorf("contact %d: outcome %s with %d referrals", c.ID, c.Outcome, len(c.Edges.Referrals))
		}
		if c.Outcome.IsReferral() && c.CitizenID == nil {
			t.Errorf("contact %d: anonymous contact referred", c.ID)
		}
		if len(c.Edges.InformedAbout) > 0 {
			informed++
		}
	}
	n := len(contacts)
	t.Logf("areas %v\noutcomes %v\nchannels %v\nanonymous %d (sex %d, birth year %d), no duration %d, notes %d, informed %d",
		areas, outcomes, channels, anonymous, anonSex, anonYear, noDuration, notes, informed)
	for _, a := range schematype.TargetArea("").Values() {
		if areas[schematype.TargetArea(a)] == 0 {
			t.Errorf("no contact in area %s", a)
		}
	}
	for _, o := range schematype.Outcome("").Values() {
		if outcomes[schematype.Outcome(o)] == 0 {
			t.Errorf("no contact with outcome %s", o)
		}
	}
	for _, ch := range schematype.Channel("").Values() {
		if channels[schematype.Channel(ch)] == 0 {
			t.Errorf("no contact by channel %s", ch)
		}
	}
	share := func(k int) float64 { return float64(k) / float64(n) }
	if s := share(outcomes[schematype.OutcomeInformed]); s < 0.5 || s > 0.6 {
		t.Errorf("informed share %.2f", s)
	}
	if s := share(outcomes[schematype.OutcomeReferredInternal]); s < 0.16 || s > 0.24 {
		t.Errorf("internal referral share %.2f", s)
	}
	if s := share(outcomes[schematype.OutcomeReferredExternal]); s < 0.12 || s > 0.18 {
		t.Errorf("external referral share %.2f", s)
	}
	if s := share(anonymous); s < 0.08 || s > 0.16 || anonSex == 0 || anonYear == 0 || anonSex == anonymous || anonYear == anonymous {
		t.Errorf("anonymous: %d (%.2f), with sex %d, with birth year %d", anonymous, s, anonSex, anonYear)
	}
	if noDuration == 0 || noDuration > n/10 || notes == 0 || informed == 0 {
		t.Errorf("no duration %d, notes %d, informed %d", noDuration, notes, informed)
	}
}

func inSession(at time.Time, sessions []*ent.OpeningSession) bool {
	for _, s := range sessions {
		if !at.Before(s.StartsAt) && at.Before(s.EndsAt) {
			return true
		}
	}
	return false
}

func checkReferrals(t *testing.T, client *ent.Client) {
	ctx := access.System(context.Background())
	refs := client.Referral.Query().
		WithService().
		WithContact(func(q *ent.ContactQuery) { q.WithCitizen() }).
		WithEvents(func(q *ent.ReferralEventQuery) { q.Order(referralevent.ByID()) }).
		Order(referral.ByID()).
		AllX(ctx)
	statuses := map[schematype.ReferralStatus]int{}
	unsuccessful, appointments := 0, 0
	for _, r := range refs {
		statuses[r.Status]++
		k := r.Edges.Contact
		if !r.ProposedAt.Equal(k.OccurredAt) {
			t.Errorf("referral %d proposed at %v, contact at %v", r.ID, r.ProposedAt, k.OccurredAt)
		}
		code := r.Edges.Service.Code
		if (k.Outcome == schematype.OutcomeReferredInternal) != (code == refdata.InternalServiceCode) {
			t.Errorf("referral %d: %s contact sent to %s", r.ID, k.Outcome, code)
		}
		if k.Outcome == schematype.OutcomeReferredExternal {
			c := k.Edges.Citizen
			if c == nil || !c.PrivacyConsent || c.ConsentAt == nil || c.ConsentAt.After(r.ProposedAt) ||
				(c.ConsentExpiresAt != nil && c.ConsentExpiresAt.Before(time.Now())) {
				t.Errorf("referral %d: external without valid consent", r.ID)
			}
		}
		// Dates and status agree.
		set := func(p *time.Time) bool { return p != nil }
		want := map[schematype.ReferralStatus][4]bool{ // accepted, declined, completed, cancelled
			schematype.ReferralStatusProposed:  {false, false, false, false},
			schematype.ReferralStatusAccepted:  {true, false, false, false},
			schematype.ReferralStatusDeclined:  {false, true, false, false},
			schematype.ReferralStatusCompleted: {true, false, true, false},
		}
		got := [4]bool{set(r.AcceptedAt), set(r.DeclinedAt), set(r.CompletedAt), set(r.CancelledAt)}
		if w, ok := want[r.Status]; ok && got != w || r.Status == schematype.ReferralStatusCancelled && (!got[3] || got[1] || got[2]) {
			t.Errorf("referral %d: status %s with dates %v", r.ID, r.Status, got)
		}
		if r.AcceptedAt != nil && r.AcceptedAt.Before(r.ProposedAt) ||
			r.CompletedAt != nil && (r.AcceptedAt == nil || !r.CompletedAt.After(*r.AcceptedAt)) ||
			r.DeclinedAt != nil && r.DeclinedAt.Before(r.ProposedAt) ||
			r.CancelledAt != nil && r.CancelledAt.Before(r.ProposedAt) ||
			r.AppointmentAt != nil && (r.AcceptedAt == nil || r.AppointmentAt.Before(*r.AcceptedAt) ||
				r.CompletedAt != nil && r.AppointmentAt.After(*r.CompletedAt)) {
			t.Errorf("referral %d: dates out of order", r.ID)
		}
		if r.AppointmentAt != nil {
			appointments++
		}
		if (r.Status == schematype.ReferralStatusCompleted) != (r.Successful != nil) ||
			(r.Successful != nil && *r.Successful) != (r.Successful != nil && r.FailureReason == nil) {
			t.Errorf("referral %d: status %s, successful %v, failure %v", r.ID, r.Status, r.Successful, r.FailureReason)
		}
		if r.Successful != nil && !*r.Successful {
			unsuccessful++
		}
		// The history: PROPOSED from nothing, then one event per step.
		ev := r.Edges.Events
		if len(ev) == 0 || ev[0].FromStatus != nil || ev[0].ToStatus != schematype.ReferralStatusProposed ||
			!ev[0].At.Equal(r.ProposedAt) || ev[len(ev)-1].ToStatus != r.Status {
			t.Errorf("referral %d: bad history", r.ID)
			continue
		}
		for i := 1; i < len(ev); i++ {
			if ev[i].FromStatus == nil || *ev[i].FromStatus != ev[i-1].ToStatus || ev[i].At.Before(ev[i-1].At) {
				t.Errorf("referral %d: event %d does not follow", r.ID, i)
			}
		}
	}
	t.Logf("%d referrals: %v, %d unsuccessful, %d appointments", len(refs), statuses, unsuccessful, appointments)
	for _, s := range schematype.ReferralStatus("").Values() {
		if statuses[schematype.ReferralStatus(s)] == 0 {
			t.Errorf("no referral in status %s", s)
		}
	}
	if unsuccessful == 0 || appointments == 0 {
		t.Errorf("%d unsuccessful, %d appointments", unsuccessful, appointments)
	}
	referred := client.Contact.Query().Where(contact.OutcomeIn(schematype.OutcomeReferredInternal, schematype.OutcomeReferredExternal)).CountX(ctx)
	if referred != len(refs) {
		t.Errorf("%d referred contacts, %d referrals", referred, len(refs))
	}
}

func checkDesk(t *testing.T, client *ent.Client, year int) {
	ctx := access.System(context.Background())
	loc := client.Location.Query().OnlyX(ctx)
	if !loc.Accessible || !loc.ReservedRooms || !loc.WaitingArea || !strings.Contains(loc.Address, "Piazza Camillo Ripamonti 1") {
		t.Errorf("location %+v", loc)
	}
	hours := client.OpeningHour.Query().AllX(ctx)
	got := map[int]string{}
	for _, h := range hours {
		got[h.Weekday] = h.Start + "-" + h.End
	}
	if want := map[int]string{1: "15:30-17:00", 3: "16:30-18:30", 5: "09:30-11:30"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("opening hours %v, want %v", got, want)
	}
	type week struct {
		hours      float64
		afternoons int
	}
	weeks := map[string]*week{}
	for _, s := range client.OpeningSession.Query().AllX(ctx) {
		l := s.StartsAt.In(rome)
		slot := fmt.Sprintf("%d %s", l.Weekday(), l.Format("15:04"))
		if !slices.Contains([]string{"1 15:30", "3 16:30", "5 09:30"}, slot) || l.Year() != year {
			t.Errorf("session at %v", l)
		}
		y, w := l.ISOWeek()
		k := fmt.Sprintf("%d-W%02d", y, w)
		if weeks[k] == nil {
			weeks[k] = &week{}
		}
		weeks[k].hours += s.EndsAt.Sub(s.StartsAt).Hours()
		if l.Hour() >= 13 {
			weeks[k].afternoons++
		}
	}
	short, fewAfternoons := 0, 0
	for _, w := range weeks {
		if w.hours < 4 {
			short++
		}
		if w.afternoons < 2 {
			fewAfternoons++
		}
	}
	// Weeks with no session at all (August, Christmas) count too.
	closed := 0
	first := time.Date(year, 1, 1, 12, 0, 0, 0, rome)
	for d := first.AddDate(0, 0, -((int(first.Weekday()) + 6) % 7)); d.Year() <= year; d = d.AddDate(0, 0, 7) {
		y, w := d.ISOWeek()
		if weeks[fmt.Sprintf("%d-W%02d", y, w)] == nil {
			closed++
		}
	}
	t.Logf("%d weeks with sessions, %d closed, %d short, %d with fewer than 2 afternoons", len(weeks), closed, short, fewAfternoons)
	if closed != 3 || short == 0 || fewAfternoons == 0 {
		t.Errorf("want closed weeks and weeks below the charter's standard: closed %d, short %d, few afternoons %d", closed, short, fewAfternoons)
	}
	pubs := client.TimetablePublication.Query().AllX(ctx)
	media := map[schematype.Medium]int{}
	for _, p := range pubs {
		media[p.Medium]++
	}
	if media[schematype.MediumPeriodical] != 4 || media[schematype.MediumWebsite] != 1 {
		t.Errorf("publications %v", media)
	}
}

func checkTrainings(t *testing.T, client *ent.Client, year int) {
	ctx := access.System(context.Background())
	plan := client.TrainingPlan.Query().OnlyX(ctx)
	if plan.Year != year {
		t.Errorf("plan year %d", plan.Year)
	}
	days := map[string]float64{}
	for _, tr := range client.Training.Query().WithAttendees().WithPlan().AllX(ctx) {
		if tr.Edges.Plan == nil || tr.Edges.Plan.ID != plan.ID || tr.Days < 0.5 || tr.Days > 2 || tr.Hours == nil {
			t.Errorf("training %+v", tr)
		}
		for _, o := range tr.Edges.Attendees {
			if o.Role == schematype.RoleSocialWorker {
				days[o.Email] += tr.Days
			}
		}
	}
	reach := 0
	for _, d := range days {
		if d >= 8 {
			reach++
		}
	}
	if len(days) != 4 || reach != 3 {
		t.Errorf("training days per social worker %v: want 3 of 4 at 8 or more", days)
	}
}

func checkSurvey(t *testing.T, client *ent.Client, year int) {
	ctx := access.System(context.Background())
	sv := client.SatisfactionSurvey.Query().WithResponses().OnlyX(ctx)
	if sv.Year != year || sv.OpenedOn == nil || sv.ClosedOn == nil {
		t.Errorf("survey %+v", sv)
	}
	satisfied := 0
	for _, r := range sv.Edges.Responses {
		if r.Satisfied != (r.Score >= 4) {
			t.Errorf("response %d: score %d, satisfied %v", r.ID, r.Score, r.Satisfied)
		}
		if r.AnsweredOn.Before(*sv.OpenedOn) || r.AnsweredOn.After(*sv.ClosedOn) {
			t.Errorf("response %d answered on %v", r.ID, r.AnsweredOn)
		}
		if r.Satisfied {
			satisfied++
		}
	}
	if s := float64(satisfied) / float64(len(sv.Edges.Responses)); s < 0.75 || s > 0.81 {
		t.Errorf("satisfied share %.2f", s)
	}
}

// snapshot is what two loads with the same options must agree on.
func snapshot(t *testing.T, client *ent.Client) string {
	ctx := access.System(context.Background())
	var b strings.Builder
	for _, c := range client.Citizen.Query().Order(citizen.ByID()).AllX(ctx) {
		fmt.Fprintf(&b, "%s %s %s %s\n", *c.FiscalCode, c.FirstName, c.LastName, *c.District)
	}
	for _, c := range client.Contact.Query().WithNeeds().Order(contact.ByID()).AllX(ctx) {
		fmt.Fprintf(&b, "%s %s %s %s %d\n", *c.ContactRef, c.OccurredAt.UTC().Format(time.RFC3339), c.Outcome, c.TargetArea, len(c.Edges.Needs))
	}
	for _, r := range client.Referral.Query().Order(referral.ByID()).AllX(ctx) {
		fmt.Fprintf(&b, "%s\n", r.Status)
	}
	return b.String()
}

func TestLoadIsDeterministic(t *testing.T) {
	ctx := access.System(context.Background())
	opt := demo.Options{Year: 2024, Seed: 42, Contacts: 400}
	a, b, c := openDB(t), openDB(t), openDB(t)
	for _, cl := range []*ent.Client{a, b} {
		sum, err := demo.Load(ctx, cl, opt)
		if err != nil {
			t.Fatal(err)
		}
		if sum.Contacts != 400 || sum.Citizens != 160 {
			t.Errorf("summary %+v", sum)
		}
	}
	if snapshot(t, a) != snapshot(t, b) {
		t.Error("two loads with the same options differ")
	}
	// All but the record keys of the cell-key method: never from the seed.
	keys := func(cl *ent.Client) string {
		var b strings.Builder
		for _, c := range cl.Contact.Query().Order(contact.ByID()).AllX(ctx) {
			fmt.Fprintf(&b, "%d ", c.RecordKey)
		}
		return b.String()
	}
	if keys(a) == keys(b) {
		t.Error("two loads with the same seed have the same record keys")
	}
	opt.Seed = 43
	if _, err := demo.Load(ctx, c, opt); err != nil {
		t.Fatal(err)
	}
	if snapshot(t, a) == snapshot(t, c) {
		t.Error("different seeds gave the same data")
	}
}

func TestLoadCurrentYearStopsAtNow(t *testing.T) {
	ctx := access.System(context.Background())
	client := openDB(t)
	now := time.Now()
	_, err := demo.Load(ctx, client, demo.Options{Year: now.In(rome).Year(), Contacts: 300})
	if err != nil {
		if now.In(rome).YearDay() < 10 {
			return // refused, rightly: too few days of the year have passed
		}
		t.Fatal(err)
	}
	if n := client.Contact.Query().Where(contact.OccurredAtGT(now)).CountX(ctx); n != 0 {
		t.Errorf("%d contacts in the future", n)
	}
	if n := client.OpeningSession.Query().CountX(ctx); n == 0 {
		t.Error("no sessions")
	}
	for _, r := range client.Referral.Query().AllX(ctx) {
		for _, p := range []*time.Time{r.AcceptedAt, r.DeclinedAt, r.CompletedAt, r.CancelledAt} {
			if p != nil && p.After(now) {
				t.Errorf("referral %d has a step in the future", r.ID)
			}
		}
	}
}

func TestOptionsAndOperatorsErrors(t *testing.T) {
	ctx := access.System(context.Background())
	client := openDB(t)
	if _, err := demo.Operators(ctx, client); !errors.Is(err, demo.ErrNotLoaded) {
		t.Errorf("Operators on an empty database: %v, want ErrNotLoaded", err)
	}
	for _, opt := range []demo.Options{
		{Year: time.Now().Year() + 1},
		{Year: 1999},
		{Contacts: -1},
	} {
		if _, err := demo.Load(ctx, client, opt); err == nil {
			t.Errorf("Load(%+v) succeeded", opt)
		}
	}
	if n := client.Operator.Query().CountX(ctx); n != 0 {
		t.Errorf("%d operators after failed loads", n)
	}
}

func TestLoadTiny(t *testing.T) {
	for _, n := range []int{1, 2, 7} {
		client := openDB(t)
		sum, err := demo.Load(context.Background(), client, demo.Options{Year: 2023, Seed: int64(n), Contacts: n})
		if err != nil {
			t.Fatalf("%d contacts: %v", n, err)
		}
		if sum.Contacts != n || sum.Citizens > n || sum.Operators != 7 {
			t.Errorf("%d contacts: summary %+v", n, sum)
		}
	}
}
