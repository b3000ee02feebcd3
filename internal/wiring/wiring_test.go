package wiring_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"segretariato/ent/auditevent"
	"segretariato/ent/schema/schematype"
	"segretariato/internal/access"
	"segretariato/internal/audit"
	"segretariato/internal/auth"
	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
	"segretariato/internal/wiring"
)

// A database opened by Open records an operator's mutations and reads,
// and the command line's mutations, in the audit trail.
func TestOpenInstallsTheAuditTrail(t *testing.T) {
	for _, kind := range dbtest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			db, err := wiring.Open(t.Context(), dbtest.URL(t, kind), database.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			c := db.Client
			cli := audit.CommandLine(t.Context(), "test")
			coord, _, err := auth.CreateOperator(cli, c, "coord@comune.example.it", "Coordinatrice", schematype.RoleCoordinator)
			if err != nil {
				t.Fatal(err)
			}
			sys := access.System(t.Context())
			if n := c.AuditEvent.Query().Where(auditevent.Entity("Operator"), auditevent.EntityID(coord.ID), auditevent.Action(audit.Create)).CountX(sys); n != 1 {
				t.Errorf("the command line's new operator has %d CREATE events, want 1", n)
			}
			cit := c.Citizen.Create().SetFirstName("Nome").SetLastName("Cognome").SetPrivacyConsent(false).SaveX(sys)
			if n := c.AuditEvent.Query().Where(auditevent.Entity("Citizen")).CountX(sys); n != 0 {
				t.Errorf("the service's own write is recorded: %d events", n)
			}
			as := auth.WithViewer(t.Context(), &auth.Viewer{OperatorID: coord.ID, Email: coord.Email, Role: coord.Role})
			if _, err := c.Citizen.Get(as, cit.ID); err != nil {
				t.Fatal(err)
			}
			if n := c.AuditEvent.Query().Where(auditevent.Entity("Citizen"), auditevent.EntityID(cit.ID), auditevent.Action(audit.Read),
				auditevent.OperatorID(coord.ID)).CountX(sys); n != 1 {
				t.Errorf("the coordinator's read of a citizen has %d READ events, want 1", n)
			}
		})
	}
}

// No code opens the database but through Open, so that no path goes
// without the audit trail: database.Open is called only here, in
// internal/database itself (the migrations and their tests) and by the
// migration tools, which run no query of the service.
func TestOnlyWiringOpensTheDatabase(t *testing.T) {
	root := filepath.Join("..", "..")
	allowed := map[string]bool{
		filepath.Join(root, "internal", "wiring", "wiring.go"):                 true,
		filepath.Join(root, "internal", "database", "migrationgen", "main.go"): true,
		filepath.Join(root, "internal", "database", "dbtest", "previous.go"):   true,
	}
	databaseDir := filepath.Join(root, "internal", "database")
	var found []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if strings.HasPrefix(d.Name(), ".") && p != root || p == filepath.Join(root, "ent") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || allowed[p] || filepath.Dir(p) == databaseDir {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if strings.Contains(string(b), "database."+"Open(") {
			found = append(found, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(found) > 0 {
		t.Errorf("database.Open called outside internal/wiring (use wiring.Open, which installs the audit trail): %v", found)
	}
}
