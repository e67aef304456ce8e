package neo4jstore

import (
	"context"
	"strings"

	"github.com/aimsgraph/aimsgraph/graph"
)

// Links implements graph.Reader: Edges' relationships as links (ends, type, key), so a traversal
// built on the primitives moves without transferring properties and provenance.
func (s *Store) Links(ctx context.Context, ids []string, dir graph.Direction, types []graph.RelType) ([]graph.Link, error) {
	params := map[string]any{"ids": ids}
	typeCond := "true"
	if len(types) > 0 {
		ts := make([]string, len(types))
		for i, t := range types {
			ts[i] = string(t)
		}
		params["types"] = ts
		typeCond = "type(r) IN $types"
	}
	ret := ` RETURN a.id AS from, b.id AS to, type(r) AS type, ` + keyOf("type(r)", "r") + ` AS key`
	var parts []string
	if dir == graph.Out || dir == graph.Both {
		parts = append(parts, `UNWIND $ids AS id MATCH (a:Node {id: id})-[r]->(b:Node) WHERE `+typeCond+ret)
	}
	if dir == graph.In || dir == graph.Both {
		parts = append(parts, `UNWIND $ids AS id MATCH (a:Node)-[r]->(b:Node {id: id}) WHERE `+typeCond+ret)
	}
	recs, err := s.read(ctx, strings.Join(parts, " UNION "), params)
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
