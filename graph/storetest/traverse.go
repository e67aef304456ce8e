package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aimsgraph/aimsgraph/graph"
	"github.com/aimsgraph/aimsgraph/importer"
)

// RunTraversals runs the lineage, paths and impact semantics of docs/domain.md on the sample
// estate, twice: on the current graph (the store's own queries) and on the graph as of the
// estate's run after a later run added an unrelated vendor (the as-of walk of package walk), so
// both implementations give the same answers.
func RunTraversals(t *testing.T, s graph.Store) {
	estate := Import(t, s, importer.Options{}, Testdata(t, "estate"))
	Import(t, s, importer.Options{}, writeFile(t, "later.yaml", "version: 1\nsource: later\nvendors: [{id: vnd:later, name: Later Ltd}]\n"))
	then := At(t, s, estate.FinishedAt)
	if then == graph.Reader(s) {
		t.Fatal("As of an earlier run the store answered with its current state")
	}
	for _, r := range []struct {
		name string
		r    graph.Reader
	}{{"Current", s}, {"AsOf", then}} {
		t.Run(r.name, func(t *testing.T) {
			t.Run("Impact", func(t *testing.T) { testImpact(t, r.r) })
			t.Run("Lineage", func(t *testing.T) { testLineage(t, r.r) })
			t.Run("Paths", func(t *testing.T) { testPaths(t, r.r) })
		})
	}
}

func ids(nodes []*graph.Node) []string {
	out := make([]string, 0, len(nodes))
	for _, n := range nodes {
		out = append(out, n.ID)
	}
	return out
}

// pathString renders a path as an auditor reads it: a -[TYPE]-> b ...
func pathString(p graph.Path) string {
	var b strings.Builder
	for i, n := range p.Nodes {
		if i > 0 {
			r := p.Relationships[i-1]
			fmt.Fprintf(&b, " -[%s]-> ", r.Type)
			if r.From != p.Nodes[i-1].ID || r.To != n.ID {
				fmt.Fprintf(&b, "(BROKEN %s->%s) ", r.From, r.To)
			}
		}
		b.WriteString(n.ID)
	}
	return b.String()
}

func testImpact(t *testing.T, s graph.Reader) {
	yes := true
	canonical := graph.NodeFilter{Kinds: []graph.Kind{graph.Dataset}, ThirdParty: &yes, Flags: []string{"PRIVACY"}}
	tests := []struct {
		name  string
		q     graph.ImpactQuery
		want  map[string]int // target id -> distance
		paths map[string]string
	}{
		{"canonical: decisions on third-party privacy-flagged datasets",
			graph.ImpactQuery{Sources: canonical, Targets: []graph.Kind{graph.Decision}, MaxDepth: 10},
			// bureau-feed: flagged and THIRD_PARTY by origin; sanctions-list: supplied by a vendor,
			// flagged by an OPEN risk; marketing-panel's PRIVACY risk is CLOSED, so it is no source.
			map[string]int{"dec:loan-approval": 2, "dec:credit-limit": 2, "dec:sar-filing": 2, "dec:card-block": 5},
			map[string]string{
				"dec:loan-approval": "ds:bureau-feed -[FEEDS]-> sys:credit-scoring -[INFORMS]-> dec:loan-approval",
				"dec:card-block":    "ds:sanctions-list -[FEEDS]-> sys:aml-monitoring -[FEEDS]-> ds:fraud-labels -[TRAINS]-> mdl:fraud-gbm -[POWERS]-> sys:fraud-detection -[INFORMS]-> dec:card-block",
			}},
		{"depth bound", graph.ImpactQuery{Sources: canonical, Targets: []graph.Kind{graph.Decision}, MaxDepth: 2},
			map[string]int{"dec:loan-approval": 2, "dec:credit-limit": 2, "dec:sar-filing": 2}, nil},
		{"what breaks if a vendor goes away", graph.ImpactQuery{Sources: graph.NodeFilter{IDs: []string{"vnd:foundation"}}, Targets: []graph.Kind{graph.Decision, graph.AISystem}, MaxDepth: 10},
			map[string]int{"sys:support-chatbot": 3, "dec:chat-escalation": 4},
			map[string]string{"sys:support-chatbot": "vnd:foundation -[SUPPLIES]-> mdl:foundation-llm -[BASE_OF]-> mdl:support-assistant -[POWERS]-> sys:support-chatbot"}},
		{"non-lineage edges are not followed", graph.ImpactQuery{Sources: graph.NodeFilter{IDs: []string{"role:dpo", "risk:bureau-privacy", "ctl:a-7-5-provenance", "ast:A-0042"}}, Targets: graph.AllKinds, MaxDepth: 10},
			map[string]int{}, nil},
		{"cycles terminate", graph.ImpactQuery{Sources: graph.NodeFilter{IDs: []string{"ds:customer-profile"}}, Targets: graph.AllKinds, MaxDepth: 10},
			// ds:customer-profile reaches itself through the cycle; a source does not impact itself.
			map[string]int{"ds:customer-segments": 1, "sys:marketing-propensity": 2, "dec:marketing-offer": 3}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.q.Limit, tc.q.PathsPerItem = 100, 5
			res, err := s.Impact(context.Background(), tc.q)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]int{}
			for _, it := range res.Items {
				if _, dup := got[it.Node.ID]; dup {
					t.Errorf("%s listed twice", it.Node.ID)
				}
				got[it.Node.ID] = it.Distance
				if len(it.Paths) == 0 {
					t.Errorf("%s: no evidence path", it.Node.ID)
				}
				for _, p := range it.Paths {
					if last := p.Nodes[len(p.Nodes)-1].ID; last != it.Node.ID || len(p.Relationships) != len(p.Nodes)-1 || strings.Contains(pathString(p), "BROKEN") {
						t.Errorf("%s: malformed path %s", it.Node.ID, pathString(p))
					}
					for _, r := range p.Relationships {
						if !graph.IsLineage(r.Type) || len(r.Provenance.Sources) == 0 || r.Provenance.File == "" || r.Provenance.Line == 0 {
							t.Errorf("%s: edge %s without lineage type or provenance: %+v", it.Node.ID, r.Type, r.Provenance)
						}
					}
				}
				if len(it.Paths[0].Relationships) != it.Distance {
					t.Errorf("%s: distance %d but first path has %d edges", it.Node.ID, it.Distance, len(it.Paths[0].Relationships))
				}
				if want, ok := tc.paths[it.Node.ID]; ok && pathString(it.Paths[0]) != want {
					t.Errorf("%s: path\n got %s\nwant %s", it.Node.ID, pathString(it.Paths[0]), want)
				}
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("impact = %v\nwant %v", got, tc.want)
			}
			if !sort.SliceIsSorted(res.Items, func(i, j int) bool { return res.Items[i].Distance < res.Items[j].Distance }) {
				t.Errorf("items not ordered by distance")
			}
		})
	}
	t.Run("distances without evidence", func(t *testing.T) {
		q := graph.ImpactQuery{Sources: canonical, Targets: []graph.Kind{graph.Decision}, MaxDepth: 10, Limit: 100}
		res, err := s.Impact(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		for _, it := range res.Items {
			got[it.Node.ID] = it.Distance
			if len(it.Paths) != 0 || it.Node.Kind != graph.Decision {
				t.Errorf("%s: %d paths and kind %s; want none and a decision", it.Node.ID, len(it.Paths), it.Node.Kind)
			}
		}
		if want := map[string]int{"dec:loan-approval": 2, "dec:credit-limit": 2, "dec:sar-filing": 2, "dec:card-block": 5}; !reflect.DeepEqual(got, want) {
			t.Errorf("impact = %v\nwant %v", got, want)
		}
	})
	t.Run("limit truncates", func(t *testing.T) {
		res, err := s.Impact(context.Background(), graph.ImpactQuery{Sources: canonical, Targets: []graph.Kind{graph.Decision}, MaxDepth: 10, Limit: 2, PathsPerItem: 1})
		if err != nil {
			t.Fatal(err)
		}
		if !res.Truncated || len(res.Items) != 2 {
			t.Fatalf("truncated=%v with %d items, want true with 2", res.Truncated, len(res.Items))
		}
		// The nearest are kept, ties by id: the same answer on every store.
		if got := []string{res.Items[0].Node.ID, res.Items[1].Node.ID}; !reflect.DeepEqual(got, []string{"dec:credit-limit", "dec:loan-approval"}) {
			t.Errorf("kept %v, want the two nearest by id", got)
		}
	})
}

func testLineage(t *testing.T, s graph.Reader) {
	tests := []struct {
		name      string
		q         graph.LineageQuery
		want      []string // ids besides the start, sorted
		truncated bool
	}{
		{"upstream of a decision", graph.LineageQuery{ID: "dec:loan-approval", Direction: graph.In, MaxDepth: 10},
			[]string{"ds:bureau-feed", "ds:credit-features", "ds:credit-holdout", "ds:credit-training", "ds:loan-applications", "mdl:credit-scorecard", "sys:credit-scoring", "vnd:bureau"}, false},
		{"downstream, depth 1", graph.LineageQuery{ID: "ds:bureau-feed", Direction: graph.Out, MaxDepth: 1},
			[]string{"ds:credit-features", "sys:credit-scoring"}, false},
		{"downstream through a cycle", graph.LineageQuery{ID: "ds:customer-profile", Direction: graph.Out, MaxDepth: 10},
			[]string{"dec:marketing-offer", "ds:customer-segments", "sys:marketing-propensity"}, false},
		{"both directions", graph.LineageQuery{ID: "mdl:foundation-llm", Direction: graph.Both, MaxDepth: 10},
			[]string{"dec:chat-escalation", "ds:chat-transcripts", "mdl:support-assistant", "sys:support-chatbot", "vnd:foundation"}, false},
		{"kinds filter", graph.LineageQuery{ID: "dec:loan-approval", Direction: graph.In, MaxDepth: 10, Kinds: []graph.Kind{graph.Vendor, graph.Model}},
			[]string{"mdl:credit-scorecard", "vnd:bureau"}, false},
		{"limit", graph.LineageQuery{ID: "dec:loan-approval", Direction: graph.In, MaxDepth: 10, Limit: 3}, nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.q.Limit == 0 {
				tc.q.Limit = 1000
			}
			sg, err := s.Lineage(context.Background(), tc.q)
			if err != nil {
				t.Fatal(err)
			}
			if sg == nil || sg.Nodes[0].ID != tc.q.ID {
				t.Fatalf("subgraph does not start at %s: %+v", tc.q.ID, sg)
			}
			got := ids(sg.Nodes[1:])
			if tc.truncated {
				if !sg.Truncated || len(got) != tc.q.Limit {
					t.Errorf("truncated=%v with %d nodes, want true with %d", sg.Truncated, len(got), tc.q.Limit)
				}
				return
			}
			if !reflect.DeepEqual(got, tc.want) || sg.Truncated {
				t.Errorf("got %v (truncated %v)\nwant %v", got, sg.Truncated, tc.want)
			}
			in := map[string]bool{}
			for _, n := range sg.Nodes {
				in[n.ID] = true
			}
			for _, r := range sg.Relationships {
				if !graph.IsLineage(r.Type) || !in[r.From] || !in[r.To] {
					t.Errorf("relationship %s %s->%s does not belong in the subgraph", r.Type, r.From, r.To)
				}
			}
		})
	}
	t.Run("edges among the nodes", func(t *testing.T) {
		sg, err := s.Lineage(context.Background(), graph.LineageQuery{ID: "ds:customer-profile", Direction: graph.Out, MaxDepth: 10, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range sg.Relationships {
			got = append(got, r.From+" "+string(r.Type)+" "+r.To)
		}
		want := []string{"ds:customer-profile FEEDS ds:customer-segments", "ds:customer-segments FEEDS ds:customer-profile",
			"ds:customer-segments FEEDS sys:marketing-propensity", "sys:marketing-propensity INFORMS dec:marketing-offer"}
		sort.Strings(got)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("relationships %v\nwant %v", got, want)
		}
	})
	t.Run("unknown id", func(t *testing.T) {
		sg, err := s.Lineage(context.Background(), graph.LineageQuery{ID: "no:such", Direction: graph.Both, MaxDepth: 3, Limit: 10})
		if err != nil || sg != nil {
			t.Errorf("got %+v, %v; want nil, nil", sg, err)
		}
	})
}

func testPaths(t *testing.T, s graph.Reader) {
	tests := []struct {
		name    string
		q       graph.PathQuery
		first   string // the shortest path
		lengths []int  // edges per path, in order
	}{
		// Three routes of five edges also lead there: via the training set and, through two
		// TRAINS edges (VALIDATION and TEST), via the hold-out set.
		{"data to decision, shortest first", graph.PathQuery{From: "ds:bureau-feed", To: "dec:loan-approval", MaxDepth: 10, First: 3},
			"ds:bureau-feed -[FEEDS]-> sys:credit-scoring -[INFORMS]-> dec:loan-approval", []int{2, 5, 5}},
		{"all of them", graph.PathQuery{From: "ds:bureau-feed", To: "dec:loan-approval", MaxDepth: 10, First: 10},
			"ds:bureau-feed -[FEEDS]-> sys:credit-scoring -[INFORMS]-> dec:loan-approval", []int{2, 5, 5, 5}},
		{"depth bound", graph.PathQuery{From: "ds:bureau-feed", To: "dec:loan-approval", MaxDepth: 4, First: 10},
			"ds:bureau-feed -[FEEDS]-> sys:credit-scoring -[INFORMS]-> dec:loan-approval", []int{2}},
		{"in a cycle", graph.PathQuery{From: "ds:customer-segments", To: "ds:customer-profile", MaxDepth: 10, First: 5},
			"ds:customer-segments -[FEEDS]-> ds:customer-profile", []int{1}},
		{"against the flow: none", graph.PathQuery{From: "dec:loan-approval", To: "ds:bureau-feed", MaxDepth: 10, First: 5}, "", nil},
		{"not along non-lineage edges", graph.PathQuery{From: "role:dpo", To: "ds:bureau-feed", MaxDepth: 10, First: 5}, "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			paths, err := s.Paths(context.Background(), tc.q)
			if err != nil {
				t.Fatal(err)
			}
			var lengths []int
			seen := map[string]bool{}
			for _, p := range paths {
				lengths = append(lengths, len(p.Relationships))
				key := ""
				for _, r := range p.Relationships {
					key += r.Key() + "|"
				}
				if seen[key] {
					t.Errorf("path listed twice: %s", pathString(p))
				}
				seen[key] = true
				if str := pathString(p); strings.Contains(str, "BROKEN") || p.Nodes[0].ID != tc.q.From || p.Nodes[len(p.Nodes)-1].ID != tc.q.To {
					t.Errorf("malformed path %s", str)
				}
			}
			if !reflect.DeepEqual(lengths, tc.lengths) {
				t.Errorf("path lengths %v, want %v", lengths, tc.lengths)
			}
			if tc.first != "" && (len(paths) == 0 || pathString(paths[0]) != tc.first) {
				t.Errorf("first path: got %v, want %s", paths, tc.first)
			}
		})
	}
}

// testPathsBounded: between two nodes joined by millions of equal-length routes (four layers
// of 40 datasets, each feeding all of the next), a path search ends in bounded time and memory
// with the paths asked for, shortest first, or with ErrTooLarge: never with fewer paths and no
// error.
func testPathsBounded(t *testing.T, s graph.Store) {
	var b strings.Builder
	b.WriteString("version: 1\nsource: layers\ndatasets:\n  - {id: ds:l0, name: start}\n")
	prev := []string{"ds:l0"}
	for layer := 1; layer <= 4; layer++ {
		var cur []string
		for i := 0; i < 40; i++ {
			id := fmt.Sprintf("ds:l%d-%d", layer, i)
			fmt.Fprintf(&b, "  - {id: %s, name: %s, derivedFrom: [%s]}\n", id, id, strings.Join(prev, ", "))
			cur = append(cur, id)
		}
		prev = cur
	}
	fmt.Fprintf(&b, "  - {id: ds:end, name: end, derivedFrom: [%s]}\n", strings.Join(prev, ", "))
	first := Import(t, s, importer.Options{}, writeFile(t, "layers.yaml", b.String()))
	Import(t, s, importer.Options{}, writeFile(t, "later.yaml", "version: 1\nsource: later\nvendors: [{id: vnd:later, name: Later}]\n"))
	for _, r := range []struct {
		name string
		r    graph.Reader
	}{{"current", s}, {"as of the first run", At(t, s, first.FinishedAt)}} {
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		started := time.Now()
		paths, err := r.r.Paths(context.Background(), graph.PathQuery{From: "ds:l0", To: "ds:end", MaxDepth: 6, First: 10})
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		if took := time.Since(started); took > time.Minute {
			t.Errorf("%s: the search took %v", r.name, took)
		}
		if grew := after.TotalAlloc - before.TotalAlloc; grew > 2<<30 {
			t.Errorf("%s: the search allocated %d MB", r.name, grew>>20)
		}
		switch {
		case errors.Is(err, graph.ErrTooLarge):
		case err != nil:
			t.Fatalf("%s: %v", r.name, err)
		case len(paths) != 10:
			t.Errorf("%s: %d paths without an error, want the 10 asked for or ErrTooLarge", r.name, len(paths))
		default:
			for _, p := range paths {
				if len(p.Relationships) != 5 {
					t.Errorf("%s: a path of %d edges, want 5: %s", r.name, len(p.Relationships), pathString(p))
				}
			}
		}
	}
}
