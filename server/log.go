package server

import (
	"context"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/aimsgraph/aimsgraph/audit"
	"github.com/aimsgraph/aimsgraph/auth"
	"github.com/aimsgraph/aimsgraph/metrics"
)

// requestInfo is what the layers of one request learn about it, for its one log line, its
// activity entry and its metrics: the outermost layer puts it in the context, inner ones fill it.
type requestInfo struct {
	mu        sync.Mutex
	caller    string
	route     string // the pattern that served it: a bounded label
	operation string // operation name, else the root fields
	fields    string // the root fields, sorted: a bounded label
	code      string // the first error code
}

type infoKey struct{}

func infoOf(ctx context.Context) *requestInfo {
	i, _ := ctx.Value(infoKey{}).(*requestInfo)
	return i
}

// noteCode records an error code of the request (the first one counts).
func noteCode(ctx context.Context, code string) {
	if i := infoOf(ctx); i != nil {
		i.mu.Lock()
		if i.code == "" {
			i.code = code
		}
		i.mu.Unlock()
	}
}

// noteOperation records the GraphQL operation a request runs.
func noteOperation(ctx context.Context, op *graphql.OperationContext) {
	i := infoOf(ctx)
	if i == nil || op.Operation == nil {
		return
	}
	// Names from the parser are slices of the query's text: cloned, so that the metrics' labels
	// and the activity ring, which outlive the request, do not keep a large query alive.
	fields := strings.Clone(rootFields(op.Operation.SelectionSet, op.Doc.Fragments))
	i.mu.Lock()
	defer i.mu.Unlock()
	i.fields = fields
	i.operation = strings.Clone(op.Operation.Name)
	if i.operation == "" {
		i.operation = fields
	}
}

// rootFields names the schema fields an operation asks at its root, sorted and unique.
func rootFields(set ast.SelectionSet, frags ast.FragmentDefinitionList) string {
	seen := map[string]bool{}
	levelFields(set, frags, func(f *ast.Field) { seen[f.Name] = true })
	return strings.Join(slices.Sorted(maps.Keys(seen)), ",")
}

// recordCaller notes who the caller is and which route served the request.
func recordCaller(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := infoOf(r.Context())
		if p, ok := auth.FromContext(r.Context()); ok && i != nil {
			i.mu.Lock()
			i.caller = p.Name
			i.mu.Unlock()
		}
		next.ServeHTTP(w, r)
		if i != nil {
			i.mu.Lock()
			i.route = r.Pattern // set by the ServeMux on this request
			i.mu.Unlock()
		}
	})
}

// codeOfStatus names the code of a refusal written outside GraphQL (auth, transport).
var codeOfStatus = map[int]string{
	http.StatusUnauthorized: auth.CodeUnauthenticated, http.StatusForbidden: auth.CodeForbidden,
	http.StatusTooManyRequests: auth.CodeTooManyRequests, http.StatusServiceUnavailable: auth.CodeUnavailable,
	http.StatusRequestEntityTooLarge: CodeTooLarge, http.StatusBadRequest: CodeBadRequest,
}

// logRequests writes one line per request (the probes only at debug level), keeps it in the
// activity ring and counts it in the metrics.
func logRequests(log *slog.Logger, ring *audit.Ring, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		info := &requestInfo{}
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), infoKey{}, info)))
		elapsed := time.Since(start)

		info.mu.Lock()
		defer info.mu.Unlock()
		code := info.code
		if code == "" && sw.status >= 400 {
			code = codeOfStatus[sw.status]
		}
		route := info.route
		if route == "" {
			route = "unmatched"
		}
		fields := info.fields
		if fields == "" {
			fields = "-"
		}
		outcome := code
		if outcome == "" {
			outcome = "OK"
		}
		metrics.Requests.WithLabelValues(route, fields, outcome).Inc()
		metrics.RequestSeconds.WithLabelValues(route, fields).Observe(elapsed.Seconds())

		level := slog.LevelInfo
		if r.URL.Path == "/healthz" || r.URL.Path == "/readyz" || r.URL.Path == "/metrics" {
			level = slog.LevelDebug
		} else {
			ring.Add(audit.Entry{At: start, Token: info.caller, Method: r.Method, Path: r.URL.Path, Operation: info.operation,
				Duration: elapsed, Status: sw.status, Code: code})
		}
		log.Log(r.Context(), level, "request", "token", info.caller, "method", r.Method, "path", r.URL.Path,
			"operation", info.operation, "status", sw.status, "ms", elapsed.Milliseconds(), "outcome", outcome)
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

// Unwrap lets http.ResponseController reach the connection (MaxBytesReader closes it).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
