package intakeio_test

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"testing"

	"entgo.io/ent/dialect"

	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
	"segretariato/internal/intakeio"
	"segretariato/internal/refdata"
	"segretariato/internal/wiring"
)

// TestImportAsAnOrdinaryRole imports the sample as a PostgreSQL role that
// owns its database but is no superuser, as on a municipal server: the
// import cannot skip the foreign-key checks and must give the same result
// with them. (On SQLite there is no such role: the test is PostgreSQL's.)
func TestImportAsAnOrdinaryRole(t *testing.T) {
	for _, kind := range dbtest.Kinds(t) {
		if kind != dialect.Postgres {
			continue
		}
		rawURL := dbtest.FreshPostgres(t)
		u, err := url.Parse(rawURL)
		if err != nil {
			t.Fatal(err)
		}
		admin, err := sql.Open("postgres", rawURL)
		if err != nil {
			t.Fatal(err)
		}
		defer admin.Close()
		b := make([]byte, 4)
		_, _ = rand.Read(b)
		role := "seg_plain_" + hex.EncodeToString(b)
		for _, stmt := range []string{
			"CREATE ROLE " + role + " LOGIN NOSUPERUSER",
			"ALTER DATABASE " + u.Path[1:] + " OWNER TO " + role,
		} {
			if _, err := admin.Exec(stmt); err != nil {
				t.Fatalf("%s: %v", stmt, err)
			}
		}
		t.Cleanup(func() {
			_, _ = admin.Exec("ALTER DATABASE " + u.Path[1:] + " OWNER TO CURRENT_USER")
			_, _ = admin.Exec("DROP OWNED BY " + role + " CASCADE")
			_, _ = admin.Exec("DROP ROLE IF EXISTS " + role)
		})
		u.User = url.User(role)
		db, err := wiring.Open(t.Context(), u.String(), database.Options{})
		if err != nil {
			t.Fatalf("opening as %s: %v", role, err)
		}
		defer db.Close()
		if _, err := refdata.Load(t.Context(), db.Client); err != nil {
			t.Fatal(err)
		}
		mustCreateOperators(t, db.Client, sampleOperators(t))
		sum := mustImport(t, db, dataFile(t, "intake-sample.csv"), intakeio.ImportOptions{})
		if sum.ContactsCreated != 600 || sum.CitizensCreated != 182 || sum.Anonymous != 78 {
			t.Errorf("import as an ordinary role: %+v", sum)
		}
		if n := mustCount(t, db.Client); n.Contacts != 600 || n.Citizens != 182 {
			t.Errorf("tables after import: %+v", n)
		}
		if _, err := db.SQL.Exec("SET session_replication_role = replica"); err == nil {
			t.Error("the ordinary role may skip foreign-key checks: the test does not test the fallback")
		}
	}
}
