package neo4jstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

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

// TestLeanFacts: a fact stores its evidence as one list and the instants of its life only where
// they differ (evidence, sinceOf: import.go), and a graph whose facts store them all as separate
// properties, as graphs written before do, answers the same: current, as of an instant between
// runs, and what changed.
func TestLeanFacts(t *testing.T) {
	ctx := context.Background()
	s := neo4jtest.Fresh(t)
	cfg := neo4jtest.Config(t)
	d, err := neo4j.NewDriverWithContext(cfg.URI, neo4j.NoAuth())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close(ctx)
	query := func(q string) *neo4j.Record {
		t.Helper()
		res, err := neo4j.ExecuteQuery(ctx, d, q, nil, neo4j.EagerResultTransformer, neo4j.ExecuteQueryWithDatabase(cfg.Database))
		if err != nil {
			t.Fatal(err)
		}
		return res.Records[0]
	}
	// stored counts the facts (nodes and relationships) and those that store prop.
	stored := func(prop string) (facts, with int64) {
		t.Helper()
		rec := query(`CALL () { MATCH (x:Node) RETURN x.` + prop + ` AS v UNION ALL MATCH ()-[x]->() RETURN x.` + prop + ` AS v }
RETURN count(*) AS facts, count(v) AS with`)
		f, _ := rec.Get("facts")
		w, _ := rec.Get("with")
		return f.(int64), w.(int64)
	}
	// firstDiff shows where two answers part, for a message.
	firstDiff := func(a, b string) string {
		i := 0
		for i < len(a) && i < len(b) && a[i] == b[i] {
			i++
		}
		from := max(0, i-300)
		return fmt.Sprintf("from byte %d:\n%.900s\n%.900s", i, a[from:], b[from:])
	}
	estate := storetest.Testdata(t, "estate")
	before := time.Now()
	storetest.Import(t, s, importer.Options{}, estate)
	for _, prop := range []string{"_since", "_lastAt", "_hash", "_file", "_line", "_lastRun"} {
		if facts, with := stored(prop); facts == 0 || with != 0 {
			t.Errorf("after a first import %d of %d facts store %s, want none", with, facts, prop)
		}
	}
	if facts, with := stored("_ev"); with != facts {
		t.Errorf("after a first import %d of %d facts store _ev, want all", with, facts)
	}
	between := time.Now()
	storetest.Import(t, s, importer.Options{}, estate) // stated again, unchanged
	if facts, with := stored("_lastAt"); with != facts {
		t.Errorf("stated again: %d of %d facts store _lastAt, want all", with, facts)
	}
	if _, with := stored("_since"); with != 0 {
		t.Errorf("stated again unchanged: %d facts store _since, want none", with)
	}

	until := time.Now()
	answers := func() string {
		t.Helper()
		var out []any
		for _, at := range []time.Time{between, until} {
			r, err := s.At(ctx, at)
			if err != nil {
				t.Fatal(err)
			}
			page, err := r.FindNodes(ctx, graph.NodeFilter{}, graph.PageRequest{First: 1000})
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, n := range page.Nodes {
				ids = append(ids, n.ID)
			}
			edges, err := r.Edges(ctx, ids, graph.Out, nil)
			if err != nil {
				t.Fatal(err)
			}
			sort.Slice(edges, func(i, j int) bool {
				return fmt.Sprint(edges[i].From, edges[i].Type, edges[i].To) < fmt.Sprint(edges[j].From, edges[j].Type, edges[j].To)
			})
			out = append(out, page.Nodes, edges)
		}
		changes, err := s.Changes(ctx, graph.ChangeQuery{Since: before, Until: until})
		if err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(append(out, changes))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	lean := answers()
	if again := answers(); again != lean {
		t.Fatalf("asked twice, the answers differ %s", firstDiff(lean, again))
	}
	if !strings.Contains(lean, `"LastRun":"`) || strings.Contains(lean, `"LastRun":""`) || !strings.Contains(lean, `"Line":`) {
		t.Fatalf("the answers carry no provenance to compare: %.300s", lean)
	}
	query(`CALL () { MATCH (x:Node) RETURN x UNION ALL MATCH ()-[x]->() RETURN x }
SET x._lastAt = coalesce(x._lastAt, x._since, x._changedAt), x._since = coalesce(x._since, x._changedAt),
    x._hash = x._ev[0], x._file = x._ev[1], x._line = toInteger(x._ev[2]), x._lastRun = x._ev[3]
REMOVE x._ev
RETURN count(*) AS n`)
	if facts, with := stored("_since"); with != facts {
		t.Fatalf("rewriting into the older form: %d of %d facts store _since", with, facts)
	}
	if older := answers(); older != lean {
		t.Errorf("the same graph in the older form answers otherwise, %s", firstDiff(lean, older))
	}
	// Stated again over the older form: unchanged, not updated (the fingerprints compare across
	// forms), and each fact is written in the lean form again.
	sum := storetest.Import(t, s, importer.Options{}, estate)
	if nodes, rels := sum.Total(); nodes.Updated+rels.Updated+nodes.Created+rels.Created != 0 || nodes.Unchanged == 0 || rels.Unchanged == 0 {
		t.Errorf("stated again over the older form: nodes %+v, relationships %+v; want all unchanged", nodes, rels)
	}
	if facts, with := stored("_ev"); with != facts {
		t.Errorf("stated again over the older form: %d of %d facts store _ev, want all", with, facts)
	}
}
