// Package sample gives tests the shared sample of intake cards
// (testdata/ at the top of the repository): the CSV files, their operators
// and the independently computed figures. A missing file fails the test:
// it never skips.
package sample

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"segretariato/ent"
	"segretariato/ent/schema/schematype"
	"segretariato/internal/access/system"
)

// Dir is the folder of the sample files.
func Dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata")
}

// File returns a sample file's content.
func File(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(Dir(), name))
	if err != nil {
		t.Fatalf("sample file %s: %v", name, err)
	}
	return b
}

// OperatorEmails are the social workers the sample's cards name
// (intake-sample.operators.json).
func OperatorEmails(t testing.TB) []string {
	t.Helper()
	var emails []string
	if err := json.Unmarshal(File(t, "intake-sample.operators.json"), &emails); err != nil {
		t.Fatalf("reading the sample's operators: %v", err)
	}
	return emails
}

// CreateOperators creates the sample's social workers.
func CreateOperators(t testing.TB, c *ent.Client) {
	t.Helper()
	ctx := system.Context(context.Background())
	for _, e := range OperatorEmails(t) {
		name, _, _ := strings.Cut(e, "@")
		if err := c.Operator.Create().SetEmail(e).SetName(name).SetRole(schematype.RoleSocialWorker).Exec(ctx); err != nil {
			t.Fatalf("creating operator: %v", err)
		}
	}
}
