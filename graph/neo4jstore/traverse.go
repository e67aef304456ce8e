package neo4jstore

import (
	"context"
	"fmt"
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
// over-fetched to keep First simple paths when cycles are about.
func (s *Store) Paths(ctx context.Context, q graph.PathQuery) ([]graph.Path, error) {
	k := q.First*2 + 2
	query := fmt.Sprintf(`MATCH (a:Node {id: $from}), (b:Node {id: $to})
MATCH p = SHORTEST %d (a)-[:%s]->{1,%d}(b)
RETURN p ORDER BY length(p)`, k, lineageTypes, max(1, q.MaxDepth))
	recs, err := s.read(ctx, query, map[string]any{"from": q.From, "to": q.To})
	if err != nil {
		return nil, err
	}
	var out []graph.Path
	for _, rec := range recs {
		p, _ := rec.Get("p")
		if path, ok := toPath(p.(neo4j.Path)); ok {
			out = append(out, path)
			if len(out) == q.First {
				break
			}
		}
	}
	return out, nil
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

// Impact implements graph.Store in one query, in two phases.
//
// Reach: a breadth-first search from all sources at once, unrolled into one subquery per level:
// each level is the DISTINCT lineage neighbours of the one before, so the work is about depth x
// edges of the reached region, however many sources there are. (Matching (src)-[*]->(t) per
// source, the obvious pattern, costs sources x region: 40 times slower at 20k relationships.)
// Each target's distance is the first level that reached it; targets are kept nearest first,
// then by id, up to Limit.
//
// Evidence: for each kept target, the sources exactly that far upstream (a pruned, DISTINCT
// backward expansion bounded by the distance, one UNION branch per possible distance because
// bounds are literals), the first PathsPerItem of them by id, and one shortest path from each.
//
// A source does not impact itself: the search excludes it as its own evidence. A target that a
// cycle leads back to its own source, and that another source reaches only from further away,
// is left out (its distance is taken from the cycle); see docs/performance.md.
func (s *Store) Impact(ctx context.Context, q graph.ImpactQuery) (*graph.ImpactResult, error) {
	params := map[string]any{"targets": kindStrings(q.Targets), "limit": int64(q.Limit), "perItem": int64(max(1, q.PathsPerItem))}
	where := filterWhere(q.Sources, params)
	depth := max(1, q.MaxDepth)
	// Only integers and the fixed lineage types are written into the query text.
	var b strings.Builder
	fmt.Fprintf(&b, "MATCH (n:Node) WHERE %s\nWITH collect(n) AS srcs\nWITH srcs, srcs AS frontier, [] AS found\n", where)
	for d := 1; d <= depth; d++ {
		fmt.Fprintf(&b, `CALL (frontier) {
  UNWIND frontier AS x MATCH (x)-[:%s]->(m:Node) RETURN collect(DISTINCT m) AS next
}
WITH srcs, next AS frontier, found + [m IN next WHERE $targets IS NULL OR m.kind IN $targets | {t: m, d: %d}] AS found
`, lineageTypes, d)
	}
	b.WriteString(`UNWIND found AS f
WITH srcs, f.t AS t, min(f.d) AS dist ORDER BY dist, t.id
WITH srcs, collect({t: t, d: dist}) AS ts
WITH srcs, ts[..$limit] AS items, size(ts) > $limit AS truncated
UNWIND items AS item
WITH srcs, item.t AS t, item.d AS dist, truncated
CALL (srcs, t, dist) {
`)
	for d := 1; d <= depth; d++ {
		if d > 1 {
			b.WriteString("  UNION\n")
		}
		fmt.Fprintf(&b, "  WITH * WHERE dist = %d MATCH (t)<-[:%s*1..%d]-(n:Node) WHERE n <> t AND n IN srcs RETURN DISTINCT n\n", d, lineageTypes, d)
	}
	fmt.Fprintf(&b, `}
WITH t, truncated, n ORDER BY n.id
WITH t, truncated, collect(n)[..$perItem] AS nearest
UNWIND nearest AS n
MATCH p = ANY SHORTEST (n)-[:%s]->{1,%d}(t)
RETURN t.id AS target, p, truncated`, lineageTypes, depth)
	query := b.String()
	recs, err := s.read(ctx, query, params)
	if err != nil {
		return nil, err
	}
	res := &graph.ImpactResult{}
	byTarget := map[string]*graph.ImpactItem{}
	for _, rec := range recs {
		target, _ := rec.Get("target")
		p, _ := rec.Get("p")
		tr, _ := rec.Get("truncated")
		res.Truncated = tr.(bool)
		path, ok := toPath(p.(neo4j.Path))
		if !ok {
			continue // a shortest path never repeats a node; kept for safety
		}
		id := target.(string)
		item := byTarget[id]
		if item == nil {
			item = &graph.ImpactItem{Node: path.Nodes[len(path.Nodes)-1], Distance: len(path.Relationships)}
			byTarget[id] = item
		}
		item.Distance = min(item.Distance, len(path.Relationships))
		item.Paths = append(item.Paths, path)
	}
	for _, item := range byTarget {
		sort.SliceStable(item.Paths, func(i, j int) bool {
			if len(item.Paths[i].Nodes) != len(item.Paths[j].Nodes) {
				return len(item.Paths[i].Nodes) < len(item.Paths[j].Nodes)
			}
			return item.Paths[i].Nodes[0].ID < item.Paths[j].Nodes[0].ID
		})
		res.Items = append(res.Items, *item)
	}
	sort.Slice(res.Items, func(i, j int) bool {
		a, b := res.Items[i], res.Items[j]
		if a.Distance != b.Distance {
			return a.Distance < b.Distance
		}
		return a.Node.ID < b.Node.ID
	})
	return res, nil
}
