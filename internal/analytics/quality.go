package analytics

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"segretariato/internal/apperr"
	"segretariato/internal/dimension"
	"segretariato/internal/localtime"
	"segretariato/internal/metrics"
	"segretariato/internal/rollup"
	"segretariato/internal/sqlbind"
)

// Codes of the quality report's lines: one per promise of the charter
// (Scheda 2, "Qualità del servizio"), in the charter's order.
const (
	QualityAccessible     = "ACCESSIBLE"
	QualityOpenHours      = "OPEN_HOURS"
	QualityAfternoons     = "AFTERNOON_OPENINGS"
	QualityPeriodical     = "TIMETABLE_PERIODICAL"
	QualityWebsite        = "TIMETABLE_WEBSITE"
	QualitySocialWorkers  = "SOCIAL_WORKERS"
	QualityTrainingDays   = "TRAINING_DAYS"
	QualityTrainingPlan   = "TRAINING_PLAN"
	QualityDemandReading  = "DEMAND_READING"
	QualityReservedRooms  = "RESERVED_ROOMS"
	QualityWaitingArea    = "WAITING_AREA"
	QualitySatisfaction   = "SATISFACTION"
	minWeeklyHours        = 4.0
	minAfternoons         = 2
	minPeriodicalPerYear  = 4
	minTrainingDays       = 8.0
	minSatisfiedShare     = 0.70
	afternoonStartsAtHour = 13
)

// QualityReport checks the charter's promises for one calendar year.
type QualityReport struct {
	Year  int           `json:"year"`
	Lines []QualityLine `json:"lines"`
	// Weeks are the ISO weeks of the year that are over, with the hours
	// the desk was open and its afternoon openings.
	Weeks []WeekOpening `json:"weeks"`
	// SocialWorkers are the active social workers and their training days
	// in the year.
	SocialWorkers []TrainingDays `json:"socialWorkers"`
	// Locations are the desk's premises as recorded.
	Locations []LocationCheck `json:"locations"`
}

// QualityLine is one promise of the charter and what was measured.
type QualityLine struct {
	Code string `json:"code"`
	// Promise is the charter's sentence; Indicator how it is measured;
	// Target the threshold; Measured the finding, all in Italian.
	Promise   string `json:"promise"`
	Indicator string `json:"indicator"`
	Target    string `json:"target"`
	Measured  string `json:"measured"`
	// Value is the finding as a number, when it is one: the share in
	// percent of the weeks, social workers or locations that keep the
	// promise, the publications counted, the percent satisfied, the
	// contacts recorded, or 1/0 for a plan that exists or not.
	Value *float64 `json:"value"`
	Met   bool     `json:"met"`
	// Shortfalls name what falls short: weeks, social workers, locations.
	Shortfalls []string `json:"shortfalls"`
}

// WeekOpening is one ISO week's opening.
type WeekOpening struct {
	Week  string  `json:"week"`
	Hours float64 `json:"hours"`
	// AfternoonOpenings counts the days with a session starting at or
	// after 13:00 local time.
	AfternoonOpenings int `json:"afternoonOpenings"`
}

// TrainingDays is one social worker's training in the year.
type TrainingDays struct {
	OperatorID int     `json:"operatorId"`
	Name       string  `json:"name"`
	Email      string  `json:"email"`
	Days       float64 `json:"days"`
}

// LocationCheck is one location's recorded comfort and access.
type LocationCheck struct {
	Name          string `json:"name"`
	Accessible    bool   `json:"accessible"`
	ReservedRooms bool   `json:"reservedRooms"`
	WaitingArea   bool   `json:"waitingArea"`
}

// Quality computes the charter's indicators for a calendar year (Europe/
// Rome): weekly hours and afternoon openings per ISO week of the year
// that is over (ISO weeks keyed by ISO week-year, so a week may begin in
// December of the year before; sessions count in the week they start),
// timetable publications, social workers' training days and plan,
// premises, the satisfaction survey and the demand data. Sums and counts
// run in SQL, nine small statements; the year's contacts, per operator and
// in all, are those of the monthly cells kept as the data changes
// (internal/rollup). It returns an INVALID error for a
// year outside 2000-2200, INTERNAL ones for database failures.
func (e *Engine) Quality(ctx context.Context, year int) (*QualityReport, error) {
	defer e.Metrics.Answer(metrics.AnswerQuality, time.Now())
	if year < 2000 || year > 2200 {
		return nil, apperr.OnField("year", "out of range")
	}
	q := &qualityRun{e: e, ctx: ctx, s: e.sqlFor(), year: year,
		from: time.Date(year, 1, 1, 0, 0, 0, 0, localtime.Rome).UTC(),
		to:   time.Date(year+1, 1, 1, 0, 0, 0, 0, localtime.Rome).UTC(),
		rep:  &QualityReport{Year: year, Lines: []QualityLine{}, Weeks: []WeekOpening{}, SocialWorkers: []TrainingDays{}, Locations: []LocationCheck{}},
	}
	for _, step := range []func() error{q.locations, q.weeks, q.publications, q.staff, q.training, q.plan, q.demand, q.comfort, q.survey} {
		if err := step(); err != nil {
			return nil, apperr.Wrap(err, apperr.Internal, "internal error")
		}
	}
	return q.rep, nil
}

type qualityRun struct {
	e        *Engine
	ctx      context.Context
	s        dialectSQL
	year     int
	from, to time.Time
	rep      *QualityReport
	contacts int // of the year (staff)
}

func (q *qualityRun) add(l QualityLine) {
	if l.Shortfalls == nil {
		l.Shortfalls = []string{}
	}
	q.rep.Lines = append(q.rep.Lines, l)
}

// count runs the COUNT a query writes with its binder.
func (q *qualityRun) count(query func(*sqlbind.Binder) string) (int, error) {
	var n int
	b := q.binder()
	text := query(b) // before b.Args is read
	err := q.e.rows(q.ctx, text, b.Args, func(scan func(...any) error) error { return scan(&n) })
	return n, err
}

func (q *qualityRun) binder() *sqlbind.Binder { return &sqlbind.Binder{Postgres: q.s.postgres} }

// locations reads the premises; the accessibility line comes first, as in
// the charter, the comfort lines later (comfort).
func (q *qualityRun) locations() error {
	err := q.e.rows(q.ctx, "SELECT name, accessible, reserved_rooms, waiting_area FROM locations ORDER BY name, id", nil,
		func(scan func(...any) error) error {
			var l LocationCheck
			if err := scan(&l.Name, &l.Accessible, &l.ReservedRooms, &l.WaitingArea); err != nil {
				return err
			}
			q.rep.Locations = append(q.rep.Locations, l)
			return nil
		})
	if err != nil {
		return err
	}
	q.add(q.locationLine(QualityAccessible,
		"La sede in cui si svolge il servizio è accessibile alle persone disabili.",
		"sedi registrate come accessibili", "non accessibile",
		func(l LocationCheck) bool { return l.Accessible }))
	return nil
}

func (q *qualityRun) locationLine(code, promise, indicator, lacking string, ok func(LocationCheck) bool) QualityLine {
	l := QualityLine{Code: code, Promise: promise, Indicator: indicator, Target: "tutte le sedi"}
	good := 0
	for _, loc := range q.rep.Locations {
		if ok(loc) {
			good++
		} else {
			l.Shortfalls = append(l.Shortfalls, loc.Name+": "+lacking)
		}
	}
	n := len(q.rep.Locations)
	if n == 0 {
		l.Measured = "nessuna sede registrata"
		l.Shortfalls = append(l.Shortfalls, "nessuna sede registrata")
		return l
	}
	l.Measured = fmt.Sprintf("%d su %d %s", good, n, plural(n, "sede", "sedi"))
	l.Value = percent(good, n)
	l.Met = good == n
	return l
}

// weeks measures the weekly hours and afternoon openings of the ISO weeks
// of the year that are over.
func (q *qualityRun) weeks() error {
	first := dimension.ISOWeekMonday(q.year, 1)
	_, last := time.Date(q.year, 12, 28, 0, 0, 0, 0, time.UTC).ISOWeek()
	now := q.e.now()
	type week struct {
		secs       int64
		afternoons int
	}
	got := map[string]*week{}
	lts := q.s.localTime("starts_at")
	start := localtime.LocalMidnight(first)
	end := time.Date(first.Year(), first.Month(), first.Day()+7*last, 0, 0, 0, 0, localtime.Rome).UTC()
	b := q.binder()
	query := "SELECT wk, SUM(secs), COUNT(DISTINCT CASE WHEN CAST(substr(lts, 12, 2) AS INTEGER) >= " +
		strconv.Itoa(afternoonStartsAtHour) + " THEN substr(lts, 1, 10) END) FROM (" +
		"SELECT " + q.s.periodKey("lts", dimension.Week) + " AS wk, lts, secs FROM (" +
		"SELECT " + lts + " AS lts, " + q.s.epochSeconds("ends_at") + " - " + q.s.epochSeconds("starts_at") + " AS secs" +
		" FROM opening_sessions WHERE " + q.s.inRange("starts_at", b.Arg(start), b.Arg(end)) + ") s0) s1 GROUP BY wk"
	err := q.e.rows(q.ctx, query, b.Args, func(scan func(...any) error) error {
		var k string
		var w week
		if err := scan(&k, &w.secs, &w.afternoons); err != nil {
			return err
		}
		got[k] = &w
		return nil
	})
	if err != nil {
		return err
	}
	hours := QualityLine{Code: QualityOpenHours,
		Promise:   "Il servizio è aperto non meno di 4 ore alla settimana.",
		Indicator: "ore di apertura effettuate per settimana ISO",
		Target:    "almeno 4 ore ogni settimana"}
	afternoons := QualityLine{Code: QualityAfternoons,
		Promise:   "Il servizio prevede 2 aperture pomeridiane.",
		Indicator: "giorni con un'apertura iniziata dalle 13:00 in poi, per settimana ISO",
		Target:    "almeno 2 aperture pomeridiane ogni settimana"}
	okHours, okAfternoons := 0, 0
	for w := 1; w <= last; w++ {
		mon := first.AddDate(0, 0, 7*(w-1))
		if time.Date(mon.Year(), mon.Month(), mon.Day()+7, 0, 0, 0, 0, localtime.Rome).After(now) {
			break // the week is not over
		}
		key := fmt.Sprintf("%d-W%02d", q.year, w)
		wo := WeekOpening{Week: key}
		if g := got[key]; g != nil {
			wo.Hours = float64(g.secs) / 3600
			wo.AfternoonOpenings = g.afternoons
		}
		q.rep.Weeks = append(q.rep.Weeks, wo)
		if wo.Hours >= minWeeklyHours {
			okHours++
		} else {
			hours.Shortfalls = append(hours.Shortfalls, fmt.Sprintf("%s: %s ore", key, italianNumber(wo.Hours, 2)))
		}
		if wo.AfternoonOpenings >= minAfternoons {
			okAfternoons++
		} else {
			afternoons.Shortfalls = append(afternoons.Shortfalls, fmt.Sprintf("%s: %d %s", key, wo.AfternoonOpenings,
				plural(wo.AfternoonOpenings, "apertura pomeridiana", "aperture pomeridiane")))
		}
	}
	n := len(q.rep.Weeks)
	if n == 0 {
		hours.Measured = "nessuna settimana dell'anno è conclusa"
		afternoons.Measured = hours.Measured
	} else {
		hours.Measured = fmt.Sprintf("%d settimane su %d con almeno 4 ore", okHours, n)
		hours.Value, hours.Met = percent(okHours, n), okHours == n
		afternoons.Measured = fmt.Sprintf("%d settimane su %d con almeno 2 aperture pomeridiane", okAfternoons, n)
		afternoons.Value, afternoons.Met = percent(okAfternoons, n), okAfternoons == n
	}
	q.add(hours)
	q.add(afternoons)
	return nil
}

func (q *qualityRun) publications() error {
	periodical, err := q.count(func(b *sqlbind.Binder) string {
		return "SELECT COUNT(*) FROM timetable_publications WHERE medium = 'PERIODICAL' AND " + q.s.inRange("published_on", b.Arg(q.from), b.Arg(q.to))
	})
	if err != nil {
		return err
	}
	all, err := q.count(func(b *sqlbind.Binder) string {
		return "SELECT COUNT(*) FROM timetable_publications WHERE " + q.s.inRange("published_on", b.Arg(q.from), b.Arg(q.to))
	})
	if err != nil {
		return err
	}
	l := QualityLine{Code: QualityPeriodical,
		Promise:   "Gli orari di apertura sono pubblicati almeno 4 volte all'anno sul periodico comunale.",
		Indicator: "pubblicazioni degli orari sul periodico comunale registrate nell'anno",
		Target:    "almeno 4",
		Measured:  fmt.Sprintf("%d sul periodico comunale (%d pubblicazioni in tutto)", periodical, all),
		Value:     float(float64(periodical)),
		Met:       periodical >= minPeriodicalPerYear}
	if !l.Met {
		l.Shortfalls = []string{fmt.Sprintf("pubblicazioni sul periodico comunale: %d su %d", periodical, minPeriodicalPerYear)}
	}
	q.add(l)
	web, err := q.count(func(b *sqlbind.Binder) string {
		return "SELECT COUNT(*) FROM timetable_publications WHERE medium = 'WEBSITE' AND " + q.s.inRange("published_on", b.Arg(time.Time{}), b.Arg(q.to))
	})
	if err != nil {
		return err
	}
	l = QualityLine{Code: QualityWebsite,
		Promise:   "Gli orari di apertura sono pubblicati in modo permanente sul sito internet del Comune.",
		Indicator: "pubblicazione degli orari sul sito internet registrata entro la fine dell'anno",
		Target:    "presente",
		Value:     float(float64(web)),
		Met:       web > 0}
	if l.Met {
		l.Measured = fmt.Sprintf("presente (%d %s)", web, plural(web, "registrazione", "registrazioni"))
	} else {
		l.Measured = "assente"
		l.Shortfalls = []string{"nessuna pubblicazione sul sito internet registrata"}
	}
	q.add(l)
	return nil
}

// staff checks that the contacts of the year were held by social
// workers. The contacts per operator's e-mail, and all of them (key ""),
// come from the year's monthly cells (internal/rollup), whose local
// dates are those of the year, in one statement; demand reads the total.
func (q *qualityRun) staff() error {
	l := QualityLine{Code: QualitySocialWorkers,
		Promise:   "Il servizio è svolto da Assistenti sociali.",
		Indicator: "colloqui dell'anno tenuti da operatori con ruolo di assistente sociale",
		Target:    "tutti"}
	bySW := 0
	b := q.binder()
	query := "SELECT c.key, COALESCE(o.role, ''), SUM(c.contacts) FROM demand_cells c" +
		" LEFT JOIN operators o ON c.dim = " + b.Arg(string(dimension.Operator)) + " AND o.email = c.key" +
		" WHERE c.grain = " + b.Arg(rollup.GrainMonth) + " AND c.dim IN (" + b.Arg(string(dimension.Operator)) + ", '')" +
		" AND c.period >= " + b.Arg(fmt.Sprintf("%04d-01", q.year)) + " AND c.period < " + b.Arg(fmt.Sprintf("%04d-01", q.year+1)) +
		" GROUP BY c.dim, c.key, o.role ORDER BY c.key"
	err := q.e.rows(q.ctx, query, b.Args, func(scan func(...any) error) error {
		var email, role string
		var n int
		if err := scan(&email, &role, &n); err != nil {
			return err
		}
		switch {
		case email == "":
			q.contacts = n
		case role == "SOCIAL_WORKER":
			bySW += n
		default:
			l.Shortfalls = append(l.Shortfalls, fmt.Sprintf("%s (%s): %d %s", email, role, n, plural(n, "colloquio", "colloqui")))
		}
		return nil
	})
	if err != nil {
		return err
	}
	if q.contacts == 0 {
		l.Measured = "nessun colloquio registrato"
	} else {
		l.Measured = fmt.Sprintf("%d colloqui su %d", bySW, q.contacts)
		l.Value = percent(bySW, q.contacts)
	}
	l.Met = bySW == q.contacts
	q.add(l)
	return nil
}

func (q *qualityRun) training() error {
	b := q.binder()
	query := "SELECT o.id, o.name, o.email, COALESCE(SUM(t.days), 0) FROM operators o" +
		" LEFT JOIN training_attendees ta ON ta.operator_id = o.id" +
		" LEFT JOIN trainings t ON t.id = ta.training_id AND " + q.s.inRange("t.date", b.Arg(q.from), b.Arg(q.to)) +
		" WHERE o.role = 'SOCIAL_WORKER' AND o.active GROUP BY o.id, o.name, o.email ORDER BY o.email"
	err := q.e.rows(q.ctx, query, b.Args, func(scan func(...any) error) error {
		var d TrainingDays
		if err := scan(&d.OperatorID, &d.Name, &d.Email, &d.Days); err != nil {
			return err
		}
		q.rep.SocialWorkers = append(q.rep.SocialWorkers, d)
		return nil
	})
	if err != nil {
		return err
	}
	l := QualityLine{Code: QualityTrainingDays,
		Promise:   "Sono previste almeno 8 giornate di formazione/aggiornamento all'anno per ciascuna Assistente sociale.",
		Indicator: "giornate di formazione nell'anno per assistente sociale attiva",
		Target:    "almeno 8 giornate ciascuna"}
	ok := 0
	for _, d := range q.rep.SocialWorkers {
		if d.Days >= minTrainingDays {
			ok++
		} else {
			l.Shortfalls = append(l.Shortfalls, fmt.Sprintf("%s (%s): %s %s", d.Name, d.Email, italianNumber(d.Days, 1),
				days(d.Days)))
		}
	}
	n := len(q.rep.SocialWorkers)
	if n == 0 {
		l.Measured = "nessuna assistente sociale attiva"
		l.Shortfalls = append(l.Shortfalls, "nessuna assistente sociale attiva")
	} else {
		l.Measured = fmt.Sprintf("%d assistenti sociali su %d con almeno 8 giornate", ok, n)
		l.Value, l.Met = percent(ok, n), ok == n
	}
	q.add(l)
	return nil
}

func (q *qualityRun) plan() error {
	var titles []string
	b := q.binder()
	query := "SELECT title FROM training_plans WHERE year = " + b.Arg(q.year)
	err := q.e.rows(q.ctx, query, b.Args, func(scan func(...any) error) error {
		var s string
		if err := scan(&s); err != nil {
			return err
		}
		titles = append(titles, s)
		return nil
	})
	if err != nil {
		return err
	}
	l := QualityLine{Code: QualityTrainingPlan,
		Promise:   "Annualmente viene definito un piano formativo per le Assistenti sociali.",
		Indicator: "piano formativo registrato per l'anno",
		Target:    "presente",
		Met:       len(titles) > 0}
	if l.Met {
		l.Measured, l.Value = "presente: "+strings.Join(titles, "; "), float(1)
	} else {
		l.Measured, l.Value = "assente", float(0)
		l.Shortfalls = []string{fmt.Sprintf("nessun piano formativo per il %d", q.year)}
	}
	q.add(l)
	return nil
}

func (q *qualityRun) demand() error {
	n := q.contacts
	l := QualityLine{Code: QualityDemandReading,
		Promise:   "L'analisi delle informazioni raccolte in forma aggregata fornisce un quadro della domanda sociale del territorio.",
		Indicator: "schede di Segretariato registrate nell'anno, disponibili all'analisi aggregata",
		Target:    "schede registrate",
		Measured:  fmt.Sprintf("%d schede registrate", n),
		Value:     float(float64(n)),
		Met:       n > 0}
	if !l.Met {
		l.Shortfalls = []string{"nessuna scheda registrata nell'anno"}
	}
	q.add(l)
	return nil
}

func (q *qualityRun) comfort() error {
	q.add(q.locationLine(QualityReservedRooms,
		"Sono previsti spazi riservati per i colloqui a tutela della privacy.",
		"sedi registrate con spazi riservati per i colloqui", "senza spazi riservati",
		func(l LocationCheck) bool { return l.ReservedRooms }))
	q.add(q.locationLine(QualityWaitingArea,
		"È disponibile uno spazio per l'attesa opportunamente attrezzato.",
		"sedi registrate con uno spazio per l'attesa", "senza spazio per l'attesa",
		func(l LocationCheck) bool { return l.WaitingArea }))
	return nil
}

func (q *qualityRun) survey() error {
	var n, satisfied int
	b := q.binder()
	query := "SELECT COUNT(*), COALESCE(SUM(CASE WHEN sr.satisfied THEN 1 ELSE 0 END), 0)" +
		" FROM survey_responses sr JOIN satisfaction_surveys ss ON ss.id = sr.survey_id WHERE ss.year = " + b.Arg(q.year)
	err := q.e.rows(q.ctx, query, b.Args,
		func(scan func(...any) error) error { return scan(&n, &satisfied) })
	if err != nil {
		return err
	}
	l := QualityLine{Code: QualitySatisfaction,
		Promise:   "Il Comune si pone come obiettivo di soddisfare non meno del 70% dei fruitori del servizio.",
		Indicator: "quota di rispondenti soddisfatti nell'indagine annuale, con la numerosità del campione",
		Target:    "almeno il 70% soddisfatti"}
	if n == 0 {
		l.Measured = "nessuna risposta registrata per l'anno"
		l.Shortfalls = []string{fmt.Sprintf("nessuna indagine di soddisfazione con risposte per il %d", q.year)}
	} else {
		share := float64(satisfied) / float64(n)
		l.Value = float(share * 100)
		l.Measured = fmt.Sprintf("%s%% soddisfatti (%d su %d risposte)", italianNumber(share*100, 1), satisfied, n)
		l.Met = share >= minSatisfiedShare
		if !l.Met {
			l.Shortfalls = []string{fmt.Sprintf("soddisfatti %s%%, sotto il 70%%", italianNumber(share*100, 1))}
		}
	}
	q.add(l)
	return nil
}

func float(f float64) *float64 { return &f }

// days is "giornata" for one day, "giornate" otherwise.
func days(d float64) string {
	if d == 1 {
		return "giornata"
	}
	return "giornate"
}

// plural picks the Italian singular for one, the plural otherwise.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func percent(a, b int) *float64 { return float(float64(a) * 100 / float64(b)) }

// italianNumber writes f with at most prec decimals and a decimal comma.
func italianNumber(f float64, prec int) string {
	s := strconv.FormatFloat(f, 'f', prec, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return strings.Replace(s, ".", ",", 1)
}
