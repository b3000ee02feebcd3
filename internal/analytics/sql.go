package analytics

import (
	"context"
	"strings"

	"entgo.io/ent/dialect"

	"segretariato/internal/dimension"
	"segretariato/internal/rollup"
)

// dialectSQL writes the expressions that differ between SQLite and
// PostgreSQL. Both return the same text for the same instant, so every
// later step (keys, ages, comparisons) is written once.
type dialectSQL struct{ postgres bool }

func (e *Engine) sqlFor() dialectSQL { return dialectSQL{postgres: e.DB.Dialect == dialect.Postgres} }

// localTime is the Europe/Rome local date and time of a stored instant,
// as 'YYYY-MM-DD HH:MM:SS' text.
//
// PostgreSQL converts with its time-zone database. SQLite has none, so
// the offset is computed from the EU rule in force since 1996: summer
// time (+2h) from 01:00 UTC on the last Sunday of March to 01:00 UTC on
// the last Sunday of October, +1h otherwise. date(Y-03-31, '-6 days',
// 'weekday 0') is the last Sunday of March. TestLocalTimeMatchesTZDB
// checks the rule against Go's zone data for every year from 1996 to 2037.
// Any stored text SQLite can read works (it is normalised to UTC first).
func (s dialectSQL) localTime(col string) string {
	if s.postgres {
		return "to_char(" + col + " AT TIME ZONE 'Europe/Rome', 'YYYY-MM-DD HH24:MI:SS')"
	}
	return "datetime(" + col + ", " + s.ruleOffset(col) + ")"
}

// ruleOffset is the SQLite modifier of Europe/Rome's offset by the EU rule.
func (dialectSQL) ruleOffset(col string) string {
	return "CASE WHEN datetime(" + col + ") >= datetime(strftime('%Y', " + col + ") || '-03-31', '-6 days', 'weekday 0', '+1 hour')" +
		" AND datetime(" + col + ") < datetime(strftime('%Y', " + col + ") || '-10-31', '-6 days', 'weekday 0', '+1 hour')" +
		" THEN '+2 hours' ELSE '+1 hour' END"
}

// inRange is "from <= col < to" for instants that may be stored as text
// in any offset on SQLite (only the contacts' occurred_at is known to be
// UTC): the text is normalised first, which costs the index, so it is for
// the small tables.
func (s dialectSQL) inRange(col, from, to string) string {
	if s.postgres {
		return col + " >= " + from + " AND " + col + " < " + to
	}
	return "datetime(" + col + ") >= datetime(" + from + ") AND datetime(" + col + ") < datetime(" + to + ")"
}

// periodKey is the key of a local 'YYYY-MM-DD…' text in the unit.
func (s dialectSQL) periodKey(lts string, unit dimension.PeriodUnit) string {
	switch unit {
	case dimension.Year:
		return "substr(" + lts + ", 1, 4)"
	case dimension.Quarter:
		return "substr(" + lts + ", 1, 4) || '-Q' || CAST((CAST(substr(" + lts + ", 6, 2) AS INTEGER) + 2) / 3 AS TEXT)"
	case dimension.Week:
		if s.postgres {
			return "to_char(CAST(substr(" + lts + ", 1, 10) AS date), 'IYYY-\"W\"IW')"
		}
		// The ISO week's year and number are those of its Thursday.
		th := "date(substr(" + lts + ", 1, 10), '-3 days', 'weekday 4')"
		return "strftime('%Y', " + th + ") || '-W' || printf('%02d', (CAST(strftime('%j', " + th + ") AS INTEGER) - 1) / 7 + 1)"
	default:
		return "substr(" + lts + ", 1, 7)"
	}
}

// epochSeconds is the whole seconds of an instant since 1970 (floored).
func (s dialectSQL) epochSeconds(col string) string {
	if s.postgres {
		return "CAST(FLOOR(EXTRACT(EPOCH FROM " + col + ")) AS BIGINT)"
	}
	return "CAST(strftime('%s', " + col + ") AS INTEGER)"
}

// rows runs a query and calls each for every row; it closes the rows
// before returning, as SQLite holds a single connection. Every query of
// the engine goes through it, to Reads when set.
func (e *Engine) rows(ctx context.Context, query string, args []any, each func(scan func(...any) error) error) error {
	reads := e.Reads
	if reads == nil {
		reads = e.DB.SQL
	}
	return rollup.Each(ctx, rollup.SQLConn{Q: reads}, query, args, each)
}

// stringMap reads a two-column query into a map.
func (e *Engine) stringMap(ctx context.Context, query string, args ...any) (map[string]string, error) {
	m := map[string]string{}
	err := e.rows(ctx, query, args, func(scan func(...any) error) error {
		var k, v string
		if err := scan(&k, &v); err != nil {
			return err
		}
		m[k] = v
		return nil
	})
	return m, err
}

// districtSpellings maps each district key to the spelling most citizens
// of that district have; on a tie, a spelling that is not all capitals,
// then the first in byte order.
func (e *Engine) districtSpellings(ctx context.Context) (map[string]string, error) {
	type best struct {
		spelling string
		n        int
	}
	counts := map[[2]string]int{} // key and spelling → citizens
	for _, q := range []string{
		"SELECT district_key, district, COUNT(*) FROM citizens WHERE district_key IS NOT NULL AND district IS NOT NULL GROUP BY district_key, district",
		erasedDistricts,
	} {
		err := e.rows(ctx, q, nil, func(scan func(...any) error) error {
			var k, s string
			var n int
			if err := scan(&k, &s, &n); err != nil {
				return err
			}
			counts[[2]string{k, s}] += n
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	m := map[string]best{}
	for ks, n := range counts {
		k, s := ks[0], ks[1]
		b, ok := m[k]
		if !ok || n > b.n || (n == b.n && betterSpelling(s, b.spelling)) {
			m[k] = best{s, n}
		}
	}
	out := make(map[string]string, len(m))
	for k, b := range m {
		out[k] = b.spelling
	}
	return out, nil
}

func betterSpelling(a, b string) bool {
	capsA, capsB := a == strings.ToUpper(a), b == strings.ToUpper(b)
	if capsA != capsB {
		return !capsA
	}
	return a < b
}
