package embedded

// Pruning around one node (graph.ImportRun.PruneAround): an OpenLineage event replaces what its
// job states, which is all around the job, so its run looks there instead of scanning the graph.
// The import code calls in at one point, marked (the prune loop of Import).

// pruneAround prunes source among node id, its relationships and their other ends.
func (st *stage) pruneAround(source, id string) {
	rels := st.relsTouching(map[string]bool{id: true})
	seen := map[string]bool{}
	var nodes []*nodeRec
	add := func(nid string) {
		if n := st.node(nid); n != nil && !seen[nid] {
			seen[nid] = true
			nodes = append(nodes, n)
		}
	}
	add(id)
	for _, r := range rels {
		add(r.From)
		add(r.To)
	}
	st.pruneIn(source, rels, nodes, st.relsTouching)
}

// relsTouching lists the relationships of the staged view (the graph with this run's changes)
// with an end among ids: the committed adjacency of those nodes, then the run's own.
func (st *stage) relsTouching(ids map[string]bool) []*relRec {
	var out []*relRec
	seen := map[string]bool{}
	add := func(key string) {
		if r := st.rel(key); r != nil && !seen[key] && (ids[r.From] || ids[r.To]) {
			seen[key] = true
			out = append(out, r)
		}
	}
	for id := range ids {
		if n := st.s.nodes[id]; n != nil {
			for _, r := range n.out {
				add(r.key)
			}
			for _, r := range n.in {
				add(r.key)
			}
		}
	}
	for key, r := range st.rels {
		if r != nil {
			add(key)
		}
	}
	return out
}
