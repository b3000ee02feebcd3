package server_test

import (
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"segretariato/ent/schema/schematype"
	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
	"segretariato/internal/server/apitest"
	"segretariato/internal/sqlbind"
)

// TestCitizenTrailNewestFirstOverTheMonths: "who looked at this citizen"
// gives the newest events first, however far back they go and however
// the trail is split in months (PostgreSQL reads it newest months first),
// at page sizes that end inside each stretch of months, and never another
// citizen's.
func TestCitizenTrailNewestFirstOverTheMonths(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		api := apitest.New(t, db)
		_, coord := api.Operator(t, schematype.RoleCoordinator)
		mine := db.Client.Citizen.Create().SetFirstName("Lia").SetLastName("Neri").SaveX(sys(t))
		other := db.Client.Citizen.Create().SetFirstName("Ugo").SetLastName("Sala").SaveX(sys(t))
		now := time.Now().UTC()
		cits := func(ids ...int) string {
			s := "{"
			for i, id := range ids {
				if i > 0 {
					s += ","
				}
				s += strconv.Itoa(id)
			}
			return s + "}"
		}
		if db.Dialect == dialect.Postgres {
			// The trail's months back to the oldest read below.
			if _, err := db.SQL.Exec(`SELECT audit_events_partition((date_trunc('month', now()) - make_interval(months => g))::date) FROM generate_series(0, 42) g`); err != nil {
				t.Fatal(err)
			}
		}
		var want []string // the details of mine's reads, newest first
		// -3: a read months ahead (an instance's clock far wrong), still in
		// the trail, newest of all.
		for i, back := range []int{-3, 0, 1, 2, 3, 5, 8, 9, 14, 30, 40} {
			at := now.AddDate(0, -back, -1).Add(-time.Duration(i) * time.Minute)
			detail := fmt.Sprintf("read %d months back", back)
			for _, e := range []struct {
				detail, cits string
			}{{detail, cits(other.ID, mine.ID)}, {"other " + detail, cits(other.ID)}} {
				b := sqlbind.Binder{Postgres: db.Dialect == dialect.Postgres}
				q := `INSERT INTO audit_events (at, action, entity, detail, citizens) VALUES (` + b.Arg(at) + `, 'READ', 'Contact', ` + b.Arg(e.detail) + `, ` + b.Arg(e.cits) + `)`
				if _, err := db.SQL.Exec(q, b.Args...); err != nil {
					t.Fatal(err)
				}
			}
			want = append(want, detail)
		}
		for _, first := range []int{1, 2, 3, 4, 6, 9, 10, 11, 50} {
			var out struct {
				CitizenAuditTrail []struct{ Action, Detail string } `json:"citizenAuditTrail"`
			}
			api.MustDo(t, coord, `query($id: ID!, $n: Int) { citizenAuditTrail(citizenID: $id, first: $n) { action detail } }`,
				map[string]any{"id": mine.ID, "n": first}, &out)
			var got []string
			for _, e := range out.CitizenAuditTrail {
				if e.Action == "READ" && e.Detail != "" {
					got = append(got, e.Detail)
				}
			}
			// The service's own creation of the citizens is no event.
			if n := min(first, len(want)); len(got) != len(out.CitizenAuditTrail) || !slices.Equal(got, want[:n]) {
				t.Errorf("first %d: %+v, want the reads %q", first, out.CitizenAuditTrail, want[:n])
			}
		}
	})
}
