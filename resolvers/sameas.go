package resolvers

import (
	"context"

	"github.com/aimsgraph/aimsgraph/graph"
	"github.com/aimsgraph/aimsgraph/resolvers/model"
)

// Questions by any id of a node (sameAs, graph/sameas.go). Aliases are looked up only where it
// costs nothing in the usual case: when an id found nothing, or when a filter lists ids; so a
// question about a node's own id stays one store call.

// aliasTarget returns the node id names when id is an alias, else "".
func aliasTarget(ctx context.Context, v *model.Loaders, id string) (string, error) {
	found, err := v.Store.Identify(ctx, []string{id})
	if err != nil {
		return "", err
	}
	if who, ok := found[id]; ok && who.ID != id {
		return who.ID, nil
	}
	return "", nil
}

// canonicalID returns the id of the node id names in found (what Identify answered), or id
// itself when it names nothing.
func canonicalID(found map[string]graph.Identity, id string) string {
	if who, ok := found[id]; ok {
		return who.ID
	}
	return id
}

// canonicalFilter replaces aliases among a filter's ids by the ids of the nodes they name.
func canonicalFilter(ctx context.Context, v *model.Loaders, f graph.NodeFilter) (graph.NodeFilter, error) {
	if len(f.IDs) == 0 {
		return f, nil
	}
	ids, err := graph.Canonical(ctx, v.Store, f.IDs)
	f.IDs = ids
	return f, err
}
