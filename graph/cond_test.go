package graph_test

import (
	"testing"
	"time"

	"github.com/aimsgraph/aimsgraph/graph"
)

// view builds a node with incoming relationships from other nodes.
func view(kind graph.Kind, props map[string]any, in map[graph.RelType][]*graph.Loaded) *graph.Loaded {
	v := &graph.Loaded{Node: &graph.Node{ID: "x:1", Kind: kind, Props: props}}
	for t, fs := range in {
		for _, f := range fs {
			v.Add(t, graph.In, nil, f)
		}
	}
	return v
}

func far(kind graph.Kind, props map[string]any) *graph.Loaded {
	return &graph.Loaded{Node: &graph.Node{ID: "y:" + string(kind), Kind: kind, Props: props}}
}

func TestDerivedNotions(t *testing.T) {
	openRisk := far(graph.Risk, map[string]any{"category": "PRIVACY", "status": "OPEN"})
	noStatus := far(graph.Risk, map[string]any{"category": "PRIVACY"})
	closed := far(graph.Risk, map[string]any{"category": "PRIVACY", "status": "CLOSED"})
	fairness := far(graph.Risk, map[string]any{"category": "FAIRNESS", "status": "OPEN"})
	vendor := far(graph.Vendor, nil)
	tests := []struct {
		name       string
		n          *graph.Loaded
		thirdParty bool
		privacy    bool
	}{
		{"a vendor is third-party by definition", view(graph.Vendor, nil, nil), true, false},
		{"origin THIRD_PARTY", view(graph.Dataset, map[string]any{"origin": "THIRD_PARTY"}, nil), true, false},
		{"supplied by a vendor", view(graph.Model, nil, map[graph.RelType][]*graph.Loaded{graph.Supplies: {vendor}}), true, false},
		{"internal, unsupplied", view(graph.Dataset, map[string]any{"origin": "INTERNAL"}, nil), false, false},
		{"own flag", view(graph.Dataset, map[string]any{"flags": []string{"SECURITY", "PRIVACY"}}, nil), false, true},
		{"open risk", view(graph.Dataset, nil, map[graph.RelType][]*graph.Loaded{graph.Affects: {openRisk}}), false, true},
		{"a risk without status is open", view(graph.Dataset, nil, map[graph.RelType][]*graph.Loaded{graph.Affects: {noStatus}}), false, true},
		{"a CLOSED risk does not flag", view(graph.Dataset, nil, map[graph.RelType][]*graph.Loaded{graph.Affects: {closed}}), false, false},
		{"a risk of another category does not flag", view(graph.Dataset, nil, map[graph.RelType][]*graph.Loaded{graph.Affects: {fairness}}), false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := graph.ThirdParty.Match(tc.n); got != tc.thirdParty {
				t.Errorf("ThirdParty = %v, want %v", got, tc.thirdParty)
			}
			if got := graph.FlaggedFor("PRIVACY").Match(tc.n); got != tc.privacy {
				t.Errorf("FlaggedFor(PRIVACY) = %v, want %v", got, tc.privacy)
			}
		})
	}
	reasons := graph.FlagReasons(view(graph.Dataset, map[string]any{"flags": []string{"SECURITY"}},
		map[graph.RelType][]*graph.Loaded{graph.Affects: {openRisk, closed, fairness}}))
	want := []graph.FlagReason{{Category: "SECURITY"}, {Category: "PRIVACY", Risk: "y:RISK"}, {Category: "FAIRNESS", Risk: "y:RISK"}}
	if len(reasons) != len(want) {
		t.Fatalf("FlagReasons = %v, want %v", reasons, want)
	}
	for i := range want {
		if reasons[i] != want[i] {
			t.Errorf("FlagReasons[%d] = %v, want %v", i, reasons[i], want[i])
		}
	}
}

func TestCondLeavesOnAbsentProperties(t *testing.T) {
	n := view(graph.Dataset, map[string]any{"legalBasis": "  ", "tags": []string{}}, nil)
	for _, tc := range []struct {
		c    graph.Cond
		want bool
	}{
		{graph.Equals("origin", "INTERNAL"), false},
		{graph.Not(graph.Equals("origin", "INTERNAL")), true},
		{graph.IsSet("legalBasis"), false}, // blank text is not a legal basis
		{graph.IsSet("tags"), false},
		{graph.IsSet("retention"), false},
		{graph.HasAny("flags", "PRIVACY"), false},
		{graph.TextContains("X:"), true}, // the id, ignoring case
		{graph.All(), true},
		{graph.AnyOf(), false},
	} {
		if got := tc.c.Match(n); got != tc.want {
			t.Errorf("%s = %v, want %v", tc.c, got, tc.want)
		}
	}
}

func TestVisibleInstant(t *testing.T) {
	at := func(s int) time.Time { return time.Date(2026, 1, 1, 0, 0, s, 0, time.UTC) }
	runs := []*graph.RunRecord{
		{EffectiveAt: at(10), FinishedAt: at(20)},
		{EffectiveAt: at(30), FinishedAt: at(31)},
	}
	for _, tc := range []struct{ t, want time.Time }{
		{at(5), at(5)},                         // before any run
		{at(15), at(10).Add(-time.Nanosecond)}, // the first run is still writing: not visible yet
		{at(20), at(20)},                       // it finished: visible
		{at(30), at(30).Add(-time.Nanosecond)}, // the second began writing at 30
		{at(40), at(40)},
	} {
		if got := graph.VisibleInstant(tc.t, runs); !got.Equal(tc.want) {
			t.Errorf("VisibleInstant(%s) = %s, want %s", tc.t.Format(time.TimeOnly), got.Format(time.RFC3339Nano), tc.want.Format(time.RFC3339Nano))
		}
	}
}

// TestFlagReasonsAgreeWithFlaggedFor: a node has a reason for a category exactly when
// FlaggedFor(category) holds for it, over every combination of own flags and risks below.
func TestFlagReasonsAgreeWithFlaggedFor(t *testing.T) {
	risks := []*graph.Loaded{
		far(graph.Risk, map[string]any{"category": "PRIVACY", "status": "OPEN"}),
		far(graph.Risk, map[string]any{"category": "FAIRNESS", "status": "CLOSED"}),
		far(graph.Risk, map[string]any{"category": "SAFETY"}),
		far(graph.Risk, map[string]any{"status": "OPEN"}), // no category: flags nothing
	}
	flagSets := [][]string{nil, {"PRIVACY"}, {"FAIRNESS", "SECURITY"}}
	for mask := 0; mask < 1<<len(risks); mask++ {
		for _, flags := range flagSets {
			var affecting []*graph.Loaded
			for i, r := range risks {
				if mask&(1<<i) != 0 {
					affecting = append(affecting, r)
				}
			}
			props := map[string]any{}
			if flags != nil {
				props["flags"] = flags
			}
			n := view(graph.Dataset, props, map[graph.RelType][]*graph.Loaded{graph.Affects: affecting})
			reasons := map[string]bool{}
			for _, r := range graph.FlagReasons(n) {
				reasons[r.Category] = true
			}
			for _, cat := range graph.RiskCategories {
				if got, want := reasons[cat], graph.FlaggedFor(cat).Match(n); got != want {
					t.Errorf("flags %v, risks %04b, %s: a reason %v, FlaggedFor %v", flags, mask, cat, got, want)
				}
			}
		}
	}
}
