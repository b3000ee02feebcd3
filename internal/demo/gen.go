package demo

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"time"

	"segretariato/ent/schema/schematype"
	"segretariato/internal/fiscalcode"
	"segretariato/internal/refdata"
)

// weighted is a value with its relative frequency.
type weighted[T any] struct {
	v T
	w float64
}

// pick draws one value in proportion to the weights; at least one weight
// must be positive.
func pick[T any](r *rand.Rand, xs []weighted[T]) T {
	total := 0.0
	for _, x := range xs {
		total += x.w
	}
	u := r.Float64() * total
	last := 0
	for i, x := range xs {
		if x.w <= 0 {
			continue
		}
		if u < x.w {
			return x.v
		}
		u -= x.w
		last = i
	}
	return xs[last].v
}

func one[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// cumulative draws indices in proportion to weights, fast.
type cumulative []float64

func newCumulative(ws []float64) cumulative {
	c := make(cumulative, len(ws))
	sum := 0.0
	for i, w := range ws {
		sum += w
		c[i] = sum
	}
	return c
}

func (c cumulative) pick(r *rand.Rand) int {
	u := r.Float64() * c[len(c)-1]
	i := sort.Search(len(c), func(i int) bool { return c[i] > u })
	return min(i, len(c)-1)
}

// plan is the whole demo year, generated in memory before it is written.
type plan struct {
	year         int
	sessions     []sessionPlan
	citizens     []citizenPlan
	contacts     []contactPlan
	trainings    []trainingSeed
	planApproved time.Time
	publications []publicationPlan
	survey       surveyPlan
}

type sessionPlan struct {
	start, end time.Time
	notes      string
}

type citizenPlan struct {
	first, last    string
	sex            schematype.Sex
	birth          time.Time
	citizenship    string
	foreign        bool
	district       string
	address        string
	holder         int
	area           schematype.TargetArea
	code           string
	consentAt      *time.Time
	consentExpires *time.Time
	consentScope   string
	createdAt      time.Time
	contacts       []int
}

type contactPlan struct {
	ref           string
	at            time.Time
	channel       schematype.Channel
	requester     schematype.Requester
	area          schematype.TargetArea
	needs         []string // the first is the main need
	responses     []schematype.Response
	outcome       schematype.Outcome
	duration      *int
	notes         string
	operator      int // index into operatorSeeds
	citizen       int // index into plan.citizens, -1 when anonymous
	anonSex       *schematype.Sex
	anonBirthYear *int
	informed      []string // service codes
	referral      *referralPlan
}

type referralPlan struct {
	service     string
	status      schematype.ReferralStatus
	proposed    time.Time
	accepted    *time.Time
	declined    *time.Time
	completed   *time.Time
	cancelled   *time.Time
	appointment *time.Time
	successful  *bool
	failure     *schematype.FailureReason
	notes       string
	events      []eventPlan
}

type eventPlan struct {
	from   *schematype.ReferralStatus
	to     schematype.ReferralStatus
	at     time.Time
	reason string
}

type publicationPlan struct {
	on        time.Time
	medium    schematype.Medium
	reference string
}

type surveyPlan struct {
	opened, closed time.Time
	responses      []responsePlan
}

type responsePlan struct {
	on        time.Time
	score     int
	satisfied bool
	comment   string
}

// gen generates a plan from a seeded random source.
type gen struct {
	r   *rand.Rand
	cal *calendar
	now time.Time
	p   *plan
	// workdays are the office's working days, drawn by workdayPick.
	workdays    []time.Time
	workdayPick cumulative
	sessionPick cumulative
}

func newPlan(opt Options, loc *time.Location, now time.Time) (*plan, error) {
	seed := uint64(opt.Seed)
	g := &gen{
		r:   rand.New(rand.NewPCG(seed, seed^0x5e9e7a21a70c0de)),
		cal: newCalendar(opt.Year, loc, now),
		now: now,
		p:   &plan{year: opt.Year},
	}
	g.makeSessions()
	g.makeWorkdays()
	if opt.Contacts > 0 && len(g.workdays) == 0 {
		return nil, fmt.Errorf("demo: no working day of %d has passed yet", opt.Year)
	}
	if err := g.makeContacts(opt.Contacts); err != nil {
		return nil, err
	}
	g.makeTrainings()
	g.makePublications()
	g.makeSurvey()
	return g.p, nil
}

func (g *gen) chance(p float64) bool { return g.r.Float64() < p }

// between returns a uniform integer in [lo, hi].
func (g *gen) between(lo, hi int) int { return lo + g.r.IntN(hi-lo+1) }

func (g *gen) makeSessions() {
	var out []sessionPlan
	for _, d := range g.cal.days() {
		if g.cal.isHoliday(d) || g.cal.isClosedWeek(d) {
			continue
		}
		for _, s := range timetable {
			if d.Weekday() == s.weekday {
				out = append(out, sessionPlan{
					start: g.cal.at(d, s.startH, s.startM).UTC(),
					end:   g.cal.at(d, s.endH, s.endM).UTC(),
				})
			}
		}
	}
	if len(out) > 20 {
		// Two sessions not held (staff absent), one closed early.
		for range 2 {
			i := g.r.IntN(len(out))
			out = slices.Delete(out, i, i+1)
		}
		i := g.r.IntN(len(out))
		out[i].end = out[i].end.Add(-30 * time.Minute)
		out[i].notes = "Chiusura anticipata per assemblea del personale."
	}
	g.p.sessions = out
	ws := make([]float64, len(out))
	for i, s := range out {
		ws[i] = monthWeight[s.start.In(g.cal.loc).Month()-1] * s.end.Sub(s.start).Hours()
	}
	if len(ws) > 0 {
		g.sessionPick = newCumulative(ws)
	}
}

func (g *gen) makeWorkdays() {
	var ws []float64
	for _, d := range g.cal.days() {
		if isWeekend(d) || g.cal.isHoliday(d) {
			continue
		}
		w := monthWeight[d.Month()-1]
		if g.cal.isClosedWeek(d) {
			w *= 0.4
		}
		g.workdays = append(g.workdays, d)
		ws = append(ws, w)
	}
	if len(ws) > 0 {
		g.workdayPick = newCumulative(ws)
	}
}

// workTime returns a local time between from and to (hours, minutes
// since midnight) on a working day drawn by the demand's seasonality.
func (g *gen) workTime(fromMin, toMin int) time.Time {
	d := g.workdays[g.workdayPick.pick(g.r)]
	m := g.between(fromMin, toMin)
	return g.cal.at(d, m/60, m%60).UTC()
}

// sessionTime returns a time within an opening session.
func (g *gen) sessionTime() time.Time {
	s := g.p.sessions[g.sessionPick.pick(g.r)]
	span := int(s.end.Sub(s.start).Minutes()) - 5
	return s.start.Add(time.Duration(g.r.IntN(span)) * time.Minute)
}

// afterWork returns a working-hours time on a weekday from minDays to
// maxDays days after t, and always after t.
func (g *gen) afterWork(t time.Time, minDays, maxDays int) time.Time {
	l := t.In(g.cal.loc)
	d := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, g.cal.loc).AddDate(0, 0, g.between(minDays, maxDays))
	for isWeekend(d) {
		d = d.AddDate(0, 0, 1)
	}
	m := g.between(9*60, 17*60)
	out := g.cal.at(d, m/60, m%60).UTC()
	if !out.After(t) {
		out = t.Add(time.Duration(g.between(15, 90)) * time.Minute)
	}
	return out
}

var channels = []weighted[schematype.Channel]{
	{schematype.ChannelInPerson, 64}, {schematype.ChannelPhone, 22}, {schematype.ChannelEmail, 6},
	{schematype.ChannelHomeVisit, 5}, {schematype.ChannelOther, 3},
}

// anonymousShare is the share of anonymous contacts by channel (about 12%
// overall): people who phone or write often do not give their name.
var anonymousShare = map[schematype.Channel]float64{
	schematype.ChannelInPerson: 0.08, schematype.ChannelPhone: 0.25, schematype.ChannelEmail: 0.15,
	schematype.ChannelHomeVisit: 0, schematype.ChannelOther: 0.15,
}

// Outcomes of identified and anonymous contacts: together about 55%
// informed, 20% internal and 15% external referrals, 8% follow-up, 1%
// urgent, 1% not competent. Anonymous contacts are never referred (a
// referral needs a person to refer) nor taken in urgently.
var (
	identifiedOutcomes = []weighted[schematype.Outcome]{
		{schematype.OutcomeInformed, 50.9}, {schematype.OutcomeReferredInternal, 22.7},
		{schematype.OutcomeReferredExternal, 17.0}, {schematype.OutcomeFollowUp, 7.7},
		{schematype.OutcomeUrgentIntervention, 1.14}, {schematype.OutcomeNotCompetent, 0.45},
	}
	anonymousOutcomes = []weighted[schematype.Outcome]{
		{schematype.OutcomeInformed, 85}, {schematype.OutcomeFollowUp, 10}, {schematype.OutcomeNotCompetent, 5},
	}
	anonymousAreas = []weighted[schematype.TargetArea]{
		{schematype.TargetAreaAdults, 40}, {schematype.TargetAreaElderly, 30},
		{schematype.TargetAreaDisability, 10}, {schematype.TargetAreaMinorsFamilies, 20},
	}
)

func (g *gen) makeContacts(n int) error {
	cs := make([]contactPlan, n)
	identified := 0
	for i := range cs {
		c := &cs[i]
		c.channel = pick(g.r, channels)
		switch {
		case len(g.p.sessions) > 0 && (c.channel == schematype.ChannelInPerson ||
			c.channel == schematype.ChannelOther && g.chance(0.5)):
			c.at = g.sessionTime()
		case c.channel == schematype.ChannelPhone:
			if g.chance(0.7) {
				c.at = g.workTime(9*60, 12*60+30)
			} else {
				c.at = g.workTime(14*60, 16*60+30)
			}
		case c.channel == schematype.ChannelEmail:
			c.at = g.workTime(8*60, 18*60)
		case c.channel == schematype.ChannelHomeVisit:
			if g.chance(0.6) {
				c.at = g.workTime(9*60+30, 12*60)
			} else {
				c.at = g.workTime(14*60, 16*60)
			}
		default:
			c.at = g.workTime(9*60, 16*60)
		}
		c.citizen = -1
		if !g.chance(anonymousShare[c.channel]) {
			c.citizen = 0 // assigned below
			identified++
		}
	}
	slices.SortStableFunc(cs, func(a, b contactPlan) int { return a.at.Compare(b.at) })
	for i := range cs {
		cs[i].ref = fmt.Sprintf("DEMO-%d-%04d", g.p.year, i+1)
	}
	g.p.contacts = cs

	nc := min(max(int(math.Round(0.4*float64(n))), 1), identified)
	if err := g.makeCitizens(nc); err != nil {
		return err
	}
	g.assignCitizens(identified)
	prevMain := make([]string, len(g.p.citizens))
	for i := range cs {
		g.fillContact(i, prevMain)
	}
	g.giveConsent()
	return nil
}

var ageBands = []weighted[[2]int]{
	{[2]int{5, 17}, 3}, {[2]int{18, 29}, 9}, {[2]int{30, 44}, 20}, {[2]int{45, 64}, 26},
	{[2]int{65, 74}, 14}, {[2]int{75, 84}, 16}, {[2]int{85, 97}, 12},
}

func (g *gen) makeCitizens(n int) error {
	seen := make(map[string]bool, n)
	dws := make([]weighted[int], len(districts))
	for i, d := range districts {
		dws[i] = weighted[int]{i, d.weight}
	}
	for range n {
		var c citizenPlan
		ok := false
		for try := 0; try < 50 && !ok; try++ {
			c = g.makeCitizen(dws)
			if seen[c.code] {
				continue
			}
			// The code must read back as the person's birth date and sex.
			info, err := fiscalcode.ParseAt(c.code, g.now)
			ok = err == nil && info.BirthDate.Equal(c.birth) && info.Sex == string(c.sex)
		}
		if !ok {
			return errors.New("demo: could not generate a unique, consistent fiscal code")
		}
		seen[c.code] = true
		g.p.citizens = append(g.p.citizens, c)
	}
	return nil
}

func (g *gen) makeCitizen(dws []weighted[int]) citizenPlan {
	var c citizenPlan
	band := pick(g.r, ageBands)
	age := g.between(band[0], band[1])
	// age is the age on 1 July of the demo year.
	c.birth = time.Date(g.p.year-age, 7, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, -g.r.IntN(365))
	pf := 0.56
	switch {
	case age < 18:
		pf = 0.5
	case age >= 65:
		pf = 0.62
	}
	c.sex = schematype.SexM
	if g.chance(pf) {
		c.sex = schematype.SexF
	}
	c.area = g.profileArea(age)

	// Citizenship and place of birth.
	foreignP := 0.24
	if age >= 65 {
		foreignP = 0.05
	}
	var belfiore string
	ctry := italy
	if g.chance(foreignP) {
		fs := make([]weighted[country], len(foreigners))
		for i, f := range foreigners {
			w := f.young
			if age >= 65 {
				w = f.older
			}
			fs[i] = weighted[country]{f.c, w}
		}
		ctry = pick(g.r, fs)
		c.foreign = true
		bornHere := 0.03
		if age < 18 {
			bornHere = 0.55
		}
		if g.chance(bornHere) {
			belfiore = pickPlace(g.r, northPlaces[:2])
		} else {
			belfiore = ctry.belfiore
		}
	} else {
		south := 0.05
		switch {
		case age >= 65:
			south = 0.45
		case age >= 40:
			south = 0.18
		}
		if g.chance(south) {
			belfiore = pickPlace(g.r, southPlaces)
		} else {
			belfiore = pickPlace(g.r, northPlaces)
		}
	}
	c.citizenship = ctry.iso
	c.last = one(g.r, ctry.last)
	c.first = g.firstName(ctry, c.sex, c.birth.Year())

	d := districts[pick(g.r, dws)]
	c.district = d.name
	c.holder = d.holder
	if c.holder < 0 {
		c.holder = g.r.IntN(socialWorkers)
	}
	if g.chance(0.15) {
		c.holder = g.r.IntN(socialWorkers)
	}
	if g.chance(0.7) {
		c.address = fmt.Sprintf("%s %d", one(g.r, streets), g.between(1, 120))
	}
	c.code, _ = FiscalCode(c.last, c.first, c.birth, c.sex, belfiore)
	return c
}

func pickPlace(r *rand.Rand, ps []place) string {
	ws := make([]weighted[string], len(ps))
	for i, p := range ps {
		ws[i] = weighted[string]{p.code, p.weight}
	}
	return pick(r, ws)
}

func (g *gen) firstName(c country, sex schematype.Sex, born int) string {
	if c.iso != "IT" {
		if sex == schematype.SexF {
			return one(g.r, c.femaleFirst)
		}
		return one(g.r, c.maleFirst)
	}
	switch {
	case born < 1960 && sex == schematype.SexF:
		return one(g.r, itFemaleOld)
	case born < 1960:
		return one(g.r, itMaleOld)
	case born < 2000 && sex == schematype.SexF:
		return one(g.r, itFemaleMid)
	case born < 2000:
		return one(g.r, itMaleMid)
	case sex == schematype.SexF:
		return one(g.r, itFemaleNew)
	}
	return one(g.r, itMaleNew)
}

// profileArea is the target area a citizen's contacts are usually about.
func (g *gen) profileArea(age int) schematype.TargetArea {
	type w = weighted[schematype.TargetArea]
	const (
		ad = schematype.TargetAreaAdults
		el = schematype.TargetAreaElderly
		di = schematype.TargetAreaDisability
		mf = schematype.TargetAreaMinorsFamilies
	)
	switch {
	case age < 18:
		return pick(g.r, []w{{mf, 60}, {di, 40}})
	case age < 30:
		return pick(g.r, []w{{ad, 60}, {mf, 20}, {di, 20}})
	case age < 45:
		return pick(g.r, []w{{ad, 50}, {mf, 40}, {di, 10}})
	case age < 65:
		return pick(g.r, []w{{ad, 68}, {mf, 15}, {di, 17}})
	case age < 75:
		return pick(g.r, []w{{el, 75}, {di, 10}, {ad, 15}})
	}
	return pick(g.r, []w{{el, 90}, {di, 10}})
}

// contactWeight: how much more than average a citizen of the area comes
// back.
var contactWeight = map[schematype.TargetArea]float64{
	schematype.TargetAreaAdults: 1.0, schematype.TargetAreaElderly: 1.3,
	schematype.TargetAreaDisability: 1.5, schematype.TargetAreaMinorsFamilies: 1.2,
}

// assignCitizens gives every citizen at least one of the identified
// contacts and spreads the rest unevenly: most people come once or twice,
// a few many times.
func (g *gen) assignCitizens(identified int) {
	cz := g.p.citizens
	if len(cz) == 0 {
		return
	}
	counts := make([]int, len(cz))
	ws := make([]float64, len(cz))
	for i := range cz {
		counts[i] = 1
		ws[i] = math.Pow(g.r.ExpFloat64(), 1.3) * contactWeight[cz[i].area]
	}
	pickC := newCumulative(ws)
	for range identified - len(cz) {
		counts[pickC.pick(g.r)]++
	}
	order := make([]int, 0, identified)
	for i, n := range counts {
		for range n {
			order = append(order, i)
		}
	}
	g.r.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	k := 0
	for i := range g.p.contacts {
		c := &g.p.contacts[i]
		if c.citizen < 0 {
			continue
		}
		c.citizen = order[k]
		cz[order[k]].contacts = append(cz[order[k]].contacts, i)
		k++
	}
}

// ageAt returns full years from birth to t's date in Rome.
func (g *gen) ageAt(birth, t time.Time) int {
	l := t.In(g.cal.loc)
	age := l.Year() - birth.Year()
	if l.Month() < birth.Month() || l.Month() == birth.Month() && l.Day() < birth.Day() {
		age--
	}
	return age
}

func (g *gen) fillContact(i int, prevMain []string) {
	c := &g.p.contacts[i]
	var pr person
	if c.citizen >= 0 {
		cz := &g.p.citizens[c.citizen]
		pr = person{age: g.ageAt(cz.birth, c.at), sex: cz.sex, known: true, foreign: cz.foreign}
		c.area = g.contactArea(cz.area, pr.age)
		c.operator = cz.holder
		if g.chance(0.2) {
			c.operator = g.r.IntN(socialWorkers)
		}
		c.outcome = pick(g.r, identifiedOutcomes)
	} else {
		c.area = pick(g.r, anonymousAreas)
		pr = person{age: -1}
		if g.chance(0.6) {
			pf := 0.55
			switch c.area {
			case schematype.TargetAreaElderly:
				pf = 0.6
			case schematype.TargetAreaMinorsFamilies:
				pf = 0.75
			}
			s := schematype.SexM
			if g.chance(pf) {
				s = schematype.SexF
			}
			c.anonSex = &s
			pr.sex = s
		}
		if g.chance(0.45) {
			lo, hi := 20, 64
			switch c.area {
			case schematype.TargetAreaElderly:
				lo, hi = 65, 95
			case schematype.TargetAreaDisability:
				lo, hi = 18, 80
			case schematype.TargetAreaMinorsFamilies:
				lo, hi = 25, 50
			}
			age := g.between(lo, hi)
			by := c.at.In(g.cal.loc).Year() - age
			c.anonBirthYear = &by
			pr.age = age
		}
		c.operator = g.r.IntN(socialWorkers)
		c.outcome = pick(g.r, anonymousOutcomes)
	}
	c.requester = g.requester(c.area, pr.age)
	prev := ""
	if c.citizen >= 0 {
		prev = prevMain[c.citizen]
	}
	c.needs = g.needs(c.area, c.outcome, pr, prev)
	if c.citizen >= 0 {
		prevMain[c.citizen] = c.needs[0]
	}
	c.responses = g.responses()
	c.duration = g.duration(c.channel, c.outcome)
	c.notes = g.notes(c)
	c.informed = g.informed(c)
	if c.outcome.IsReferral() {
		c.referral = g.referral(c)
	}
}

// contactArea is usually the citizen's own area, sometimes another that
// fits the age.
func (g *gen) contactArea(profile schematype.TargetArea, age int) schematype.TargetArea {
	if g.chance(0.85) {
		return profile
	}
	switch {
	case age < 18:
		return schematype.TargetAreaMinorsFamilies
	case age >= 65:
		if profile == schematype.TargetAreaElderly {
			return schematype.TargetAreaDisability
		}
		return schematype.TargetAreaElderly
	case profile == schematype.TargetAreaAdults && age < 55:
		return schematype.TargetAreaMinorsFamilies
	case profile == schematype.TargetAreaAdults:
		return schematype.TargetAreaDisability
	}
	return schematype.TargetAreaAdults
}

func (g *gen) requester(area schematype.TargetArea, age int) schematype.Requester {
	type w = weighted[schematype.Requester]
	const (
		self = schematype.RequesterSelf
		fam  = schematype.RequesterFamilyMember
		svc  = schematype.RequesterOtherService
		vol  = schematype.RequesterVolunteerOrg
		oth  = schematype.RequesterOther
	)
	switch {
	case age >= 0 && age < 18:
		return pick(g.r, []w{{fam, 70}, {svc, 25}, {self, 5}})
	case area == schematype.TargetAreaElderly:
		return pick(g.r, []w{{fam, 45}, {self, 38}, {svc, 9}, {vol, 5}, {oth, 3}})
	case area == schematype.TargetAreaDisability:
		return pick(g.r, []w{{fam, 50}, {self, 35}, {svc, 10}, {vol, 3}, {oth, 2}})
	}
	return pick(g.r, []w{{self, 70}, {fam, 10}, {svc, 12}, {vol, 5}, {oth, 3}})
}

// needs returns 1 to 3 distinct need categories of the area, the main one
// first, fitting the person and the outcome.
func (g *gen) needs(area schematype.TargetArea, outcome schematype.Outcome, p person, prev string) []string {
	base := areaNeeds[area]
	all := make([]weighted[string], len(base))
	for i, n := range base {
		all[i] = weighted[string]{n.v, n.w * needFactor(n.v, area, p)}
	}
	mains := make([]weighted[string], len(all))
	total := 0.0
	for i, n := range all {
		w := n.w
		switch outcome {
		case schematype.OutcomeUrgentIntervention:
			if !urgentNeeds[n.v] {
				w = 0
			}
		case schematype.OutcomeNotCompetent:
			if !notCompetentNeeds[n.v] {
				w = 0
			}
		case schematype.OutcomeReferredExternal:
			if n.v == "ADM_INFO" {
				w = 0
			}
		}
		mains[i] = weighted[string]{n.v, w}
		total += w
	}
	if total == 0 {
		mains = all
	}
	main := ""
	if prev != "" && g.chance(0.5) {
		for _, m := range mains {
			if m.v == prev && m.w > 0 {
				main = prev
			}
		}
	}
	if main == "" {
		main = pick(g.r, mains)
	}
	out := []string{main}
	n := pick(g.r, []weighted[int]{{1, 50}, {2, 35}, {3, 15}})
	for len(out) < n {
		rest := make([]weighted[string], 0, len(all))
		for _, a := range all {
			if a.w > 0 && !slices.Contains(out, a.v) {
				rest = append(rest, a)
			}
		}
		if len(rest) == 0 {
			break
		}
		out = append(out, pick(g.r, rest))
	}
	return out
}

func (g *gen) responses() []schematype.Response {
	var out []schematype.Response
	for _, x := range []struct {
		r schematype.Response
		p float64
	}{
		{schematype.ResponseInformation, 0.9}, {schematype.ResponseOrientation, 0.5},
		{schematype.ResponseMaterials, 0.3}, {schematype.ResponseForms, 0.25},
	} {
		if g.chance(x.p) {
			out = append(out, x.r)
		}
	}
	switch {
	case len(out) == 0:
		out = []schematype.Response{schematype.ResponseInformation}
	case len(out) > 3:
		i := 1 + g.r.IntN(len(out)-1)
		out = slices.Delete(out, i, i+1)
	}
	return out
}

func (g *gen) duration(ch schematype.Channel, o schematype.Outcome) *int {
	if g.chance(0.03) {
		return nil
	}
	lo, hi := 10, 60
	switch ch {
	case schematype.ChannelPhone:
		lo, hi = 5, 25
	case schematype.ChannelEmail:
		lo, hi = 5, 15
	case schematype.ChannelHomeVisit:
		lo, hi = 30, 90
	case schematype.ChannelOther:
		lo, hi = 10, 40
	}
	if o == schematype.OutcomeUrgentIntervention {
		lo, hi = 40, 90
	}
	// Triangular: most contacts near the middle of the range.
	d := lo + (g.r.IntN(hi-lo+1)+g.r.IntN(hi-lo+1))/2
	return &d
}

func (g *gen) notes(c *contactPlan) string {
	p := 0.3
	if c.citizen < 0 {
		p = 0.1
	}
	var parts []string
	if g.chance(p) {
		macro, _, _ := strings.Cut(c.needs[0], "_")
		if ts := noteTemplates[macro]; len(ts) > 0 {
			parts = append(parts, one(g.r, ts))
		}
	}
	if n, ok := outcomeNotes[c.outcome]; ok && g.chance(0.6) {
		parts = append(parts, n)
	}
	return strings.Join(parts, " ")
}

func (g *gen) informed(c *contactPlan) []string {
	p := 0.3
	if c.outcome == schematype.OutcomeInformed {
		p = 0.6
	}
	if !g.chance(p) {
		return nil
	}
	var out []string
	for i, need := range c.needs {
		if i > 1 || (i == 1 && !g.chance(0.5)) {
			break
		}
		s := pick(g.r, serviceChoices(need, c.area))
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

var failureReasons = []weighted[schematype.FailureReason]{
	{schematype.FailureReasonClientRefused, 25}, {schematype.FailureReasonNoCapacity, 20},
	{schematype.FailureReasonNoLongerNeeded, 20}, {schematype.FailureReasonClientUnreachable, 20},
	{schematype.FailureReasonServiceUnreachable, 8}, {schematype.FailureReasonOther, 7},
}

var (
	declineReasons = []string{
		"Il cittadino non intende proseguire.",
		"Il servizio non ha accolto la richiesta: requisiti non soddisfatti.",
		"Il cittadino preferisce rivolgersi a un servizio privato.",
	}
	cancelReasons = []string{
		"Situazione risolta prima dell'appuntamento.",
		"Trasferimento di residenza in altro comune.",
		"Invio duplicato, annullato.",
		"Il cittadino ha rinunciato.",
	}
	referralNotes = []string{
		"Appuntamento fissato con l'assistente sociale di riferimento.",
		"Inviata la scheda di segnalazione via PEC.",
		"Contatto telefonico con il servizio per concordare il primo accesso.",
		"Il cittadino contatterà direttamente il servizio.",
	}
)

// referral plans the invio of a referred contact and the steps it went
// through before the end of the demo year.
func (g *gen) referral(c *contactPlan) *referralPlan {
	internal := c.outcome == schematype.OutcomeReferredInternal
	rp := &referralPlan{service: refdata.InternalServiceCode, proposed: c.at, status: schematype.ReferralStatusProposed}
	if !internal {
		rp.service = pick(g.r, serviceChoices(c.needs[0], c.area))
	}
	if g.chance(0.2) {
		rp.notes = one(g.r, referralNotes)
	}
	const (
		proposed  = schematype.ReferralStatusProposed
		accepted  = schematype.ReferralStatusAccepted
		declined  = schematype.ReferralStatusDeclined
		completed = schematype.ReferralStatusCompleted
		cancelled = schematype.ReferralStatusCancelled
	)
	type w = weighted[schematype.ReferralStatus]
	weights := []w{{proposed, 10}, {accepted, 17}, {declined, 13}, {completed, 45}, {cancelled, 8}}
	if g.cal.end.Sub(c.at) < 30*24*time.Hour {
		weights = []w{{proposed, 40}, {accepted, 35}, {declined, 10}, {completed, 10}, {cancelled, 5}}
	}
	target := pick(g.r, weights)
	rp.events = []eventPlan{{to: proposed, at: c.at}}
	move := func(to schematype.ReferralStatus, at time.Time, reason string) {
		from := rp.status
		rp.events = append(rp.events, eventPlan{from: &from, to: to, at: at, reason: reason})
		rp.status = to
	}
	accDays, apptDays := [2]int{2, 21}, [2]int{3, 30}
	if internal {
		accDays, apptDays = [2]int{0, 3}, [2]int{3, 20}
	}
	end := g.cal.end
	switch target {
	case declined:
		t := g.afterWork(c.at, 0, 10)
		if t.Before(end) {
			rp.declined = &t
			move(declined, t, one(g.r, declineReasons))
		}
	case accepted, completed, cancelled:
		fromAccepted := target != cancelled || g.chance(0.4)
		last := c.at
		if fromAccepted {
			t := g.afterWork(c.at, accDays[0], accDays[1])
			if !t.Before(end) {
				break
			}
			rp.accepted = &t
			move(accepted, t, "")
			last = t
			if target != cancelled && g.chance(0.75) {
				a := g.afterWork(t, apptDays[0], apptDays[1])
				rp.appointment = &a
			}
		}
		switch target {
		case completed:
			from := last
			if rp.appointment != nil {
				from = *rp.appointment
			}
			t := from.Add(time.Duration(g.between(30, 180)) * time.Minute)
			if !internal {
				t = g.afterWork(from, 0, 30)
			}
			if !t.Before(end) {
				break
			}
			rp.completed = &t
			ok := g.chance(0.85)
			if !internal {
				ok = g.chance(0.7)
			}
			rp.successful = &ok
			reason := ""
			if !ok {
				fr := pick(g.r, failureReasons)
				rp.failure = &fr
				reason = "Esito negativo: " + strings.ToLower(strings.ReplaceAll(string(fr), "_", " ")) + "."
			}
			move(completed, t, reason)
		case cancelled:
			t := g.afterWork(last, 2, 30)
			if t.Before(end) {
				rp.cancelled = &t
				move(cancelled, t, one(g.r, cancelReasons))
			}
		}
	}
	return rp
}

var consentScopes = []string{
	"Comunicazione dei dati ai servizi della rete territoriale per l'invio e la presa in carico.",
	"Comunicazione dei dati ad ASST, Centro per l'impiego ed enti del terzo settore convenzionati.",
}

// giveConsent records the privacy consent: every citizen referred to an
// external service gave it before the referral; some others gave it too,
// and a few gave it years ago with an expiry now passed.
func (g *gen) giveConsent() {
	yearStart := g.cal.start
	for i := range g.p.citizens {
		cz := &g.p.citizens[i]
		first := g.p.contacts[cz.contacts[0]].at
		cz.createdAt = first
		external := false
		for _, k := range cz.contacts {
			external = external || g.p.contacts[k].outcome == schematype.OutcomeReferredExternal
		}
		u := g.r.Float64()
		switch {
		case external || u < 0.22:
			at := first
			if g.chance(0.4) {
				at = g.afterWork(yearStart.AddDate(0, 0, -g.between(30, 1000)), 0, 0)
			}
			cz.consentAt = &at
			cz.consentScope = one(g.r, consentScopes)
			if exp := at.AddDate(5, 0, 0); g.chance(0.4) && exp.After(g.now) {
				cz.consentExpires = &exp
			}
		case u < 0.26:
			at := g.afterWork(yearStart.AddDate(0, 0, -g.between(750, 1400)), 0, 0)
			exp := at.AddDate(2, 0, 0)
			cz.consentAt, cz.consentExpires = &at, &exp
			cz.consentScope = one(g.r, consentScopes)
		}
		if cz.consentAt != nil && cz.consentAt.Before(cz.createdAt) {
			cz.createdAt = *cz.consentAt
		}
	}
}

// trainingSeed is one training day of the demo plan. attendees index
// operatorSeeds: social workers 0-2 reach 8 days, 3 falls short.
type trainingSeed struct {
	title, provider string
	month, day      int
	days, hours     float64
	attendees       []int
	date            time.Time
}

var trainingSeeds = []trainingSeed{
	{title: "Il colloquio di segretariato sociale: ascolto e prima lettura del bisogno", provider: "Ordine degli Assistenti sociali della Lombardia", month: 2, day: 6, days: 1, hours: 7, attendees: []int{0, 1, 2, 3}},
	{title: "Assegno di inclusione e Supporto formazione e lavoro: aggiornamento normativo", provider: "ANCI Lombardia", month: 2, day: 27, days: 0.5, hours: 4, attendees: []int{0, 1, 3}},
	{title: "Violenza di genere: riconoscere, accogliere, orientare", provider: "Rete antiviolenza dell'Ambito", month: 3, day: 20, days: 2, hours: 14, attendees: []int{0, 1, 2}},
	{title: "Amministrazione di sostegno e tutela giuridica", provider: "Ufficio di Piano dell'Ambito territoriale", month: 4, day: 10, days: 1, hours: 7, attendees: []int{0, 1, 2, 3, 4}},
	{title: "Tutela minori e rapporti con l'autorità giudiziaria", provider: "Ordine degli Assistenti sociali della Lombardia", month: 5, day: 15, days: 1.5, hours: 10.5, attendees: []int{0, 1, 2}},
	{title: "Protezione dei dati personali nei servizi sociali (GDPR)", provider: "Comune - Segreteria generale", month: 6, day: 5, days: 0.5, hours: 3.5, attendees: []int{0, 1, 2, 3, 4}},
	{title: "Salute mentale e dipendenze: il lavoro di rete con CPS e SerD", provider: "ASST - Dipartimento di salute mentale e dipendenze", month: 9, day: 18, days: 1, hours: 7, attendees: []int{0, 1, 2}},
	{title: "Non autosufficienza: misure B1, B2 e sostegno ai caregiver", provider: "ATS - Agenzia di tutela della salute", month: 10, day: 9, days: 1, hours: 7, attendees: []int{0, 3}},
	{title: "Supervisione professionale di gruppo (ciclo di quattro incontri)", provider: "Supervisore esterno", month: 11, day: 13, days: 2, hours: 14, attendees: []int{0, 1, 2}},
	{title: "Etica e deontologia professionale", provider: "Ordine degli Assistenti sociali della Lombardia", month: 12, day: 4, days: 0.5, hours: 4, attendees: []int{0, 1, 2, 3}},
}

func (g *gen) makeTrainings() {
	loc := g.cal.loc
	g.p.planApproved = time.Date(g.p.year, 1, 22, 11, 0, 0, 0, loc).UTC()
	if !g.p.planApproved.Before(g.cal.end) {
		g.p.planApproved = g.cal.start.UTC()
	}
	for _, t := range trainingSeeds {
		t.date = time.Date(g.p.year, time.Month(t.month), t.day, 9, 0, 0, 0, loc).UTC()
		if t.date.Before(g.cal.end) {
			g.p.trainings = append(g.p.trainings, t)
		}
	}
}

func (g *gen) makePublications() {
	loc := g.cal.loc
	pubs := []publicationPlan{
		{time.Date(g.p.year, 1, 8, 10, 0, 0, 0, loc), schematype.MediumWebsite, "Sito istituzionale del Comune, pagina Servizi sociali - Segretariato sociale"},
		{time.Date(g.p.year, 2, 14, 10, 0, 0, 0, loc), schematype.MediumPeriodical, fmt.Sprintf("Periodico comunale n. 1/%d", g.p.year)},
		{time.Date(g.p.year, 5, 16, 10, 0, 0, 0, loc), schematype.MediumPeriodical, fmt.Sprintf("Periodico comunale n. 2/%d", g.p.year)},
		{time.Date(g.p.year, 9, 19, 10, 0, 0, 0, loc), schematype.MediumPeriodical, fmt.Sprintf("Periodico comunale n. 3/%d", g.p.year)},
		{time.Date(g.p.year, 12, 5, 10, 0, 0, 0, loc), schematype.MediumPeriodical, fmt.Sprintf("Periodico comunale n. 4/%d", g.p.year)},
	}
	for _, p := range pubs {
		if p.on.Before(g.cal.end) {
			p.on = p.on.UTC()
			g.p.publications = append(g.p.publications, p)
		}
	}
}

// surveyResponses is the sample size of the yearly survey.
const surveyResponses = 150

var (
	positiveComments = []string{
		"Accoglienza cortese e disponibile.",
		"Informazioni chiare, mi hanno indirizzato al servizio giusto.",
		"Tempi di attesa brevi.",
		"Mi sono sentita ascoltata.",
	}
	negativeComments = []string{
		"Orari di apertura troppo ridotti.",
		"Ho dovuto tornare più volte.",
		"Attesa lunga in sala.",
		"Avrei voluto più informazioni scritte.",
	}
)

func (g *gen) makeSurvey() {
	loc := g.cal.loc
	s := &g.p.survey
	s.opened = time.Date(g.p.year, 11, 3, 9, 0, 0, 0, loc)
	s.closed = time.Date(g.p.year, 12, 12, 18, 0, 0, 0, loc)
	if !s.closed.Before(g.cal.end) {
		// The year is not over: the survey ran over the last six weeks.
		s.closed = g.cal.end.Add(-time.Hour)
		s.opened = s.closed.AddDate(0, 0, -40)
		if s.opened.Before(g.cal.start) {
			s.opened = g.cal.start
		}
	}
	s.opened, s.closed = s.opened.UTC(), s.closed.UTC()
	span := s.closed.Sub(s.opened)
	if span <= 0 {
		return
	}
	satisfied := int(math.Round(0.78 * surveyResponses))
	for i := range surveyResponses {
		r := responsePlan{
			on:        s.opened.Add(time.Duration(g.r.Int64N(int64(span)))).Truncate(time.Minute),
			satisfied: i < satisfied,
		}
		if r.satisfied {
			r.score = pick(g.r, []weighted[int]{{5, 45}, {4, 55}})
			if g.chance(0.25) {
				r.comment = one(g.r, positiveComments)
			}
		} else {
			r.score = pick(g.r, []weighted[int]{{3, 60}, {2, 30}, {1, 10}})
			if g.chance(0.5) {
				r.comment = one(g.r, negativeComments)
			}
		}
		s.responses = append(s.responses, r)
	}
	slices.SortStableFunc(s.responses, func(a, b responsePlan) int { return a.on.Compare(b.on) })
}
