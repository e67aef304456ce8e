// Package walk answers the graph questions (node search, lineage, paths, impact) over a few
// primitive reads, one store call per breadth-first level. Stores use it for the graph as of an
// instant (docs/history.md), where a hand-tuned query per question would have to be written
// again for the versioned model; the governance analytics build on it too. Answers are the ones
// the stores' own current-state implementations give: the conformance suite checks both.
package walk

import (
	"context"
	"slices"
	"sort"

	"github.com/aimsgraph/aimsgraph/graph"
)

// Source is what a walk reads: the primitives every state of the graph offers.
type Source interface {
	KindsOf(ctx context.Context, ids []string) (map[string]graph.Kind, error)
	Nodes(ctx context.Context, ids []string) ([]*graph.Node, error)
	Edges(ctx context.Context, ids []string, dir graph.Direction, types []graph.RelType) ([]*graph.Relationship, error)
	// Candidates returns up to limit nodes with id > after, ordered by id, that match the
	// filter's ids, kinds and text; its derived conditions are the caller's to check.
	Candidates(ctx context.Context, f graph.NodeFilter, after string, limit int) ([]*graph.Node, error)
}

// Reader answers every graph.Reader question over src.
func Reader(src Source) graph.Reader { return &reader{src: src} }

type reader struct{ src Source }

func (r *reader) KindsOf(ctx context.Context, ids []string) (map[string]graph.Kind, error) {
	return r.src.KindsOf(ctx, ids)
}

func (r *reader) Nodes(ctx context.Context, ids []string) ([]*graph.Node, error) {
	return r.src.Nodes(ctx, ids)
}

func (r *reader) Edges(ctx context.Context, ids []string, dir graph.Direction, types []graph.RelType) ([]*graph.Relationship, error) {
	return r.src.Edges(ctx, ids, dir, types)
}

// scanBatch is how many candidates a search reads per round trip.
const scanBatch = 1000

// FindNodes pages through the candidates, checking derived conditions a batch at a time.
func (r *reader) FindNodes(ctx context.Context, f graph.NodeFilter, page graph.PageRequest) (*graph.NodePage, error) {
	out := &graph.NodePage{}
	err := r.scan(ctx, f, page.After, func(n *graph.Node) bool {
		if len(out.Nodes) == page.First {
			out.HasNext = true
			return false
		}
		out.Nodes = append(out.Nodes, n)
		return true
	})
	if err != nil || !page.WantTotal {
		return out, err
	}
	err = r.scan(ctx, f, "", func(*graph.Node) bool { out.TotalCount++; return true })
	return out, err
}

// scan calls fn with every node matching f after the id after, in id order, until fn returns false.
func (r *reader) scan(ctx context.Context, f graph.NodeFilter, after string, fn func(*graph.Node) bool) error {
	derived := f.Derived()
	for {
		cands, err := r.src.Candidates(ctx, f, after, scanBatch)
		if err != nil {
			return err
		}
		keep, err := Matching(ctx, r.src, cands, derived)
		if err != nil {
			return err
		}
		for _, n := range keep {
			if !fn(n) {
				return nil
			}
		}
		if len(cands) < scanBatch {
			return nil
		}
		after = cands[len(cands)-1].ID
	}
}

// all returns every node matching f.
func (r *reader) all(ctx context.Context, f graph.NodeFilter) ([]*graph.Node, error) {
	var out []*graph.Node
	err := r.scan(ctx, f, "", func(n *graph.Node) bool { out = append(out, n); return true })
	return out, err
}

// Matching keeps the nodes that satisfy c, loading the incoming relationships c looks at and
// their far ends in two calls.
func Matching(ctx context.Context, src Source, nodes []*graph.Node, c graph.Cond) ([]*graph.Node, error) {
	if c.IsTrue() || len(nodes) == 0 {
		return nodes, nil
	}
	views, err := Load(ctx, src, nodes, c.IncomingTypes())
	if err != nil {
		return nil, err
	}
	var out []*graph.Node
	for i, v := range views {
		if c.Match(v) {
			out = append(out, nodes[i])
		}
	}
	return out, nil
}

// Load returns a view of each node with its incoming relationships of types and their far ends.
func Load(ctx context.Context, src Source, nodes []*graph.Node, types []graph.RelType) ([]*graph.Loaded, error) {
	views := make([]*graph.Loaded, len(nodes))
	byID := make(map[string]*graph.Loaded, len(nodes))
	ids := make([]string, len(nodes))
	for i, n := range nodes {
		views[i] = &graph.Loaded{Node: n, Incoming: map[graph.RelType][]*graph.Loaded{}}
		byID[n.ID] = views[i]
		ids[i] = n.ID
	}
	if len(types) == 0 {
		return views, nil
	}
	rels, err := src.Edges(ctx, ids, graph.In, types)
	if err != nil {
		return nil, err
	}
	var farIDs []string
	for _, rel := range rels {
		farIDs = append(farIDs, rel.From)
	}
	far, err := nodeMap(ctx, src, farIDs)
	if err != nil {
		return nil, err
	}
	for _, rel := range rels {
		if v, f := byID[rel.To], far[rel.From]; v != nil && f != nil {
			v.Incoming[rel.Type] = append(v.Incoming[rel.Type], &graph.Loaded{Node: f})
		}
	}
	return views, nil
}

// nodeMap loads nodes by id.
func nodeMap(ctx context.Context, src Source, ids []string) (map[string]*graph.Node, error) {
	out := map[string]*graph.Node{}
	if len(ids) == 0 {
		return out, nil
	}
	slices.Sort(ids)
	ns, err := src.Nodes(ctx, slices.Compact(ids))
	if err != nil {
		return nil, err
	}
	for _, n := range ns {
		out[n.ID] = n
	}
	return out, nil
}

// lineageTypes are the relationship types traversals follow.
var lineageTypes = graph.LineageTypes()

// level expands a frontier by one lineage step in direction dir (Out or In): each edge keyed
// by the frontier node it leaves from, in a stable order (by the far end, then the key).
func level(ctx context.Context, src Source, frontier []string, dir graph.Direction) (map[string][]*graph.Relationship, error) {
	rels, err := src.Edges(ctx, frontier, dir, lineageTypes)
	if err != nil {
		return nil, err
	}
	out := map[string][]*graph.Relationship{}
	for _, r := range rels {
		near := r.From
		if dir == graph.In {
			near = r.To
		}
		out[near] = append(out[near], r)
	}
	for _, rs := range out {
		sort.Slice(rs, func(i, j int) bool {
			a, b := far(rs[i], dir), far(rs[j], dir)
			if a != b {
				return a < b
			}
			return rs[i].Key() < rs[j].Key()
		})
	}
	return out, nil
}

// far is the end of r away from the walk's current node.
func far(r *graph.Relationship, dir graph.Direction) string {
	if dir == graph.In {
		return r.From
	}
	return r.To
}

// reach returns the ids within maxDepth lineage edges of start in direction dir, without start,
// each with its distance.
func reach(ctx context.Context, src Source, start string, dir graph.Direction, maxDepth int) (map[string]int, error) {
	dist := map[string]int{start: 0}
	frontier := []string{start}
	for d := 1; d <= maxDepth && len(frontier) > 0; d++ {
		out, err := level(ctx, src, frontier, dir)
		if err != nil {
			return nil, err
		}
		var next []string
		for _, n := range frontier {
			for _, r := range out[n] {
				if m := far(r, dir); !has(dist, m) {
					dist[m] = d
					next = append(next, m)
				}
			}
		}
		frontier = next
	}
	delete(dist, start)
	return dist, nil
}

func has[K comparable, V any](m map[K]V, k K) bool { _, ok := m[k]; return ok }
