package governance

import (
	"context"
	"slices"
	"sort"

	"github.com/aimsgraph/aimsgraph/graph"
	"github.com/aimsgraph/aimsgraph/graph/walk"
)

// Exposure is one risk category a node inherits: every upstream node flagged for it (the node
// itself at distance 0), nearest first.
type Exposure struct {
	Category string
	Sources  []ExposureSource
}

// ExposureSource is an upstream node flagged for the category, why (its own flag, or which live
// risk), how far upstream, and the lineage path from it down to the node, with each edge's
// provenance.
type ExposureSource struct {
	Node     *graph.Node
	Reason   graph.FlagReason
	Distance int
	Path     graph.Path
}

// ExposureOf returns the categories the node id inherits from upstream within maxDepth lineage
// edges on r, nearest first (nil when there is no such node). It walks upstream one round trip
// per level, then loads the risks affecting what it reached and the nodes of the evidence paths,
// and applies the one definition of "flagged" (graph.FlagReasons): a CLOSED risk flags nothing,
// and a cycle is walked once.
func ExposureOf(ctx context.Context, r graph.Reader, id string, maxDepth int) ([]Exposure, error) {
	start, err := r.Nodes(ctx, []string{id})
	if err != nil || len(start) == 0 {
		return nil, err
	}
	// Upstream breadth-first: dist and the edge each node was reached by, pointing down
	// towards id.
	dist := map[string]int{id: 0}
	down := map[string]*graph.Relationship{}
	frontier := []string{id}
	for d := 1; d <= max(1, maxDepth) && len(frontier) > 0; d++ {
		rels, err := r.Edges(ctx, frontier, graph.In, graph.LineageTypes())
		if err != nil {
			return nil, err
		}
		// A node first reached at this level goes down by the least of its edges (by the node
		// it leads to, then type, then key): the same path on every store, without sorting.
		level := map[string]*graph.Relationship{}
		for _, rel := range rels {
			if _, seen := dist[rel.From]; seen {
				continue
			}
			if old, ok := level[rel.From]; !ok || lessEdge(rel, old) {
				level[rel.From] = rel
			}
		}
		next := make([]string, 0, len(level))
		for n, rel := range level {
			dist[n], down[n] = d, rel
			next = append(next, n)
		}
		frontier = next
	}
	ids := make([]string, 0, len(dist))
	for n := range dist {
		ids = append(ids, n)
	}
	nodes, err := r.Nodes(ctx, ids)
	if err != nil {
		return nil, err
	}
	views, err := walk.Load(ctx, r, nodes, graph.FlaggedFor(graph.RiskCategories...))
	if err != nil {
		return nil, err
	}
	byID := make(map[string]*graph.Node, len(nodes))
	for _, n := range nodes {
		byID[n.ID] = n
	}
	pathFrom := func(src string) graph.Path {
		p := graph.Path{Nodes: []*graph.Node{byID[src]}}
		for at := src; at != id; {
			rel := down[at]
			p.Relationships = append(p.Relationships, rel)
			at = rel.To
			p.Nodes = append(p.Nodes, byID[at])
		}
		return p
	}
	byCat := map[string]*Exposure{}
	for _, v := range views {
		for _, reason := range graph.FlagReasons(v) {
			e := byCat[reason.Category]
			if e == nil {
				e = &Exposure{Category: reason.Category}
				byCat[reason.Category] = e
			}
			e.Sources = append(e.Sources, ExposureSource{Node: v.Node, Reason: reason, Distance: dist[v.Node.ID], Path: pathFrom(v.Node.ID)})
		}
	}
	out := make([]Exposure, 0, len(byCat))
	for _, e := range byCat {
		sort.Slice(e.Sources, func(i, j int) bool {
			a, b := e.Sources[i], e.Sources[j]
			if a.Distance != b.Distance {
				return a.Distance < b.Distance
			}
			if a.Node.ID != b.Node.ID {
				return a.Node.ID < b.Node.ID
			}
			return a.Reason.Risk < b.Reason.Risk
		})
		out = append(out, *e)
	}
	// Nearest category first; ties in the order of the domain's categories.
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Sources[0].Distance != b.Sources[0].Distance {
			return a.Sources[0].Distance < b.Sources[0].Distance
		}
		return slices.Index(graph.RiskCategories, a.Category) < slices.Index(graph.RiskCategories, b.Category)
	})
	return out, nil
}

// lessEdge orders two edges leaving the same node: by the node each leads to, then type, then
// identifying property.
func lessEdge(a, b *graph.Relationship) bool {
	if a.To != b.To {
		return a.To < b.To
	}
	if a.Type != b.Type {
		return a.Type < b.Type
	}
	return a.Key() < b.Key()
}
