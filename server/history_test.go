package server_test

import (
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aimsgraph/aimsgraph/graph"
	"github.com/aimsgraph/aimsgraph/graph/storetest"
	"github.com/aimsgraph/aimsgraph/importer"
	"github.com/aimsgraph/aimsgraph/resolvers"
)

// TestHistoryAPI is the surveillance audit over the API (docs/history.md): the sample estate,
// then the estate a year later imported with --prune. Questions as of the first run answer as the
// graph stood then, neighbours included; `changes` lists the difference.
func TestHistoryAPI(t *testing.T) {
	for _, st := range allStores {
		t.Run(st.Name, func(t *testing.T) {
			s := st.Open(t)
			first := storetest.Import(t, s, importer.Options{}, storetest.Testdata(t, "estate"))
			second := storetest.Import(t, s, importer.Options{Prune: true}, storetest.Testdata(t, "estate-2027"))
			a := serve(t, &countingStore{Store: s, calls: map[string]int{}}, resolvers.DefaultLimits())
			then := first.FinishedAt.UTC().Format(time.RFC3339Nano)
			t.Run("ImpactAsOf", func(t *testing.T) { testImpactAsOf(t, a, then) })
			t.Run("NeighboursAsOf", func(t *testing.T) { testNeighboursAsOf(t, a, then) })
			t.Run("Changes", func(t *testing.T) { testChangesAPI(t, a, then, second) })
			t.Run("Errors", func(t *testing.T) { testHistoryErrors(t, a, s, first) })
		})
	}
}

func decisions(data any) map[string]float64 {
	out := map[string]float64{}
	for _, it := range list(data, "impact", "items") {
		out[get(it, "node", "id").(string)] = get(it, "distance").(float64)
	}
	return out
}

func testImpactAsOf(t *testing.T, a *api, then string) {
	const q = `query($asOf: DateTime) {
  impact(sources: {kinds: [DATASET], thirdParty: true, flags: [PRIVACY]}, asOf: $asOf) {
    items { distance node { id } paths { nodes { id } relationships { type provenance { sources file line } } } }
  }
}`
	want := map[string]float64{"dec:loan-approval": 2, "dec:credit-limit": 2, "dec:sar-filing": 2, "dec:card-block": 5}
	data := a.ok(q, map[string]any{"asOf": then})
	if got := decisions(data); !reflect.DeepEqual(got, want) {
		t.Errorf("as of the first run: %v, want %v", got, want)
	}
	for _, it := range list(data, "impact", "items") {
		for _, r := range list(it, "paths", 0, "relationships") {
			if p := get(r, "provenance"); len(list(p, "sources")) == 0 || !strings.Contains(get(p, "file").(string), "testdata/estate/") {
				t.Errorf("evidence as of the first run should name the first estate's files: %v", p)
			}
		}
	}
	want["dec:marketing-offer"] = 2
	if got := decisions(a.ok(q, nil)); !reflect.DeepEqual(got, want) {
		t.Errorf("now: %v, want %v", got, want)
	}
	// A date alone is an instant too: long before the first run, nothing was there.
	if got := decisions(a.ok(q, map[string]any{"asOf": "2020-01-01"})); len(got) != 0 {
		t.Errorf("as of 2020: %v, want nothing", got)
	}
}

func testNeighboursAsOf(t *testing.T, a *api, then string) {
	const q = `query($asOf: DateTime) {
  node(id: "dec:interview-shortlist", asOf: $asOf) { id
    ... on Decision { systems { id lifecycleStage } }
    owners { as role { id } }
    controls { id }
  }
  vendor: node(id: "vnd:bureau", asOf: $asOf) { ... on Vendor { riskRating } }
  lineage(id: "dec:credit-limit", direction: UPSTREAM, asOf: $asOf) { nodes { id } }
  paths(from: "ds:bureau-feed", to: "dec:credit-limit", asOf: $asOf) { length }
  nodes(filter: {kinds: [VENDOR]}, asOf: $asOf) { totalCount }
}`
	data := a.ok(q, map[string]any{"asOf": then})
	if got := get(data, "node", "systems", 0, "lifecycleStage"); got != "DEPLOYMENT" {
		t.Errorf("the screening system as of then: %v, want DEPLOYMENT (RETIRED came later)", got)
	}
	if got := get(data, "node", "owners", 0, "role", "id"); got != "role:hr-director" {
		t.Errorf("owners as of then: %v", get(data, "node", "owners"))
	}
	if got := ids(data, "node", "controls"); !reflect.DeepEqual(got, []string{"ctl:a-9-3-oversight"}) {
		t.Errorf("controls as of then: %v", got)
	}
	if got := get(data, "vendor", "riskRating"); got != "MEDIUM" {
		t.Errorf("vnd:bureau as of then: %v, want MEDIUM", got)
	}
	if got := ids(data, "lineage", "nodes"); strings.Contains(strings.Join(got, " "), "open-banking") {
		t.Errorf("lineage as of then includes a dataset added later: %v", got)
	}
	if got := list(data, "paths"); len(got) == 0 {
		t.Errorf("no path from the bureau feed as of then")
	}
	// A dataset added later did not exist then: as for any unknown id.
	r := a.query(`query($asOf: DateTime) { paths(from: "ds:open-banking", to: "dec:credit-limit", asOf: $asOf) { length } }`, map[string]any{"asOf": then})
	if len(r.Errors) == 0 || r.Errors[0].Extensions["code"] != "NOT_FOUND" {
		t.Errorf("paths from a dataset added later, as of then: %+v, want NOT_FOUND", r)
	}
	if got := get(data, "nodes", "totalCount"); got != 5.0 {
		t.Errorf("vendors as of then: %v, want 5", got)
	}
	now := a.ok(q, nil)
	if get(now, "node") != nil || get(now, "vendor", "riskRating") != "HIGH" || get(now, "nodes", "totalCount") != 6.0 {
		t.Errorf("now: %v", now)
	}
}

func testChangesAPI(t *testing.T, a *api, then string, second *graph.ImportSummary) {
	data := a.ok(`query($since: DateTime!) {
  changes(since: $since) {
    truncated
    nodes { change id kind name runId run { id } at
      before { id ... on Vendor { riskRating } } after { id ... on Vendor { riskRating } }
      properties { key before after } }
    relationships { change type fromId toId before { from { id } } after { to { id } } }
  }
}`, map[string]any{"since": then})
	var got []string
	for _, n := range list(data, "changes", "nodes") {
		got = append(got, get(n, "change").(string)+" "+get(n, "id").(string))
		if get(n, "runId") != second.RunID || get(n, "run", "id") != second.RunID {
			t.Errorf("%v: run %v, want %s", get(n, "id"), get(n, "runId"), second.RunID)
		}
		if get(n, "id") == "vnd:bureau" {
			props := list(n, "properties")
			if len(props) != 1 || get(props[0], "key") != "riskRating" || get(props[0], "before") != "MEDIUM" || get(props[0], "after") != "HIGH" {
				t.Errorf("vnd:bureau properties: %v, want riskRating MEDIUM -> HIGH", props)
			}
			if get(n, "before", "riskRating") != "MEDIUM" || get(n, "after", "riskRating") != "HIGH" {
				t.Errorf("vnd:bureau before/after: %v / %v", get(n, "before"), get(n, "after"))
			}
		}
	}
	for _, r := range list(data, "changes", "relationships") {
		got = append(got, get(r, "change").(string)+" "+get(r, "fromId").(string)+" "+get(r, "type").(string)+" "+get(r, "toId").(string))
	}
	sort.Strings(got)
	want := []string{
		"ADDED ds:open-banking", "ADDED ds:open-banking FEEDS sys:credit-scoring", "ADDED vnd:openbank",
		"ADDED vnd:openbank SUPPLIES ds:open-banking",
		"CHANGED mdl:credit-scorecard", "CHANGED risk:marketing-consent", "CHANGED sys:cv-screening", "CHANGED vnd:bureau",
		"REMOVED ctl:a-9-3-oversight APPLIES_TO dec:interview-shortlist", "REMOVED dec:interview-shortlist",
		"REMOVED ds:card-transactions FEEDS sys:aml-monitoring",
		"REMOVED role:hr-director RESPONSIBLE_FOR dec:interview-shortlist",
		"REMOVED sys:cv-screening INFORMS dec:interview-shortlist",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("changes:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	// The run's own record says what it changed; limit cuts and says so.
	runs := a.ok(`query($id: ID!) { importRuns(ids: [$id]) { effectiveAt finishedAt changes(limit: 3) { truncated nodes { id } } } }`, map[string]any{"id": second.RunID})
	run := get(runs, "importRuns", 0)
	if len(list(run, "changes", "nodes")) != 3 || get(run, "changes", "truncated") != true {
		t.Errorf("the run's changes with limit 3: %v", get(run, "changes"))
	}
	if eff, fin := get(run, "effectiveAt").(string), get(run, "finishedAt").(string); eff == "" || eff > fin {
		t.Errorf("effectiveAt %q, finishedAt %q", eff, fin)
	}
}

func testHistoryErrors(t *testing.T, a *api, s graph.Store, first *graph.ImportSummary) {
	for _, tc := range []struct {
		name, q string
		vars    map[string]any
		code    string
	}{
		{"not an instant", `query($t: DateTime) { node(id: "vnd:bureau", asOf: $t) { id } }`, map[string]any{"t": "last tuesday"}, "BAD_USER_INPUT"},
		{"until before since", `{ changes(since: "2026-01-02", until: "2026-01-01") { truncated } }`, nil, "BAD_USER_INPUT"},
		{"limit over the cap", `{ changes(since: "2026-01-01", limit: 100000) { truncated } }`, nil, "BAD_USER_INPUT"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := a.query(tc.q, tc.vars)
			if len(r.Errors) == 0 || r.Errors[0].Extensions["code"] != tc.code {
				t.Errorf("errors %+v, want code %s", r.Errors, tc.code)
			}
		})
	}
	t.Run("before the history horizon", func(t *testing.T) {
		if _, err := s.Compact(t.Context(), first.FinishedAt.Add(time.Millisecond)); err != nil {
			t.Fatal(err)
		}
		r := a.query(`query($t: DateTime) { node(id: "vnd:bureau", asOf: $t) { id } }`, map[string]any{"t": first.FinishedAt.UTC().Format(time.RFC3339Nano)})
		if len(r.Errors) == 0 || r.Errors[0].Extensions["code"] != "BAD_USER_INPUT" || !strings.Contains(r.Errors[0].Message, "compacted") {
			t.Errorf("errors %+v, want BAD_USER_INPUT saying history was compacted", r.Errors)
		}
	})
}
