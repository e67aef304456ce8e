package graph

import "context"

// sameAs (docs/formats.md "sameAs"): a record may list other ids that name the same
// thing (NodeRecord.SameAs). The graph keeps one node, under the declaring id; each other id is
// an alias that finds it. An alias that was a node of its own (an OpenLineage dataset imported
// before the register named it) is merged into the declaring node when declared: its
// relationships move over, its sources join the node's, and it goes.

// Identity is what an id names in the graph: the id of the node (the declaring id, for an
// alias) and its kind.
type Identity struct {
	ID   string
	Kind Kind
}

// Identifier tells what ids name: the current graph's nodes and aliases (aliases are not
// historical: as of an earlier instant an alias finds the node it names now).
type Identifier interface {
	// Identify returns, for each of ids that names a node (its own id or an alias), that node's
	// identity; ids that name nothing are left out.
	Identify(ctx context.Context, ids []string) (map[string]Identity, error)
}

// Canonical returns ids with each alias replaced by the id of the node it names, in order and
// without duplicates; ids that name nothing stay as they are.
func Canonical(ctx context.Context, s Identifier, ids []string) ([]string, error) {
	if len(ids) == 0 {
		return ids, nil
	}
	found, err := s.Identify(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(ids))
	seen := map[string]bool{}
	for _, id := range ids {
		if who, ok := found[id]; ok {
			id = who.ID
		}
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out, nil
}
