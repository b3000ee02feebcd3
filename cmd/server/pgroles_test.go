package main

import (
	"bufio"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"entgo.io/ent/dialect"
	"github.com/lib/pq"

	"segretariato/ent/auditevent"
	"segretariato/internal/access"
	"segretariato/internal/database/dbtest"
	"segretariato/internal/sample"
	"segretariato/internal/server/apitest"
)

// runPSQLScript runs a psql script of plain statements, ending with ";" at
// the end of a line, and \connect lines, with the variables :"name"
// replaced by quoted identifiers. It opens connections like base (the
// superuser's URL), on the database \connect names.
func runPSQLScript(t *testing.T, base *url.URL, path string, vars map[string]string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	conn := func(dbname string) *sql.DB {
		u := *base
		u.Path = "/" + dbname
		db, err := sql.Open("postgres", u.String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	db := conn(strings.TrimPrefix(base.Path, "/"))
	var stmt strings.Builder
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		for k, v := range vars {
			line = strings.ReplaceAll(line, `:"`+k+`"`, pq.QuoteIdentifier(v))
		}
		switch trimmed := strings.TrimSpace(line); {
		case trimmed == "" || strings.HasPrefix(trimmed, "--"):
			continue
		case strings.HasPrefix(trimmed, `\connect `):
			db = conn(strings.Trim(strings.TrimPrefix(trimmed, `\connect `), `"`))
			continue
		}
		stmt.WriteString(line + "\n")
		if strings.HasSuffix(strings.TrimSpace(line), ";") {
			if _, err := db.Exec(stmt.String()); err != nil {
				t.Fatalf("%s: %v", stmt.String(), err)
			}
			stmt.Reset()
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(stmt.String()) != "" {
		t.Fatalf("%s ends with an unterminated statement: %s", path, stmt.String())
	}
}

// TestProductionRolesOnPostgres sets PostgreSQL up as the README's
// Deployment step 2 says (deploy/postgres-roles.sql, run as is), migrates
// as the owner, then runs the server's work as the service's role: the
// API and the import's fast path work, and the audit trail can be neither
// changed nor deleted, nor its triggers switched off, whatever the role
// does — session_replication_role included.
func TestProductionRolesOnPostgres(t *testing.T) {
	for _, kind := range dbtest.Kinds(t) {
		if kind != dialect.Postgres {
			continue // roles are PostgreSQL's
		}
		t.Run(kind, productionRoles)
	}
}

func productionRoles(t *testing.T) {
	base, err := url.Parse(os.Getenv("TEST_DATABASE_URL"))
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	suffix := hex.EncodeToString(b)
	owner, service, dbname := "seg_owner_"+suffix, "seg_app_"+suffix, "seg_roles_"+suffix
	super, err := sql.Open("postgres", base.String())
	if err != nil {
		t.Fatal(err)
	}
	defer super.Close()
	t.Cleanup(func() {
		_, _ = super.Exec("DROP DATABASE IF EXISTS " + pq.QuoteIdentifier(dbname) + " WITH (FORCE)")
		_, _ = super.Exec("DROP OWNED BY " + pq.QuoteIdentifier(owner) + ", " + pq.QuoteIdentifier(service))
		_, _ = super.Exec("DROP ROLE IF EXISTS " + pq.QuoteIdentifier(owner))
		_, _ = super.Exec("DROP ROLE IF EXISTS " + pq.QuoteIdentifier(service))
	})
	runPSQLScript(t, base, filepath.Join("..", "..", "deploy", "postgres-roles.sql"),
		map[string]string{"owner": owner, "service": service, "database": dbname})
	as := func(role string) string {
		u := *base
		u.User = url.User(role)
		u.Path = "/" + dbname
		return u.String()
	}

	// The deployment: migrate as the owner, everything else as the service.
	envs := map[string]string{"ENV": "production", "MIGRATE_DATABASE_URL": as(owner), "DATABASE_URL": as(service)}
	var out, errOut strings.Builder
	if err := run(t.Context(), []string{"migrate", "up"}, env(envs), &out, &errOut); err != nil {
		t.Fatalf("migrate up as the owner: %v\n%s%s", err, out.String(), errOut.String())
	}
	out.Reset()
	if err := run(t.Context(), []string{"operator", "add", "--email", "coord@comune.example.it", "--name", "Coordinatrice", "--role", "COORDINATOR"},
		env(envs), &out, &errOut); err != nil {
		t.Fatalf("operator add as the service: %v\n%s", err, errOut.String())
	}
	coord := strings.TrimSpace(out.String())
	db, err := openDB(t.Context(), as(service), env(envs))
	if err != nil {
		t.Fatalf("the server's database as the service: %v", err)
	}
	defer db.Close()
	var who string
	if err := db.SQL.QueryRow("SELECT current_user").Scan(&who); err != nil || who != service {
		t.Fatalf("connected as %q, %v; want %s", who, err, service)
	}
	if rw, err := auditTrailRewritable(t.Context(), db); err != nil || rw {
		t.Errorf("the service's role may rewrite the audit trail: %v, %v", rw, err)
	}
	ownerDB, err := openDB(t.Context(), as(owner), env(envs))
	if err != nil {
		t.Fatal(err)
	}
	if rw, err := auditTrailRewritable(t.Context(), ownerDB); err != nil || !rw {
		t.Errorf("the owner may not rewrite the audit trail, says the check: %v, %v", rw, err)
	}
	ownerDB.Close()
	api := apitest.New(t, db)

	// Normal work: a citizen and a contact, then an import on the fast path.
	var c struct {
		CreateCitizen struct{ ID string } `json:"createCitizen"`
	}
	api.MustDo(t, coord, `mutation { createCitizen(input: {fiscalCode: "RCCGLI56B62Z129H", firstName: "Giulia", lastName: "Ricci", privacyConsent: true}) { id } }`, nil, &c)
	var need struct {
		NeedCategories struct {
			Edges []struct{ Node struct{ ID string } }
		} `json:"needCategories"`
	}
	api.MustDo(t, coord, `{ needCategories(where: {code: "CARE_HOME"}) { edges { node { id } } } }`, nil, &need)
	api.MustDo(t, coord, `mutation($c: ID!, $n: ID!) { createContact(input: {citizenID: $c, mainNeedID: $n, occurredAt: "2025-03-14T15:45:00Z",
		channel: IN_PERSON, requester: SELF, targetArea: ELDERLY, responses: [INFORMATION], outcome: INFORMED}) { id } }`,
		map[string]any{"c": c.CreateCitizen.ID, "n": need.NeedCategories.Edges[0].Node.ID}, nil)
	if _, err := db.SQL.Exec("SET session_replication_role = replica; RESET session_replication_role"); err != nil {
		t.Fatalf("the service may not set session_replication_role, so the import cannot take its fast path: %v", err)
	}
	sample.CreateOperators(t, db.Client)
	csv, err := os.ReadFile(filepath.Join(sample.Dir(), "intake-sample.csv"))
	if err != nil {
		t.Fatal(err)
	}
	r := api.Upload(t, coord, `mutation($f: Upload!) { importIntakeCards(file: $f) { accepted summary { contactsCreated } } }`, nil, "f", "schede.csv", csv)
	if len(r.Errors) > 0 || !strings.Contains(string(r.Data), `"contactsCreated":600`) {
		t.Fatalf("import as the service: %s", r.Body)
	}
	ctx := access.System(t.Context())
	if n := db.Client.AuditEvent.Query().Where(auditevent.Action("IMPORT")).CountX(ctx); n != 1 {
		t.Errorf("%d IMPORT events, want 1", n)
	}
	events := db.Client.AuditEvent.Query().CountX(ctx)

	// The trail, as the service: read and append only.
	su := *base
	su.Path = "/" + dbname
	suDB, err := sql.Open("postgres", su.String())
	if err != nil {
		t.Fatal(err)
	}
	defer suDB.Close()
	for _, p := range []struct {
		priv string
		want bool
	}{{"SELECT", true}, {"INSERT", true}, {"UPDATE", false}, {"DELETE", false}, {"TRUNCATE", false}} {
		var has bool
		if err := suDB.QueryRow("SELECT has_table_privilege($1, 'audit_events', $2)", service, p.priv).Scan(&has); err != nil {
			t.Fatal(err)
		}
		if has != p.want {
			t.Errorf("the service's %s on audit_events: %v, want %v", p.priv, has, p.want)
		}
	}
	conn, err := db.SQL.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, stmt := range []string{
		"UPDATE audit_events SET detail = 'rewritten'",
		"DELETE FROM audit_events",
		"TRUNCATE audit_events",
		"ALTER TABLE audit_events DISABLE TRIGGER ALL",
		"ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update",
		"DROP TRIGGER audit_events_no_update ON audit_events",
		"DROP TABLE audit_events",
		"SET session_replication_role = replica",
		"DELETE FROM audit_events",
		"UPDATE audit_events SET detail = 'rewritten'",
	} {
		_, err := conn.ExecContext(t.Context(), stmt)
		if want := strings.HasPrefix(stmt, "SET "); (err == nil) != want {
			t.Errorf("as the service, %s: %v", stmt, err)
		}
	}
	// Every month of the trail is a partition, with the same protection:
	// the ones the migration made and one the service makes ahead (which
	// its owner, not the service, owns). A month with no partition refuses
	// its events.
	var made string
	if err := conn.QueryRowContext(t.Context(), "SELECT audit_events_partition('2031-05-17')").Scan(&made); err != nil || made != "audit_events_203105" {
		t.Fatalf("the service making a coming month's partition: %q, %v", made, err)
	}
	partitions := map[string]string{}
	rows, err := suDB.QueryContext(t.Context(), `SELECT c.relname, pg_get_userbyid(c.relowner) FROM pg_inherits i
		JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'audit_events'::regclass`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name, by string
		if err := rows.Scan(&name, &by); err != nil {
			t.Fatal(err)
		}
		partitions[name] = by
	}
	rows.Close()
	if len(partitions) < 5 || partitions[made] == "" {
		t.Fatalf("the trail's partitions: %v; want this month's, the next three and %s", partitions, made)
	}
	tables := []string{"audit_events"}
	for name, by := range partitions {
		tables = append(tables, name)
		// An event in each (a row trigger fires only on a row).
		m := strings.TrimPrefix(name, "audit_events_")
		at := m[:4] + "-" + m[4:] + "-01"
		if _, err := conn.ExecContext(t.Context(), "INSERT INTO audit_events (at, action, entity) VALUES ($1, 'READ', 'Citizen')", at); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := suDB.QueryRow("SELECT count(*) FROM " + name).Scan(&n); err != nil || n == 0 {
			t.Fatalf("the event of %s went elsewhere: %d, %v", at, n, err)
		}
		events++
		if by != owner {
			t.Errorf("%s is owned by %s, want %s", name, by, owner)
		}
		for _, priv := range []string{"UPDATE", "DELETE", "TRUNCATE"} {
			var has bool
			if err := suDB.QueryRow("SELECT has_table_privilege($1, $2, $3)", service, name, priv).Scan(&has); err != nil || has {
				t.Errorf("the service's %s on %s: %v, %v", priv, name, has, err)
			}
		}
		for _, stmt := range []string{
			"UPDATE " + name + " SET detail = 'rewritten'",
			"DELETE FROM " + name,
			"TRUNCATE " + name,
			"ALTER TABLE " + name + " DISABLE TRIGGER ALL",
			"DROP TABLE " + name,
			"ALTER TABLE audit_events DETACH PARTITION " + name,
		} {
			if _, err := conn.ExecContext(t.Context(), stmt); err == nil {
				t.Errorf("as the service, %s: no error", stmt)
			}
		}
	}
	// The triggers themselves fire in replica mode, whatever the grants:
	// even for a superuser, who holds every privilege, on every partition.
	suConn, err := suDB.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer suConn.Close()
	if _, err := suConn.ExecContext(t.Context(), "SET session_replication_role = replica"); err != nil {
		t.Fatal(err)
	}
	for _, table := range tables {
		for _, stmt := range []string{"DELETE FROM " + table, "UPDATE " + table + " SET detail = 'rewritten'", "TRUNCATE " + table} {
			if _, err := suConn.ExecContext(t.Context(), stmt); err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Errorf("in replica mode, %s: %v, want the trigger's refusal", stmt, err)
			}
		}
	}
	if n := db.Client.AuditEvent.Query().CountX(ctx); n != events {
		t.Errorf("%d audit events after the attempts, want %d", n, events)
	}
}
