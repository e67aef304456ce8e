package storetest

import (
	"context"
	"errors"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aimsgraph/aimsgraph/graph"
	"github.com/aimsgraph/aimsgraph/importer"
)

// sameAs (graph/sameas.go): one node under the declaring id, found by any of its ids.

const (
	olBureau = "ds:ol:s3://landing/bureau"
	olJob    = "job:ol:airflow/credit_features.build"
)

// pipelineFile is what the pipelines state, under the alias: the dataset as the pipeline names
// it, with an owner, read by a job that writes the features a model is trained on.
const pipelineFile = `source: pipelines
datasets:
  - {id: "` + olBureau + `", name: bureau/monthly}
  - {id: ds:features, name: Credit features}
jobs:
  - {id: "` + olJob + `", name: credit_features.build, inputs: ["` + olBureau + `"], outputs: [ds:features]}
roles:
  - {id: role:data-eng, name: Data engineering, responsibilities: [{for: "` + olBureau + `", as: DATA_STEWARD}]}
`

// registerFile is the AI register: the third-party, privacy-flagged feed, with the pipeline's
// name for it, and the model, system and decision downstream.
const registerFile = `source: ai-register
datasets:
  - {id: ds:bureau-feed, name: Credit bureau monthly feed, origin: THIRD_PARTY, flags: [PRIVACY], sameAs: ["` + olBureau + `"]}
models:
  - {id: mdl:scorer, name: Scorer, trainedOn: [ds:features]}
systems:
  - {id: sys:scoring, name: Scoring, models: [mdl:scorer]}
decisions:
  - {id: dec:approve, name: Approve a loan, informedBy: [sys:scoring]}
`

// testSameAsMerge: the pipeline's dataset, imported first as a node of its own, is merged into
// the register's record that declares it sameAs: its relationships move over, its source joins
// the node's, it goes (its past kept as history), and its id finds the node. The canonical
// question then crosses from the register's dataset through the pipeline's job.
func testSameAsMerge(t *testing.T, s graph.Store) {
	ctx := context.Background()
	Import(t, s, importer.Options{}, writeFile(t, "pipelines.yaml", pipelineFile))
	before := time.Now()
	time.Sleep(2 * time.Millisecond)
	Import(t, s, importer.Options{}, writeFile(t, "register.yaml", registerFile))

	found, err := s.Identify(ctx, []string{olBureau, "ds:bureau-feed", "ds:nowhere"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]graph.Identity{olBureau: {ID: "ds:bureau-feed", Kind: graph.Dataset}, "ds:bureau-feed": {ID: "ds:bureau-feed", Kind: graph.Dataset}}
	if !reflect.DeepEqual(found, want) {
		t.Errorf("Identify: %v, want %v", found, want)
	}
	if n := node(t, s, olBureau); n != nil {
		t.Errorf("the alias is still a node of its own: %+v", n)
	}
	feed := node(t, s, "ds:bureau-feed")
	if feed == nil || feed.Props["origin"] != "THIRD_PARTY" || !reflect.DeepEqual(feed.Provenance.Sources, []string{"ai-register", "pipelines"}) {
		t.Fatalf("the declaring node: %+v", feed)
	}
	var rels []string
	for _, r := range edgesOf(t, s, "ds:bureau-feed", graph.Both) {
		rels = append(rels, r.From+" "+string(r.Type)+" "+r.To+" "+strings.Join(r.Provenance.Sources, ","))
	}
	sort.Strings(rels)
	if want := []string{"ds:bureau-feed FEEDS " + olJob + " pipelines", "role:data-eng RESPONSIBLE_FOR ds:bureau-feed pipelines"}; !reflect.DeepEqual(rels, want) {
		t.Errorf("relationships moved to the declaring node: %v, want %v", rels, want)
	}
	res, err := s.Impact(ctx, CanonicalQuery(10))
	if err != nil || len(res.Items) != 1 || res.Items[0].Node.ID != "dec:approve" {
		t.Fatalf("the canonical question across the pipeline: %+v %v", res, err)
	}
	var path []string
	for _, n := range res.Items[0].Paths[0].Nodes {
		path = append(path, n.ID)
	}
	if want := []string{"ds:bureau-feed", olJob, "ds:features", "mdl:scorer", "sys:scoring", "dec:approve"}; !reflect.DeepEqual(path, want) {
		t.Errorf("evidence %v, want %v", path, want)
	}
	// The merge is history: before it, the pipeline's dataset was a node of its own.
	then, err := s.At(ctx, before)
	if err != nil {
		t.Fatal(err)
	}
	if ns, err := then.Nodes(ctx, []string{olBureau}); err != nil || len(ns) != 1 {
		t.Errorf("as of before the merge, the pipeline's dataset: %v %v", ns, err)
	}

	// The pipeline states its lineage again under the alias: it is the register's node, which
	// keeps the register's description, and nothing else changes.
	snap := Take(t, s)
	Import(t, s, importer.Options{}, writeFile(t, "pipelines.yaml", pipelineFile))
	if diff := snap.Diff(Take(t, s)); diff != "" {
		t.Errorf("importing under the alias changed the graph:\n%s", diff)
	}
}

// testSameAsConflicts: an alias names one node. Another record may not declare it, a record of
// the same import may not be it, and a declaration the register withdraws with its node goes
// with the node.
func testSameAsConflicts(t *testing.T, s graph.Store) {
	ctx := context.Background()
	Import(t, s, importer.Options{}, writeFile(t, "register.yaml", "source: ai-register\ndatasets:\n  - {id: ds:bureau-feed, sameAs: [\""+olBureau+"\"]}\n"))
	im := &importer.Importer{Store: s}
	_, err := im.Import(ctx, []string{writeFile(t, "other.yaml", "source: other\ndatasets:\n  - {id: ds:other, sameAs: [\""+olBureau+"\"]}\n")})
	var ve *importer.ValidationError
	if !errors.As(err, &ve) || !strings.Contains(err.Error(), `other.yaml:3: sameAs: "`+olBureau+`" is already another name of "ds:bureau-feed" in the graph`) {
		t.Errorf("a second node claiming the alias: %v", err)
	}
	_, err = im.Import(ctx, []string{writeFile(t, "both.yaml", "datasets:\n  - {id: ds:a, sameAs: [ds:b]}\n  - {id: ds:b}\n")})
	if !errors.As(err, &ve) || !strings.Contains(err.Error(), `both.yaml:2: sameAs: "ds:b" is also a record of its own at`) {
		t.Errorf("an alias that is a record of the same import: %v", err)
	}
	_, err = im.Import(ctx, []string{writeFile(t, "kind.yaml", "models:\n  - {id: \""+olBureau+"\"}\n")})
	if !errors.As(err, &ve) || !strings.Contains(err.Error(), `is another name of the DATASET "ds:bureau-feed" in the graph; it cannot be a MODEL`) {
		t.Errorf("a record of another kind under the alias: %v", err)
	}
	Import(t, s, importer.Options{Prune: true, Source: "ai-register"}, writeFile(t, "register.yaml", "datasets: []\n"))
	if found, err := s.Identify(ctx, []string{olBureau}); err != nil || len(found) != 0 {
		t.Errorf("the alias of a pruned node: %v %v", found, err)
	}
}
