package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"segretariato/internal/sample"
)

// TestImportExportCommands runs the commands an operator types on the
// municipal server: import the sample (dry run, then for real, then
// again), refuse the invalid sample, export and import the export into an
// empty database.
func TestImportExportCommands(t *testing.T) {
	dir := t.TempDir()
	db1 := "sqlite:" + filepath.Join(dir, "one.db")
	db2 := "sqlite:" + filepath.Join(dir, "two.db")
	csvPath := filepath.Join(sample.Dir(), "intake-sample.csv")
	emails := sample.OperatorEmails(t)
	cmd := func(dbURL string, args ...string) (string, string, error) {
		var out, errOut bytes.Buffer
		err := run(t.Context(), args, env(map[string]string{"DATABASE_URL": dbURL}), &out, &errOut)
		return out.String(), errOut.String(), err
	}
	for _, db := range []string{db1, db2} {
		for _, e := range emails {
			if _, _, err := cmd(db, "operator", "add", "--email", e, "--name", e, "--role", "SOCIAL_WORKER"); err != nil {
				t.Fatal(err)
			}
		}
	}
	out, errOut, err := cmd(db1, "import", csvPath, "--dry-run")
	if err != nil || !strings.Contains(out, "dry run") || !strings.Contains(out, "600 rows") {
		t.Fatalf("dry run: %v\n%s\n%s", err, out, errOut)
	}
	out, errOut, err = cmd(db1, "import", csvPath)
	if err != nil || !strings.Contains(out, "600 created") || !strings.Contains(out, "182 created") || !strings.Contains(out, "anonymous contacts: 78") {
		t.Fatalf("import: %v\n%s\n%s", err, out, errOut)
	}
	if !strings.Contains(errOut, "rows") {
		t.Errorf("no progress shown on stderr: %q", errOut)
	}
	out, _, err = cmd(db1, "import", csvPath)
	if err != nil || !strings.Contains(out, "0 created, 0 updated, 600 unchanged") {
		t.Errorf("second import: %v\n%s", err, out)
	}
	_, errOut, err = cmd(db1, "import", filepath.Join(sample.Dir(), "intake-sample.invalid.csv"))
	if err == nil || !strings.Contains(errOut, "line 5, column fiscal_code: checksum") || !strings.Contains(errOut, "line 33, column birth_date") {
		t.Errorf("invalid sample: %v\n%s", err, errOut)
	}
	csv, _, err := cmd(db1, "export")
	if err != nil || strings.Count(csv, "\nSEG-") != 600 {
		t.Fatalf("export: %v, %d rows", err, strings.Count(csv, "\nSEG-"))
	}
	if strings.Contains(csv, "madre allettata") {
		t.Error("notes exported without --notes")
	}
	withNotes, _, _ := cmd(db1, "export", "--notes", "--from", "2025-01-01", "--to", "31/12/2025", "--area", "ELDERLY")
	if !strings.Contains(withNotes, "madre allettata") || strings.Contains(withNotes, "SEG-2024-") || strings.Contains(withNotes, ",ADULTS,") {
		t.Error("export --notes --from --to --area: wrong rows or no notes")
	}
	file := filepath.Join(dir, "export.csv")
	if err := os.WriteFile(file, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	out, _, err = cmd(db2, "import", file)
	if err != nil || !strings.Contains(out, "600 created") || !strings.Contains(out, "182 created") {
		t.Errorf("importing the export: %v\n%s", err, out)
	}
	again, _, _ := cmd(db2, "export")
	if again != csv {
		t.Error("export → import → export does not reproduce the same file")
	}
}
