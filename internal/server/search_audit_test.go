package server_test

import (
	"fmt"
	"strings"
	"testing"

	"segretariato/ent"
	"segretariato/ent/auditevent"
	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
	"segretariato/internal/server"
	"segretariato/internal/server/apitest"
	"segretariato/internal/services"
)

// searchEvents are the SEARCH events of the trail, oldest first.
func searchEvents(t *testing.T, db *database.DB) []*ent.AuditEvent {
	t.Helper()
	return db.Client.AuditEvent.Query().Where(auditevent.Action("SEARCH")).Order(ent.Asc(auditevent.FieldID)).AllX(sys(t))
}

// auditTableText is every audit row as the database returns it, all
// columns, as text.
func auditTableText(t *testing.T, db *database.DB) string {
	t.Helper()
	rows, err := db.SQL.QueryContext(t.Context(), "SELECT * FROM audit_events")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var b strings.Builder
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for _, v := range vals {
			if bs, ok := v.([]byte); ok {
				v = string(bs)
			}
			fmt.Fprintf(&b, "%v\t", v)
		}
		b.WriteByte('\n')
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestSearchAudit: a filter on a person's identifying fields is a search,
// recorded as a SEARCH event naming the entity and fields, for a count
// alone and for a search that finds nothing, without the value in the
// trail; searchedFor tells who searched for a value.
func TestSearchAudit(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		w := newWorld(t, db)
		api := w.api
		const code = "RCCGLI56B62Z129H"

		before := len(searchEvents(t, db))
		api.MustDo(t, w.coord, `query($c: String!) { citizens(where: {fiscalCode: $c}) { totalCount } }`, map[string]any{"c": code}, nil)
		api.MustDo(t, w.coord, `{ citizens(where: {or: [{fiscalCodeHasPrefix: "rcc"}, {lastName: "Nessuno"}]}) { edges { node { id } } } }`, nil, nil)
		api.MustDo(t, w.coord, `{ citizens(where: {fiscalCode: "ZZZZZZ00Z00Z000Z"}) { edges { node { id } } } }`, nil, nil)
		api.MustDo(t, w.sw1, fmt.Sprintf(`{ node(id: %q) { ... on Citizen { contacts(where: {hasCitizenWith: {firstNameHasPrefix: "Giu"}}) { totalCount } } } }`, w.citizen), nil, nil)
		// Not a search for a person: no event.
		api.MustDo(t, w.coord, `{ citizens(where: {district: "Centro"}) { totalCount } }`, nil, nil)

		events := searchEvents(t, db)[before:]
		if len(events) != 4 {
			t.Fatalf("%d SEARCH events, want 4: %+v", len(events), events)
		}
		for i, want := range []string{"fields=fiscalCode;", "fields=fiscalCode,lastName;", "fields=fiscalCode;", "fields=firstName;"} {
			e := events[i]
			if e.Entity != "Citizen" || e.EntityID != nil || !strings.HasPrefix(e.Detail, want) || e.RequestID == "" || e.OperatorID == nil {
				t.Errorf("event %d: %+v, want Citizen and %q", i, e, want)
			}
		}
		if !strings.Contains(events[1].Detail, "fiscalCode.HasPrefix~") || !strings.Contains(events[0].Detail, "fiscalCode=") {
			t.Errorf("details do not say how each field was searched: %q, %q", events[0].Detail, events[1].Detail)
		}
		trail := auditTableText(t, db)
		for _, clear := range []string{code, strings.ToLower(code), "ZZZZZZ00Z00Z000Z", "rcc", "RCC", "Nessuno", "NESSUNO", "Giu", "GIU"} {
			if strings.Contains(trail, clear) {
				t.Errorf("the audit table holds the searched value %q in clear", clear)
			}
		}

		// Who searched for this fiscal code? The equal search and the
		// prefix search, not the others.
		var found struct {
			SearchedFor []struct {
				OperatorEmail, Detail string
			} `json:"searchedFor"`
		}
		api.MustDo(t, w.coord, `query($v: String!) { searchedFor(value: $v) { operatorEmail detail } }`, map[string]any{"v": " " + strings.ToLower(code)}, &found)
		if len(found.SearchedFor) != 2 || found.SearchedFor[0].Detail != events[1].Detail || found.SearchedFor[1].Detail != events[0].Detail {
			t.Errorf("searchedFor(%s): %+v, want the prefix and the equal search", code, found.SearchedFor)
		}
		// Another instance over the same database hashes with the same key.
		other := apitest.New(t, db)
		var again struct {
			SearchedFor []struct{ Detail string } `json:"searchedFor"`
		}
		other.MustDo(t, w.coord, `query($v: String!) { searchedFor(value: $v) { detail } }`, map[string]any{"v": code}, &again)
		// Asking is a search too, and is found with the others.
		if len(again.SearchedFor) != 3 || again.SearchedFor[0].Detail != "fields=searchedFor; searchedFor="+strings.SplitN(events[0].Detail, "=", 3)[2] {
			t.Errorf("searchedFor on another instance: %+v", again.SearchedFor)
		}
		if n := db.Client.ServiceSecret.Query().CountX(sys(t)); n != 1 {
			t.Errorf("%d service secrets, want the one search key", n)
		}
		// A key set in the configuration is used instead.
		withKey, err := services.New(t.Context(), db, services.Config{AuditSearchKey: strings.Repeat("k", 32)})
		if err != nil {
			t.Fatal(err)
		}
		keyed := apitest.New(t, db, func(o *server.Options) { o.Set = *withKey })
		keyed.MustDo(t, w.coord, `query($v: String!) { searchedFor(value: $v) { detail } }`, map[string]any{"v": code}, &again)
		if len(again.SearchedFor) != 0 {
			t.Errorf("searchedFor with another key: %+v", again.SearchedFor)
		}
		api.MustDo(t, w.admin, `{ searchedFor(value: "BNCMRA80A01H501U") { detail } }`, nil, &found)
		if len(found.SearchedFor) != 0 {
			t.Errorf("searchedFor another code: %+v", found.SearchedFor)
		}
		if r := api.Do(t, w.sw1, `{ searchedFor(value: "RCC") { detail } }`, nil); r.Code() != "FORBIDDEN" {
			t.Errorf("searchedFor by a social worker: %s", r.Body)
		}

		// In a mutation, the search is written in its transaction, with
		// the mutation's own events.
		api.MustDo(t, w.coord, `mutation { createCitizen(input: {lastName: "Bianchi"}) { id contacts(where: {hasCitizenWith: {lastName: "Bianchi"}}) { totalCount } } }`, nil, nil)
		last := searchEvents(t, db)
		e := last[len(last)-1]
		if !strings.HasPrefix(e.Detail, "fields=lastName;") {
			t.Errorf("mutation's search: %+v", e)
		}
		if n := db.Client.AuditEvent.Query().Where(auditevent.RequestID(e.RequestID), auditevent.Action("CREATE")).CountX(sys(t)); n != 1 {
			t.Errorf("the search and the create of one mutation: %d CREATE events with its request id", n)
		}

		// An event that cannot be written fails the search, even a count
		// alone, and the mutation that carries it.
		refuseAuditEvents(t, db)
		r := api.Do(t, w.coord, `{ citizens(where: {lastNameHasPrefix: "Ri"}) { totalCount } }`, nil)
		if r.Code() != "INTERNAL" || strings.Contains(string(r.Data), "totalCount") {
			t.Errorf("search without its audit event: %s", r.Body)
		}
		if r := api.Do(t, w.coord, `{ citizens(where: {district: "Centro"}) { totalCount } }`, nil); len(r.Errors) > 0 {
			t.Errorf("a count that is no search failed: %s", r.Body)
		}
	})
}
