package server_test

import (
	"reflect"
	"slices"
	"testing"

	"github.com/aimsgraph/aimsgraph/graph/storetest"
	"github.com/aimsgraph/aimsgraph/importer"
	"github.com/aimsgraph/aimsgraph/resolvers"
)

// TestQueriesByAlias: every question that takes ids finds a node by any of them (sameAs): the
// register's dataset by the id OpenLineage gives it.
func TestQueriesByAlias(t *testing.T) {
	const alias = "ds:ol:s3://bank-landing/bureau/monthly"
	for _, st := range allStores {
		t.Run(st.name, func(t *testing.T) {
			s := st.open(t)
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
			// An id that names nothing is still not found.
			if r := a.query(`{ lineage(id: "ds:ol:nowhere", direction: BOTH) { nodes { id } } }`, nil); len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "NOT_FOUND" {
				t.Errorf("unknown id: %+v", r.Errors)
			}
		})
	}
}
