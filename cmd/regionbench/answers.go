package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"segretariato/internal/localtime"
)

// figures are an answer reduced to what the API and the SQL must agree
// on: one entry per cell (its keys joined by "|", "TOTAL" for the total),
// its figures joined by "/".
type figures map[string]string

// answer is one dashboard answer (or the case list): its GraphQL request
// and the same figures computed by hand-written SQL over the raw tables.
type answer struct {
	name, title string
	// socialWorker: the request is sent with the social worker's token,
	// otherwise the coordinator's.
	socialWorker bool
	query        string
	vars         func(e env) map[string]any
	decode       func(data json.RawMessage) (figures, error)
	// sql computes the figures over the raw tables; nil when the API
	// answer has no hand-written equivalent (sqlNote says why).
	sql     func(ctx context.Context, e env) (figures, error)
	sqlNote string
}

// env is what the answers need to know of the database.
type env struct {
	db       *sql.DB
	postgres bool
	// operatorID is the social worker whose case list (h) is read.
	operatorID int
	// citizens are the citizens whose audit trail (w) is read, one a
	// round (round), so that no round finds the last one's pages cached.
	citizens []int
	round    int
}

// trailCitizen is the citizen answer w reads in this round.
func (e env) trailCitizen() int { return e.citizens[e.round%len(e.citizens)] }

// The ranges of the answers: local dates of Europe/Rome.
var (
	year2025 = [2]time.Time{rome(2025, 1), rome(2026, 1)}
	fiveYear = [2]time.Time{rome(2021, 1), rome(2026, 1)}
	q1_2025  = [2]time.Time{rome(2025, 1), rome(2025, 4)}
	march25  = [2]time.Time{rome(2025, 3), rome(2025, 4)}
)

func rome(y int, m time.Month) time.Time { return time.Date(y, m, 1, 0, 0, 0, 0, localtime.Rome) }

// rangeVars are a DemandFilter's from and to (calendar dates).
func rangeVars(r [2]time.Time) map[string]any {
	return map[string]any{"from": r[0].Format("2006-01-02") + "T00:00:00Z", "to": r[1].Format("2006-01-02") + "T00:00:00Z"}
}

// args are the UTC instants of a range's local midnights, as the SQL
// binds them.
func args(r [2]time.Time) []any { return []any{r[0].UTC(), r[1].UTC()} }

const demandQuery = `query($from: Time!, $to: Time!) { demand(groupBy: [%s], period: %s, filter: {from: $from, to: $to}) {
  cells { keys contacts citizens newCitizens referrals } total { contacts citizens newCitizens referrals } } }`

func demandAnswer(name, title, groupBy, period string, r [2]time.Time, fields []string, sqlOf func(d dialectSQL) string) answer {
	return answer{
		name: name, title: title,
		query:  fmt.Sprintf(demandQuery, groupBy, period),
		vars:   func(env) map[string]any { return rangeVars(r) },
		decode: decodeDemand(fields),
		sql: func(ctx context.Context, e env) (figures, error) {
			return keyed(ctx, e, sqlOf(dialectSQL{e.postgres}), args(r)...)
		},
	}
}

var answers = []answer{
	demandAnswer("a", "2025 by month × main need", "PERIOD, MAIN_NEED", "MONTH", year2025, []string{"contacts", "citizens"},
		func(d dialectSQL) string {
			return `WITH x AS (SELECT c.citizen_id, ` + d.month(d.local("c.occurred_at")) + ` AS p, n.code AS need
  FROM contacts c JOIN need_categories n ON n.id = c.main_need_id WHERE c.occurred_at >= $1 AND c.occurred_at < $2)
SELECT p || '|' || need, COUNT(*), COUNT(DISTINCT citizen_id) FROM x GROUP BY p, need
UNION ALL SELECT 'TOTAL', COUNT(*), COUNT(DISTINCT citizen_id) FROM x`
		}),
	demandAnswer("b", "2025 by month: contacts, citizens, new citizens", "PERIOD", "MONTH", year2025, []string{"contacts", "citizens", "newCitizens"},
		func(d dialectSQL) string {
			return `WITH x AS (SELECT c.citizen_id, ` + d.month(d.local("c.occurred_at")) + ` AS p
  FROM contacts c WHERE c.occurred_at >= $1 AND c.occurred_at < $2),
f AS (SELECT citizen_id, MIN(occurred_at) AS first FROM contacts WHERE citizen_id IS NOT NULL GROUP BY citizen_id),
nf AS (SELECT ` + d.month(d.local("f.first")) + ` AS p, COUNT(*) AS n FROM f WHERE f.first >= $1 AND f.first < $2 GROUP BY 1),
cells AS (SELECT p, COUNT(*) AS contacts, COUNT(DISTINCT citizen_id) AS citizens FROM x GROUP BY p)
SELECT cells.p, cells.contacts, cells.citizens, COALESCE(nf.n, 0) FROM cells LEFT JOIN nf ON nf.p = cells.p
UNION ALL SELECT 'TOTAL', (SELECT COUNT(*) FROM x), (SELECT COUNT(DISTINCT citizen_id) FROM x), (SELECT COALESCE(SUM(n), 0) FROM nf)`
		}),
	demandAnswer("c", "2021-2025 by quarter × target area", "PERIOD, TARGET_AREA", "QUARTER", fiveYear, []string{"contacts", "citizens"},
		func(d dialectSQL) string {
			return `WITH x AS (SELECT c.citizen_id, ` + d.quarter(d.local("c.occurred_at")) + ` AS p, c.target_area AS area
  FROM contacts c WHERE c.occurred_at >= $1 AND c.occurred_at < $2)
SELECT p || '|' || area, COUNT(*), COUNT(DISTINCT citizen_id) FROM x GROUP BY p, area
UNION ALL SELECT 'TOTAL', COUNT(*), COUNT(DISTINCT citizen_id) FROM x`
		}),
	demandAnswer("d", "2025 by district × age band × sex", "DISTRICT, AGE_BAND, SEX", "MONTH", year2025, []string{"contacts", "citizens"},
		func(d dialectSQL) string {
			age := `CASE WHEN ci.birth_date IS NOT NULL THEN ` + d.age("c.lt", "ci.birth_date") +
				` WHEN c.citizen_id IS NULL AND c.anonymous_birth_year IS NOT NULL THEN ` + d.year("c.lt") + ` - c.anonymous_birth_year END`
			return `WITH c AS (SELECT c.citizen_id, c.anonymous_sex, c.anonymous_birth_year, ` + d.local("c.occurred_at") + ` AS lt
  FROM contacts c WHERE c.occurred_at >= $1 AND c.occurred_at < $2),
a AS (SELECT c.citizen_id, COALESCE(ci.district, 'UNKNOWN') AS district, COALESCE(ci.sex, c.anonymous_sex, 'UNKNOWN') AS sex, ` + age + ` AS age
  FROM c LEFT JOIN citizens ci ON ci.id = c.citizen_id),
x AS (SELECT citizen_id, district, sex, CASE WHEN age IS NULL OR age < 0 THEN 'UNKNOWN' WHEN age < 18 THEN '0-17'
  WHEN age < 30 THEN '18-29' WHEN age < 45 THEN '30-44' WHEN age < 65 THEN '45-64' WHEN age < 75 THEN '65-74'
  WHEN age < 85 THEN '75-84' ELSE '85+' END AS band FROM a)
SELECT district || '|' || band || '|' || sex, COUNT(*), COUNT(DISTINCT citizen_id) FROM x GROUP BY district, band, sex
UNION ALL SELECT 'TOTAL', COUNT(*), COUNT(DISTINCT citizen_id) FROM x`
		}),
	{
		name: "e", title: "referral funnel 2025 by month",
		query: `query($from: Time!, $to: Time!) { referralFunnel(period: MONTH, filter: {from: $from, to: $to}) {
  service period proposed accepted declined completed cancelled medianDaysToAcceptance } }`,
		vars: func(env) map[string]any { return rangeVars(year2025) },
		decode: func(data json.RawMessage) (figures, error) {
			var out struct {
				ReferralFunnel []struct {
					Service, Period                                    string
					Proposed, Accepted, Declined, Completed, Cancelled int
				}
			}
			if err := json.Unmarshal(data, &out); err != nil {
				return nil, err
			}
			f := figures{}
			for _, r := range out.ReferralFunnel {
				f[r.Service+"|"+r.Period] = joinInts(r.Proposed, r.Accepted, r.Declined, r.Completed, r.Cancelled)
			}
			return f, nil
		},
		sql: func(ctx context.Context, e env) (figures, error) {
			d := dialectSQL{e.postgres}
			reached := func(col, statuses string) string {
				return "SUM(CASE WHEN r." + col + " IS NOT NULL OR r.status IN (" + statuses + ") THEN 1 ELSE 0 END)"
			}
			return keyed(ctx, e, `SELECT s.code || '|' || `+d.month(d.local("c.occurred_at"))+`, COUNT(*), `+
				reached("accepted_at", "'ACCEPTED', 'COMPLETED'")+", "+reached("declined_at", "'DECLINED'")+", "+
				reached("completed_at", "'COMPLETED'")+", "+reached("cancelled_at", "'CANCELLED'")+`
FROM contacts c JOIN referrals r ON r.contact_id = c.id JOIN services s ON s.id = r.service_id
WHERE c.occurred_at >= $1 AND c.occurred_at < $2 GROUP BY 1`, args(year2025)...)
		},
	},
	{
		name: "f", title: "caseload Q1 2025",
		query: `query($from: Time!, $to: Time!) { caseload(filter: {from: $from, to: $to}) {
  email name contacts citizens openReferrals pendingFollowUps } }`,
		vars: func(env) map[string]any { return rangeVars(q1_2025) },
		decode: func(data json.RawMessage) (figures, error) {
			var out struct {
				Caseload []struct {
					Email                                               string
					Contacts, Citizens, OpenReferrals, PendingFollowUps int
				}
			}
			if err := json.Unmarshal(data, &out); err != nil {
				return nil, err
			}
			f := figures{}
			for _, r := range out.Caseload {
				if r.Contacts > 0 { // idle social workers are listed with zeros
					f[r.Email] = joinInts(r.Contacts, r.Citizens, r.OpenReferrals, r.PendingFollowUps)
				}
			}
			return f, nil
		},
		sql: func(ctx context.Context, e env) (figures, error) {
			return keyed(ctx, e, `SELECT o.email, COUNT(*), COUNT(DISTINCT c.citizen_id), COALESCE(SUM(r.n), 0),
  SUM(CASE WHEN c.outcome = 'FOLLOW_UP' THEN 1 ELSE 0 END)
FROM contacts c JOIN operators o ON o.id = c.operator_id
LEFT JOIN (SELECT contact_id, COUNT(*) AS n FROM referrals WHERE status IN ('PROPOSED', 'ACCEPTED') GROUP BY contact_id) r ON r.contact_id = c.id
WHERE c.occurred_at >= $1 AND c.occurred_at < $2 GROUP BY o.email`, args(q1_2025)...)
		},
	},
	{
		name: "g", title: "quality report 2025",
		query: `{ qualityReport(year: 2025) { year lines { code value met shortfalls } weeks { week } socialWorkers { email days } locations { name } } }`,
		vars:  func(env) map[string]any { return nil },
		decode: func(data json.RawMessage) (figures, error) {
			var out struct {
				QualityReport struct {
					Lines []struct{ Code string }
				}
			}
			if err := json.Unmarshal(data, &out); err != nil {
				return nil, err
			}
			f := figures{}
			for _, l := range out.QualityReport.Lines {
				f[l.Code] = "line"
			}
			return f, nil
		},
		sqlNote: "API only: seven indicators over opening sessions, publications, trainings, premises and surveys, which the region does not generate",
	},
	{
		name: "h", title: "case list: March 2025, one social worker, adults and elderly, 50 newest", socialWorker: true,
		query: `query($op: ID!, $from: Time!, $to: Time!) {
  contacts(first: 50, orderBy: [{field: OCCURRED_AT, direction: DESC}], where: {
    occurredAtGTE: $from, occurredAtLT: $to, hasOperatorWith: {id: $op}, targetAreaIn: [ADULTS, ELDERLY]}) {
    totalCount
    edges { node {
      id occurredAt targetArea outcome
      citizen { id firstName lastName fiscalCode }
      mainNeed { code labelIt }
      needs { code }
      referrals { status service { code name } }
    } }
  } }`,
		vars: func(e env) map[string]any {
			return map[string]any{"op": strconv.Itoa(e.operatorID),
				"from": march25[0].Format(time.RFC3339), "to": march25[1].Format(time.RFC3339)}
		},
		decode: func(data json.RawMessage) (figures, error) {
			var out struct{ Contacts apiContacts }
			if err := json.Unmarshal(data, &out); err != nil {
				return nil, err
			}
			return out.Contacts.figures(), nil
		},
		sql: caseListSQL,
	},
	{
		name: "i", title: "a citizen's history through node: the citizen with their 50 newest contacts, needs and referrals",
		query: `query($id: ID!) { node(id: $id) { ... on Citizen { id firstName lastName fiscalCode
  contacts(first: 50, orderBy: [{field: OCCURRED_AT, direction: DESC}]) {
    totalCount
    edges { node { id occurredAt targetArea outcome mainNeed { code labelIt } needs { code } referrals { status service { code name } } } }
  } } } }`,
		vars: func(e env) map[string]any { return map[string]any{"id": strconv.Itoa(e.trailCitizen())} },
		decode: func(data json.RawMessage) (figures, error) {
			var out struct {
				Node struct{ Contacts apiContacts }
			}
			if err := json.Unmarshal(data, &out); err != nil {
				return nil, err
			}
			return out.Node.Contacts.figures(), nil
		},
		sql: func(ctx context.Context, e env) (figures, error) {
			return contactPageSQL(ctx, e, ` WHERE c.citizen_id = $1`, e.trailCitizen())
		},
	},
	whoLooked,
}

// caseListSQL reads the case list as a hand-written client would: the
// count, the page with citizen and main need, then the page's needs and
// its referrals with their services. Contacts at the same time come in
// id order, as the API pages them.
func caseListSQL(ctx context.Context, e env) (figures, error) {
	return contactPageSQL(ctx, e, ` WHERE c.occurred_at >= $1 AND c.occurred_at < $2 AND c.operator_id = $3 AND c.target_area IN ('ADULTS', 'ELDERLY')`,
		march25[0].UTC(), march25[1].UTC(), e.operatorID)
}

// contactPageSQL reads the 50 newest contacts where says, as caseListSQL.
func contactPageSQL(ctx context.Context, e env, where string, args ...any) (figures, error) {
	d := dialectSQL{e.postgres}
	var total int
	if err := e.db.QueryRowContext(ctx, d.bind(`SELECT COUNT(*) FROM contacts c`+where), args...).Scan(&total); err != nil {
		return nil, err
	}
	rows, err := e.db.QueryContext(ctx, d.bind(`SELECT c.id, c.occurred_at, c.target_area, c.outcome, ci.id, ci.first_name, ci.last_name, ci.fiscal_code, n.code, n.label_it
FROM contacts c LEFT JOIN citizens ci ON ci.id = c.citizen_id JOIN need_categories n ON n.id = c.main_need_id`+where+`
ORDER BY c.occurred_at DESC, c.id LIMIT 50`), args...)
	if err != nil {
		return nil, err
	}
	var ids []int
	for rows.Next() {
		var id int
		var at, area, outcome, code, label any
		var cid, first, last, fc any
		if err := rows.Scan(&id, &at, &area, &outcome, &cid, &first, &last, &fc, &code, &label); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	needs, refs := map[int][]string{}, map[int][]string{}
	if len(ids) > 0 {
		in := "(" + inList(ids) + ")"
		if err := pairs(ctx, e.db, `SELECT cn.contact_id, n.code FROM contact_needs cn JOIN need_categories n ON n.id = cn.need_category_id WHERE cn.contact_id IN `+in, needs); err != nil {
			return nil, err
		}
		if err := pairs(ctx, e.db, `SELECT r.contact_id, s.code || ':' || r.status FROM referrals r JOIN services s ON s.id = r.service_id WHERE r.contact_id IN `+in, refs); err != nil {
			return nil, err
		}
	}
	f := figures{"TOTAL": strconv.Itoa(total)}
	for i, id := range ids {
		caseRow(f, i, strconv.Itoa(id), needs[id], refs[id])
	}
	return f, nil
}

// apiContacts is a page of contacts in this API's answer.
type apiContacts struct {
	TotalCount int
	Edges      []struct {
		Node struct {
			ID        string
			Needs     []struct{ Code string }
			Referrals []struct {
				Status  string
				Service struct{ Code string }
			}
		}
	}
}

// figures are the page as answers h and i compare it.
func (p apiContacts) figures() figures {
	f := figures{"TOTAL": strconv.Itoa(p.TotalCount)}
	for i, e := range p.Edges {
		var needs, refs []string
		for _, n := range e.Node.Needs {
			needs = append(needs, n.Code)
		}
		for _, r := range e.Node.Referrals {
			refs = append(refs, r.Service.Code+":"+r.Status)
		}
		caseRow(f, i, e.Node.ID, needs, refs)
	}
	return f
}

// caseRow puts row i of a case list into f: the contact, its needs
// codes and its referrals (service:status), each set in order.
func caseRow(f figures, i int, id string, needs, refs []string) {
	slices.Sort(needs)
	slices.Sort(refs)
	f[fmt.Sprintf("row %02d", i)] = id + "/" + strings.Join(needs, ",") + "/" + strings.Join(refs, ",")
}

// pairs reads (contact id, text) rows into m.
func pairs(ctx context.Context, db *sql.DB, query string, m map[int][]string) error {
	rows, err := db.QueryContext(ctx, query)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int
		var s string
		if err := rows.Scan(&id, &s); err != nil {
			return err
		}
		m[id] = append(m[id], s)
	}
	return rows.Err()
}

// keyed runs a query whose rows are a key and integer figures.
func keyed(ctx context.Context, e env, query string, args ...any) (figures, error) {
	rows, err := e.db.QueryContext(ctx, dialectSQL{e.postgres}.bind(query), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	f := figures{}
	for rows.Next() {
		var key string
		nums := make([]sql.NullInt64, len(cols)-1)
		dst := []any{&key}
		for i := range nums {
			dst = append(dst, &nums[i])
		}
		if err := rows.Scan(dst...); err != nil {
			return nil, err
		}
		vals := make([]int, len(nums))
		for i, n := range nums {
			vals[i] = int(n.Int64)
		}
		f[key] = joinInts(vals...)
	}
	return f, rows.Err()
}

func joinInts(vals ...int) string {
	s := make([]string, len(vals))
	for i, v := range vals {
		s[i] = strconv.Itoa(v)
	}
	return strings.Join(s, "/")
}

// decodeDemand reduces a demand answer to the named figures of its cells
// and total.
func decodeDemand(fields []string) func(json.RawMessage) (figures, error) {
	return func(data json.RawMessage) (figures, error) {
		var out struct {
			Demand struct {
				Cells []map[string]json.RawMessage
				Total map[string]json.RawMessage
			}
		}
		if err := json.Unmarshal(data, &out); err != nil {
			return nil, err
		}
		f := figures{}
		put := func(key string, c map[string]json.RawMessage) error {
			vals := make([]int, len(fields))
			for i, name := range fields {
				if err := json.Unmarshal(c[name], &vals[i]); err != nil {
					return fmt.Errorf("%s of %s: %w", name, key, err)
				}
			}
			f[key] = joinInts(vals...)
			return nil
		}
		for _, c := range out.Demand.Cells {
			var keys []string
			if err := json.Unmarshal(c["keys"], &keys); err != nil {
				return nil, err
			}
			if err := put(strings.Join(keys, "|"), c); err != nil {
				return nil, err
			}
		}
		return f, put("TOTAL", out.Demand.Total)
	}
}

// dialectSQL writes the few expressions that differ between the two
// databases.
type dialectSQL struct{ postgres bool }

// local is the Europe/Rome local time of a UTC timestamp column: on
// PostgreSQL with AT TIME ZONE, on SQLite with the EU summer-time rule
// (from 01:00 UTC of the last Sunday of March to 01:00 UTC of the last
// Sunday of October).
func (d dialectSQL) local(col string) string {
	if d.postgres {
		return "(" + col + " AT TIME ZONE 'Europe/Rome')"
	}
	y := "substr(" + col + ", 1, 4)"
	return "datetime(" + col + ", CASE WHEN datetime(" + col + ") >= datetime(date(" + y + " || '-03-25', 'weekday 0'), '+1 hour')" +
		" AND datetime(" + col + ") < datetime(date(" + y + " || '-10-25', 'weekday 0'), '+1 hour') THEN '+2 hours' ELSE '+1 hour' END)"
}

func (d dialectSQL) month(lt string) string {
	if d.postgres {
		return "to_char(" + lt + ", 'YYYY-MM')"
	}
	return "substr(" + lt + ", 1, 7)"
}

func (d dialectSQL) quarter(lt string) string {
	if d.postgres {
		return "to_char(" + lt + `, 'YYYY-"Q"Q')`
	}
	return "substr(" + lt + ", 1, 4) || '-Q' || ((CAST(substr(" + lt + ", 6, 2) AS INTEGER) + 2) / 3)"
}

func (d dialectSQL) year(lt string) string {
	if d.postgres {
		return "CAST(date_part('year', " + lt + ") AS INTEGER)"
	}
	return "CAST(substr(" + lt + ", 1, 4) AS INTEGER)"
}

// age is the full years from a birth date (a UTC-midnight timestamp) to
// the local date lt.
func (d dialectSQL) age(lt, birth string) string {
	if d.postgres {
		return "CAST(date_part('year', age(CAST(" + lt + " AS date), CAST(" + birth + " AT TIME ZONE 'UTC' AS date))) AS INTEGER)"
	}
	return "(CAST(substr(" + lt + ", 1, 4) AS INTEGER) - CAST(substr(" + birth + ", 1, 4) AS INTEGER)" +
		" - CASE WHEN substr(" + lt + ", 6, 5) < substr(" + birth + ", 6, 5) THEN 1 ELSE 0 END)"
}

var placeholder = regexp.MustCompile(`\$(\d+)`)

// bind turns PostgreSQL's $n into SQLite's ?n.
func (d dialectSQL) bind(q string) string {
	if d.postgres {
		return q
	}
	return placeholder.ReplaceAllString(q, "?$1")
}

func answerNames() []string {
	names := make([]string, len(answers))
	for i, a := range answers {
		names[i] = a.name
	}
	return names
}
