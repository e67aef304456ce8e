package neo4jstore_test

import (
	"context"
	"testing"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/aimsgraph/aimsgraph/graph"
	"github.com/aimsgraph/aimsgraph/graph/neo4jstore"
	"github.com/aimsgraph/aimsgraph/graph/storetest"
	"github.com/aimsgraph/aimsgraph/importer"
	"github.com/aimsgraph/aimsgraph/internal/neo4jtest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) graph.Store { return neo4jtest.Fresh(t) })
}

func TestTraversals(t *testing.T) {
	storetest.RunTraversals(t, neo4jtest.Fresh(t))
}

func TestHistory(t *testing.T) {
	storetest.RunHistory(t, func(t *testing.T) graph.Store { return neo4jtest.Fresh(t) })
}

// TestHelperLabelsOfAnOlderGraph: a graph written before the helper labels existed (schema
// version 2) is labelled when a store opens it, so questions that start from the labels miss
// nothing.
func TestHelperLabelsOfAnOlderGraph(t *testing.T) {
	ctx := context.Background()
	s := neo4jtest.Fresh(t)
	storetest.Import(t, s, importer.Options{}, storetest.Testdata(t, "estate"))
	yes := true
	canonical := graph.NodeFilter{Kinds: []graph.Kind{graph.Dataset}, ThirdParty: &yes, Flags: []string{"PRIVACY"}}
	before, err := s.FindNodes(ctx, canonical, graph.PageRequest{First: 10})
	if err != nil || len(before.Nodes) != 2 {
		t.Fatalf("before: %v, %v", before, err)
	}
	cfg := neo4jtest.Config(t)
	d, err := neo4j.NewDriverWithContext(cfg.URI, neo4j.NoAuth())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close(ctx)
	if _, err := neo4j.ExecuteQuery(ctx, d, `MATCH (n:Node) REMOVE n:ThirdParty, n:Flagged
WITH count(*) AS n MATCH (m:AimsgraphSchema) SET m.version = 2`, nil, neo4j.EagerResultTransformer, neo4j.ExecuteQueryWithDatabase(cfg.Database)); err != nil {
		t.Fatal(err)
	}
	s2, err := neo4jstore.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close(ctx)
	after, err := s2.FindNodes(ctx, canonical, graph.PageRequest{First: 10})
	if err != nil || len(after.Nodes) != 2 || after.Nodes[0].ID != before.Nodes[0].ID || after.Nodes[1].ID != before.Nodes[1].ID {
		t.Errorf("after reopening: %+v, want the nodes of %+v (%v)", after, before, err)
	}
}
