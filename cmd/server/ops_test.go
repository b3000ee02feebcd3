package main

import (
	"bytes"
	"context"
	"database/sql"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"entgo.io/ent/dialect"

	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
	"segretariato/internal/server/apitest"
	"segretariato/internal/wiring"
)

// cli runs the server binary's command line on a database.
func cli(t *testing.T, dbURL string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = run(t.Context(), args, env(map[string]string{"DATABASE_URL": dbURL}), &out, &errOut)
	return out.String(), errOut.String(), err
}

// freshURL returns the URL of an empty database of the kind: a SQLite
// file that does not exist yet, or a PostgreSQL database of the test's own.
func freshURL(t *testing.T, kind string) string {
	if kind == dialect.Postgres {
		return dbtest.FreshPostgres(t)
	}
	return "sqlite:" + filepath.Join(t.TempDir(), "seg.db")
}

func TestHelpAndVersion(t *testing.T) {
	for _, h := range []string{"--help", "-h", "help", "-help"} {
		out, _, err := cli(t, "", h)
		if err != nil {
			t.Fatalf("%s: %v", h, err)
		}
		for _, c := range commands() {
			if !regexp.MustCompile(`(?m)^  ` + c.name + ` +\S`).MatchString(out) {
				t.Errorf("%s: command %s not listed with a description:\n%s", h, c.name, out)
			}
		}
		for _, flag := range []string{"-addr", "-database-url", "-env", "-cors-origins", "-log-level", "-demo"} {
			if !strings.Contains(out, flag) {
				t.Errorf("%s: flag %s not listed", h, flag)
			}
		}
	}
	secret := "postgres://segretariato:s3cret@db.example.it/segretariato"
	for _, args := range [][]string{
		{"serve", "--help"}, {"--addr", ":9000", "--help"}, {"operator", "--help"}, {"operator", "add", "--help"},
		{"operator", "list", "-h"}, {"operator", "deactivate", "--help"}, {"operator", "rotate-token", "--help"},
		{"import", "--help"}, {"export", "--help"}, {"retention", "--help"}, {"healthcheck", "--help"}, {"version", "--help"},
	} {
		out, errOut, err := cli(t, secret, args...)
		if err != nil {
			t.Errorf("%v: %v", args, err)
		}
		if out+errOut == "" {
			t.Errorf("%v: printed nothing", args)
		}
		if strings.Contains(out+errOut, "s3cret") {
			t.Errorf("%v: the help shows DATABASE_URL's password", args)
		}
	}
	for _, args := range [][]string{{"bogus"}, {"operator", "promote"}, {"operator"}, {"version", "extra"}} {
		if _, _, err := cli(t, "", args...); err == nil {
			t.Errorf("%v: accepted", args)
		}
	}
	if _, _, err := cli(t, "", "bogus"); err == nil || !strings.Contains(err.Error(), `unknown command "bogus"`) {
		t.Errorf("unknown command: %v", err)
	}

	for _, args := range [][]string{{"--version"}, {"version"}} {
		out, _, err := cli(t, "", args...)
		if err != nil || !strings.HasPrefix(out, "segretariato ") || !strings.Contains(out, runtime.Version()) || strings.Count(out, "\n") != 1 {
			t.Errorf("%v: %q, %v", args, out, err)
		}
	}
	for _, tc := range []struct {
		v        string
		bi       *debug.BuildInfo
		want     string
		wantNone string
	}{
		{"", nil, "segretariato (devel), go", "commit"},
		{"", &debug.BuildInfo{Main: debug.Module{Version: "v1.3.0"}}, "segretariato v1.3.0, go", "commit"},
		{"1.4.0", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "8351c3c0"}, {Key: "vcs.time", Value: "2026-12-01T09:50:00Z"}, {Key: "vcs.modified", Value: "true"},
		}}, "segretariato 1.4.0, commit 8351c3c0 of 2026-12-01T09:50:00Z with uncommitted changes, go", "devel"},
		{"", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "8351c3c0"}, {Key: "vcs.modified", Value: "false"},
		}}, "segretariato (devel), commit 8351c3c0, go", "uncommitted"},
	} {
		if got := describeBuild(tc.v, tc.bi); !strings.HasPrefix(got, tc.want) || strings.Contains(got, tc.wantNone) {
			t.Errorf("describeBuild(%q, %+v) = %q, want %q…", tc.v, tc.bi, got, tc.want)
		}
	}
	version = "1.4.0"
	t.Cleanup(func() { version = "" })
	if out, _, _ := cli(t, "", "--version"); !strings.HasPrefix(out, "segretariato 1.4.0, ") {
		t.Errorf("with -X main.version=1.4.0: %q", out)
	}
}

// TestOperatorCommands manages operators from the command line as the
// municipality's IT office does, and checks the effect through the real
// HTTP handler: a deactivated operator's token and a rotated-out token are
// refused, the new token is accepted.
func TestOperatorCommands(t *testing.T) {
	for _, kind := range dbtest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			dbURL := freshURL(t, kind)
			add := func(email, name, role string) string {
				out, _, err := cli(t, dbURL, "operator", "add", "--email", email, "--name", name, "--role", role)
				if err != nil {
					t.Fatalf("operator add %s: %v", email, err)
				}
				return strings.TrimSpace(out)
			}
			anna := add("a.verdi@comune.example.it", "Anna Verdi", "COORDINATOR")
			luca := add("l.bianchi@comune.example.it", "Luca Bianchi", "SOCIAL_WORKER")

			db, err := wiring.Open(context.Background(), dbURL, database.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			api := apitest.New(t, db)
			me := func(token string) int { return api.Do(t, token, `{ me { email } }`, nil).Status }
			if me(anna) != http.StatusOK || me(luca) != http.StatusOK {
				t.Fatal("the new operators' tokens are refused")
			}

			out, _, err := cli(t, dbURL, "operator", "list")
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if len(lines) != 3 || !regexp.MustCompile(`^ID +EMAIL +NAME +ROLE +ACTIVE +OIDC SUBJECT$`).MatchString(lines[0]) ||
				!regexp.MustCompile(`^\d+ +a\.verdi@comune\.example\.it +Anna Verdi +COORDINATOR +yes +-$`).MatchString(lines[1]) ||
				!regexp.MustCompile(`^\d+ +l\.bianchi@comune\.example\.it +Luca Bianchi +SOCIAL_WORKER +yes +-$`).MatchString(lines[2]) {
				t.Errorf("operator list:\n%s", out)
			}
			if strings.Contains(out, "seg_") || regexp.MustCompile(`[0-9a-f]{64}`).MatchString(out) {
				t.Errorf("operator list shows a token or its hash:\n%s", out)
			}

			if _, _, err := cli(t, dbURL, "operator", "deactivate", "--email", "L.Bianchi@Comune.example.it"); err != nil {
				t.Fatal(err)
			}
			if s := me(luca); s != http.StatusUnauthorized {
				t.Errorf("deactivated operator's request: %d, want 401", s)
			}
			if me(anna) != http.StatusOK {
				t.Error("deactivating one operator refused another")
			}
			if _, errOut, err := cli(t, dbURL, "operator", "deactivate", "--email", "l.bianchi@comune.example.it"); err != nil || !strings.Contains(errOut, "already inactive") {
				t.Errorf("deactivating twice: %v %q", err, errOut)
			}
			if out, _, _ := cli(t, dbURL, "operator", "list"); !regexp.MustCompile(`(?m)l\.bianchi@\S+ +Luca Bianchi +SOCIAL_WORKER +no `).MatchString(out) {
				t.Errorf("list after deactivate:\n%s", out)
			}

			out, _, err = cli(t, dbURL, "operator", "rotate-token", "--email", "a.verdi@comune.example.it")
			newToken := strings.TrimSpace(out)
			if err != nil || !regexp.MustCompile(`^seg_[A-Za-z0-9_-]{43}$`).MatchString(newToken) || strings.Count(out, "\n") != 1 {
				t.Fatalf("rotate-token: %q, %v; want the token alone", out, err)
			}
			if s := me(anna); s != http.StatusUnauthorized {
				t.Errorf("the rotated-out token: %d, want 401", s)
			}
			if s := me(newToken); s != http.StatusOK {
				t.Errorf("the new token: %d, want 200", s)
			}

			for _, args := range [][]string{
				{"operator", "deactivate", "--email", "nobody@comune.example.it"},
				{"operator", "rotate-token", "--email", "nobody@comune.example.it"},
				{"operator", "deactivate"},
			} {
				if _, _, err := cli(t, dbURL, args...); err == nil {
					t.Errorf("%v: accepted", args)
				}
			}
		})
	}
}

// TestDemoRefusedInProduction checks that --demo never loads fake
// citizens into a production database, and writes nothing at all.
func TestDemoRefusedInProduction(t *testing.T) {
	for _, kind := range dbtest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			dbURL := freshURL(t, kind)
			for _, vars := range []map[string]string{
				{"DATABASE_URL": dbURL, "ENV": "production"},
				{"DATABASE_URL": dbURL, "ENV": "development"},
			} {
				args := []string{"--demo"}
				if vars["ENV"] == "development" {
					args = append(args, "--env", "production")
				}
				var out bytes.Buffer
				err := run(t.Context(), args, env(vars), &out, &out)
				if err == nil || !strings.Contains(err.Error(), "production") {
					t.Fatalf("--demo in production: %v", err)
				}
				if out.Len() != 0 {
					t.Errorf("printed %q", out.String())
				}
			}
			if kind == dialect.Postgres {
				pg, err := sql.Open("postgres", dbURL)
				if err != nil {
					t.Fatal(err)
				}
				defer pg.Close()
				var tables int
				if err := pg.QueryRow(`SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'`).Scan(&tables); err != nil || tables != 0 {
					t.Errorf("the database has %d tables (%v), want none", tables, err)
				}
			} else if _, err := os.Stat(strings.TrimPrefix(dbURL, "sqlite:")); !os.IsNotExist(err) {
				t.Errorf("the SQLite file was created: %v", err)
			}
		})
	}
}

func TestHealthcheck(t *testing.T) {
	getenv := env(map[string]string{"DATABASE_URL": "sqlite:" + filepath.Join(t.TempDir(), "seg.db")})
	addr, stop := startServer(t, nil, getenv)
	defer stop()
	_, port, _ := strings.Cut(addr, ":")
	var out bytes.Buffer
	if err := run(t.Context(), []string{"healthcheck"}, env(map[string]string{"ADDR": ":" + port}), &out, &out); err != nil || out.String() != "ok\n" {
		t.Errorf("healthcheck at ADDR's port: %v %q", err, out.String())
	}
	if _, _, err := cli(t, "", "healthcheck", "--url", "http://"+addr+"/readyz"); err != nil {
		t.Errorf("healthcheck --url /readyz: %v", err)
	}
	if _, _, err := cli(t, "", "healthcheck", "--url", "http://"+addr+"/nowhere"); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("a 404 passed the healthcheck: %v", err)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := cli(t, "", "healthcheck", "--url", "http://"+addr+"/healthz", "--timeout", "2s"); err == nil {
		t.Error("a stopped server passed the healthcheck")
	}
}
