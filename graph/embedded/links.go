package embedded

import (
	"context"

	"github.com/aimsgraph/aimsgraph/graph"
)

// Links implements graph.Reader: the relationships Edges would return, as links, without copying
// anything but their ends, type and key.
func (s *Store) Links(ctx context.Context, ids []string, dir graph.Direction, types []graph.RelType) ([]graph.Link, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []graph.Link
	s.eachEdge(ids, dir, types, func(r *relRec) {
		out = append(out, graph.Link{From: r.From, To: r.To, Type: r.Type, KeyValue: keyValue(r.Type, r.Props)})
	})
	return out, ctx.Err()
}
