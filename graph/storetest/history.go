package storetest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aimsgraph/aimsgraph/graph"
	"github.com/aimsgraph/aimsgraph/importer"
)

// RunHistory runs the history cases of docs/history.md: every store keeps each state the graph
// had, answers as of any instant and lists what changed.
func RunHistory(t *testing.T, open Opener) {
	t.Run("EstateAYearLater", func(t *testing.T) { testEstateAYearLater(t, open(t)) })
	t.Run("ReimportAddsNoVersion", func(t *testing.T) { testReimportNoVersion(t, open(t)) })
	t.Run("PropertyChangedTwice", func(t *testing.T) { testChangedTwice(t, open(t)) })
	t.Run("EdgeRemovedAndReadded", func(t *testing.T) { testEdgeReadded(t, open(t)) })
	t.Run("BeforeTheFirstRun", func(t *testing.T) { testBeforeFirstRun(t, open(t)) })
	t.Run("Compact", func(t *testing.T) { testCompact(t, open(t)) })
	t.Run("EvidenceAsOf", func(t *testing.T) { testEvidenceAsOf(t, open(t)) })
	t.Run("LineMovesInPlace", func(t *testing.T) { testLineMovesInPlace(t, open(t)) })
	t.Run("LastRunAsOf", func(t *testing.T) { testLastRunAsOf(t, open(t)) })
}

// testEvidenceAsOf: the same facts restated from another file are not a change, but the evidence
// as of before is the file that stated them then.
func testEvidenceAsOf(t *testing.T, s graph.Store) {
	ctx := context.Background()
	first := Import(t, s, importer.Options{}, historyFile(t, t.TempDir(), "Alpha", true))
	second := Import(t, s, importer.Options{}, historyFile(t, t.TempDir(), "Alpha", true))
	if got := changeLines(changes(t, s, graph.ChangeQuery{Since: first.FinishedAt, Until: second.FinishedAt})); len(got) != 0 {
		t.Errorf("the same facts from another file changed: %v", got)
	}
	files := func(r graph.Reader) []string {
		ns, err := r.Nodes(ctx, []string{"ds:h"})
		if err != nil || len(ns) != 1 {
			t.Fatalf("ds:h: %v %v", ns, err)
		}
		rels, err := r.Edges(ctx, []string{"ds:h"}, graph.Out, nil)
		if err != nil || len(rels) != 1 {
			t.Fatalf("ds:h edges: %v %v", rels, err)
		}
		return []string{ns[0].Provenance.File, rels[0].Provenance.File, ns[0].Provenance.LastRun}
	}
	then, now := files(At(t, s, first.FinishedAt)), files(s)
	if then[0] == now[0] || then[1] == now[1] || then[2] != first.RunID || now[2] != second.RunID {
		t.Errorf("evidence as of the first run %v, now %v: want the first file and run then, the second now", then, now)
	}
}

// At returns the graph as of t, failing the test on error.
func At(t testing.TB, s graph.Store, at time.Time) graph.Reader {
	t.Helper()
	r, err := s.At(context.Background(), at)
	if err != nil {
		t.Fatalf("At(%s): %v", at.Format(time.RFC3339Nano), err)
	}
	return r
}

// changeLines renders a change set as sorted lines an auditor reads: "CHANGED node vnd:bureau".
func changeLines(cs *graph.ChangeSet) []string {
	var out []string
	for _, c := range cs.Nodes {
		out = append(out, fmt.Sprintf("%s node %s", c.Change, c.ID))
	}
	for _, c := range cs.Relationships {
		out = append(out, fmt.Sprintf("%s %s %s %s", c.Change, c.From, c.Type, c.To))
	}
	sort.Strings(out)
	return out
}

// snapshotChanges derives the change lines from two snapshots, independently of the store's
// history: what "exactly the difference" means.
func snapshotChanges(before, after Snapshot) []string {
	var out []string
	for id, v := range after.Nodes {
		if w, ok := before.Nodes[id]; !ok {
			out = append(out, "ADDED node "+id)
		} else if v != w {
			out = append(out, "CHANGED node "+id)
		}
	}
	for id := range before.Nodes {
		if _, ok := after.Nodes[id]; !ok {
			out = append(out, "REMOVED node "+id)
		}
	}
	rel := func(key string) string {
		p := strings.Split(key, "\x00")
		return p[0] + " " + p[1] + " " + p[2]
	}
	for k, v := range after.Rels {
		if w, ok := before.Rels[k]; !ok {
			out = append(out, "ADDED "+rel(k))
		} else if v != w {
			out = append(out, "CHANGED "+rel(k))
		}
	}
	for k := range before.Rels {
		if _, ok := after.Rels[k]; !ok {
			out = append(out, "REMOVED "+rel(k))
		}
	}
	sort.Strings(out)
	return out
}

func changes(t testing.TB, s graph.Store, q graph.ChangeQuery) *graph.ChangeSet {
	t.Helper()
	cs, err := s.Changes(context.Background(), q)
	if err != nil {
		t.Fatalf("Changes(%+v): %v", q, err)
	}
	return cs
}

func canonicalDecisions(t testing.TB, r graph.Reader) map[string]int {
	t.Helper()
	yes := true
	res, err := r.Impact(context.Background(), graph.ImpactQuery{
		Sources: graph.NodeFilter{Kinds: []graph.Kind{graph.Dataset}, ThirdParty: &yes, Flags: []string{"PRIVACY"}},
		Targets: []graph.Kind{graph.Decision}, MaxDepth: 10, Limit: 100, PathsPerItem: 3,
	})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, it := range res.Items {
		out[it.Node.ID] = it.Distance
	}
	return out
}

// testEstateAYearLater is the surveillance audit: the sample estate, then the edited copy of a
// year later imported with --prune. As of the first run's finish the graph is exactly the first
// estate (snapshot and questions), now it is the second, and Changes lists exactly the difference.
func testEstateAYearLater(t *testing.T, s graph.Store) {
	ctx := context.Background()
	first := Import(t, s, importer.Options{}, Testdata(t, "estate"))
	before := Take(t, s)
	beforeImpact := canonicalDecisions(t, s)
	beforeLineage, err := s.Lineage(ctx, graph.LineageQuery{ID: "dec:credit-limit", Direction: graph.In, MaxDepth: 10, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	second := Import(t, s, importer.Options{Prune: true}, Testdata(t, "estate-2027"))
	after := Take(t, s)

	then := At(t, s, first.FinishedAt)
	if d := Take(t, then).Diff(before); d != "" {
		t.Errorf("as of the first run, the graph is not the first estate:\n%s", d)
	}
	if d := Take(t, At(t, s, second.FinishedAt)).Diff(after); d != "" {
		t.Errorf("as of the second run, the graph is not the current one:\n%s", d)
	}
	wantBefore := map[string]int{"dec:loan-approval": 2, "dec:credit-limit": 2, "dec:sar-filing": 2, "dec:card-block": 5}
	if !reflect.DeepEqual(beforeImpact, wantBefore) {
		t.Fatalf("canonical question on the first estate = %v, want %v", beforeImpact, wantBefore)
	}
	if got := canonicalDecisions(t, then); !reflect.DeepEqual(got, wantBefore) {
		t.Errorf("canonical question as of the first run = %v, want %v", got, wantBefore)
	}
	// A year later the marketing panel's consent risk is open again: its decision is exposed.
	wantAfter := map[string]int{"dec:loan-approval": 2, "dec:credit-limit": 2, "dec:sar-filing": 2, "dec:card-block": 5, "dec:marketing-offer": 2}
	if got := canonicalDecisions(t, s); !reflect.DeepEqual(got, wantAfter) {
		t.Errorf("canonical question now = %v, want %v", got, wantAfter)
	}
	thenLineage, err := then.Lineage(ctx, graph.LineageQuery{ID: "dec:credit-limit", Direction: graph.In, MaxDepth: 10, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(ids(thenLineage.Nodes), ids(beforeLineage.Nodes)) || len(thenLineage.Relationships) != len(beforeLineage.Relationships) {
		t.Errorf("lineage as of the first run = %v, want %v", ids(thenLineage.Nodes), ids(beforeLineage.Nodes))
	}
	nowLineage, err := s.Lineage(ctx, graph.LineageQuery{ID: "dec:credit-limit", Direction: graph.In, MaxDepth: 10, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(ids(nowLineage.Nodes), " "), "ds:open-banking") || strings.Contains(strings.Join(ids(thenLineage.Nodes), " "), "ds:open-banking") {
		t.Errorf("ds:open-banking should be upstream of dec:credit-limit now (%v) and not before (%v)", ids(nowLineage.Nodes), ids(thenLineage.Nodes))
	}
	// The node as of then has then's properties, and its provenance.
	if ns, err := then.Nodes(ctx, []string{"vnd:bureau", "dec:interview-shortlist", "ds:open-banking"}); err != nil {
		t.Fatal(err)
	} else {
		got := map[string]any{}
		for _, n := range ns {
			got[n.ID] = n.Props["riskRating"]
			if len(n.Provenance.Sources) == 0 || n.Provenance.File == "" {
				t.Errorf("%s as of then has no provenance: %+v", n.ID, n.Provenance)
			}
		}
		if want := map[string]any{"vnd:bureau": "MEDIUM", "dec:interview-shortlist": nil}; !reflect.DeepEqual(got, want) {
			t.Errorf("nodes as of then = %v, want %v", got, want)
		}
	}

	cs := changes(t, s, graph.ChangeQuery{Since: first.FinishedAt, Until: second.FinishedAt})
	got := changeLines(cs)
	if want := snapshotChanges(before, after); !reflect.DeepEqual(got, want) {
		t.Errorf("changes:\n  %s\nwant the snapshots' difference:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	// What a reader of the two estates sees changed (testdata/estate-2027).
	want := []string{
		"ADDED ds:open-banking FEEDS sys:credit-scoring",
		"ADDED node ds:open-banking",
		"ADDED node vnd:openbank",
		"ADDED vnd:openbank SUPPLIES ds:open-banking",
		"CHANGED node mdl:credit-scorecard",
		"CHANGED node risk:marketing-consent",
		"CHANGED node sys:cv-screening",
		"CHANGED node vnd:bureau",
		"REMOVED ctl:a-9-3-oversight APPLIES_TO dec:interview-shortlist",
		"REMOVED ds:card-transactions FEEDS sys:aml-monitoring",
		"REMOVED node dec:interview-shortlist",
		"REMOVED role:hr-director RESPONSIBLE_FOR dec:interview-shortlist",
		"REMOVED sys:cv-screening INFORMS dec:interview-shortlist",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("changes:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	for _, c := range cs.Nodes {
		if c.Run != second.RunID {
			t.Errorf("%s %s: run %q, want the second run %s", c.Change, c.ID, c.Run, second.RunID)
		}
		if c.ID == "vnd:bureau" && (c.Before.Props["riskRating"] != "MEDIUM" || c.After.Props["riskRating"] != "HIGH") {
			t.Errorf("vnd:bureau: before %v after %v, want riskRating MEDIUM -> HIGH", c.Before.Props, c.After.Props)
		}
		if c.ID == "dec:interview-shortlist" && (c.After != nil || c.Before == nil || c.Before.Props["impactLevel"] != "HIGH") {
			t.Errorf("removed decision: before %+v after %+v", c.Before, c.After)
		}
	}
	// The second run's own changes are the same list.
	if got := changeLines(changes(t, s, graph.ChangeQuery{Run: second.RunID})); !reflect.DeepEqual(got, want) {
		t.Errorf("changes of run %s:\n  %s\nwant:\n  %s", second.RunID, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	// Nothing changed after the second run; the first run's changes are everything it created.
	if got := changeLines(changes(t, s, graph.ChangeQuery{Since: second.FinishedAt, Until: time.Now()})); len(got) != 0 {
		t.Errorf("changes since the last run: %v", got)
	}
	if got := changes(t, s, graph.ChangeQuery{Run: first.RunID}); len(got.Nodes) != len(before.Nodes) || len(got.Relationships) != len(before.Rels) {
		t.Errorf("the first run made %d node and %d relationship changes, want %d and %d (everything ADDED)", len(got.Nodes), len(got.Relationships), len(before.Nodes), len(before.Rels))
	}
}

// historyFile (re)writes dir/inventory.yaml, as a user edits one file, with one dataset and one
// model whose dataset name and edge the test varies.
func historyFile(t testing.TB, dir, datasetName string, trains bool) string {
	t.Helper()
	trainedOn := ""
	if trains {
		trainedOn = "\n    trainedOn: [ds:h]"
	}
	p := filepath.Join(dir, "inventory.yaml")
	if err := os.WriteFile(p, []byte(`version: 1
source: history-test
datasets:
  - {id: ds:h, name: `+datasetName+`}
models:
  - id: mdl:h
    name: History model`+trainedOn+`
`), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func testReimportNoVersion(t *testing.T, s graph.Store) {
	first := Import(t, s, importer.Options{}, Testdata(t, "estate"))
	second := Import(t, s, importer.Options{}, Testdata(t, "estate"))
	if got := changeLines(changes(t, s, graph.ChangeQuery{Since: first.FinishedAt, Until: second.FinishedAt})); len(got) != 0 {
		t.Errorf("an unchanged re-import changed: %v", got)
	}
	if got := changes(t, s, graph.ChangeQuery{Run: second.RunID}); len(got.Nodes)+len(got.Relationships) != 0 {
		t.Errorf("the unchanged re-import's run made changes: %v", changeLines(got))
	}
	if d := Take(t, At(t, s, first.FinishedAt)).Diff(Take(t, s)); d != "" {
		t.Errorf("as of the first run differs from now after an unchanged re-import:\n%s", d)
	}
}

func testChangedTwice(t *testing.T, s graph.Store) {
	ctx := context.Background()
	var runs []*graph.ImportSummary
	dir := t.TempDir()
	for _, name := range []string{"Alpha", "Beta", "Gamma"} {
		runs = append(runs, Import(t, s, importer.Options{Prune: true}, historyFile(t, dir, name, true)))
	}
	for i, name := range []string{"Alpha", "Beta", "Gamma"} {
		ns, err := At(t, s, runs[i].FinishedAt).Nodes(ctx, []string{"ds:h"})
		if err != nil || len(ns) != 1 || ns[0].Props["name"] != name {
			t.Errorf("as of run %d: %v, %v; want ds:h named %s", i+1, ns, err, name)
		}
		// Just before a run finished, its change is not visible yet.
		if i > 0 {
			ns, err := At(t, s, runs[i].FinishedAt.Add(-time.Nanosecond)).Nodes(ctx, []string{"ds:h"})
			if err != nil || len(ns) != 1 || ns[0].Props["name"] != []string{"Alpha", "Beta"}[i-1] {
				t.Errorf("just before run %d finished: %v, %v; want the previous name", i+1, ns, err)
			}
		}
	}
	cs := changes(t, s, graph.ChangeQuery{Since: runs[0].FinishedAt, Until: runs[2].FinishedAt})
	if len(cs.Nodes) != 1 || cs.Nodes[0].Change != graph.Changed || cs.Nodes[0].Before.Props["name"] != "Alpha" || cs.Nodes[0].After.Props["name"] != "Gamma" || cs.Nodes[0].Run != runs[2].RunID {
		t.Errorf("changes over both edits = %+v, want ds:h CHANGED Alpha -> Gamma by the third run", cs.Nodes)
	}
	if len(cs.Relationships) != 0 {
		t.Errorf("relationship changes: %v", changeLines(cs))
	}
	cs = changes(t, s, graph.ChangeQuery{Since: runs[0].FinishedAt, Until: runs[1].FinishedAt})
	if len(cs.Nodes) != 1 || cs.Nodes[0].Before.Props["name"] != "Alpha" || cs.Nodes[0].After.Props["name"] != "Beta" || cs.Nodes[0].Run != runs[1].RunID {
		t.Errorf("changes over the first edit = %+v, want Alpha -> Beta by the second run", cs.Nodes)
	}
}

func testEdgeReadded(t *testing.T, s graph.Store) {
	ctx := context.Background()
	var runs []*graph.ImportSummary
	dir := t.TempDir()
	for _, trains := range []bool{true, false, true} {
		runs = append(runs, Import(t, s, importer.Options{Prune: true}, historyFile(t, dir, "Alpha", trains)))
	}
	for i, want := range []int{1, 0, 1} {
		r := At(t, s, runs[i].FinishedAt)
		rels, err := r.Edges(ctx, []string{"ds:h"}, graph.Out, []graph.RelType{graph.Trains})
		if err != nil || len(rels) != want {
			t.Errorf("as of run %d: %d TRAINS edges (%v), want %d", i+1, len(rels), err, want)
		}
		sg, err := r.Lineage(ctx, graph.LineageQuery{ID: "mdl:h", Direction: graph.In, MaxDepth: 3, Limit: 10})
		if err != nil || len(sg.Nodes)-1 != want {
			t.Errorf("as of run %d: lineage of mdl:h %v (%v), want %d upstream", i+1, sg, err, want)
		}
	}
	if got := changeLines(changes(t, s, graph.ChangeQuery{Since: runs[0].FinishedAt, Until: runs[1].FinishedAt})); !reflect.DeepEqual(got, []string{"REMOVED ds:h TRAINS mdl:h"}) {
		t.Errorf("changes when the edge went: %v", got)
	}
	if got := changeLines(changes(t, s, graph.ChangeQuery{Since: runs[1].FinishedAt, Until: runs[2].FinishedAt})); !reflect.DeepEqual(got, []string{"ADDED ds:h TRAINS mdl:h"}) {
		t.Errorf("changes when it came back: %v", got)
	}
	// Gone and back between the two instants: no difference an auditor could see.
	if got := changeLines(changes(t, s, graph.ChangeQuery{Since: runs[0].FinishedAt, Until: runs[2].FinishedAt})); len(got) != 0 {
		t.Errorf("changes across removal and return: %v, want none", got)
	}
}

func testBeforeFirstRun(t *testing.T, s graph.Store) {
	ctx := context.Background()
	start := time.Now().Add(-time.Hour)
	Import(t, s, importer.Options{}, Testdata(t, "estate"))
	r := At(t, s, start)
	page, err := r.FindNodes(ctx, graph.NodeFilter{}, graph.PageRequest{First: 10, WantTotal: true})
	if err != nil || len(page.Nodes) != 0 || page.TotalCount != 0 {
		t.Errorf("nodes before the first run: %v (%v), want none", page, err)
	}
	if got := canonicalDecisions(t, r); len(got) != 0 {
		t.Errorf("impact before the first run: %v", got)
	}
	if sg, err := r.Lineage(ctx, graph.LineageQuery{ID: "dec:loan-approval", Direction: graph.In, MaxDepth: 5, Limit: 10}); err != nil || sg != nil {
		t.Errorf("lineage before the first run: %v, %v; want no such node", sg, err)
	}
	cs := changes(t, s, graph.ChangeQuery{Since: start, Until: time.Now()})
	if len(cs.Nodes) != len(Take(t, s).Nodes) {
		t.Errorf("changes since before the first run: %d nodes, want every node ADDED", len(cs.Nodes))
	}
	for _, c := range cs.Nodes {
		if c.Change != graph.Added {
			t.Errorf("%s %s, want ADDED", c.Change, c.ID)
		}
	}
}

func testCompact(t *testing.T, s graph.Store) {
	ctx := context.Background()
	var runs []*graph.ImportSummary
	dir := t.TempDir()
	for _, name := range []string{"Alpha", "Beta", "Gamma"} {
		runs = append(runs, Import(t, s, importer.Options{Prune: true}, historyFile(t, dir, name, true)))
	}
	sum, err := s.Compact(ctx, runs[1].FinishedAt)
	if err != nil {
		t.Fatal(err)
	}
	if sum.NodeVersions != 1 {
		t.Errorf("compact dropped %d node versions, want 1 (ds:h named Alpha)", sum.NodeVersions)
	}
	if _, err := s.At(ctx, runs[0].FinishedAt); !errors.Is(err, graph.ErrCompacted) {
		t.Errorf("as of before the horizon: %v, want ErrCompacted", err)
	}
	if _, err := s.Changes(ctx, graph.ChangeQuery{Since: runs[0].FinishedAt, Until: runs[2].FinishedAt}); !errors.Is(err, graph.ErrCompacted) {
		t.Errorf("changes since before the horizon: %v, want ErrCompacted", err)
	}
	ns, err := At(t, s, runs[1].FinishedAt).Nodes(ctx, []string{"ds:h"})
	if err != nil || len(ns) != 1 || ns[0].Props["name"] != "Beta" {
		t.Errorf("as of the horizon: %v %v, want Beta kept", ns, err)
	}
	if got := changes(t, s, graph.ChangeQuery{Since: runs[1].FinishedAt, Until: runs[2].FinishedAt}); len(got.Nodes) != 1 {
		t.Errorf("changes after the horizon: %v", changeLines(got))
	}
	// Compacting to an earlier instant later does not move the horizon back.
	if _, err := s.Compact(ctx, runs[0].FinishedAt); err != nil {
		t.Fatal(err)
	}
	if _, err := s.At(ctx, runs[0].FinishedAt); !errors.Is(err, graph.ErrCompacted) {
		t.Errorf("horizon moved back: %v", err)
	}
}

// testLineMovesInPlace: a statement that moved to another line of the same file is not a new
// version (lines shift with every edit), but the evidence names the new line.
func testLineMovesInPlace(t *testing.T, s graph.Store) {
	ctx := context.Background()
	dir := t.TempDir()
	first := Import(t, s, importer.Options{}, historyFile(t, dir, "Alpha", true))
	path := filepath.Join(dir, "inventory.yaml")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, append([]byte("# an inserted comment\n# and another\n"), data...), 0o600); err != nil {
		t.Fatal(err)
	}
	Import(t, s, importer.Options{}, path)
	then, err := At(t, s, first.FinishedAt).Nodes(ctx, []string{"ds:h"})
	if err != nil {
		t.Fatal(err)
	}
	now := node(t, s, "ds:h")
	if now.Provenance.Line != then[0].Provenance.Line {
		t.Errorf("line as of the first run %d, now %d: the same version, so the same (current) line", then[0].Provenance.Line, now.Provenance.Line)
	}
	if now.Provenance.Line != 6 { // line 4, after two inserted lines
		t.Errorf("ds:h is stated on line %d now, want 6", now.Provenance.Line)
	}
}

// testLastRunAsOf: a fact restated unchanged later keeps its version, but as of before the
// restatement its last run is one that had stated it by then, not the later one.
func testLastRunAsOf(t *testing.T, s graph.Store) {
	ctx := context.Background()
	dir := t.TempDir()
	first := Import(t, s, importer.Options{}, historyFile(t, dir, "Alpha", true))
	second := Import(t, s, importer.Options{}, historyFile(t, dir, "Alpha", true))
	if now := node(t, s, "ds:h"); now.Provenance.LastRun != second.RunID {
		t.Fatalf("last run now %s, want the second %s", now.Provenance.LastRun, second.RunID)
	}
	r := At(t, s, first.FinishedAt)
	ns, err := r.Nodes(ctx, []string{"ds:h"})
	if err != nil || len(ns) != 1 {
		t.Fatalf("ds:h as of the first run: %v %v", ns, err)
	}
	rels, err := r.Edges(ctx, []string{"ds:h"}, graph.Out, nil)
	if err != nil || len(rels) != 1 {
		t.Fatalf("ds:h edges as of the first run: %v %v", rels, err)
	}
	for what, p := range map[string]graph.Provenance{"node": ns[0].Provenance, "relationship": rels[0].Provenance} {
		if p.LastRun != first.RunID {
			t.Errorf("%s as of the first run: last run %s, want the first %s (the second came later)", what, p.LastRun, first.RunID)
		}
	}
}
