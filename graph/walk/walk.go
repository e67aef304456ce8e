// Package walk answers the graph questions (node search, lineage, paths, impact) over a few
// primitive reads, one store call per breadth-first level. Stores use it for the graph as of an
// instant (docs/history.md), where a hand-tuned query per question would have to be written
// again for the versioned model; the governance analytics build on it too. Answers are the ones
// the stores' own current-state implementations give: the conformance suite checks both.
package walk

import (
	"context"
	"slices"
	"strings"

	"github.com/aimsgraph/aimsgraph/graph"
)

// Source is what a walk reads: the primitives every state of the graph offers.
type Source interface {
	KindsOf(ctx context.Context, ids []string) (map[string]graph.Kind, error)
	Nodes(ctx context.Context, ids []string) ([]*graph.Node, error)
	Edges(ctx context.Context, ids []string, dir graph.Direction, types []graph.RelType) ([]*graph.Relationship, error)
	Links(ctx context.Context, ids []string, dir graph.Direction, types []graph.RelType) ([]graph.Link, error)
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

func (r *reader) Links(ctx context.Context, ids []string, dir graph.Direction, types []graph.RelType) ([]graph.Link, error) {
	return r.src.Links(ctx, ids, dir, types)
}

// scanBatch is how many candidates a search reads per round trip.
const scanBatch = 5000

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

// Neighbours are the two reads Load needs; every graph.Reader has them.
type Neighbours interface {
	Nodes(ctx context.Context, ids []string) ([]*graph.Node, error)
	Edges(ctx context.Context, ids []string, dir graph.Direction, types []graph.RelType) ([]*graph.Relationship, error)
}

// Matching keeps the nodes that satisfy c, loading what c looks at (Load).
func Matching(ctx context.Context, src Neighbours, nodes []*graph.Node, c graph.Cond) ([]*graph.Node, error) {
	if c.IsTrue() || len(nodes) == 0 {
		return nodes, nil
	}
	views, err := Load(ctx, src, nodes, c)
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

// Load returns a view of each node with what conds look at (graph.Cond.Needs): the
// relationships of each type and direction, their far ends, and what the conditions on those
// need in turn, one level of relationships per round trip pair (edges, then far nodes).
func Load(ctx context.Context, src Neighbours, nodes []*graph.Node, conds ...graph.Cond) ([]*graph.Loaded, error) {
	views := make([]*graph.Loaded, len(nodes))
	byID := make(map[string]*graph.Loaded, len(nodes))
	ids := make([]string, len(nodes))
	for i, n := range nodes {
		views[i] = &graph.Loaded{Node: n}
		byID[n.ID] = views[i]
		ids[i] = n.ID
	}
	var needs []graph.EdgeNeed
	for _, c := range conds {
		needs = append(needs, c.Needs()...)
	}
	for _, dir := range []graph.Direction{graph.In, graph.Out} {
		var types []graph.RelType
		far := map[graph.RelType][]graph.Cond{}
		for _, n := range needs {
			if n.Dir == dir {
				types = append(types, n.Type)
				far[n.Type] = append(far[n.Type], n.Far...)
			}
		}
		if len(types) == 0 {
			continue
		}
		rels, err := src.Edges(ctx, ids, dir, types)
		if err != nil {
			return nil, err
		}
		// The far ends of every type come in one read; each type's are then loaded with what
		// that type's conditions need of them.
		farIDs := map[graph.RelType][]string{}
		all := make([]string, 0, len(rels))
		for _, rel := range rels {
			farIDs[rel.Type] = append(farIDs[rel.Type], far1(rel, dir))
			all = append(all, far1(rel, dir))
		}
		fnodes, err := nodeMap(ctx, src, all)
		if err != nil {
			return nil, err
		}
		for t, fids := range farIDs {
			slices.Sort(fids)
			list := make([]*graph.Node, 0, len(fids))
			for _, id := range slices.Compact(fids) {
				if n := fnodes[id]; n != nil {
					list = append(list, n)
				}
			}
			fviews, err := Load(ctx, src, list, far[t]...)
			if err != nil {
				return nil, err
			}
			fby := make(map[string]*graph.Loaded, len(fviews))
			for _, v := range fviews {
				fby[v.Node.ID] = v
			}
			for _, rel := range rels {
				if rel.Type != t {
					continue
				}
				near := rel.To
				if dir == graph.Out {
					near = rel.From
				}
				if v, f := byID[near], fby[far1(rel, dir)]; v != nil && f != nil {
					v.Add(rel.Type, dir, rel.Props, f)
				}
			}
		}
	}
	return views, nil
}

// far1 is the end of rel away from the node a relationship in direction dir was loaded for.
func far1(rel *graph.Relationship, dir graph.Direction) string {
	if dir == graph.In {
		return rel.From
	}
	return rel.To
}

// nodeMap loads nodes by id.
func nodeMap(ctx context.Context, src Neighbours, ids []string) (map[string]*graph.Node, error) {
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

// level expands a frontier by one lineage step in direction dir (Out or In): each link keyed
// by the frontier node it leaves from, in a stable order (by the far end, then the key).
func level(ctx context.Context, src Source, frontier []string, dir graph.Direction) (map[string][]graph.Link, error) {
	links, err := src.Links(ctx, frontier, dir, lineageTypes)
	if err != nil {
		return nil, err
	}
	out := map[string][]graph.Link{}
	for _, l := range links {
		near := l.From
		if dir == graph.In {
			near = l.To
		}
		out[near] = append(out[near], l)
	}
	for _, ls := range out {
		slices.SortFunc(ls, func(a, b graph.Link) int {
			if c := strings.Compare(far(a, dir), far(b, dir)); c != 0 {
				return c
			}
			return strings.Compare(a.Key(), b.Key())
		})
	}
	return out, nil
}

// far is the end of l away from the walk's current node.
func far(l graph.Link, dir graph.Direction) string {
	if dir == graph.In {
		return l.From
	}
	return l.To
}

// Whole reads the relationships that links stand for, with their properties and provenance, by
// key: one call, for the edges an answer shows.
func Whole(ctx context.Context, src Neighbours, links []graph.Link) (map[string]*graph.Relationship, error) {
	out := map[string]*graph.Relationship{}
	if len(links) == 0 {
		return out, nil
	}
	var from []string
	var types []graph.RelType
	for _, l := range links {
		from = append(from, l.From)
		if !slices.Contains(types, l.Type) {
			types = append(types, l.Type)
		}
	}
	slices.Sort(from)
	rels, err := src.Edges(ctx, slices.Compact(from), graph.Out, types)
	if err != nil {
		return nil, err
	}
	for _, r := range rels {
		out[r.Key()] = r
	}
	return out, nil
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
