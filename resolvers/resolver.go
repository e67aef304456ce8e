// Package resolvers answers the GraphQL API (schema/*.graphqls) from a graph.Store. Resolvers
// only check arguments against the server's limits and delegate: each lineage, paths or impact
// question is one store call (one Cypher query on Neo4j); neighbour fields go through the
// per-request dataloaders of package model.
package resolvers

import (
	"context"
	"encoding/base64"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/aimsgraph/aimsgraph/audit"
	"github.com/aimsgraph/aimsgraph/graph"
	"github.com/aimsgraph/aimsgraph/resolvers/model"
)

// Resolver is the root resolver.
type Resolver struct {
	Store  graph.Store
	Caps   Limits      // the server's caps on arguments
	Recent *audit.Ring // the server's recent requests, for admins; nil: none kept
}

// depth checks a maxDepth argument against the limits.
func (r *Resolver) depth(maxDepth *int) (int, error) {
	return bounded("maxDepth", maxDepth, r.Caps.DefaultDepth, r.Caps.MaxDepth)
}

// bounded returns v, or def when v is nil, checking 1 <= v <= max.
func bounded(name string, v *int, def, max int) (int, error) {
	if v == nil {
		return def, nil
	}
	if *v < 1 || *v > max {
		return 0, badInput("%s must be between 1 and %d (the server's cap), got %d", name, max, *v)
	}
	return *v, nil
}

// selects reports whether the field being resolved selects the nested field path, e.g.
// items { paths }, through fragments and aliases alike.
func selects(ctx context.Context, path ...string) bool {
	return selectsIn(graphql.GetOperationContext(ctx), graphql.CollectFieldsCtx(ctx, nil), path)
}

func selectsIn(op *graphql.OperationContext, fields []graphql.CollectedField, path []string) bool {
	for _, f := range fields {
		if f.Name != path[0] {
			continue
		}
		if len(path) == 1 || selectsIn(op, graphql.CollectFields(op, f.Selections, nil), path[1:]) {
			return true
		}
	}
	return false
}

// nodeFilter converts the GraphQL filter.
func nodeFilter(f *model.NodeFilter) (graph.NodeFilter, error) {
	if f == nil {
		return graph.NodeFilter{}, nil
	}
	out := graph.NodeFilter{IDs: f.Ids, Kinds: toKinds(f.Kinds), Flags: f.Flags, ThirdParty: f.ThirdParty}
	if f.Text != nil {
		out.Text = *f.Text
	}
	if len(f.Has) > 0 {
		set := make([]graph.Cond, len(f.Has))
		for i, p := range f.Has {
			if !graph.IsProp(p) { // only the table's names reach a store (and Cypher)
				return out, badInput("has: %q is no property of the domain model", p)
			}
			set[i] = graph.IsSet(p)
		}
		where := graph.All(set...)
		out.Where = &where
	}
	return out, nil
}

// kindNames converts kinds to NodeKind values.
func kindNames(ks []graph.Kind) []string {
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = string(k)
	}
	return out
}

// toKinds converts NodeKind values; gqlparser has checked them against the schema.
func toKinds(ks []string) []graph.Kind {
	if ks == nil {
		return nil
	}
	out := make([]graph.Kind, len(ks))
	for i, k := range ks {
		out[i] = graph.Kind(k)
	}
	return out
}

// Cursors are opaque to clients: the id of the page's last node, base64url-encoded with a
// version prefix so the format can change without old cursors being misread.
const cursorPrefix = "n1:"

func encodeCursor(id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + id))
}

func decodeCursor(c string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || !strings.HasPrefix(string(b), cursorPrefix) {
		return "", badInput("invalid cursor %q: pass the endCursor or an edge cursor of a previous page", c)
	}
	return strings.TrimPrefix(string(b), cursorPrefix), nil
}

// view returns the loaders of the graph a question asks about: the current one, or the graph as
// of asOf (docs/history.md). Everything an answer resolves, neighbours included, reads from it.
func view(ctx context.Context, asOf *time.Time) (*model.Loaders, error) {
	l := model.For(ctx)
	if asOf == nil {
		return l, nil
	}
	return l.At(ctx, *asOf)
}

// mustExist returns a NOT_FOUND error for the first of ids that names no node in v's graph.
func mustExist(ctx context.Context, v *model.Loaders, ids ...string) error {
	found, err := v.Reader.KindsOf(ctx, ids)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if _, ok := found[id]; !ok {
			return notFound(id)
		}
	}
	return nil
}

// impact checks the impact arguments against the caps and answers from v: the impact query and
// Risk.exposes share it.
func (r *Resolver) impact(ctx context.Context, v *model.Loaders, sources graph.NodeFilter, targets []string, maxDepth, limit, pathsPerItem *int) (*model.ImpactResult, error) {
	q := graph.ImpactQuery{Sources: sources, Targets: toKinds(targets)}
	if targets == nil {
		q.Targets = []graph.Kind{graph.Decision}
	}
	var err error
	if q.MaxDepth, err = r.depth(maxDepth); err != nil {
		return nil, err
	}
	if q.Limit, err = bounded("limit", limit, r.Caps.MaxResults, r.Caps.MaxResults); err != nil {
		return nil, err
	}
	if q.PathsPerItem, err = bounded("pathsPerItem", pathsPerItem, DefaultPathsPerItem, r.Caps.MaxPathsPerItem); err != nil {
		return nil, err
	}
	if !selects(ctx, "items", "paths") {
		q.PathsPerItem = 0 // evidence nobody reads is not searched for
	}
	if q.Sources, err = canonicalFilter(ctx, v, q.Sources); err != nil { // sources by any of their ids (sameas.go)
		return nil, err
	}
	res, err := v.Reader.Impact(ctx, q)
	if err != nil {
		return nil, err
	}
	out := &model.ImpactResult{Truncated: res.Truncated, Items: make([]*model.ImpactItem, len(res.Items))}
	for i, it := range res.Items {
		item := &model.ImpactItem{Node: v.Wrap(it.Node), Distance: it.Distance}
		for _, p := range it.Paths {
			v.Prime(p.Nodes...)
			item.Paths = append(item.Paths, v.WrapPath(p))
		}
		out.Items[i] = item
	}
	return out, nil
}
