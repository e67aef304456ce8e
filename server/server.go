// Package server is aimsgraph's HTTP face: the GraphQL API at /graphql, the web UI at / (package
// web, docs/ui.md), the evidence pack download, /healthz and /readyz, /metrics, with the limits
// that keep one client from taking the server down (docs/api.md) and the token checks of package
// auth (docs/operations.md).
package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/aimsgraph/aimsgraph/audit"
	"github.com/aimsgraph/aimsgraph/auth"
	"github.com/aimsgraph/aimsgraph/graph"
	"github.com/aimsgraph/aimsgraph/ingest"
	"github.com/aimsgraph/aimsgraph/metrics"
	"github.com/aimsgraph/aimsgraph/resolvers"
	"github.com/aimsgraph/aimsgraph/schema"
)

// Options configure a server. The zero value of each field takes its default.
type Options struct {
	Limits resolvers.Limits // zero: resolvers.DefaultLimits()
	Log    *slog.Logger     // nil: discard
	// Auth identifies callers; nil serves everyone as auth.Open, on any Host (tests; `serve
	// --no-auth` passes an Authenticator of mode auth.NoAuth or auth.NoAuthOnLoopback).
	Auth *auth.Authenticator
	// Limiter caps each token's concurrent requests; nil: DefaultLimiter.
	Limiter *auth.Limiter
	// IngestLimiter caps each token's concurrent ingestion requests; nil: DefaultIngestLimiter.
	IngestLimiter *auth.Limiter
	// MaxBodyBytes caps a GraphQL request body (default 1 MB).
	MaxBodyBytes int64
	// Activity keeps the recent requests for the admin `activity` query; nil: a ring of 1,000.
	Activity *audit.Ring
}

// Defaults of Options.
const (
	DefaultMaxBodyBytes = 1 << 20
	DefaultActivitySize = 1000
)

// DefaultLimiter shares the server between tokens: 4 requests running per core (at least 8), at
// most 4 of one token (a dashboard's parallel queries), 16 more of a token waiting up to 10 s for
// their turn.
func DefaultLimiter() *auth.Limiter {
	return &auth.Limiter{Slots: max(8, 4*runtime.GOMAXPROCS(0)), PerToken: 4, Waiting: 16, MaxWait: 10 * time.Second}
}

// DefaultIngestLimiter lets a pipeline's burst of events reach group commit together: 32 requests
// of one token at once (64 in all), 64 more waiting up to 30 s.
func DefaultIngestLimiter() *auth.Limiter {
	return &auth.Limiter{Slots: 64, PerToken: 32, Waiting: 64, MaxWait: 30 * time.Second}
}

func (o *Options) defaults() {
	if o.Limits == (resolvers.Limits{}) {
		o.Limits = resolvers.DefaultLimits()
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Auth == nil {
		o.Auth = auth.NewAuthenticator(nil, auth.NoAuth, o.Log)
	}
	if o.Limiter == nil {
		o.Limiter = DefaultLimiter()
	}
	if o.IngestLimiter == nil {
		o.IngestLimiter = DefaultIngestLimiter()
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if o.Activity == nil {
		o.Activity = audit.NewRing(DefaultActivitySize)
	}
}

// New returns the HTTP handler serving store. Every route is registered here: the page and the
// probes are open, everything else needs a token of the role it names.
func New(store graph.Store, opts Options) http.Handler {
	opts.defaults()
	store = metrics.Store(store)
	reader := func(h http.Handler) http.Handler { return auth.Require(auth.Reader, opts.Limiter.Limit(h)) }

	mux := http.NewServeMux()
	mux.Handle("/graphql", reader(withRequestContext(store, opts.Limits.Timeout, GraphQL(store, opts))))
	mux.Handle("GET /examples.json", reader(http.HandlerFunc(serveExamples)))
	mux.Handle("GET /metrics", reader(metrics.Handler()))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", readiness(store, opts.Log))
	// The web UI's pages and assets are open (they hold no data); its evidence pack download
	// is a reader's (server/ui.go, server/evidence.go).
	mountUI(mux, uiFS(), reader(evidenceHandler(store, opts.Limits, opts.Log)))
	mux.Handle(ExportPattern, reader(exportHandler(store, opts.Limits.Timeout, opts.Log))) // registers' downloads (export.go)
	// OpenLineage events (docs/ingest.md), for tokens of role ingester. A pipeline sends events
	// in bursts and group commit gathers the concurrent ones into one store transaction, so
	// ingestion has a limiter of its own, wider per token than the queries' (and still bounded:
	// a waiting request's body is not read).
	ingest.New(store, ingest.DefaultOptions(), opts.Log).Routes(mux, func(h http.Handler) http.Handler {
		return auth.Require(auth.Ingester, opts.IngestLimiter.Limit(h))
	})
	routed := recordCaller(mux)
	identified := opts.Auth.Identify(routed)
	return logRequests(opts.Log, opts.Activity, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" || r.URL.Path == "/readyz" {
			routed.ServeHTTP(w, r) // probes need no caller, and must answer while the token store is down
			return
		}
		identified.ServeHTTP(w, r)
	}))
}

// readiness answers 503 while the store does not answer, within 2 s.
func readiness(store graph.Store, log *slog.Logger) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if err := store.Ping(ctx); err != nil {
			log.Warn("not ready", "err", err)
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, "store unavailable")
			return
		}
		fmt.Fprintln(w, "ready")
	}
}

// example is one runnable query of schema/examples.
type example struct {
	Name  string `json:"name"`
	Query string `json:"query"`
}

// Examples returns the example queries, by file name.
func Examples() ([]example, error) {
	names, err := fs.Glob(schema.Files, "examples/*.graphql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var out []example
	for _, n := range names {
		b, err := fs.ReadFile(schema.Files, n)
		if err != nil {
			return nil, err
		}
		out = append(out, example{Name: strings.TrimSuffix(strings.TrimPrefix(n, "examples/"), ".graphql"), Query: string(b)})
	}
	return out, nil
}

func serveExamples(w http.ResponseWriter, r *http.Request) {
	ex, err := Examples()
	if err != nil {
		http.Error(w, "examples unavailable", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(ex)
}
