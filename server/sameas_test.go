package server_test

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/aimsgraph/aimsgraph/graph"
	"github.com/aimsgraph/aimsgraph/graph/storetest"
	"github.com/aimsgraph/aimsgraph/importer"
	"github.com/aimsgraph/aimsgraph/internal/embeddedtest"
	"github.com/aimsgraph/aimsgraph/resolvers"
)

// TestQueriesByAlias: every question that takes ids finds a node by any of them (sameAs): the
// register's dataset by the id OpenLineage gives it.
func TestQueriesByAlias(t *testing.T) {
	const alias = "ds:ol:s3://bank-landing/bureau/monthly"
	for _, st := range allStores {
		t.Run(st.Name, func(t *testing.T) {
			s := st.Open(t)
			storetest.Import(t, s, importer.Options{}, storetest.Testdata(t, "sameas", "register.yaml"))
			storetest.Import(t, s, importer.Options{}, storetest.Testdata(t, "openlineage", "runs", "2-complete.json"))
			a := serve(t, &countingStore{Store: s, calls: map[string]int{}}, resolvers.DefaultLimits())
			vars := map[string]any{"id": alias}
			data := a.ok(`query($id: ID!) {
  node(id: $id) { id }
  nodes(filter: {ids: [$id]}) { nodes { id } }
  lineage(id: $id, direction: DOWNSTREAM) { nodes { id } }
  paths(from: $id, to: "dec:loan-approval") { nodes { id } }
  impact(sources: {ids: [$id]}) { items { node { id } distance } }
}`, vars)
			if got := get(data, "node", "id"); got != "ds:bureau-feed" {
				t.Errorf("node: %v", got)
			}
			if got := ids(data, "nodes", "nodes"); !reflect.DeepEqual(got, []string{"ds:bureau-feed"}) {
				t.Errorf("nodes: %v", got)
			}
			if got := ids(data, "lineage", "nodes"); !slices.Contains(got, "dec:loan-approval") || !slices.Contains(got, "ds:bureau-feed") {
				t.Errorf("lineage: %v", got)
			}
			if got := ids(data, "paths", 0, "nodes"); len(got) != 6 || got[0] != "ds:bureau-feed" {
				t.Errorf("paths: %v", got)
			}
			if got := get(data, "impact", "items", 0, "node", "id"); got != "dec:loan-approval" || get(data, "impact", "items", 0, "distance") != float64(5) {
				t.Errorf("impact: %v", get(data, "impact"))
			}
			// Two names of one node are two ends of a path question: asked by its alias and its
			// own id, the answer is the node's own (no NOT_FOUND for the alias).
			self := a.ok(`{ paths(from: "ds:bureau-feed", to: "ds:bureau-feed") { nodes { id } } }`, nil)
			if r := a.query(`query($id: ID!) { paths(from: $id, to: "ds:bureau-feed") { nodes { id } } }`, vars); len(r.Errors) > 0 || !reflect.DeepEqual(r.Data, self) {
				t.Errorf("paths from an alias to its own node: %+v %v, want %v", r.Errors, r.Data, self)
			}
			// An id that names nothing is still not found.
			if r := a.query(`{ lineage(id: "ds:ol:nowhere", direction: BOTH) { nodes { id } } }`, nil); len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "NOT_FOUND" {
				t.Errorf("unknown id: %+v", r.Errors)
			}
		})
	}
}

// identifyFails is a store whose alias lookups fail as an unreachable store's do.
type identifyFails struct{ graph.Store }

func (identifyFails) Identify(context.Context, []string) (map[string]graph.Identity, error) {
	return nil, fmt.Errorf("identify: %w", graph.ErrUnavailable)
}

// TestAliasLookupFailure: when the second look, for an alias, fails, the answer says the store
// failed, not that the id names nothing.
func TestAliasLookupFailure(t *testing.T) {
	s := embeddedtest.Fresh(t)
	storetest.Import(t, s, importer.Options{}, storetest.Testdata(t, "estate"))
	a := serve(t, &countingStore{Store: identifyFails{s}, calls: map[string]int{}}, resolvers.DefaultLimits())
	for _, q := range []string{
		`{ lineage(id: "ds:ol:nowhere", direction: BOTH) { nodes { id } } }`,
		`{ paths(from: "ds:ol:nowhere", to: "dec:loan-approval") { nodes { id } } }`,
		`{ exposure(id: "ds:ol:nowhere") { category } }`,
	} {
		if r := a.query(q, nil); len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != resolvers.CodeUnavailable {
			t.Errorf("%s: %+v, want %s", q, r.Errors, resolvers.CodeUnavailable)
		}
	}
}
