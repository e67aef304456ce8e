package governance

import (
	"context"
	"slices"
	"sort"
	"strings"

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

// pageSize of the search for the flagged among what the walk reached.
const flaggedPage = 5000

// ExposureOf returns the categories the node id inherits from upstream within maxDepth lineage
// edges on r, nearest first (nil when there is no such node). It walks upstream along links, one
// round trip per level; asks the store which of the nodes reached are flagged (the one definition
// of "flagged", compiled to Cypher on Neo4j), loads why, and reads whole only the relationships
// of the flagged nodes' paths. A CLOSED risk flags nothing, and a cycle is walked once.
func ExposureOf(ctx context.Context, r graph.Reader, id string, maxDepth int) ([]Exposure, error) {
	start, err := r.Nodes(ctx, []string{id})
	if err != nil || len(start) == 0 {
		return nil, err
	}
	// Upstream breadth-first: dist, and the link each node was first reached by, pointing down
	// towards id.
	dist := map[string]int{id: 0}
	down := map[string]graph.Link{}
	frontier := []string{id}
	for d := 1; d <= max(1, maxDepth) && len(frontier) > 0; d++ {
		links, err := r.Links(ctx, frontier, graph.In, graph.LineageTypes())
		if err != nil {
			return nil, err
		}
		// A node first reached at this level goes down by the least of its links (by the node
		// it leads to, then type, then key): the same path on every store, without sorting.
		level := map[string]graph.Link{}
		for _, l := range links {
			if _, seen := dist[l.From]; seen {
				continue
			}
			if old, ok := level[l.From]; !ok || lessLink(l, old) {
				level[l.From] = l
			}
		}
		next := make([]string, 0, len(level))
		for n, l := range level {
			dist[n], down[n] = d, l
			next = append(next, n)
		}
		frontier = next
	}
	reached := make([]string, 0, len(dist))
	for n := range dist {
		reached = append(reached, n)
	}
	flagged, err := flaggedAmong(ctx, r, reached)
	if err != nil {
		return nil, err
	}
	views, err := walk.Load(ctx, r, flagged, graph.FlaggedFor(graph.RiskCategories...))
	if err != nil {
		return nil, err
	}
	// The paths of the flagged, read whole: their nodes and links, one call each.
	var pathIDs []string
	var pathLinks []graph.Link
	for _, n := range flagged {
		for at := n.ID; at != id; at = down[at].To {
			pathIDs = append(pathIDs, at)
			pathLinks = append(pathLinks, down[at])
		}
	}
	pathNodes, err := r.Nodes(ctx, append(pathIDs, id))
	if err != nil {
		return nil, err
	}
	byID := make(map[string]*graph.Node, len(pathNodes))
	for _, n := range pathNodes {
		byID[n.ID] = n
	}
	rels, err := walk.Whole(ctx, r, pathLinks)
	if err != nil {
		return nil, err
	}
	// A source whose path an import changed between these calls (a node or edge gone) is left
	// out rather than shown with a hole: the next question sees the graph as it is then.
	pathFrom := func(src string) (graph.Path, bool) {
		p := graph.Path{Nodes: []*graph.Node{byID[src]}}
		for at := src; at != id; {
			l := down[at]
			rel := rels[l.Key()]
			at = l.To
			if rel == nil || byID[at] == nil {
				return graph.Path{}, false
			}
			p.Relationships = append(p.Relationships, rel)
			p.Nodes = append(p.Nodes, byID[at])
		}
		return p, p.Nodes[0] != nil
	}
	byCat := map[string]*Exposure{}
	for _, v := range views {
		path, ok := pathFrom(v.Node.ID)
		if !ok {
			continue
		}
		for _, reason := range graph.FlagReasons(v) {
			e := byCat[reason.Category]
			if e == nil {
				e = &Exposure{Category: reason.Category}
				byCat[reason.Category] = e
			}
			e.Sources = append(e.Sources, ExposureSource{Node: v.Node, Reason: reason, Distance: dist[v.Node.ID], Path: path})
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

// flaggedAmong returns the nodes of ids flagged for any category: a node search the store
// evaluates (compiled to Cypher on Neo4j), a page at a time.
func flaggedAmong(ctx context.Context, r graph.Reader, ids []string) ([]*graph.Node, error) {
	var out []*graph.Node
	page := graph.PageRequest{First: flaggedPage}
	for {
		res, err := r.FindNodes(ctx, graph.NodeFilter{IDs: ids, Flags: graph.RiskCategories}, page)
		if err != nil {
			return nil, err
		}
		out = append(out, res.Nodes...)
		if !res.HasNext {
			return out, nil
		}
		page.After = res.Nodes[len(res.Nodes)-1].ID
	}
}

// lessLink orders two links leaving the same node: by the node each leads to, then type, then
// identifying property.
func lessLink(a, b graph.Link) bool {
	if a.To != b.To {
		return a.To < b.To
	}
	if a.Type != b.Type {
		return a.Type < b.Type
	}
	return strings.Compare(a.KeyValue, b.KeyValue) < 0
}
