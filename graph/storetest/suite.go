// Package storetest is the conformance suite every graph.Store must pass: the same inputs give
// the same graph and the same answers, whatever the store. A store's test calls Run with a
// function that returns a store on an empty graph.
package storetest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/aimsgraph/aimsgraph/auth/tokentest"
	"github.com/aimsgraph/aimsgraph/graph"
	"github.com/aimsgraph/aimsgraph/importer"
)

// Opener returns a store on an empty graph.
type Opener func(t *testing.T) graph.Store

// Run runs the whole suite.
func Run(t *testing.T, open Opener) {
	t.Run("ImportEstate", func(t *testing.T) { testImportEstate(t, open(t)) })
	t.Run("ReimportIsIdempotent", func(t *testing.T) { testReimport(t, open(t)) })
	t.Run("CSVGivesTheSameGraph", func(t *testing.T) { testCSVSameGraph(t, open) })
	t.Run("Prune", func(t *testing.T) { testPrune(t, open(t)) })
	t.Run("InvalidWritesNothing", func(t *testing.T) { testInvalidWritesNothing(t, open(t)) })
	t.Run("FailedRunLeavesGraphAsBefore", func(t *testing.T) { testAtomicity(t, open(t)) })
	t.Run("DryRun", func(t *testing.T) { testDryRun(t, open(t)) })
	t.Run("ReferencesResolveAgainstGraph", func(t *testing.T) { testGraphReferences(t, open(t)) })
	t.Run("KindConflictWhileWriting", func(t *testing.T) { testKindConflictWhileWriting(t, open(t)) })
	t.Run("Provenance", func(t *testing.T) { testProvenance(t, open(t)) })
	t.Run("FindNodesFilters", func(t *testing.T) { testFindNodes(t, open(t)) })
	t.Run("DerivedFollowChanges", func(t *testing.T) { testDerivedFollowChanges(t, open(t)) })
	t.Run("StubsDoNotOverwrite", func(t *testing.T) { testStubs(t, open(t)) })
	t.Run("RunsBySource", func(t *testing.T) { testRunsBySource(t, open(t)) })
	t.Run("PathsBounded", func(t *testing.T) { testPathsBounded(t, open(t)) })
	// pipelines.go
	t.Run("Jobs", func(t *testing.T) { testJobs(t, open(t)) })
	t.Run("PruneOnly", func(t *testing.T) { testPruneOnly(t, open(t)) })
	t.Run("PruneAround", func(t *testing.T) { testPruneAround(t, open(t)) })
	t.Run("RunEvents", func(t *testing.T) { testRunEvents(t, open(t)) })
	// sameas.go
	t.Run("SameAsMerge", func(t *testing.T) { testSameAsMerge(t, open(t)) })
	t.Run("SameAsConflicts", func(t *testing.T) { testSameAsConflicts(t, open(t)) })
	// tokens.go
	t.Run("Tokens", func(t *testing.T) { tokentest.Run(t, tokenStore(t, open(t))) })
	t.Run("TokensOutsideTheGraph", func(t *testing.T) { testTokensOutsideTheGraph(t, open(t)) })
}

// Testdata returns the path of a folder or file under the repository's testdata/.
func Testdata(t testing.TB, parts ...string) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(append([]string{dir, "testdata"}, parts...)...)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("testdata: no go.mod above the working directory")
		}
		dir = parent
	}
}

// Import runs the importer on paths and fails t on error.
func Import(t testing.TB, s graph.Store, opts importer.Options, paths ...string) *graph.ImportSummary {
	t.Helper()
	im := &importer.Importer{Store: s, Opts: opts}
	sum, err := im.Import(context.Background(), paths)
	if err != nil {
		t.Fatalf("import %v: %v", paths, err)
	}
	return sum
}

// Snapshot is a store's whole graph without provenance: what "the same graph" means.
type Snapshot struct {
	Nodes map[string]string // id -> kind and properties as canonical JSON
	Rels  map[string]string // relationship key -> properties as canonical JSON
}

// Take reads the whole graph through the store's read API.
func Take(t testing.TB, s graph.Reader) Snapshot {
	t.Helper()
	ctx := context.Background()
	snap := Snapshot{Nodes: map[string]string{}, Rels: map[string]string{}}
	var ids []string
	after := ""
	for {
		page, err := s.FindNodes(ctx, graph.NodeFilter{}, graph.PageRequest{First: 500, After: after})
		if err != nil {
			t.Fatalf("FindNodes: %v", err)
		}
		for _, n := range page.Nodes {
			snap.Nodes[n.ID] = canonical(t, map[string]any{"kind": n.Kind, "props": n.Props})
			ids = append(ids, n.ID)
			after = n.ID
		}
		if !page.HasNext {
			break
		}
	}
	rels, err := s.Edges(ctx, ids, graph.Out, nil)
	if err != nil {
		t.Fatalf("Edges: %v", err)
	}
	for _, r := range rels {
		snap.Rels[r.Key()] = canonical(t, r.Props)
	}
	return snap
}

func canonical(t testing.TB, v any) string {
	b, err := json.Marshal(v) // maps marshal with sorted keys
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Diff describes how two snapshots differ, or "" when they are the same.
func (a Snapshot) Diff(b Snapshot) string {
	var out []string
	for _, pair := range []struct {
		what string
		x, y map[string]string
	}{{"node", a.Nodes, b.Nodes}, {"relationship", a.Rels, b.Rels}} {
		for k, v := range pair.x {
			if w, ok := pair.y[k]; !ok {
				out = append(out, "only before: "+pair.what+" "+k)
			} else if v != w {
				out = append(out, "changed: "+pair.what+" "+k+": "+v+" -> "+w)
			}
		}
		for k := range pair.y {
			if _, ok := pair.x[k]; !ok {
				out = append(out, "only after: "+pair.what+" "+k)
			}
		}
	}
	sort.Strings(out)
	if len(out) > 20 {
		out = append(out[:20], "...")
	}
	return strings.Join(out, "\n")
}

func node(t testing.TB, s graph.Store, id string) *graph.Node {
	t.Helper()
	ns, err := s.Nodes(context.Background(), []string{id})
	if err != nil {
		t.Fatalf("Nodes(%s): %v", id, err)
	}
	if len(ns) != 1 {
		return nil
	}
	return ns[0]
}

func edgesOf(t testing.TB, s graph.Store, id string, dir graph.Direction, types ...graph.RelType) []*graph.Relationship {
	t.Helper()
	rs, err := s.Edges(context.Background(), []string{id}, dir, types)
	if err != nil {
		t.Fatalf("Edges(%s): %v", id, err)
	}
	return rs
}

func testImportEstate(t *testing.T, s graph.Store) {
	sum := Import(t, s, importer.Options{}, Testdata(t, "estate"))
	nodes, rels := sum.Total()
	snap := Take(t, s)
	if nodes.Created != len(snap.Nodes) || rels.Created != len(snap.Rels) {
		t.Errorf("summary says %d nodes and %d relationships created; the graph has %d and %d", nodes.Created, rels.Created, len(snap.Nodes), len(snap.Rels))
	}
	// Every kind and every relationship type of the table is in the sample estate, but jobs:
	// they come from pipelines, not an AI register (testJobs).
	for _, k := range graph.AllKinds {
		if k == graph.Job {
			continue
		}
		if sum.Nodes[k] == nil || sum.Nodes[k].Created == 0 {
			t.Errorf("no %s created", k)
		}
	}
	for _, r := range graph.Relationships {
		if sum.Relationships[r.Type] == nil || sum.Relationships[r.Type].Created == 0 {
			t.Errorf("no %s relationship created", r.Type)
		}
	}

	tests := []struct {
		id   string
		prop string
		want any
	}{
		{"ds:bureau-feed", "origin", "THIRD_PARTY"},
		{"ds:bureau-feed", "personalData", true},
		{"ds:bureau-feed", "dataCategories", []string{"financial", "identity"}},
		{"ds:chat-transcripts", "flags", []string{"PRIVACY"}}, // written in lower case
		{"ds:marketing-panel", "origin", "THIRD_PARTY"},       // written as third-party
		{"dec:credit-limit", "automation", "FULLY_AUTOMATED"}, // written as "fully automated"
		{"risk:bureau-privacy", "likelihood", int64(3)},
		{"risk:bureau-privacy", "assessedAt", "2026-03-02"},
		{"sys:credit-scoring", "inAimsScope", true},
		{"sys:support-chatbot", "jiraEpic", "AIMS-212"}, // unknown key, kept
		{"ast:A-0311", "cmdbCi", "CI-88121"},            // unknown key from JSON, kept
		{"ast:A-0042", "confidentiality", int64(4)},
		{"mdl:aml-rules", "name", "AML scenario rules"},
		// The registers (testdata/estate/registers): typed as the domain table says.
		{"pa:PA-04", "legalBasis", "LEGITIMATE_INTERESTS"},    // written "legitimate interests"
		{"pa:PA-04", "thirdCountryTransfers", []string{"US"}}, // a list
		{"pa:PA-05", "specialCategory", true},                 // a boolean
		{"ast:A-0150", "reviewNext", "2027-01-31"},            // a date
		{"ast:SRV-012", "confidentiality", int64(4)},          // CISO Assistant's 3 on aimsgraph's scale
		{"ast:A-0315", "parentAssets", []string{"A-0311"}},    // register ids
		{"ctl:a-7-5-provenance", "annexA", "A.7.5"},           // from the Annex A catalogue
	}
	for _, tc := range tests {
		n := node(t, s, tc.id)
		if n == nil {
			t.Errorf("%s: not found", tc.id)
			continue
		}
		if got := n.Props[tc.prop]; !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s.%s = %#v, want %#v", tc.id, tc.prop, got, tc.want)
		}
	}

	// Inline references become relationships in the direction of docs/domain.md.
	relTests := []struct {
		from string
		typ  graph.RelType
		to   string
		prop string
		want string
	}{
		{"ds:credit-training", graph.Trains, "mdl:credit-scorecard", "purpose", "TRAINING"},
		{"ds:credit-holdout", graph.Trains, "mdl:credit-scorecard", "purpose", "VALIDATION"},
		{"ds:credit-holdout", graph.Trains, "mdl:credit-scorecard", "purpose", "TEST"},
		{"ds:bureau-feed", graph.Feeds, "ds:credit-features", "", ""},
		{"sys:credit-scoring", graph.Feeds, "ds:credit-decisions-log", "", ""},
		{"sys:fraud-detection", graph.Feeds, "sys:aml-monitoring", "", ""},
		{"mdl:foundation-llm", graph.BaseOf, "mdl:support-assistant", "", ""},
		{"mdl:credit-scorecard", graph.Powers, "sys:credit-scoring", "", ""},
		{"sys:credit-scoring", graph.Informs, "dec:loan-approval", "", ""},
		{"vnd:bureau", graph.Supplies, "ds:bureau-feed", "", ""},
		{"role:dpo", graph.ResponsibleFor, "ds:bureau-feed", "as", "DPO"},
		{"role:data-steward-credit", graph.ResponsibleFor, "ds:bureau-feed", "as", "DATA_STEWARD"},
		{"risk:bureau-privacy", graph.Affects, "ds:bureau-feed", "", ""},
		{"ctl:a-7-5-provenance", graph.Mitigates, "risk:bureau-privacy", "", ""},
		{"ctl:a-7-5-provenance", graph.AppliesTo, "ds:sanctions-list", "", ""},
		{"ast:A-0042", graph.Represents, "ds:bureau-feed", "", ""},
		{"pa:PA-04", graph.Covers, "ds:chat-transcripts", "", ""},
		{"pa:PA-04", graph.Covers, "sys:support-chatbot", "", ""},
		{"ast:SRV-012", graph.Represents, "sys:credit-scoring", "", ""}, // a CISO Assistant parent that is an inventory id
	}
	for _, tc := range relTests {
		found := false
		for _, r := range edgesOf(t, s, tc.from, graph.Out, tc.typ) {
			if r.To == tc.to && (tc.prop == "" || r.Props[tc.prop] == tc.want) {
				found = true
			}
		}
		if !found {
			t.Errorf("missing (%s)-[:%s %s=%s]->(%s)", tc.from, tc.typ, tc.prop, tc.want, tc.to)
		}
	}
}

func testReimport(t *testing.T, s graph.Store) {
	dir := Testdata(t, "estate")
	Import(t, s, importer.Options{}, dir)
	before := Take(t, s)
	sum := Import(t, s, importer.Options{}, dir)
	nodes, rels := sum.Total()
	if nodes.Changed() || rels.Changed() {
		t.Errorf("second import changed something: nodes %+v, relationships %+v", nodes, rels)
	}
	if nodes.Unchanged != len(before.Nodes) {
		t.Errorf("second import: %d nodes unchanged, want %d", nodes.Unchanged, len(before.Nodes))
	}
	if d := before.Diff(Take(t, s)); d != "" {
		t.Errorf("graph differs after the second import:\n%s", d)
	}
}

func testCSVSameGraph(t *testing.T, open Opener) {
	a := open(t)
	Import(t, a, importer.Options{}, Testdata(t, "estate"))
	fromYAML := Take(t, a)
	b := open(t)
	// The registers are CSV already (testdata/estate/registers); the inventory's CSV is beside.
	Import(t, b, importer.Options{}, Testdata(t, "estate-csv"), Testdata(t, "estate", "registers"))
	if d := fromYAML.Diff(Take(t, b)); d != "" {
		t.Errorf("the CSV estate gives another graph than the YAML/JSON one:\n%s", d)
	}
}

// writeFile writes content to a temporary file and returns its path.
func writeFile(t testing.TB, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func testPrune(t *testing.T, s graph.Store) {
	Import(t, s, importer.Options{}, Testdata(t, "estate"))
	// The AI register drops the marketing system, its decision and one of its inputs, and the
	// chatbot's KB input. ds:customer-segments stays (still stated); the governance and asset
	// register sources are untouched.
	orig, err := os.ReadFile(Testdata(t, "estate", "inventory.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(orig)
	cut := func(start, end string) {
		i := strings.Index(text, start)
		j := strings.Index(text[i:], end)
		if i < 0 || j < 0 {
			t.Fatalf("fixture changed: cannot find %q", start)
		}
		text = text[:i] + text[i+j:]
	}
	cut("  - id: sys:marketing-propensity", "\ndecisions:")
	cut("  - id: dec:marketing-offer", "\nrelationships:")
	cut("  - id: ds:marketing-panel", "  - id: ds:cv-archive")
	text = strings.Replace(text, "    inputs: [ds:kb-articles]\n", "", 1)
	changed := writeFile(t, "inventory.yaml", text)

	// Without --prune nothing is removed.
	sum := Import(t, s, importer.Options{}, changed)
	if n, r := sum.Total(); n.Removed+r.Removed != 0 {
		t.Fatalf("import without prune removed %d nodes, %d relationships", n.Removed, r.Removed)
	}
	if node(t, s, "sys:marketing-propensity") == nil {
		t.Fatal("import without prune removed a node")
	}

	// A data catalogue states ds:marketing-panel too: when the register drops it, it stays.
	Import(t, s, importer.Options{}, writeFile(t, "catalogue.yaml", "source: data-catalogue\ndatasets:\n  - {id: ds:marketing-panel, name: Consumer panel survey, origin: THIRD_PARTY, personalData: true}\n"))

	sum = Import(t, s, importer.Options{Prune: true}, changed)
	for _, id := range []string{"sys:marketing-propensity", "dec:marketing-offer"} {
		if node(t, s, id) != nil {
			t.Errorf("%s still there after prune", id)
		}
	}
	if n := node(t, s, "ds:marketing-panel"); n == nil || !reflect.DeepEqual(n.Provenance.Sources, []string{"data-catalogue"}) {
		t.Errorf("ds:marketing-panel, still stated by the catalogue: %+v", n)
	}
	if rs := edgesOf(t, s, "ds:marketing-panel", graph.In, graph.Affects); len(rs) != 1 {
		t.Errorf("the GRC tool's AFFECTS edge on ds:marketing-panel: %d edges, want 1", len(rs))
	}
	if got := sum.Nodes[graph.AISystem]; got == nil || got.Removed != 1 {
		t.Errorf("AI_SYSTEM removed = %+v, want 1", got)
	}
	if got := sum.Nodes[graph.Decision]; got == nil || got.Removed != 1 {
		t.Errorf("DECISION removed = %+v, want 1", got)
	}
	for _, r := range edgesOf(t, s, "ds:kb-articles", graph.Out, graph.Feeds) {
		t.Errorf("pruned FEEDS edge still there: %s -> %s", r.From, r.To)
	}
	for _, id := range []string{"ds:kb-articles", "ds:customer-segments", "risk:marketing-consent", "role:dpo", "ast:A-0042", "sys:support-chatbot"} {
		if node(t, s, id) == nil {
			t.Errorf("%s removed by prune, but its source still states it", id)
		}
	}
	// Pruning again with the same content is a no-op.
	sum = Import(t, s, importer.Options{Prune: true}, changed)
	if n, r := sum.Total(); n.Changed() || r.Changed() {
		t.Errorf("second prune changed nodes %+v, relationships %+v", n, r)
	}
}

func testInvalidWritesNothing(t *testing.T, s graph.Store) {
	Import(t, s, importer.Options{}, Testdata(t, "estate"))
	before := Take(t, s)
	// A file whose nodes are all valid but one relationship is not: the nodes are written in the
	// run before the relationships are checked, so this exercises the roll back.
	bad := writeFile(t, "late-problem.yaml", `
datasets:
  - {id: ds:new-one, name: New one, origin: INTERNAL}
  - {id: ds:bureau-feed, name: Renamed bureau feed, origin: THIRD_PARTY}
models:
  - {id: mdl:new-model, name: New model, trainedOn: [ds:new-one, ds:missing]}
`)
	im := &importer.Importer{Store: s}
	_, err := im.Import(context.Background(), []string{bad})
	var ve *importer.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("import of a file with a dangling reference: err = %v, want a ValidationError", err)
	}
	if len(ve.Problems) != 1 || !strings.Contains(ve.Problems[0].String(), `late-problem.yaml:6: models[0].trainedOn[1]: unknown id "ds:missing"`) {
		t.Errorf("problems = %v", ve.Problems)
	}
	if d := before.Diff(Take(t, s)); d != "" {
		t.Errorf("a rejected import changed the graph:\n%s", d)
	}
	// Every file of testdata/invalid is rejected and changes nothing.
	_, err = im.Import(context.Background(), []string{Testdata(t, "invalid")})
	if !errors.As(err, &ve) {
		t.Fatalf("import of testdata/invalid: err = %v, want a ValidationError", err)
	}
	if d := before.Diff(Take(t, s)); d != "" {
		t.Errorf("a rejected import changed the graph:\n%s", d)
	}
}

// failingFill writes some batches and then fails, as a crash mid-import would.
func testAtomicity(t *testing.T, s graph.Store) {
	ctx := context.Background()
	Import(t, s, importer.Options{}, Testdata(t, "estate"))
	before := Take(t, s)
	injected := errors.New("injected failure")
	_, err := s.Import(ctx, graph.ImportRun{ID: "run-that-fails", Sources: []string{"ai-register"}, Prune: true},
		func(ctx context.Context, w graph.Writer) error {
			if err := w.WriteNodes(ctx, []graph.NodeRecord{
				{ID: "ds:half-written", Kind: graph.Dataset, Props: map[string]any{"name": "x"}, Source: "ai-register"},
				{ID: "ds:bureau-feed", Kind: graph.Dataset, Props: map[string]any{"name": "overwritten"}, Source: "ai-register"},
			}); err != nil {
				return err
			}
			if err := w.WriteRelationships(ctx, []graph.RelRecord{
				{Type: graph.Feeds, From: "ds:half-written", To: "ds:bureau-feed", Props: map[string]any{}, Source: "ai-register"},
			}); err != nil {
				return err
			}
			return injected
		})
	if !errors.Is(err, injected) {
		t.Fatalf("Import returned %v, want the injected failure", err)
	}
	if d := before.Diff(Take(t, s)); d != "" {
		t.Errorf("a failed run changed the graph:\n%s", d)
	}
	runs, err := s.Runs(ctx, graph.RunQuery{IDs: []string{"run-that-fails"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 0 {
		t.Errorf("a failed run was recorded: %+v", runs[0])
	}
}

func testDryRun(t *testing.T, s graph.Store) {
	sum := Import(t, s, importer.Options{DryRun: true}, Testdata(t, "estate"))
	if !sum.DryRun {
		t.Error("summary does not say dry run")
	}
	if n, _ := sum.Total(); n.Created == 0 {
		t.Error("dry run reports nothing to create on an empty graph")
	}
	if snap := Take(t, s); len(snap.Nodes) != 0 || len(snap.Rels) != 0 {
		t.Errorf("dry run wrote %d nodes, %d relationships", len(snap.Nodes), len(snap.Rels))
	}
	runs, err := s.Runs(context.Background(), graph.RunQuery{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 0 {
		t.Errorf("dry run recorded %d import runs", len(runs))
	}
}

func testGraphReferences(t *testing.T, s graph.Store) {
	gov := Testdata(t, "estate", "governance.yaml")
	im := &importer.Importer{Store: s}
	_, err := im.Validate(context.Background(), []string{gov})
	var ve *importer.ValidationError
	if !errors.As(err, &ve) || !strings.Contains(ve.Error(), `unknown id "sys:credit-scoring": not in this import nor in the graph`) {
		t.Fatalf("governance.yaml alone on an empty graph: err = %v, want unknown ids", err)
	}
	Import(t, s, importer.Options{}, Testdata(t, "estate", "inventory.yaml"))
	Import(t, s, importer.Options{}, gov) // now its references resolve against the graph
	if rs := edgesOf(t, s, "role:head-credit-risk", graph.Out, graph.ResponsibleFor); len(rs) != 3 {
		t.Errorf("role:head-credit-risk has %d responsibilities, want 3", len(rs))
	}
	// An id already in the graph cannot change kind.
	conflict := writeFile(t, "conflict.yaml", "models:\n  - {id: ds:bureau-feed, name: not a model}\n")
	_, err = im.Import(context.Background(), []string{conflict})
	if !errors.As(err, &ve) || !strings.Contains(ve.Error(), `conflict.yaml:2: id: "ds:bureau-feed" is a DATASET in the graph`) {
		t.Errorf("kind conflict with the graph: err = %v", err)
	}
}

// testKindConflictWhileWriting: the importer checks ids against the graph before a run, but a
// run that commits in between can name an id first with another kind. The store finds it as it
// writes (a node or a stub), rolls the run back, and the importer reports it at the record.
func testKindConflictWhileWriting(t *testing.T, s graph.Store) {
	ctx := context.Background()
	Import(t, s, importer.Options{}, Testdata(t, "estate", "inventory.yaml"))
	before := Take(t, s)
	for _, stub := range []bool{false, true} {
		_, err := s.Import(ctx, graph.ImportRun{ID: "late-run-" + strconv.FormatBool(stub), Sources: []string{"late"}},
			func(ctx context.Context, w graph.Writer) error {
				return w.WriteNodes(ctx, []graph.NodeRecord{
					{ID: "mdl:fresh", Kind: graph.Model, Props: map[string]any{"name": "fresh"}, Source: "late"},
					{ID: "ds:bureau-feed", Kind: graph.Model, Props: map[string]any{"name": "not a model"}, Source: "late", Stub: stub},
				})
			})
		var kc *graph.KindConflictError
		if !errors.As(err, &kc) || kc.ID != "ds:bureau-feed" || kc.Stored != graph.Dataset || kc.Written != graph.Model {
			t.Fatalf("stub=%v: writing a DATASET's id as a MODEL: err = %v, want a kind conflict", stub, err)
		}
		if d := before.Diff(Take(t, s)); d != "" {
			t.Errorf("stub=%v: the conflicting run changed the graph:\n%s", stub, d)
		}
	}
	// Through the importer, with the id hidden from its check as if the other run committed
	// after it: a located problem, nothing changed.
	conflict := writeFile(t, "late.yaml", "models:\n  - {id: ds:bureau-feed, name: not a model}\n")
	_, err := (&importer.Importer{Store: unidentified{s}}).Import(ctx, []string{conflict})
	var ve *importer.ValidationError
	if !errors.As(err, &ve) || !strings.Contains(ve.Error(), `late.yaml:2: id: "ds:bureau-feed" is a DATASET in the graph`) {
		t.Errorf("a kind conflict found while writing: err = %v, want it at late.yaml:2", err)
	}
	if d := before.Diff(Take(t, s)); d != "" {
		t.Errorf("the conflicting import changed the graph:\n%s", d)
	}
}

// unidentified is a store whose ids the importer's check does not find, as when another run
// names them after the check.
type unidentified struct{ graph.Store }

func (unidentified) Identify(context.Context, []string) (map[string]graph.Identity, error) {
	return map[string]graph.Identity{}, nil
}

func testProvenance(t *testing.T, s graph.Store) {
	ctx := context.Background()
	first := Import(t, s, importer.Options{User: "auditor-test"}, Testdata(t, "estate"))
	second := Import(t, s, importer.Options{}, Testdata(t, "estate", "assets.json"))
	n := node(t, s, "ds:bureau-feed")
	if n == nil {
		t.Fatal("ds:bureau-feed missing")
	}
	p := n.Provenance
	if !reflect.DeepEqual(p.Sources, []string{"ai-register"}) {
		t.Errorf("sources = %v", p.Sources)
	}
	if !strings.HasSuffix(p.File, filepath.Join("estate", "inventory.yaml")) || p.Line != 36 {
		t.Errorf("stated at %s:%d, want .../estate/inventory.yaml:36", p.File, p.Line)
	}
	if p.FirstRun != first.RunID || p.LastRun != first.RunID {
		t.Errorf("runs = %s..%s, want %s", p.FirstRun, p.LastRun, first.RunID)
	}
	asset := node(t, s, "ast:A-0042")
	if asset.Provenance.FirstRun != first.RunID || asset.Provenance.LastRun != second.RunID {
		t.Errorf("asset runs = %s..%s, want %s..%s", asset.Provenance.FirstRun, asset.Provenance.LastRun, first.RunID, second.RunID)
	}
	for _, r := range edgesOf(t, s, "ds:bureau-feed", graph.In, graph.Supplies) {
		if r.Provenance.File == "" || r.Provenance.Line != 40 || !reflect.DeepEqual(r.Provenance.Sources, []string{"ai-register"}) {
			t.Errorf("SUPPLIES provenance = %+v, want inventory.yaml:40 from ai-register", r.Provenance)
		}
	}
	runs, err := s.Runs(ctx, graph.RunQuery{IDs: []string{first.RunID}})
	if err != nil || len(runs) != 1 {
		t.Fatalf("Runs = %v, %v", runs, err)
	}
	run := runs[0]
	// The registers' sources are the registers' names, whatever their files are called.
	if run.User != "auditor-test" || !reflect.DeepEqual(run.Sources, []string{"ai-register", "asset-register", "ciso-assistant", "grc-tool", "isms-asset-register", "records-of-processing"}) {
		t.Errorf("run user %q sources %v", run.User, run.Sources)
	}
	if len(run.Files) != 6 || run.FinishedAt.Before(run.StartedAt) || run.Summary == nil {
		t.Fatalf("run = %+v", run)
	}
	for _, f := range run.Files {
		data, err := os.ReadFile(f.Path)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		if f.SHA256 != hex.EncodeToString(sum[:]) {
			t.Errorf("%s: recorded SHA-256 %s does not match the file", f.Path, f.SHA256)
		}
	}
	if c := run.Summary.Nodes[graph.Dataset]; c == nil || c.Created != 17 {
		t.Errorf("recorded dataset counts = %+v", c)
	}
}

func testFindNodes(t *testing.T, s graph.Store) {
	Import(t, s, importer.Options{}, Testdata(t, "estate"))
	yes := true
	tests := []struct {
		name   string
		filter graph.NodeFilter
		want   []string
	}{
		{"third-party privacy datasets", graph.NodeFilter{Kinds: []graph.Kind{graph.Dataset}, ThirdParty: &yes, Flags: []string{"PRIVACY"}},
			[]string{"ds:bureau-feed", "ds:sanctions-list"}},
		{"flag via open risk only", graph.NodeFilter{IDs: []string{"ds:sanctions-list", "ds:marketing-panel"}, Flags: []string{"PRIVACY"}},
			[]string{"ds:sanctions-list"}},
		{"third-party models", graph.NodeFilter{Kinds: []graph.Kind{graph.Model}, ThirdParty: &yes},
			[]string{"mdl:cv-ranker", "mdl:foundation-llm"}},
		{"any of several flags", graph.NodeFilter{Kinds: []graph.Kind{graph.Model}, Flags: []string{"FAIRNESS", "ROBUSTNESS"}},
			[]string{"mdl:credit-scorecard", "mdl:cv-ranker", "mdl:fraud-gbm"}},
		{"text in id, name or description", graph.NodeFilter{Text: "SANCTIONS"}, []string{"ast:SRV-031", "ds:sanctions-list", "pa:PA-03", "risk:sanctions-privacy", "vnd:sanctions"}},
		{"where: set properties", graph.NodeFilter{Kinds: []graph.Kind{graph.ProcessingActivity}, Where: ptr(graph.IsSet("thirdCountryTransfers"))}, []string{"pa:PA-04"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			page, err := s.FindNodes(context.Background(), tc.filter, graph.PageRequest{First: 100, WantTotal: true})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, n := range page.Nodes {
				got = append(got, n.ID)
			}
			if !reflect.DeepEqual(got, tc.want) || page.TotalCount != len(tc.want) {
				t.Errorf("got %v (total %d), want %v", got, page.TotalCount, tc.want)
			}
		})
	}
	// Pages are disjoint, ordered, and cover everything.
	var all []string
	after := ""
	for {
		page, err := s.FindNodes(context.Background(), graph.NodeFilter{}, graph.PageRequest{First: 7, After: after})
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range page.Nodes {
			all = append(all, n.ID)
			after = n.ID
		}
		if !page.HasNext {
			break
		}
	}
	if len(all) != len(Take(t, s).Nodes) || !sort.StringsAreSorted(all) {
		t.Errorf("paging gave %d ids (sorted: %v)", len(all), sort.StringsAreSorted(all))
	}
}

// testDerivedFollowChanges: third-party and flagged-for follow every change that decides them,
// run after run: a risk closed or pruned, an origin changed, a SUPPLIES edge added or pruned, a
// vendor described by another source. (A store may keep helpers for them, docs/performance.md;
// the answers must not lag.)
func testDerivedFollowChanges(t *testing.T, s graph.Store) {
	yes := true
	check := func(step string, f graph.NodeFilter, want ...string) {
		t.Helper()
		page, err := s.FindNodes(context.Background(), f, graph.PageRequest{First: 100, WantTotal: true})
		if err != nil {
			t.Fatal(err)
		}
		got := []string{}
		for _, n := range page.Nodes {
			got = append(got, n.ID)
		}
		if want == nil {
			want = []string{}
		}
		if !reflect.DeepEqual(got, want) || page.TotalCount != len(want) {
			t.Errorf("%s: %+v selects %v (total %d), want %v", step, f, got, page.TotalCount, want)
		}
	}
	thirdParty := graph.NodeFilter{ThirdParty: &yes}
	privacy := graph.NodeFilter{Kinds: []graph.Kind{graph.Dataset}, Flags: []string{"PRIVACY"}}
	canonical := graph.NodeFilter{Kinds: []graph.Kind{graph.Dataset}, ThirdParty: &yes, Flags: []string{"PRIVACY"}}
	dir := t.TempDir()
	run := func(step, yaml string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, "register.yaml"), []byte("source: register\n"+yaml), 0o600); err != nil {
			t.Fatal(err)
		}
		Import(t, s, importer.Options{Prune: true}, filepath.Join(dir, "register.yaml"))
	}
	run("first", `vendors: [{id: v:1, name: V}]
datasets:
  - {id: ds:a, name: A, suppliedBy: [v:1]}
  - {id: ds:b, name: B, origin: THIRD_PARTY, flags: [PRIVACY]}
  - {id: ds:c, name: C}
risks: [{id: risk:1, name: R, category: PRIVACY, status: OPEN, affects: [ds:a, ds:c]}]
`)
	check("first", thirdParty, "ds:a", "ds:b", "v:1")
	check("first", privacy, "ds:a", "ds:b", "ds:c")
	check("first", canonical, "ds:a", "ds:b")
	run("risk closed, origin changed, c supplied", `vendors: [{id: v:1, name: V}]
datasets:
  - {id: ds:a, name: A, suppliedBy: [v:1]}
  - {id: ds:b, name: B, origin: INTERNAL, flags: [PRIVACY]}
  - {id: ds:c, name: C, suppliedBy: [v:1]}
risks: [{id: risk:1, name: R, category: PRIVACY, status: CLOSED, affects: [ds:a, ds:c]}]
`)
	check("second", thirdParty, "ds:a", "ds:c", "v:1")
	check("second", privacy, "ds:b")
	check("second", canonical)
	run("risk reopened, a's supply pruned", `vendors: [{id: v:1, name: V}]
datasets:
  - {id: ds:a, name: A}
  - {id: ds:b, name: B, origin: INTERNAL, flags: [PRIVACY]}
  - {id: ds:c, name: C, suppliedBy: [v:1]}
risks: [{id: risk:1, name: R, category: PRIVACY, status: OPEN, affects: [ds:a, ds:c]}]
`)
	check("third", thirdParty, "ds:c", "v:1")
	check("third", canonical, "ds:c")
	run("risk and vendor pruned", `datasets:
  - {id: ds:a, name: A}
  - {id: ds:b, name: B, origin: INTERNAL, flags: [PRIVACY]}
  - {id: ds:c, name: C}
`)
	check("fourth", thirdParty)
	check("fourth", privacy, "ds:b")
	// Another source states the vendor and its supply: the datasets it supplies are third-party
	// again, whoever says so.
	Import(t, s, importer.Options{}, writeFile(t, "contracts.yaml", "source: contracts\nvendors: [{id: v:2, name: W}]\nrelationships:\n  - {from: v:2, type: SUPPLIES, to: ds:b}\n"))
	check("fifth", thirdParty, "ds:b", "v:2")
	check("fifth", canonical, "ds:b")
}

// testStubs: a stub names a node without describing it: it creates the node when absent and
// otherwise leaves its properties to the sources that describe it, adding only its stamp.
func testStubs(t *testing.T, s graph.Store) {
	ctx := context.Background()
	Import(t, s, importer.Options{}, Testdata(t, "estate"))
	before := node(t, s, "ds:bureau-feed")
	run := graph.ImportRun{ID: "run-stubs", Sources: []string{"cards"}}
	sum, err := s.Import(ctx, run, func(ctx context.Context, w graph.Writer) error {
		return w.WriteNodes(ctx, []graph.NodeRecord{
			{ID: "ds:bureau-feed", Kind: graph.Dataset, Props: map[string]any{"name": "bureau feed (named by a card)"}, Source: "cards", File: "card.md", Line: 3, Stub: true},
			{ID: "mdl:hf:org/base", Kind: graph.Model, Props: map[string]any{"name": "org/base"}, Source: "cards", File: "card.md", Line: 4, Stub: true},
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if c := sum.Nodes[graph.Dataset]; c == nil || c.Unchanged != 1 {
		t.Errorf("stub of an existing dataset counted %+v, want unchanged", c)
	}
	if c := sum.Nodes[graph.Model]; c == nil || c.Created != 1 {
		t.Errorf("stub of a new model counted %+v, want created", c)
	}
	after := node(t, s, "ds:bureau-feed")
	if !reflect.DeepEqual(before.Props, after.Props) {
		t.Errorf("a stub changed the properties:\n%v\n%v", before.Props, after.Props)
	}
	if !reflect.DeepEqual(after.Provenance.Sources, []string{"ai-register", "cards"}) || after.Provenance.File != before.Provenance.File {
		t.Errorf("provenance after a stub: %+v (before %+v)", after.Provenance, before.Provenance)
	}
	created := node(t, s, "mdl:hf:org/base")
	if created == nil || created.Props["name"] != "org/base" || created.Provenance.File != "card.md" {
		t.Errorf("stub did not create the model: %+v", created)
	}
}

// testRunsBySource: runs are found by the sources they stated, latest first (how the OpenLineage
// importer finds a job's last completed run).
func testRunsBySource(t *testing.T, s graph.Store) {
	ctx := context.Background()
	first := Import(t, s, importer.Options{}, Testdata(t, "estate"))
	second := Import(t, s, importer.Options{}, Testdata(t, "estate", "governance.yaml"))
	runs, err := s.Runs(ctx, graph.RunQuery{Sources: []string{"grc-tool"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2 || runs[0].ID != second.RunID || runs[1].ID != first.RunID {
		t.Errorf("runs of grc-tool: %v, want the second then the first", runs)
	}
	runs, err = s.Runs(ctx, graph.RunQuery{Sources: []string{"ai-register"}, Limit: 5})
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 || runs[0].ID != first.RunID {
		t.Errorf("runs of ai-register: %v, want only the first", runs)
	}
	if runs[0].EffectiveAt.IsZero() || runs[0].EffectiveAt.Before(runs[0].StartedAt) || runs[0].FinishedAt.Before(runs[0].EffectiveAt) {
		t.Errorf("run times: started %v, effective %v, finished %v; want started <= effective <= finished", runs[0].StartedAt, runs[0].EffectiveAt, runs[0].FinishedAt)
	}
}

func ptr[T any](v T) *T { return &v }
