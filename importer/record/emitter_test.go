package record_test

import (
	"testing"

	"github.com/aimsgraph/aimsgraph/graph"
	"github.com/aimsgraph/aimsgraph/importer/record"
)

// Stores keep the lists they are handed and share them with readers: the emitter hands them
// lists without room to spare, so a reader's append copies instead of writing into them.
func TestEmittedListsAreClipped(t *testing.T) {
	var nodes []graph.NodeRecord
	var rels []graph.RelRecord
	out := record.NewEmitter("f.yaml", record.Sink{
		Problem: func(p record.Problem) { t.Errorf("problem: %v", p) },
		Node:    func(n graph.NodeRecord) { nodes = append(nodes, n) },
		Rel:     func(r graph.RelRecord, _ string) { rels = append(rels, r) },
	})
	roomy := append(make([]string, 0, 8), "a", "b", "c")
	out.Node(graph.NodeRecord{ID: "ast:x", Kind: graph.Asset, Props: map[string]any{"parentAssets": roomy, "name": "x"}})
	info, _ := graph.RelOf(graph.Represents)
	out.Rel(info, "ast:x", "sys:y", map[string]any{"notes": append(make([]string, 0, 8), "n")}, 1, "parent_assets")
	for what, v := range map[string]any{"node": nodes[0].Props["parentAssets"], "relationship": rels[0].Props["notes"]} {
		l := v.([]string)
		if len(l) == 0 || cap(l) != len(l) {
			t.Errorf("%s list %v has capacity %d for length %d", what, l, cap(l), len(l))
		}
	}
}
