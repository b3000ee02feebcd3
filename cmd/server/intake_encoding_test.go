package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"

	"segretariato/internal/sample"
)

// TestImportSaysTheEncoding: the summary of `server import` names the
// encoding it read, windows-1252 for a file Italian Excel saved in its
// default encoding.
func TestImportSaysTheEncoding(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "one.db")
	cmd := func(args ...string) (string, string, error) {
		var out, errOut bytes.Buffer
		err := run(t.Context(), args, env(map[string]string{"DATABASE_URL": db}), &out, &errOut)
		return out.String(), errOut.String(), err
	}
	for _, e := range sample.OperatorEmails(t) {
		if _, _, err := cmd("operator", "add", "--email", e, "--name", e, "--role", "SOCIAL_WORKER"); err != nil {
			t.Fatal(err)
		}
	}
	text := "contact_ref;occurred_at;channel;operator_email;district;requester;target_area;needs;responses;outcome;informed_about;notes\r\n" +
		"W-1;14/03/2025 16:45;IN_PERSON;" + sample.OperatorEmails(t)[0] + ";Città Sant’Angelo;SELF;ELDERLY;CARE_HOME;INFORMATION;INFORMED;SAD|CARITAS;Affitto 450 €, è seguita\r\n"
	win, err := charmap.Windows1252.NewEncoder().String(text)
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct{ data, want string }{
		"windows-1252": {win, "encoding:  not UTF-8, read as windows-1252"},
		"UTF-8":        {text, "encoding:  UTF-8"},
	} {
		file := filepath.Join(dir, name+".csv")
		if err := os.WriteFile(file, []byte(tc.data), 0o600); err != nil {
			t.Fatal(err)
		}
		out, errOut, err := cmd("import", file, "--dry-run")
		if err != nil || !strings.Contains(out, tc.want) {
			t.Errorf("%s: %v\n%s\n%s", name, err, out, errOut)
		}
	}
}
