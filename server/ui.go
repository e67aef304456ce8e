package server

import (
	"bytes"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/aimsgraph/aimsgraph/web"
)

// uiRoutes are the paths the web UI routes itself (web/src/main.tsx): each is answered with
// index.html, so /node/<id> and /lineage/<id> are addresses a person can bookmark and share.
// Paths outside this list are not the UI's: an unknown one is a 404, never the page.
var uiRoutes = []string{"/{$}", "/node/", "/lineage/", "/search", "/questions", "/questions/", "/runs", "/query", "/changes", "/gaps"}

// uiCSP allows the page its own scripts and nothing from elsewhere. Inline styles are allowed:
// the editor (CodeMirror) and the pictures set style attributes.
const uiCSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"

// mountUI registers the web UI: its pages and static assets, open to anyone (they hold no data;
// the API calls they make carry the token), and the evidence pack download (GET
// /api/v1/evidence), which the caller guards with the role it needs (reader).
func mountUI(mux *http.ServeMux, ui fs.FS, evidence http.Handler) {
	index, err := fs.ReadFile(ui, "index.html")
	if err != nil {
		panic("web UI build is missing index.html: run `make ui`") // a broken build, caught by every server test
	}
	page := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", uiCSP)
		w.Header().Set("Cache-Control", "no-cache") // index.html names the current assets
		w.Header().Set("X-Content-Type-Options", "nosniff")
		http.ServeContent(w, r, "index.html", time.Time{}, bytes.NewReader(index))
	})
	for _, p := range uiRoutes {
		mux.Handle("GET "+p, page)
	}
	mux.Handle("GET /assets/", assets(ui, "public, max-age=31536000, immutable")) // names carry content hashes
	mux.Handle("GET /favicon.svg", assets(ui, "public, max-age=86400"))
	mux.Handle("GET /api/v1/evidence", evidence)
}

// assets serves files of the UI build by path; a missing one is a 404, not index.html.
func assets(ui fs.FS, cacheControl string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(path.Clean(r.URL.Path), "/")
		data, err := fs.ReadFile(ui, name)
		if err != nil || name == "index.html" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", cacheControl)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(data))
	})
}

// uiFS is the UI the server serves: the embedded build.
var uiFS = web.Dist
