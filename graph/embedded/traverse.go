package embedded

import (
	"context"
	"fmt"
	"slices"
	"sort"

	"github.com/aimsgraph/aimsgraph/graph"
)

// The traversals walk the adjacency lists from their start nodes only, so they cost what they
// reach, never the size of the graph. Every one is breadth-first with a visited set: cycles
// terminate and nothing is listed twice.

// step returns the lineage neighbours of n in direction dir (Out: downstream), with the edges.
func step(n *nodeRec, dir graph.Direction, visit func(r *relRec, next *nodeRec)) {
	if dir == graph.Out {
		for _, r := range n.out {
			if r.lineage {
				visit(r, r.to)
			}
		}
		return
	}
	for _, r := range n.in {
		if r.lineage {
			visit(r, r.from)
		}
	}
}

// reach returns the nodes within maxDepth lineage edges of start in direction dir, without
// start, each with its distance.
func reach(start *nodeRec, dir graph.Direction, maxDepth int) map[*nodeRec]int {
	dist := map[*nodeRec]int{start: 0}
	frontier := []*nodeRec{start}
	for d := 1; d <= maxDepth && len(frontier) > 0; d++ {
		var next []*nodeRec
		for _, n := range frontier {
			step(n, dir, func(_ *relRec, m *nodeRec) {
				if _, seen := dist[m]; !seen {
					dist[m] = d
					next = append(next, m)
				}
			})
		}
		frontier = next
	}
	delete(dist, start)
	return dist
}

// Lineage implements graph.Store. When Limit cuts the answer, the nearest nodes are kept.
func (s *Store) Lineage(ctx context.Context, q graph.LineageQuery) (*graph.Subgraph, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	start := s.nodes[q.ID]
	if start == nil {
		return nil, nil
	}
	maxDepth := max(1, q.MaxDepth)
	dist := map[*nodeRec]int{}
	if q.Direction == graph.Out || q.Direction == graph.Both {
		dist = reach(start, graph.Out, maxDepth)
	}
	if q.Direction == graph.In || q.Direction == graph.Both {
		for n, d := range reach(start, graph.In, maxDepth) {
			if old, ok := dist[n]; !ok || d < old {
				dist[n] = d
			}
		}
	}
	var found []*nodeRec
	for n := range dist {
		if len(q.Kinds) == 0 || slices.Contains(q.Kinds, n.Kind) {
			found = append(found, n)
		}
	}
	sort.Slice(found, func(i, j int) bool {
		if dist[found[i]] != dist[found[j]] {
			return dist[found[i]] < dist[found[j]]
		}
		return found[i].ID < found[j].ID
	})
	sg := &graph.Subgraph{}
	if len(found) > q.Limit {
		found, sg.Truncated = found[:q.Limit], true
	}
	sort.Slice(found, func(i, j int) bool { return found[i].ID < found[j].ID })
	members := map[*nodeRec]bool{start: true}
	sg.Nodes = append(sg.Nodes, start.toNode())
	for _, n := range found {
		members[n] = true
		sg.Nodes = append(sg.Nodes, n.toNode())
	}
	for n := range members {
		step(n, graph.Out, func(r *relRec, m *nodeRec) {
			if members[m] {
				sg.Relationships = append(sg.Relationships, r.toRelationship())
			}
		})
	}
	graph.SortRelationships(sg.Relationships)
	return sg, ctx.Err()
}

// Paths implements graph.Store: simple paths in order of length, found breadth-first over
// partial paths. A partial path is only extended towards nodes from which the target is still
// reachable within the depth left, so the search stays inside the from/to corridor.
func (s *Store) Paths(ctx context.Context, q graph.PathQuery) ([]graph.Path, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	from, to := s.nodes[q.From], s.nodes[q.To]
	if from == nil || to == nil || q.First <= 0 {
		return nil, nil
	}
	maxDepth := max(1, q.MaxDepth)
	toTarget := reach(to, graph.In, maxDepth) // distance from each node to the target
	toTarget[to] = 0
	type partial struct {
		nodes []*nodeRec
		rels  []*relRec
	}
	var out []graph.Path
	queue := []partial{{nodes: []*nodeRec{from}}}
	// Routes held plus routes extended stay within graph.MaxRoutes, so memory is bounded on a
	// graph of many equal-length routes; reaching the bound is an error, never a shorter answer.
	expanded := 0
	for len(queue) > 0 && len(out) < q.First {
		p := queue[0]
		queue = queue[1:]
		expanded++
		last := p.nodes[len(p.nodes)-1]
		if last == to && len(p.rels) > 0 {
			out = append(out, toPath(p.nodes, p.rels))
			continue
		}
		over := false
		step(last, graph.Out, func(r *relRec, m *nodeRec) {
			// A path visits each node once (so from == to has none), and only goes where the
			// target is still in reach.
			d, ok := toTarget[m]
			if over || !ok || len(p.rels)+1+d > maxDepth || slices.Contains(p.nodes, m) {
				return
			}
			if len(queue)+expanded >= graph.MaxRoutes {
				over = true
				return
			}
			queue = append(queue, partial{nodes: append(slices.Clip(p.nodes), m), rels: append(slices.Clip(p.rels), r)})
		})
		if over {
			return nil, tooManyRoutes(q)
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// tooManyRoutes is the error of a path search that reached graph.MaxRoutes.
func tooManyRoutes(q graph.PathQuery) error {
	return fmt.Errorf("%w: more than %d partial routes from %s towards %s within %d edges; lower maxDepth or first",
		graph.ErrTooLarge, graph.MaxRoutes, q.From, q.To, q.MaxDepth)
}

func toPath(nodes []*nodeRec, rels []*relRec) graph.Path {
	p := graph.Path{}
	for _, n := range nodes {
		p.Nodes = append(p.Nodes, n.toNode())
	}
	for _, r := range rels {
		p.Relationships = append(p.Relationships, r.toRelationship())
	}
	return p
}

// Impact implements graph.Store with one breadth-first search from all sources at once. Each
// node keeps the k nearest distinct sources that reach it (k = PathsPerItem, at least one as the
// labels give the distance too, plus one so that a source reached by others still has others
// once it drops itself) with a parent pointer per source, so the evidence paths are read back
// without a second search.
func (s *Store) Impact(ctx context.Context, q graph.ImpactQuery) (*graph.ImpactResult, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	perItem := max(0, q.PathsPerItem)
	k := max(1, perItem) + 1 // the labels also give the distance, so keep them even for no paths
	type label struct {
		src    *nodeRec
		dist   int
		parent *relRec // edge into this node on the way from src; nil at the source
	}
	labels := map[*nodeRec][]label{}
	match := s.matcher(q.Sources)
	var frontier []*nodeRec
	for _, id := range s.candidates(q.Sources) {
		if n := s.nodes[id]; n != nil && match(n) {
			labels[n] = []label{{src: n}}
			frontier = append(frontier, n)
		}
	}
	for d := 1; d <= max(1, q.MaxDepth) && len(frontier) > 0; d++ {
		var next []*nodeRec
		for _, n := range frontier {
			// The labels n got at the last level go one edge further; one scan of n's edges
			// carries them all.
			var fresh []label
			for _, l := range labels[n] {
				if l.dist == d-1 {
					fresh = append(fresh, l)
				}
			}
			step(n, graph.Out, func(r *relRec, m *nodeRec) {
				ls := labels[m]
				for _, l := range fresh {
					if len(ls) >= k || slices.ContainsFunc(ls, func(x label) bool { return x.src == l.src }) {
						continue
					}
					if len(ls) == 0 || ls[len(ls)-1].dist < d {
						next = append(next, m) // m's first label of this level: expand it next
					}
					ls = append(ls, label{src: l.src, dist: d, parent: r})
				}
				labels[m] = ls
			})
		}
		frontier = next
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	// A source does not impact itself through a cycle: only other sources count for it. A
	// target's distance is its nearest other source's.
	dist := map[*nodeRec]int{}
	var targets []*nodeRec
	for n, ls := range labels {
		if len(q.Targets) > 0 && !slices.Contains(q.Targets, n.Kind) {
			continue
		}
		if i := slices.IndexFunc(ls, func(l label) bool { return l.src != n }); i >= 0 {
			dist[n] = ls[i].dist
			targets = append(targets, n)
		}
	}
	// Nearest first, then by id; Limit keeps the nearest.
	sort.Slice(targets, func(i, j int) bool {
		a, b := targets[i], targets[j]
		if dist[a] != dist[b] {
			return dist[a] < dist[b]
		}
		return a.ID < b.ID
	})
	res := &graph.ImpactResult{}
	if len(targets) > q.Limit {
		targets, res.Truncated = targets[:q.Limit], true
	}
	// pathFrom walks parent pointers back from n to src: each step's parent label for src is on
	// the predecessor, one edge nearer.
	pathFrom := func(n *nodeRec, src *nodeRec) graph.Path {
		var nodes []*nodeRec
		var rels []*relRec
		for at := n; ; {
			nodes = append(nodes, at)
			i := slices.IndexFunc(labels[at], func(l label) bool { return l.src == src })
			r := labels[at][i].parent
			if r == nil { // at the source
				break
			}
			rels = append(rels, r)
			at = r.from
		}
		slices.Reverse(nodes)
		slices.Reverse(rels)
		return toPath(nodes, rels)
	}
	for _, t := range targets {
		item := graph.ImpactItem{Node: t.toNode(), Distance: dist[t]}
		for _, l := range labels[t] {
			if l.src != t && len(item.Paths) < perItem {
				item.Paths = append(item.Paths, pathFrom(t, l.src))
			}
		}
		res.Items = append(res.Items, item)
	}
	return res, nil
}
