package neo4jstore

import (
	"context"

	"github.com/aimsgraph/aimsgraph/graph"
)

// Links implements graph.Reader: Edges' relationships as links (ends, type, key), so a traversal
// built on the primitives moves without transferring properties and provenance.
func (s *Store) Links(ctx context.Context, ids []string, dir graph.Direction, types []graph.RelType) ([]graph.Link, error) {
	q, params := edgesQuery(ids, dir, types, `a.id AS from, b.id AS to, type(r) AS type, `+keyOf("type(r)", "r")+` AS key`)
	recs, err := s.read(ctx, q, params)
	if err != nil {
		return nil, err
	}
	out := make([]graph.Link, 0, len(recs))
	for _, rec := range recs {
		get := func(k string) string { v, _ := rec.Get(k); return stringOr(v) }
		out = append(out, graph.Link{From: get("from"), To: get("to"), Type: graph.RelType(get("type")), KeyValue: get("key")})
	}
	return out, nil
}
