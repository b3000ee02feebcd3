package server

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"
)

// The GraphiQL page and its assets are in the binary, so the page works on
// a network with no access to the internet (graphiql/VERSIONS says which
// builds; scripts/graphiql-assets.sh refreshes them).
//
//go:embed graphiql/index.html graphiql/*.js graphiql/*.css
var graphiqlFiles embed.FS

// graphiqlCSP lets the page load nothing but from the server itself.
// GraphiQL sets inline styles and its stylesheet inlines its fonts.
const graphiqlCSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"font-src 'self' data:; img-src 'self' data:; connect-src 'self'; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

type graphiqlAsset struct {
	body        []byte
	contentType string
}

// graphiql serves the page at / and its assets under
// /graphiql/<version>/, where version is a digest of all the assets: an
// asset's address changes with its content, so browsers may keep it for
// a year, and the page itself is never cached.
type graphiql struct {
	page    []byte
	prefix  string // "/graphiql/<version>/"
	modTime time.Time
	assets  map[string]graphiqlAsset
}

// graphiQL is built once: the digest reads every asset.
var graphiQL = sync.OnceValue(func() *graphiql { return newGraphiQL("/graphql") })

func newGraphiQL(endpoint string) *graphiql {
	g := &graphiql{assets: map[string]graphiqlAsset{}, modTime: time.Now()}
	entries, err := graphiqlFiles.ReadDir("graphiql")
	if err != nil {
		panic(err)
	}
	digest := sha256.New()
	for _, e := range entries {
		name := e.Name()
		if name == "index.html" {
			continue
		}
		body, err := graphiqlFiles.ReadFile("graphiql/" + name)
		if err != nil {
			panic(err)
		}
		digest.Write([]byte(name))
		digest.Write(body)
		g.assets[name] = graphiqlAsset{body: body, contentType: mime.TypeByExtension(path.Ext(name))}
	}
	g.prefix = "/graphiql/" + hex.EncodeToString(digest.Sum(nil))[:16] + "/"
	page := template.Must(template.ParseFS(graphiqlFiles, "graphiql/index.html"))
	var b bytes.Buffer
	if err := page.Execute(&b, map[string]string{"Assets": g.prefix, "Endpoint": endpoint}); err != nil {
		panic(err)
	}
	g.page = b.Bytes()
	return g
}

func securityHeaders(h http.Header) {
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
}

func (g *graphiql) servePage(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	securityHeaders(h)
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("Content-Security-Policy", graphiqlCSP)
	http.ServeContent(w, r, "index.html", g.modTime, bytes.NewReader(g.page))
}

func (g *graphiql) serveAsset(w http.ResponseWriter, r *http.Request) {
	name, ok := strings.CutPrefix(r.URL.Path, g.prefix)
	a, found := g.assets[name]
	if !ok || !found {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	securityHeaders(h)
	h.Set("Content-Type", a.contentType)
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	http.ServeContent(w, r, name, g.modTime, bytes.NewReader(a.body))
}
