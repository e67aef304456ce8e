package importer_test

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aimsgraph/aimsgraph/graph"
	"github.com/aimsgraph/aimsgraph/graph/storetest"
	"github.com/aimsgraph/aimsgraph/importer"
)

const (
	buildJob    = "job:ol:airflow-risk/credit_features.build"
	bureauFeed  = "ds:ol:s3://bank-landing/bureau/monthly"
	accounts    = "ds:ol:postgres://core:5432/core.public.accounts"
	cardEvents  = "ds:ol:kafka://events:9092/card-transactions"
	featureSet  = "ds:ol:s3://bank-features/credit/features"
	trainJob    = "job:ol:airflow-risk/weekly_retrain.train_scorer"
	scorerModel = "mdl:ol:mlflow://models/retail-credit-scorer"
)

func mustImport(t *testing.T, s graph.Store, paths ...string) []importer.FileOutcome {
	t.Helper()
	out := importEach(t, s, paths...)
	for _, o := range out {
		if o.Err != nil {
			t.Fatalf("%v: %v", o.Files, o.Err)
		}
	}
	return out
}

// upstream lists the ids upstream of id along lineage edges.
func upstream(t *testing.T, s graph.Reader, id string) []string {
	t.Helper()
	sub, err := s.Lineage(context.Background(), graph.LineageQuery{ID: id, Direction: graph.In, MaxDepth: 5, Limit: 100})
	if err != nil || sub == nil {
		t.Fatalf("lineage of %s: %v", id, err)
	}
	var ids []string
	for _, n := range sub.Nodes {
		if n.ID != id {
			ids = append(ids, n.ID)
		}
	}
	sort.Strings(ids)
	return ids
}

// TestOpenLineageRuns: a job whose inputs change between two completed runs. The current lineage
// is the newest run's: the input it no longer reads is gone, with the dataset nobody else states;
// as of an instant between the two eventTimes the graph holds the first run's lineage; the run
// records the event (producer, job, run id, eventTime); the older event imported again
// afterwards is superseded and changes nothing.
func TestOpenLineageRuns(t *testing.T) { onEachStore(t, testOpenLineageRuns) }

func testOpenLineageRuns(t *testing.T, s graph.Store) {
	ctx := context.Background()
	dir := storetest.Testdata(t, "openlineage", "runs")
	mustImport(t, s, filepath.Join(dir, "1-complete.json"))
	if got, want := upstream(t, s, featureSet), []string{accounts, bureauFeed, buildJob}; !reflect.DeepEqual(got, want) {
		t.Errorf("after the first run, upstream of the features: %v, want %v", got, want)
	}
	out := mustImport(t, s, filepath.Join(dir, "2-complete.json"))
	if len(out) != 1 || out[0].Label != "COMPLETE "+buildJob || len(out[0].Warnings) > 0 {
		t.Errorf("second run: %+v", out)
	}
	if got, want := upstream(t, s, featureSet), []string{cardEvents, bureauFeed, buildJob}; !reflect.DeepEqual(got, want) {
		t.Errorf("after the second run, upstream of the features: %v, want %v", got, want)
	}
	if ns, err := s.Nodes(ctx, []string{accounts}); err != nil || len(ns) != 0 {
		t.Errorf("the accounts table the job no longer reads, which no other source states: %v %v", ns, err)
	}
	// History: between the two runs' eventTimes the graph holds the first run's lineage.
	then, err := s.At(ctx, time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := upstream(t, then, featureSet), []string{accounts, bureauFeed, buildJob}; !reflect.DeepEqual(got, want) {
		t.Errorf("as of between the runs, upstream of the features: %v, want %v", got, want)
	}
	job := node(t, s, buildJob)
	if job.Kind != graph.Job || job.Props["name"] != "credit_features.build" || job.Props["namespace"] != "airflow-risk" ||
		!reflect.DeepEqual(job.Provenance.Sources, []string{buildJob}) {
		t.Errorf("the job: %+v", job)
	}
	runs, err := s.Runs(ctx, graph.RunQuery{Sources: []string{buildJob}, Limit: 1})
	if err != nil || len(runs) != 1 || len(runs[0].Files) != 1 || runs[0].Files[0].Event == nil {
		t.Fatalf("the job's latest run: %+v %v", runs, err)
	}
	want := graph.EventInfo{Type: "COMPLETE", Time: time.Date(2026, 3, 2, 2, 10, 0, 0, time.UTC), Job: buildJob,
		Producer: "https://github.com/apache/airflow/tree/providers-openlineage/2.1.0", RunID: "0195a0b2-0000-7000-8000-000000000002"}
	if got := *runs[0].Files[0].Event; !reflect.DeepEqual(got, want) || runs[0].Files[0].Format != "openlineage" {
		t.Errorf("the run records the event %+v (%s), want %+v", got, runs[0].Files[0].Format, want)
	}

	before := storetest.Take(t, s)
	out = importEach(t, s, filepath.Join(dir, "1-complete.json"))
	if len(out) != 1 || out[0].Err != nil || !strings.Contains(out[0].Superseded, "older (2026-03-01T02:10:00Z) than what "+buildJob+" last stated (2026-03-02T02:10:00Z") {
		t.Errorf("the late first run: %+v", out)
	}
	if diff := before.Diff(storetest.Take(t, s)); diff != "" {
		t.Errorf("a superseded event changed the graph:\n%s", diff)
	}
}

// TestOpenLineageFacets: a START event carries the facets and its COMPLETE event only names the
// datasets (as Marquez and many integrations send them). The job, its input and the model it
// writes keep the START's descriptions; ownership gives roles; symlinks are other ids of the
// dataset; columnLineage stays on the edge; the parent run is kept with the job and the event.
func TestOpenLineageFacets(t *testing.T) { onEachStore(t, testOpenLineageFacets) }

func testOpenLineageFacets(t *testing.T, s graph.Store) {
	out := mustImport(t, s, storetest.Testdata(t, "openlineage", "facets"))
	if len(out) != 2 || out[0].Line != 1 || out[1].Line != 2 || out[0].Label != "START "+trainJob || out[1].Label != "COMPLETE "+trainJob {
		t.Fatalf("one run per event, in time order: %+v", out)
	}
	job := node(t, s, trainJob)
	if job.Props["description"] != "Trains the retail credit scorer on the feature store." || job.Props["processingType"] != "BATCH" ||
		job.Props["parentJob"] != "job:ol:airflow-risk/weekly_retrain" {
		t.Errorf("the job after START and COMPLETE: %v", job.Props)
	}
	features := node(t, s, featureSet)
	if !reflect.DeepEqual(graph.TextList(features.Props["columns"]), []string{"customer_id STRING", "utilisation DOUBLE"}) {
		t.Errorf("the input's schema: %v", features.Props)
	}
	model := node(t, s, scorerModel)
	if model.Kind != graph.Model || model.Props["description"] != "Gradient-boosted credit scorecard" {
		t.Errorf("the model the job writes: %+v", model)
	}
	if got := edges(t, s, trainJob, graph.In); !reflect.DeepEqual(got, []string{"FEEDS " + featureSet, "RESPONSIBLE_FOR role:credit-risk-ml"}) {
		t.Errorf("into the job: %v", got)
	}
	if got := edges(t, s, featureSet, graph.In); !reflect.DeepEqual(got, []string{"RESPONSIBLE_FOR role:dana.steward"}) {
		t.Errorf("the input's owner: %v", got)
	}
	rels, err := s.Edges(context.Background(), []string{trainJob}, graph.Out, []graph.RelType{graph.Feeds})
	if err != nil || len(rels) != 1 || rels[0].To != scorerModel ||
		rels[0].Props["columnLineage"] != `{"fields":{"score":{"inputFields":[{"field":"utilisation","name":"credit/features","namespace":"s3://bank-features"}]}}}` {
		t.Errorf("job -> model with its column lineage: %+v %v", rels, err)
	}
	runs, err := s.Runs(context.Background(), graph.RunQuery{Sources: []string{trainJob}})
	if err != nil || len(runs) != 2 {
		t.Fatalf("runs: %v %v", runs, err)
	}
	if ev := runs[1].Files[0].Event; ev == nil || ev.Type != "START" || ev.ParentJob != "job:ol:airflow-risk/weekly_retrain" || ev.ParentRun != "0195a0b2-0000-7000-8000-0000000000ff" {
		t.Errorf("the START run's event: %+v", ev)
	}
}

// TestOpenLineageProblems: an event that names no job is rejected; one an integration gets
// partly wrong lands with warnings; a file of events reports each on its line.
func TestOpenLineageProblems(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "events.jsonl")
	content := `{"eventType": "COMPLETE", "eventTime": "2026-03-01T00:00:00Z", "run": {"runId": "r1"}, "job": {"namespace": "ns"}, "producer": "p"}
{"eventType": "COMPLETE", "eventTime": "2026-03-01T00:00:00Z", "run": {"runId": "r2"}, "job": {"namespace": "ns", "name": "j", "facets": {"documentation": {"description": ["not", "text"]}}}, "inputs": [{"namespace": "ns"}, {"namespace": "ns", "name": "in"}], "producer": "p"}
{"eventType": "FINISHED", "eventTime": "yesterday", "run": {}, "job": {"namespace": "ns", "name": "k"}, "outputs": {"namespace": "ns", "name": "out"}, "producer": "p"}
`
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	out := importEach(t, emptyStore(t), path)
	if len(out) != 3 {
		t.Fatalf("outcomes: %+v", out)
	}
	byLine := map[int]importer.FileOutcome{}
	for _, o := range out {
		byLine[o.Line] = o
	}
	if o := byLine[1]; o.Err == nil || !strings.Contains(o.Err.Error(), "events.jsonl:1: job: a job is named by its namespace and name, both required") {
		t.Errorf("no job name: %v", o.Err)
	}
	o := byLine[2]
	var warned []string
	for _, w := range o.Warnings {
		warned = append(warned, w.Field+": "+w.Msg)
	}
	if o.Err != nil || !reflect.DeepEqual(warned, []string{"description: expected text, got a list: left out", "inputs[0]: a dataset is named by its namespace and name: left out"}) {
		t.Errorf("line 2: %v, warnings %v", o.Err, warned)
	}
	o = byLine[3]
	warned = nil
	for _, w := range o.Warnings {
		warned = append(warned, w.Field)
	}
	if o.Err != nil || o.Label != "OTHER job:ol:ns/k" || !reflect.DeepEqual(warned, []string{"eventType", "eventTime", "run.runId", "outputs"}) {
		t.Errorf("line 3: %+v, warnings %v", o, warned)
	}
}

// TestCanonicalAcrossOpenLineage: the canonical question crosses the pipelines. The register's
// third-party, privacy-flagged dataset is, by sameAs, the input an OpenLineage job reads; the
// job's output is the register's feature store, which trains the model that powers the system
// that informs the decision. Whichever comes first, the events (then merged into the register's
// records) or the register (then the events name its nodes by their other ids), the answer is
// the same.
func TestCanonicalAcrossOpenLineage(t *testing.T) {
	register := storetest.Testdata(t, "sameas", "register.yaml")
	event := storetest.Testdata(t, "openlineage", "runs", "2-complete.json")
	for _, order := range []struct {
		name  string
		paths []string
	}{{"events first", []string{event, register}}, {"register first", []string{register, event}}} {
		t.Run(order.name, func(t *testing.T) {
			onEachStore(t, func(t *testing.T, s graph.Store) {
				for _, p := range order.paths {
					mustImport(t, s, p)
				}
				checkCanonicalAcrossOpenLineage(t, s)
			})
		})
	}
}

func checkCanonicalAcrossOpenLineage(t *testing.T, s graph.Store) {
	t.Helper()
	res, err := s.Impact(context.Background(), storetest.CanonicalQuery(10))
	if err != nil || len(res.Items) != 1 || res.Items[0].Node.ID != "dec:loan-approval" || res.Items[0].Distance != 5 {
		t.Fatalf("impact: %+v %v", res, err)
	}
	var path []string
	for _, n := range res.Items[0].Paths[0].Nodes {
		path = append(path, n.ID)
	}
	want := []string{"ds:bureau-feed", buildJob, "ds:credit-features", "mdl:credit-scorecard", "sys:credit-scoring", "dec:loan-approval"}
	if !reflect.DeepEqual(path, want) {
		t.Errorf("evidence %v, want %v", path, want)
	}
	for _, alias := range []string{bureauFeed, featureSet} {
		if ns, err := s.Nodes(context.Background(), []string{alias}); err != nil || len(ns) != 0 {
			t.Errorf("%s is still a node of its own: %v %v", alias, ns, err)
		}
	}
	feed := node(t, s, "ds:bureau-feed")
	if feed.Props["origin"] != "THIRD_PARTY" || !reflect.DeepEqual(feed.Provenance.Sources, []string{"ai-register", buildJob}) {
		t.Errorf("the register's dataset keeps its description and gains the job's source: %+v", feed)
	}
}

// TestOpenLineageStaleDescription: one clock rule for every source an event states. Imported
// after an event that described a dataset, an older event of another job stores its job's
// lineage and leaves the dataset's newer description alone (a warning says so); an older event
// whose every source holds newer statements is superseded.
func TestOpenLineageStaleDescription(t *testing.T) { onEachStore(t, testOpenLineageStaleDescription) }

func testOpenLineageStaleDescription(t *testing.T, s graph.Store) {
	dir := t.TempDir()
	write := func(name, job, at, description string) string {
		path := filepath.Join(dir, name)
		data := `{"eventType": "COMPLETE", "eventTime": "` + at + `", "producer": "p", "run": {"runId": "r"},
  "job": {"namespace": "ns", "name": "` + job + `"},
  "outputs": [{"namespace": "s3://out", "name": "d", "facets": {"documentation": {"description": "` + description + `"}}}]}`
		if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	const ds = "ds:ol:s3://out/d"
	description := func() any {
		ns, err := s.Nodes(context.Background(), []string{ds})
		if err != nil || len(ns) != 1 {
			t.Fatalf("%s: %v %v", ds, ns, err)
		}
		return ns[0].Props["description"]
	}
	mustImport(t, s, write("new.json", "a", "2026-03-02T00:00:00Z", "newer"))
	out := mustImport(t, s, write("old.json", "b", "2026-03-01T00:00:00Z", "older"))
	if len(out) != 1 || out[0].Summary == nil || len(out[0].Warnings) != 1 ||
		!strings.Contains(out[0].Warnings[0].Msg, "than what "+ds+" last stated (2026-03-02T00:00:00Z") {
		t.Errorf("an older event of another job: %+v", out)
	}
	if d := description(); d != "newer" {
		t.Errorf("the description is %v, want the newer one", d)
	}
	if got := upstream(t, s, ds); !reflect.DeepEqual(got, []string{"job:ol:ns/a", "job:ol:ns/b"}) {
		t.Errorf("upstream of %s: %v, want both jobs", ds, got)
	}
	out = mustImport(t, s, write("older.json", "a", "2026-03-01T12:00:00Z", "older still"))
	if len(out) != 1 || out[0].Summary != nil || !strings.Contains(out[0].Superseded, "than what job:ol:ns/a last stated") {
		t.Errorf("an older event of the same job: %+v", out)
	}
	if d := description(); d != "newer" {
		t.Errorf("the description is %v, want the newer one", d)
	}
}
