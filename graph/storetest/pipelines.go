package storetest

import (
	"context"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/aimsgraph/aimsgraph/graph"
	"github.com/aimsgraph/aimsgraph/importer"
)

// Pipelines: jobs (docs/ingest.md) and what OpenLineage events need of a store: per-source pruning and
// the event recorded with its run.

// testJobs: a job reads datasets and writes a dataset and a model (FEEDS Dataset→Job→Dataset|
// Model); lineage and impact go through it. The sample estate is an AI register and has no jobs,
// so they are checked here.
func testJobs(t *testing.T, s graph.Store) {
	Import(t, s, importer.Options{}, writeFile(t, "pipeline.yaml", `source: pipelines
datasets:
  - {id: ds:raw, name: Raw events, origin: THIRD_PARTY, flags: [PRIVACY]}
  - {id: ds:features, name: Features}
models:
  - {id: mdl:scorer, name: Scorer}
systems:
  - {id: sys:scoring, name: Scoring, models: [mdl:scorer]}
decisions:
  - {id: dec:approve, name: Approve, informedBy: [sys:scoring]}
jobs:
  - {id: job:build, name: Feature build, namespace: airflow, inputs: [ds:raw], outputs: [ds:features, mdl:scorer]}
`))
	job := node(t, s, "job:build")
	if job == nil || job.Kind != graph.Job || job.Props["namespace"] != "airflow" {
		t.Fatalf("the job: %+v", job)
	}
	var got []string
	for _, r := range edgesOf(t, s, "job:build", graph.Both, graph.Feeds) {
		got = append(got, r.From+" -> "+r.To)
	}
	sort.Strings(got)
	if want := []string{"ds:raw -> job:build", "job:build -> ds:features", "job:build -> mdl:scorer"}; !reflect.DeepEqual(got, want) {
		t.Errorf("the job's FEEDS: %v, want %v", got, want)
	}
	res, err := s.Impact(context.Background(), CanonicalQuery(10))
	if err != nil || len(res.Items) != 1 || res.Items[0].Node.ID != "dec:approve" || res.Items[0].Distance != 4 {
		t.Fatalf("the canonical question through the job: %+v %v", res, err)
	}
	var path []string
	for _, n := range res.Items[0].Paths[0].Nodes {
		path = append(path, n.ID)
	}
	if want := []string{"ds:raw", "job:build", "mdl:scorer", "sys:scoring", "dec:approve"}; !reflect.DeepEqual(path, want) {
		t.Errorf("evidence %v, want %v", path, want)
	}
}

// testPruneOnly: a run that prunes only some of its sources (ImportRun.PruneOnly) leaves what
// the others stated before and do not state again.
func testPruneOnly(t *testing.T, s graph.Store) {
	ctx := context.Background()
	write := func(id string, prune bool, only []string, nodes ...graph.NodeRecord) {
		t.Helper()
		run := graph.ImportRun{ID: id, StartedAt: time.Now().UTC(), Sources: []string{"lineage", "facets"}, Prune: prune, PruneOnly: only}
		if _, err := s.Import(ctx, run, func(ctx context.Context, w graph.Writer) error { return w.WriteNodes(ctx, nodes) }); err != nil {
			t.Fatal(err)
		}
	}
	rec := func(id, source string) graph.NodeRecord {
		return graph.NodeRecord{ID: id, Kind: graph.Dataset, Props: map[string]any{"name": id}, Source: source}
	}
	write("00000000-0000-7000-8000-000000000001", false, nil, rec("ds:a", "lineage"), rec("ds:b", "facets"))
	write("00000000-0000-7000-8000-000000000002", true, []string{"lineage"}, rec("ds:c", "lineage"))
	if node(t, s, "ds:a") != nil || node(t, s, "ds:b") == nil || node(t, s, "ds:c") == nil {
		t.Errorf("pruning only `lineage` must end ds:a, keep ds:b (facets) and ds:c")
	}
}

// testRunEvents: the event a run applied (OpenLineage provenance) is kept with its files.
func testRunEvents(t *testing.T, s graph.Store) {
	ctx := context.Background()
	at := time.Date(2026, 3, 2, 2, 10, 0, 500, time.UTC)
	ev := &graph.EventInfo{Type: "COMPLETE", Time: at, Producer: "https://example.com/producer", Job: "job:ol:ns/j", RunID: "r-1", ParentJob: "job:ol:ns/p", ParentRun: "r-0"}
	run := graph.ImportRun{ID: "00000000-0000-7000-8000-000000000003", StartedAt: time.Now().UTC(), Sources: []string{"job:ol:ns/j"},
		Files:       []graph.FileDigest{{Path: "events.json", SHA256: "ab", Source: "job:ol:ns/j", Format: "openlineage", Event: ev}},
		SourceTimes: map[string]time.Time{"job:ol:ns/j": at}}
	if _, err := s.Import(ctx, run, func(context.Context, graph.Writer) error { return nil }); err != nil {
		t.Fatal(err)
	}
	runs, err := s.Runs(ctx, graph.RunQuery{Sources: []string{"job:ol:ns/j"}, Limit: 1})
	if err != nil || len(runs) != 1 || len(runs[0].Files) != 1 || runs[0].Files[0].Event == nil {
		t.Fatalf("runs: %+v %v", runs, err)
	}
	if got := *runs[0].Files[0].Event; !reflect.DeepEqual(got, *ev) {
		t.Errorf("event %+v, want %+v", got, *ev)
	}
}

// testPruneAround: a source pruned around a node (ImportRun.PruneAround) ends what it stated
// there (the node, its relationships, their other ends) and nothing elsewhere.
func testPruneAround(t *testing.T, s graph.Store) {
	ctx := context.Background()
	rec := func(id string, kind graph.Kind) graph.NodeRecord {
		return graph.NodeRecord{ID: id, Kind: kind, Props: map[string]any{"name": id}, Source: "job:j"}
	}
	run := func(id string, prune bool, nodes []graph.NodeRecord, rels []graph.RelRecord) {
		t.Helper()
		r := graph.ImportRun{ID: id, StartedAt: time.Now().UTC(), Sources: []string{"job:j"}, Prune: prune, PruneOnly: []string{"job:j"},
			PruneAround: map[string]string{"job:j": "job:j"}}
		_, err := s.Import(ctx, r, func(ctx context.Context, w graph.Writer) error {
			if err := w.WriteNodes(ctx, nodes); err != nil {
				return err
			}
			return w.WriteRelationships(ctx, rels)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	feeds := func(from, to string) graph.RelRecord {
		return graph.RelRecord{Type: graph.Feeds, From: from, To: to, Props: map[string]any{}, Source: "job:j"}
	}
	run("00000000-0000-7000-8000-000000000011", false,
		[]graph.NodeRecord{rec("job:j", graph.Job), rec("ds:in", graph.Dataset), rec("ds:out", graph.Dataset), rec("ds:far", graph.Dataset)},
		[]graph.RelRecord{feeds("ds:in", "job:j"), feeds("job:j", "ds:out")})
	run("00000000-0000-7000-8000-000000000012", true,
		[]graph.NodeRecord{rec("job:j", graph.Job), rec("ds:out", graph.Dataset)},
		[]graph.RelRecord{feeds("job:j", "ds:out")})
	if node(t, s, "ds:in") != nil || len(edgesOf(t, s, "job:j", graph.In)) != 0 {
		t.Errorf("the input the job no longer reads, and its edge, must end")
	}
	if node(t, s, "ds:out") == nil || len(edgesOf(t, s, "job:j", graph.Out)) != 1 {
		t.Errorf("the output stated again must stay")
	}
	if node(t, s, "ds:far") == nil {
		t.Errorf("what the source stated away from the job is out of the prune's reach and stays")
	}
}
