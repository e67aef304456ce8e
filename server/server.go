// Package server is aimsgraph's HTTP face: the GraphQL API at /graphql, a query UI at / that
// works offline, /healthz and /readyz, with the limits that keep one client from taking the
// server down (complexity, depth, argument caps, a per-request timeout).
package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/aimsgraph/aimsgraph/auth"
	"github.com/aimsgraph/aimsgraph/graph"
	"github.com/aimsgraph/aimsgraph/ingest"
	"github.com/aimsgraph/aimsgraph/resolvers"
	"github.com/aimsgraph/aimsgraph/resolvers/generated"
	"github.com/aimsgraph/aimsgraph/resolvers/model"
	"github.com/aimsgraph/aimsgraph/schema"
)

// New returns the HTTP handler serving store.
func New(store graph.Store, limits resolvers.Limits, log *slog.Logger) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/graphql", withRequestContext(store, limits.Timeout, GraphQL(store, limits, log)))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if err := store.Ping(ctx); err != nil {
			log.Warn("not ready", "err", err)
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, "store unavailable")
			return
		}
		fmt.Fprintln(w, "ready")
	})
	mux.HandleFunc("GET /examples.json", serveExamples)
	mux.Handle(ExportPattern, auth.Require(auth.Reader, exportHandler(store, limits.Timeout, log))) // export.go
	// OpenLineage events (docs/ingest.md), for tokens of role ingester.
	ingest.New(store, ingest.DefaultOptions(), log).Routes(mux, func(h http.Handler) http.Handler { return auth.Require(auth.Ingester, h) })
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'")
		_, _ = w.Write(uiPage)
	})
	return logRequests(log, mux)
}

// GraphQL returns the gqlgen handler alone (it expects withRequestContext around it).
func GraphQL(store graph.Store, limits resolvers.Limits, log *slog.Logger) http.Handler {
	cfg := generated.Config{Resolvers: &resolvers.Resolver{Store: store, Caps: limits}}
	// List fields whose size the client picks weigh as much as the page they ask for.
	cfg.Complexity.Query.Nodes = func(child int, _ *model.NodeFilter, first *int, _ *string, _ *time.Time) int {
		return child * pageSize(first, limits.DefaultPageSize)
	}
	cfg.Complexity.Query.Paths = func(child int, _, _ string, _ *int, first *int, _ *time.Time) int {
		return child * pageSize(first, 10)
	}
	// A node's relationships are an unbounded list: weigh them as ten, so nesting them is costly.
	rels := func(child int, _ *string, _ []string) int { return 1 + child*relationshipFanOut }
	c := &cfg.Complexity
	c.AISystem.Relationships, c.Model.Relationships, c.Dataset.Relationships = rels, rels, rels
	c.Vendor.Relationships, c.Role.Relationships, c.Decision.Relationships = rels, rels, rels
	c.Risk.Relationships, c.Control.Relationships, c.Asset.Relationships = rels, rels, rels
	c.Job.Relationships, c.ProcessingActivity.Relationships = rels, rels
	srv := handler.New(generated.NewExecutableSchema(cfg))
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{}) // queries only: the schema has no mutations
	srv.AddTransport(transport.POST{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	srv.Use(extension.Introspection{})
	srv.Use(extension.FixedComplexityLimit(limits.MaxComplexity))
	srv.Use(depthLimit(limits.MaxQueryDepth))
	srv.SetErrorPresenter(resolvers.PresentError(log))
	srv.SetRecoverFunc(func(ctx context.Context, v any) error {
		log.Error("panic in resolver", "panic", v, "path", graphql.GetPath(ctx).String())
		return fmt.Errorf("panic: %v", v) // presented as INTERNAL with an error id
	})
	srv.AroundOperations(func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		op := graphql.GetOperationContext(ctx)
		start := time.Now()
		h := next(ctx)
		return func(ctx context.Context) *graphql.Response {
			resp := h(ctx)
			if resp != nil {
				log.Info("graphql", "operation", op.OperationName, "ms", time.Since(start).Milliseconds(), "errors", len(resp.Errors))
			}
			return resp
		}
	})
	return srv
}

// relationshipFanOut is the number of relationships per node the complexity measure assumes.
const relationshipFanOut = 10

func pageSize(first *int, def int) int {
	if first == nil {
		return def
	}
	return max(1, *first)
}

// withRequestContext gives each request its deadline and its own dataloaders.
func withRequestContext(store graph.Store, timeout time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if timeout > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, timeout)
			defer cancel()
		}
		ctx = model.WithLoaders(ctx, model.NewLoaders(store))
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// depthLimit rejects operations nested deeper than max selections (introspection fields, whose
// standard query is deep, do not count).
func depthLimit(max int) graphql.HandlerExtension { return &queryDepth{max: max} }

type queryDepth struct{ max int }

func (q *queryDepth) ExtensionName() string                   { return "QueryDepthLimit" }
func (q *queryDepth) Validate(graphql.ExecutableSchema) error { return nil }
func (q *queryDepth) MutateOperationContext(ctx context.Context, op *graphql.OperationContext) *gqlerror.Error {
	if op.Operation == nil || q.max <= 0 {
		return nil
	}
	if d := depth(op.Operation.SelectionSet, op.Doc.Fragments, 0); d > q.max {
		err := gqlerror.Errorf("the query nests %d levels deep; this server allows %d", d, q.max)
		err.Extensions = map[string]any{"code": resolvers.CodeTooDeep}
		return err
	}
	return nil
}

func depth(set ast.SelectionSet, frags ast.FragmentDefinitionList, visited int) int {
	if visited > 100 { // fragment cycles are a validation error; stay finite regardless
		return visited
	}
	deepest := 0
	for _, sel := range set {
		d := 0
		switch s := sel.(type) {
		case *ast.Field:
			if strings.HasPrefix(s.Name, "__") {
				continue
			}
			d = 1 + depth(s.SelectionSet, frags, visited+1)
		case *ast.InlineFragment:
			d = depth(s.SelectionSet, frags, visited+1)
		case *ast.FragmentSpread:
			if f := frags.ForName(s.Name); f != nil {
				d = depth(f.SelectionSet, frags, visited+1)
			}
		}
		deepest = max(deepest, d)
	}
	return deepest
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

// logRequests logs every request but the probes.
func logRequests(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		if r.URL.Path != "/healthz" && r.URL.Path != "/readyz" {
			log.Info("http", "method", r.Method, "path", r.URL.Path, "status", sw.status, "ms", time.Since(start).Milliseconds())
		}
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}
