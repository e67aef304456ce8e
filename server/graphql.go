package server

import (
	"context"
	"fmt"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/aimsgraph/aimsgraph/graph"
	"github.com/aimsgraph/aimsgraph/resolvers"
	"github.com/aimsgraph/aimsgraph/resolvers/generated"
	"github.com/aimsgraph/aimsgraph/resolvers/model"
)

// Document limits checked before validation (limits.go) and answer limits (transport.go).
const (
	maxTokens      = 15_000  // tokens a document may parse into; the example queries use < 200
	maxSelections  = 1_000   // selections a document may expand to through its fragments
	maxTraversals  = 5       // traversal fields at the root of a request (limits.go)
	maxErrors      = 20      // errors in one answer; the rest are counted in a last one
	maxErrorBytes  = 1_000   // bytes of one error message
	queryCacheSize = 8 << 20 // bytes of query text the parsed-document cache holds
)

// GraphQL returns the gqlgen handler alone (it expects withRequestContext around it).
func GraphQL(store graph.Store, opts Options) http.Handler {
	opts.defaults()
	limits, log := opts.Limits, opts.Log
	cfg := generated.Config{Resolvers: &resolvers.Resolver{Store: store, Caps: limits, Recent: opts.Activity}}
	weighCosts(&cfg.Complexity, limits)
	srv := handler.New(generated.NewExecutableSchema(cfg))
	srv.AddTransport(transport.Options{})
	srv.AddTransport(queryTransport{maxBody: opts.MaxBodyBytes, maxErrors: maxErrors, maxErrorBytes: maxErrorBytes})
	cache := newQueryCache(queryCacheSize)
	srv.SetQueryCache(cache)
	srv.SetParserTokenLimit(maxTokens)
	srv.Use(&preflight{maxTokens: maxTokens, maxSelections: maxSelections, cache: cache})
	srv.Use(extension.Introspection{})
	srv.Use(extension.FixedComplexityLimit(limits.MaxComplexity))
	srv.Use(depthLimit(limits.MaxQueryDepth))
	srv.Use(&traversalLimit{max: maxTraversals})
	present := resolvers.PresentError(log)
	srv.SetErrorPresenter(func(ctx context.Context, err error) *gqlerror.Error {
		gerr := present(ctx, err)
		if code, ok := gerr.Extensions["code"].(string); ok {
			noteCode(ctx, code)
		}
		return gerr
	})
	srv.SetRecoverFunc(func(ctx context.Context, v any) error {
		log.Error("panic in resolver", "panic", v, "path", graphql.GetPath(ctx).String(), "stack", string(debug.Stack()))
		return fmt.Errorf("panic: %v", v) // presented as INTERNAL with an error id
	})
	srv.AroundOperations(func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		noteOperation(ctx, graphql.GetOperationContext(ctx))
		return next(ctx)
	})
	return srv
}

// weighCosts makes the complexity of a field follow the work it asks of the store: a list whose
// size the client picks weighs as much as the page it asks for, and a traversal as its result
// limit times what each result selects, more for a search deeper than the default depth. Every
// field that runs a traversal weighs as one wherever it is asked, nested fields too (an activity's
// reaches, a risk's exposes, a run's changes): the traversal limit counts root fields only, so
// complexity is what keeps a list of nodes, or aliases, from running one each unweighed.
//
// Arguments over their cap are weighed at the cap: the resolver refuses them with a clearer
// message (BAD_USER_INPUT) than the complexity limit would.
func weighCosts(c *generated.ComplexityRoot, limits resolvers.Limits) {
	depth := func(maxDepth *int) int { return min(pageSize(maxDepth, limits.DefaultDepth), limits.MaxDepth) }
	results := func(limit *int) int { return min(pageSize(limit, limits.MaxResults), limits.MaxResults) }
	c.Query.Nodes = func(child int, _ *model.NodeFilter, first *int, _ *string, _ *time.Time) int {
		return child * min(pageSize(first, limits.DefaultPageSize), limits.MaxPageSize)
	}
	c.Query.Paths = func(child int, _, _ string, maxDepth *int, first *int, _ *time.Time) int {
		return traversalCost(child, min(pageSize(first, 10), limits.MaxPageSize), depth(maxDepth), limits.DefaultDepth)
	}
	c.Query.Lineage = func(child int, _, _ string, maxDepth *int, _ []string, limit *int, _ *time.Time) int {
		return traversalCost(child, results(limit), depth(maxDepth), limits.DefaultDepth)
	}
	// The impact question, and the fields that ask it (what an activity's data reaches, what a
	// risk exposes): more paths per item than the default are more work for each item.
	impact := func(child int, maxDepth, limit, pathsPerItem *int) int {
		cost := traversalCost(child, results(limit), depth(maxDepth), limits.DefaultDepth)
		if paths := min(pageSize(pathsPerItem, resolvers.DefaultPathsPerItem), limits.MaxPathsPerItem); paths > resolvers.DefaultPathsPerItem {
			cost = cost * paths / resolvers.DefaultPathsPerItem
		}
		return cost
	}
	c.Query.Impact = func(child int, _ model.NodeFilter, _ []string, maxDepth *int, limit *int, pathsPerItem *int, _ *time.Time) int {
		return impact(child, maxDepth, limit, pathsPerItem)
	}
	c.ProcessingActivity.Reaches = func(child int, _ []string, maxDepth *int, limit *int, pathsPerItem *int) int {
		return impact(child, maxDepth, limit, pathsPerItem)
	}
	c.Risk.Exposes = func(child int, _ []string, maxDepth *int, limit *int, pathsPerItem *int, _ *time.Time) int {
		return impact(child, maxDepth, limit, pathsPerItem)
	}
	// What changed, between two instants or in one run: a scan of the history, answering up to
	// limit nodes and relationships.
	changes := func(child int, limit *int) int {
		return traversalCost(child, min(pageSize(limit, limits.MaxResults), limits.MaxChanges), limits.DefaultDepth, limits.DefaultDepth)
	}
	c.Query.Changes = func(child int, _ time.Time, _ *time.Time, limit *int) int { return changes(child, limit) }
	c.ImportRun.Changes = func(child int, limit *int) int { return changes(child, limit) }
	// Exposure and gaps have no limit: weighed as a traversal of the default result limit.
	c.Query.Exposure = func(child int, _ string, maxDepth *int, _ *time.Time) int {
		return traversalCost(child, limits.MaxResults, depth(maxDepth), limits.DefaultDepth)
	}
	c.Query.Gaps = func(child int, _ []string, _ *time.Time) int {
		return traversalCost(child, limits.MaxResults, limits.DefaultDepth, limits.DefaultDepth)
	}
	// Import runs are a list whose size the client picks (last, or the ids named).
	c.Query.ImportRuns = func(child int, ids []string, last *int) int {
		n := min(pageSize(last, resolvers.DefaultRuns), limits.MaxPageSize)
		if len(ids) > 0 {
			n = len(ids)
		}
		return max(1, child*n)
	}
	// A node's relationships are an unbounded list: weigh them as ten, so nesting them is costly.
	rels := func(child int, _ *string, _ []string) int { return 1 + child*relationshipFanOut }
	c.AISystem.Relationships, c.Model.Relationships, c.Dataset.Relationships = rels, rels, rels
	c.Vendor.Relationships, c.Role.Relationships, c.Decision.Relationships = rels, rels, rels
	c.Risk.Relationships, c.Control.Relationships, c.Asset.Relationships = rels, rels, rels
	c.Job.Relationships, c.ProcessingActivity.Relationships = rels, rels
}

// relationshipFanOut is the number of relationships per node the complexity measure assumes.
const relationshipFanOut = 10

// traversalCost is results × (1 + child) for a search to the default depth, scaled by depth.
func traversalCost(child, results, depth, defaultDepth int) int {
	cost := results * (1 + child)
	if defaultDepth > 0 && depth > defaultDepth {
		cost = cost * depth / defaultDepth
	}
	return max(1, cost)
}

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
