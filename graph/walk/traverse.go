package walk

import (
	"context"
	"fmt"
	"slices"
	"sort"

	"github.com/aimsgraph/aimsgraph/graph"
)

// Lineage answers as the stores do: the nearest nodes when Limit cuts, start first, then by id.
func (r *reader) Lineage(ctx context.Context, q graph.LineageQuery) (*graph.Subgraph, error) {
	startNodes, err := r.src.Nodes(ctx, []string{q.ID})
	if err != nil || len(startNodes) == 0 {
		return nil, err
	}
	maxDepth := max(1, q.MaxDepth)
	dist := map[string]int{}
	for _, dir := range []graph.Direction{graph.Out, graph.In} {
		if q.Direction != dir && q.Direction != graph.Both {
			continue
		}
		d, err := reach(ctx, r.src, q.ID, dir, maxDepth)
		if err != nil {
			return nil, err
		}
		for id, n := range d {
			if old, ok := dist[id]; !ok || n < old {
				dist[id] = n
			}
		}
	}
	reached := make([]string, 0, len(dist))
	for id := range dist {
		reached = append(reached, id)
	}
	nodes, err := nodeMap(ctx, r.src, reached)
	if err != nil {
		return nil, err
	}
	var found []*graph.Node
	for _, n := range nodes {
		if len(q.Kinds) == 0 || slices.Contains(q.Kinds, n.Kind) {
			found = append(found, n)
		}
	}
	sort.Slice(found, func(i, j int) bool {
		a, b := found[i], found[j]
		if dist[a.ID] != dist[b.ID] {
			return dist[a.ID] < dist[b.ID]
		}
		return a.ID < b.ID
	})
	sg := &graph.Subgraph{Nodes: []*graph.Node{startNodes[0]}}
	if len(found) > q.Limit {
		found, sg.Truncated = found[:q.Limit], true
	}
	sort.Slice(found, func(i, j int) bool { return found[i].ID < found[j].ID })
	members := map[string]bool{q.ID: true}
	ids := []string{q.ID}
	for _, n := range found {
		members[n.ID] = true
		ids = append(ids, n.ID)
		sg.Nodes = append(sg.Nodes, n)
	}
	rels, err := r.src.Edges(ctx, ids, graph.Out, lineageTypes)
	if err != nil {
		return nil, err
	}
	for _, rel := range rels {
		if members[rel.To] {
			sg.Relationships = append(sg.Relationships, rel)
		}
	}
	graph.SortRelationships(sg.Relationships)
	return sg, nil
}

// Paths finds simple paths in order of length, breadth-first over partial paths, extending a
// partial path only towards nodes from which the target is still in reach. One round trip per
// level loads the out-edges of the level's new path ends.
func (r *reader) Paths(ctx context.Context, q graph.PathQuery) ([]graph.Path, error) {
	if q.First <= 0 || q.From == q.To { // a path visits each node once
		return nil, nil
	}
	ends, err := r.src.KindsOf(ctx, []string{q.From, q.To})
	if err != nil || len(ends) < 2 {
		return nil, err
	}
	maxDepth := max(1, q.MaxDepth)
	toTarget, err := reach(ctx, r.src, q.To, graph.In, maxDepth)
	if err != nil {
		return nil, err
	}
	toTarget[q.To] = 0
	type partial struct {
		nodes []string
		links []graph.Link
	}
	outOf := map[string][]graph.Link{} // loaded out-links per node
	var found []partial
	queue := []partial{{nodes: []string{q.From}}}
	expanded := 0
	for len(queue) > 0 && len(found) < q.First {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		var load []string
		for _, p := range queue {
			if last := p.nodes[len(p.nodes)-1]; !has(outOf, last) && (last != q.To || len(p.links) == 0) {
				load = append(load, last)
			}
		}
		if len(load) > 0 {
			slices.Sort(load)
			edges, err := level(ctx, r.src, slices.Compact(load), graph.Out)
			if err != nil {
				return nil, err
			}
			for _, id := range load {
				outOf[id] = edges[id]
			}
		}
		var next []partial
		for _, p := range queue {
			if len(found) == q.First {
				break
			}
			expanded++
			last := p.nodes[len(p.nodes)-1]
			if last == q.To && len(p.links) > 0 {
				found = append(found, p)
				continue
			}
			for _, l := range outOf[last] {
				d, ok := toTarget[l.To]
				if !ok || len(p.links)+1+d > maxDepth || slices.Contains(p.nodes, l.To) {
					continue
				}
				// Routes held plus routes extended stay within graph.MaxRoutes, as on the
				// embedded store; reaching it is an error, never a shorter answer.
				if len(next)+len(queue)+expanded >= graph.MaxRoutes {
					return nil, fmt.Errorf("%w: more than %d partial routes from %s towards %s within %d edges; lower maxDepth or first",
						graph.ErrTooLarge, graph.MaxRoutes, q.From, q.To, q.MaxDepth)
				}
				next = append(next, partial{nodes: append(slices.Clip(p.nodes), l.To), links: append(slices.Clip(p.links), l)})
			}
		}
		queue = next
	}
	var ids []string
	var links []graph.Link
	for _, p := range found {
		ids = append(ids, p.nodes...)
		links = append(links, p.links...)
	}
	nodes, err := nodeMap(ctx, r.src, ids)
	if err != nil {
		return nil, err
	}
	rels, err := Whole(ctx, r.src, links)
	if err != nil {
		return nil, err
	}
	out := make([]graph.Path, 0, len(found))
	for _, p := range found {
		out = append(out, toPath(p.nodes, p.links, nodes, rels))
	}
	return out, nil
}

func toPath(ids []string, links []graph.Link, nodes map[string]*graph.Node, rels map[string]*graph.Relationship) graph.Path {
	p := graph.Path{}
	for _, id := range ids {
		p.Nodes = append(p.Nodes, nodes[id])
	}
	for _, l := range links {
		p.Relationships = append(p.Relationships, rels[l.Key()])
	}
	return p
}

// Impact is the embedded store's multi-source breadth-first search, one round trip per level:
// each node keeps the k nearest distinct sources that reach it (k = PathsPerItem, at least one
// as the labels give the distance too, plus one so that a source reached by others still has
// others once it drops itself), each with the edge it arrived by, so evidence paths are read
// back without a second search.
func (r *reader) Impact(ctx context.Context, q graph.ImpactQuery) (*graph.ImpactResult, error) {
	perItem := max(0, q.PathsPerItem)
	k := max(1, perItem) + 1 // the labels also give the distance, so keep them even for no paths
	type label struct {
		src    string
		dist   int
		parent graph.Link // edge into this node on the way from src; zero at the source
	}
	sources, err := r.all(ctx, q.Sources)
	if err != nil {
		return nil, err
	}
	labels := map[string][]label{}
	var frontier []string
	for _, n := range sources {
		labels[n.ID] = []label{{src: n.ID}}
		frontier = append(frontier, n.ID)
	}
	for d := 1; d <= max(1, q.MaxDepth) && len(frontier) > 0; d++ {
		out, err := level(ctx, r.src, frontier, graph.Out)
		if err != nil {
			return nil, err
		}
		var next []string
		for _, n := range frontier {
			var fresh []label
			for _, l := range labels[n] {
				if l.dist == d-1 {
					fresh = append(fresh, l)
				}
			}
			for _, link := range out[n] {
				m := link.To
				ls := labels[m]
				for _, l := range fresh {
					if len(ls) >= k || slices.ContainsFunc(ls, func(x label) bool { return x.src == l.src }) {
						continue
					}
					if len(ls) == 0 || ls[len(ls)-1].dist < d {
						next = append(next, m)
					}
					ls = append(ls, label{src: l.src, dist: d, parent: link})
				}
				labels[m] = ls
			}
		}
		slices.Sort(next)
		frontier = next
	}
	reached := make([]string, 0, len(labels))
	for id := range labels {
		reached = append(reached, id)
	}
	kinds, err := r.src.KindsOf(ctx, reached)
	if err != nil {
		return nil, err
	}
	// A source does not impact itself through a cycle: only other sources count for it.
	dist := map[string]int{}
	var targets []string
	for id, ls := range labels {
		if len(q.Targets) > 0 && !slices.Contains(q.Targets, kinds[id]) {
			continue
		}
		if i := slices.IndexFunc(ls, func(l label) bool { return l.src != id }); i >= 0 {
			dist[id] = ls[i].dist
			targets = append(targets, id)
		}
	}
	sort.Slice(targets, func(i, j int) bool {
		a, b := targets[i], targets[j]
		if dist[a] != dist[b] {
			return dist[a] < dist[b]
		}
		return a < b
	})
	res := &graph.ImpactResult{}
	if len(targets) > q.Limit {
		targets, res.Truncated = targets[:q.Limit], true
	}
	pathFrom := func(t, src string) ([]string, []graph.Link) {
		var ids []string
		var links []graph.Link
		for at := t; ; {
			ids = append(ids, at)
			i := slices.IndexFunc(labels[at], func(l label) bool { return l.src == src })
			link := labels[at][i].parent
			if link == (graph.Link{}) {
				break
			}
			links = append(links, link)
			at = link.From
		}
		slices.Reverse(ids)
		slices.Reverse(links)
		return ids, links
	}
	type evidence struct {
		ids   []string
		links []graph.Link
	}
	items := make([][]evidence, len(targets))
	// Targets are read even when no paths are asked for (perItem 0: distances only).
	need := slices.Clone(targets)
	var needLinks []graph.Link
	for i, t := range targets {
		for _, l := range labels[t] {
			if l.src != t && len(items[i]) < perItem {
				ids, links := pathFrom(t, l.src)
				items[i] = append(items[i], evidence{ids, links})
				need = append(need, ids...)
				needLinks = append(needLinks, links...)
			}
		}
	}
	nodes, err := nodeMap(ctx, r.src, need)
	if err != nil {
		return nil, err
	}
	rels, err := Whole(ctx, r.src, needLinks)
	if err != nil {
		return nil, err
	}
	for i, t := range targets {
		item := graph.ImpactItem{Node: nodes[t], Distance: dist[t]}
		for _, e := range items[i] {
			item.Paths = append(item.Paths, toPath(e.ids, e.links, nodes, rels))
		}
		res.Items = append(res.Items, item)
	}
	return res, nil
}
