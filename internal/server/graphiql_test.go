package server_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
	"segretariato/internal/server/apitest"
)

func get(t *testing.T, h http.Handler, path string) *http.Response {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec.Result()
}

func body(t *testing.T, res *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestGraphiQLIsServedFromTheBinary: the development page loads its
// scripts and styles from the server only, with the Authorization header
// prefilled, and each asset answers with its type and a long cache life.
func TestGraphiQLIsServedFromTheBinary(t *testing.T) {
	db := dbtest.Open(t, "sqlite3", database.Options{})
	api := apitest.New(t, db, development)

	res := get(t, api.Handler, "/")
	page := body(t, res)
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("/: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if res.Header.Get("Cache-Control") != "no-cache" || !strings.Contains(res.Header.Get("Content-Security-Policy"), "script-src 'self'") {
		t.Errorf("/ headers: %v", res.Header)
	}
	if u := regexp.MustCompile(`(?i)(https?:)?//[a-z0-9.-]+`).FindString(page); u != "" {
		t.Errorf("the page refers to another host: %s", u)
	}
	if !strings.Contains(page, `data-endpoint="/graphql"`) {
		t.Errorf("the page does not point at /graphql")
	}

	refs := regexp.MustCompile(`(?:src|href)="([^"]+)"`).FindAllStringSubmatch(page, -1)
	want := map[string]string{
		"graphiql.min.css": "text/css; charset=utf-8", "graphiql.min.js": "text/javascript; charset=utf-8",
		"react.production.min.js": "text/javascript; charset=utf-8", "react-dom.production.min.js": "text/javascript; charset=utf-8",
		"app.js": "text/javascript; charset=utf-8",
	}
	if len(refs) != len(want) {
		t.Errorf("the page loads %d assets, want %d: %v", len(refs), len(want), refs)
	}
	var prefix string
	for _, ref := range refs {
		path := ref[1]
		i := strings.LastIndex(path, "/")
		name := path[i+1:]
		prefix = path[:i+1]
		if !strings.HasPrefix(path, "/graphiql/") || want[name] == "" {
			t.Errorf("unexpected asset %s", path)
			continue
		}
		res := get(t, api.Handler, path)
		b := body(t, res)
		if res.StatusCode != 200 || res.Header.Get("Content-Type") != want[name] || len(b) < 500 {
			t.Errorf("%s: %d %q, %d bytes", path, res.StatusCode, res.Header.Get("Content-Type"), len(b))
		}
		if res.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" || res.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s headers: %v", path, res.Header)
		}
		if name == "app.js" {
			if !strings.Contains(b, "Bearer <paste a token>") || !strings.Contains(b, "defaultHeaders") {
				t.Errorf("app.js does not prefill the Authorization header")
			}
			if u := regexp.MustCompile(`https?://`).FindString(b); u != "" {
				t.Errorf("app.js refers to another host")
			}
		}
	}
	for _, path := range []string{prefix + "nope.js", "/graphiql/0000000000000000/app.js", prefix, "/graphiql/"} {
		if res := get(t, api.Handler, path); res.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", path, res.StatusCode)
		}
	}

	prod := apitest.New(t, db)
	for _, path := range []string{"/", prefix + "app.js"} {
		if res := get(t, prod.Handler, path); res.StatusCode != http.StatusNotFound {
			t.Errorf("production %s: %d, want 404", path, res.StatusCode)
		}
	}
}
