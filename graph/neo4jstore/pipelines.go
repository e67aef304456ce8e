package neo4jstore

import (
	"context"
	"sort"

	"github.com/aimsgraph/aimsgraph/graph"
)

// Pruning around one node (graph.ImportRun.PruneAround): an OpenLineage event replaces what its
// job states, which is all around the job. Every such source of a run is pruned at once, with
// index seeks on the nodes they are around instead of scans of the graph, in the steps prune
// takes (nodes are marked first here, since the relationships that lead to them may go). The
// import code calls in at one point, marked (the prune loop of Import).

// pruneAround prunes the run's scoped sources.
func (w *writer) pruneAround(ctx context.Context) error {
	var prunes []any
	sources := make([]string, 0, len(w.run.PruneAround))
	for src := range w.run.PruneAround {
		sources = append(sources, src)
	}
	sort.Strings(sources)
	for _, src := range sources {
		if w.run.Prunes(src) {
			prunes = append(prunes, map[string]any{"around": w.run.PruneAround[src], "prefix": graph.SeenPrefix(src),
				"stamp": graph.SeenStamp(src, w.run.ID), "at": w.at(src)})
		}
	}
	if len(prunes) == 0 {
		return nil
	}
	params := map[string]any{"prunes": prunes, "run": w.run.ID}
	// unstated: for entity x, the prunes whose source stated x before this run and not in it,
	// and the latest of their instants.
	unstated := `WITH x, [q IN collect(DISTINCT p) WHERE any(s IN x._seen WHERE s STARTS WITH q.prefix) AND NOT q.stamp IN x._seen] AS ps
WHERE size(ps) > 0
WITH x, ps, x._seen AS held, reduce(a = null, q IN ps | CASE WHEN a IS NULL OR q.at > a THEN q.at ELSE a END) AS pat
SET x._seen = [s IN x._seen WHERE NOT any(q IN ps WHERE s STARTS WITH q.prefix)]
WITH x, held, ` + later(sinceOf("x"), "pat") + ` AS at`
	markQ := `UNWIND $prunes AS p
MATCH (c:Node {id: p.around})
OPTIONAL MATCH (c)--(o:Node)
WITH p, c, collect(DISTINCT o) AS os
UNWIND os + [c] AS x
` + unstated + `
CALL (x, held, at) {
  WITH * WHERE size(x._seen) > 0 AND ` + sinceOf("x") + ` < at
  ` + versionOf("NodeVersion", "x", "held", false) + `
  SET ` + restart("x", "at") + `
}
WITH x, held, at WHERE size(x._seen) = 0 SET x:Pruned, x._held = held, x._prunedAt = at`
	relQ := `UNWIND $prunes AS p
MATCH (:Node {id: p.around})-[x]-()
` + unstated + `
CALL (x, held, at) {
  WITH * WHERE size(x._seen) > 0 AND ` + sinceOf("x") + ` < at
  ` + versionOf("RelVersion", "x", "held", false) + `
  SET ` + restart("x", "at") + `
}
WITH x AS r, held, at WHERE size(x._seen) = 0` + deleteRel + `
RETURN t AS name, count(*) AS removed`
	goneRels := func(pattern string) string {
		return `MATCH ` + pattern + ` WITH r, n, r._seen AS held
WITH r, held, ` + later(sinceOf("r"), "n._prunedAt") + ` AS at` + deleteRel
	}
	nodeQ := `MATCH (n:Pruned)
WITH n, ` + later(sinceOf("n"), "n._prunedAt") + ` AS at
CALL (n, at) {
  WITH * WHERE ` + sinceOf("n") + ` < at
  ` + versionOf("NodeVersion", "n", "n._held", true) + `
}
WITH n, n.kind AS k DELETE n RETURN k AS name, count(*) AS removed`
	return w.runCounting(ctx, params, 1, 4, markQ, relQ, goneRels("(n:Pruned)-[r]->()"), goneRels("()-[r]->(n:Pruned)"), nodeQ)
}
