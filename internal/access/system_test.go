package access_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"segretariato/ent/privacy"
	"segretariato/ent/schema/schematype"
	"segretariato/internal/access"
	"segretariato/internal/access/system"
	"segretariato/internal/auth"
	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
)

// The service's own bookkeeping (service secrets, stored idempotent
// answers) admits the System context and nobody else: no role, and no
// context without a viewer.
func TestSystemOnlyPolicyAdmitsOnlyTheSystemContext(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		c := db.Client
		sys := access.System(t.Context())
		if !system.Is(sys) {
			t.Fatal("access.System is not the system context")
		}
		if err := c.ServiceSecret.Create().SetName("probe").SetValue([]byte("x")).Exec(sys); err != nil {
			t.Fatalf("the system context cannot write a service secret: %v", err)
		}
		if n, err := c.ServiceSecret.Query().Count(sys); err != nil || n == 0 {
			t.Fatalf("the system context reads %d service secrets, %v", n, err)
		}
		others := map[string]context.Context{"no viewer": t.Context()}
		for _, r := range schematype.RoleAdmin.Values() {
			others[r] = auth.WithViewer(t.Context(), &auth.Viewer{OperatorID: 1, Role: schematype.Role(r)})
		}
		for who, ctx := range others {
			if _, err := c.ServiceSecret.Query().Count(ctx); !errors.Is(err, privacy.Deny) {
				t.Errorf("%s reads service secrets: %v", who, err)
			}
			if _, err := c.IdempotencyKey.Query().Count(ctx); !errors.Is(err, privacy.Deny) {
				t.Errorf("%s reads idempotency keys: %v", who, err)
			}
			if err := c.ServiceSecret.Create().SetName("probe-" + who).SetValue([]byte("x")).Exec(ctx); !errors.Is(err, privacy.Deny) {
				t.Errorf("%s writes a service secret: %v", who, err)
			}
		}
	})
}

// The system context has one home: no other code of the service makes a
// privacy decision of its own (tests may).
func TestOnlyTheSystemPackageMakesPrivacyDecisions(t *testing.T) {
	root := filepath.Join("..", "..")
	home := filepath.Join(root, "internal", "access", "system")
	generated := filepath.Join(root, "ent", "privacy")
	var found []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (p == home || p == generated || strings.HasPrefix(d.Name(), ".")) && p != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if strings.Contains(string(b), "privacy.DecisionContext(") {
			found = append(found, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(found) > 0 {
		t.Errorf("privacy decision contexts made outside internal/access/system (use access.System or system.Context): %v", found)
	}
}
