package neo4jstore

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/aimsgraph/aimsgraph/graph"
)

// lineageTypes is the relationship-type alternation of the lineage edges, from the fixed table.
var lineageTypes = func() string {
	var ts []string
	for _, t := range graph.LineageTypes() {
		ts = append(ts, string(t))
	}
	return strings.Join(ts, "|")
}()

// hops renders a bounded variable-length hop count. Only integers reach the query text: depths
// are numbers the caller validated, and Cypher does not take them as parameters.
func hops(maxDepth int) string {
	if maxDepth < 1 {
		maxDepth = 1
	}
	return fmt.Sprintf("1..%d", maxDepth)
}

// Lineage implements graph.Store in one query: the reachable nodes (DISTINCT, which lets Neo4j
// prune the variable-length expansion instead of enumerating paths, so cycles cost nothing),
// then the lineage edges among them.
func (s *Store) Lineage(ctx context.Context, q graph.LineageQuery) (*graph.Subgraph, error) {
	down := `OPTIONAL MATCH (s)-[:` + lineageTypes + `*` + hops(q.MaxDepth) + `]->(d:Node)`
	up := `OPTIONAL MATCH (s)<-[:` + lineageTypes + `*` + hops(q.MaxDepth) + `]-(u:Node)`
	var reach string
	switch q.Direction {
	case graph.Out:
		reach = down + ` WITH s, collect(DISTINCT d) AS reached`
	case graph.In:
		reach = up + ` WITH s, collect(DISTINCT u) AS reached`
	default:
		reach = down + ` WITH s, collect(DISTINCT d) AS downs ` + up +
			` WITH s, downs, collect(DISTINCT u) AS ups WITH s, downs + [x IN ups WHERE NOT x IN downs] AS reached`
	}
	params := map[string]any{"id": q.ID, "limit": int64(q.Limit), "kinds": kindStrings(q.Kinds)}
	query := `MATCH (s:Node {id: $id}) ` + reach + `
WITH s, [x IN reached WHERE x <> s AND ($kinds IS NULL OR x.kind IN $kinds)] AS reached
WITH s, reached[..$limit] AS nodes, size(reached) > $limit AS truncated
WITH s, nodes, truncated, [s] + nodes AS members
CALL (members) {
  UNWIND members AS a
  MATCH (a)-[r:` + lineageTypes + `]->(b) WHERE b IN members
  RETURN collect({from: a.id, to: b.id, r: r}) AS rels
}
RETURN s, nodes, truncated, rels`
	recs, err := s.read(ctx, query, params)
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		return nil, nil
	}
	rec := recs[0]
	start, _ := rec.Get("s")
	nodes, _ := rec.Get("nodes")
	truncated, _ := rec.Get("truncated")
	rels, _ := rec.Get("rels")
	sg := &graph.Subgraph{Nodes: []*graph.Node{toNode(start.(neo4j.Node))}, Truncated: truncated.(bool)}
	for _, n := range nodes.([]any) {
		sg.Nodes = append(sg.Nodes, toNode(n.(neo4j.Node)))
	}
	for _, r := range rels.([]any) {
		m := r.(map[string]any)
		sg.Relationships = append(sg.Relationships, toRelationship(m["from"].(string), m["to"].(string), m["r"].(neo4j.Relationship)))
	}
	sortSubgraph(sg)
	return sg, nil
}

func kindStrings(kinds []graph.Kind) any {
	if len(kinds) == 0 {
		return nil
	}
	out := make([]string, len(kinds))
	for i, k := range kinds {
		out[i] = string(k)
	}
	return out
}

func sortSubgraph(sg *graph.Subgraph) {
	sort.Slice(sg.Nodes[1:], func(i, j int) bool { return sg.Nodes[1+i].ID < sg.Nodes[1+j].ID })
	graph.SortRelationships(sg.Relationships)
}

// Paths implements graph.Store with Neo4j's SHORTEST k path selector (a bidirectional search,
// not an enumeration of all paths). Paths that visit a node twice are dropped, so k is
// over-fetched to keep First simple paths when cycles are about; the server drops them, so only
// the paths kept travel.
func (s *Store) Paths(ctx context.Context, q graph.PathQuery) ([]graph.Path, error) {
	// SHORTEST k finds the k shortest walks, which may repeat a node; a path here may not. The
	// shortest walks are nearly always paths, so the first query asks for just First; only
	// when one of them repeats a node does the second ask for more and keep the paths among
	// them (doing that first cost twice the hand-written query at 1M relationships).
	if q.First < 1 {
		return nil, nil
	}
	out, complete, err := s.paths(ctx, q, q.First, false)
	if err != nil || complete {
		return out, err
	}
	out, _, err = s.paths(ctx, q, q.First*2+2, true)
	return out, err
}

// paths asks for the k shortest walks (only the paths among them when pathsOnly), and reports
// whether what it found is the answer: no walk it read repeated a node.
func (s *Store) paths(ctx context.Context, q graph.PathQuery, k int, pathsOnly bool) ([]graph.Path, bool, error) {
	filter := ""
	if pathsOnly {
		filter = "\nWITH p WHERE all(i IN range(0, length(p) - 1) WHERE NOT nodes(p)[i] IN nodes(p)[i + 1..])"
	}
	query := fmt.Sprintf(`MATCH (a:Node {id: $from}), (b:Node {id: $to})
MATCH p = SHORTEST %d (a)-[:%s]->{1,%d}(b)%s
RETURN p ORDER BY length(p) LIMIT $first`, k, lineageTypes, max(1, q.MaxDepth), filter)
	recs, err := s.read(ctx, query, map[string]any{"from": q.From, "to": q.To, "first": int64(q.First)})
	if err != nil {
		return nil, false, err
	}
	var out []graph.Path
	complete := true
	for _, rec := range recs {
		p, _ := rec.Get("p")
		path, ok := toPath(p.(neo4j.Path))
		if !ok {
			complete = false
			continue
		}
		out = append(out, path)
		if len(out) == q.First {
			break
		}
	}
	return out, complete, nil
}

// toPath converts a Neo4j path, reporting false for one that visits a node twice. The driver
// lists a path's distinct nodes, not its sequence, so the sequence is rebuilt by walking the
// relationships from the first node.
func toPath(p neo4j.Path) (graph.Path, bool) {
	if len(p.Nodes) == 0 {
		return graph.Path{}, false
	}
	byElement := make(map[string]*graph.Node, len(p.Nodes))
	for _, n := range p.Nodes {
		byElement[n.ElementId] = toNode(n)
	}
	at := p.Nodes[0].ElementId
	out := graph.Path{Nodes: []*graph.Node{byElement[at]}}
	seen := map[string]bool{at: true}
	for _, r := range p.Relationships {
		next := r.EndElementId
		if next == at {
			next = r.StartElementId
		}
		if seen[next] || byElement[next] == nil {
			return graph.Path{}, false
		}
		seen[next] = true
		out.Relationships = append(out.Relationships, toRelationship(byElement[r.StartElementId].ID, byElement[r.EndElementId].ID, r))
		out.Nodes = append(out.Nodes, byElement[next])
		at = next
	}
	return out, true
}

// Impact implements graph.Store in one query.
//
// Reach: a pruned breadth-first search from each source (a variable-length pattern whose only
// use is the shortest length per source and target, which Neo4j plans as a BFS that visits each
// node once per source, cycles included), giving each (source, target) pair its distance. A
// target's distance is its nearest other source's: a source does not impact itself. Targets are
// kept nearest first, then by id, up to Limit. This is the query an engineer writes by hand for
// "which decisions are downstream of these datasets", with the distance kept; a search from all
// sources at once, unrolled per level in Cypher, was slower at every size we measured
// (docs/performance.md).
//
// Evidence, when asked for (PathsPerItem > 0): for each kept target, its PathsPerItem nearest
// sources (by distance, then id) from the pairs above, and one shortest path from each.
func (s *Store) Impact(ctx context.Context, q graph.ImpactQuery) (*graph.ImpactResult, error) {
	params := map[string]any{"limit": int64(q.Limit), "perItem": int64(q.PathsPerItem)}
	// Only integers, and labels and types from the fixed tables, are written into the query
	// text. The sources are collected first: without that barrier the planner may start from
	// the (fewer) targets and enumerate every path back to the sources.
	query := selectNodes(q.Sources, params) + `
` + collectSources(q.Sources) + `
MATCH p = (n)-[:` + lineageTypes + `*` + hops(q.MaxDepth) + `]->(t` + kindLabels(q.Targets) + `)
WITH n, t, min(length(p)) AS d WHERE t <> n
`
	// t <> n after the aggregation, not in the MATCH: there, Neo4j 5 plans it as a filter on
	// every path the search expands; here it drops the few cycles back to a source.
	switch {
	case q.PathsPerItem <= 0 && oneSource(q.Sources):
		// One source: a target's distance is its pair's, and without a second aggregation the
		// planner takes each target's distance as the search finds it (the hand-written plan).
		query += `WITH t, d AS dist ORDER BY dist, t.id LIMIT $limit + 1
RETURN t, dist, false AS truncated, [] AS paths`
	case q.PathsPerItem <= 0:
		// Limit + 1 rows: the extra one only says the answer is truncated (dropped below).
		query += `WITH t, min(d) AS dist ORDER BY dist, t.id LIMIT $limit + 1
RETURN t, dist, false AS truncated, [] AS paths`
	default:
		query += `WITH t, min(d) AS dist, collect({n: n, d: d}) AS sources ORDER BY dist, t.id LIMIT $limit + 1
WITH collect({t: t, dist: dist, sources: sources}) AS items
UNWIND items[..$limit] AS item
WITH item.t AS t, item.dist AS dist, item.sources AS sources, size(items) > $limit AS truncated
CALL (t, sources) {
  UNWIND sources AS src
  WITH src.n AS n, src.d AS d ORDER BY d, n.id LIMIT $perItem
  MATCH p = ANY SHORTEST (n)-[:` + lineageTypes + `]->{1,` + fmt.Sprint(max(1, q.MaxDepth)) + `}(t)
  RETURN collect(p) AS paths
}
RETURN null AS t, dist, truncated, paths` // t is the end of every path
	}
	recs, err := s.read(ctx, query, params)
	if err != nil {
		return nil, err
	}
	res := &graph.ImpactResult{Items: make([]graph.ImpactItem, 0, len(recs))}
	if q.PathsPerItem <= 0 && len(recs) > q.Limit {
		recs, res.Truncated = recs[:q.Limit], true
	}
	for _, rec := range recs {
		t, _ := rec.Get("t")
		dist, _ := rec.Get("dist")
		truncated, _ := rec.Get("truncated")
		paths, _ := rec.Get("paths")
		res.Truncated = res.Truncated || truncated.(bool)
		item := graph.ImpactItem{Distance: int(dist.(int64))}
		for _, p := range paths.([]any) {
			if path, ok := toPath(p.(neo4j.Path)); ok { // a shortest path never repeats a node
				item.Paths = append(item.Paths, path)
				item.Node = path.Nodes[len(path.Nodes)-1]
			}
		}
		if t != nil {
			item.Node = toNode(t.(neo4j.Node))
		}
		if item.Node == nil {
			continue // no path found: the target cannot be shown with evidence (never expected)
		}
		sort.SliceStable(item.Paths, func(i, j int) bool {
			a, b := item.Paths[i], item.Paths[j]
			if len(a.Nodes) != len(b.Nodes) {
				return len(a.Nodes) < len(b.Nodes)
			}
			return a.Nodes[0].ID < b.Nodes[0].ID
		})
		res.Items = append(res.Items, item)
	}
	sort.SliceStable(res.Items, func(i, j int) bool {
		a, b := res.Items[i], res.Items[j]
		if a.Distance != b.Distance {
			return a.Distance < b.Distance
		}
		return a.Node.ID < b.Node.ID
	})
	return res, nil
}

// collectSources is the barrier between selecting impact's sources and searching from them:
// without it the planner may start from the (fewer) targets and enumerate every path back to
// the sources. One source found by its id needs none, and the planner, knowing n is one node,
// then keeps a single distance per target without aggregating.
func collectSources(f graph.NodeFilter) string {
	if oneSource(f) {
		return "WITH n"
	}
	return "WITH collect(n) AS sources UNWIND sources AS n"
}

// kindLabels renders a label expression for kinds (":Decision|AISystem"), ":Node" for none. The
// labels come from the fixed kind table.
func kindLabels(kinds []graph.Kind) string {
	var labels []string
	for _, k := range kinds {
		if info, ok := graph.KindOf(k); ok {
			labels = append(labels, info.Label)
		}
	}
	if len(labels) == 0 {
		return ":Node"
	}
	return ":" + strings.Join(labels, "|")
}

// oneSource reports whether f selects its sources by one id (candidates seeks it).
func oneSource(f graph.NodeFilter) bool {
	return len(slices.Compact(slices.Sorted(slices.Values(f.IDs)))) == 1
}
