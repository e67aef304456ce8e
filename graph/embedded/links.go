package embedded

import (
	"context"
	"slices"

	"github.com/aimsgraph/aimsgraph/graph"
)

// Links implements graph.Reader: the relationships Edges would return, as links, without copying
// anything but their ends, type and key.
func (s *Store) Links(ctx context.Context, ids []string, dir graph.Direction, types []graph.RelType) ([]graph.Link, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	asked := make(map[string]bool, len(ids))
	for _, id := range ids {
		asked[id] = true
	}
	var out []graph.Link
	add := func(rs []*relRec, skip bool) {
		for _, r := range rs {
			if (len(types) == 0 || slices.Contains(types, r.Type)) && !(skip && asked[r.From]) {
				out = append(out, graph.Link{From: r.From, To: r.To, Type: r.Type, KeyValue: keyValue(r.Type, r.Props)})
			}
		}
	}
	for id := range asked {
		n := s.nodes[id]
		if n == nil {
			continue
		}
		if dir == graph.Out || dir == graph.Both {
			add(n.out, false)
		}
		if dir == graph.In || dir == graph.Both {
			add(n.in, dir == graph.Both) // with both directions, a relationship between two of ids comes once, from its from end
		}
	}
	return out, ctx.Err()
}
