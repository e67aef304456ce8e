package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aimsgraph/aimsgraph/graph"
	"github.com/aimsgraph/aimsgraph/graph/storetest"
	"github.com/aimsgraph/aimsgraph/importer"
	"github.com/aimsgraph/aimsgraph/internal/teststores"
	"github.com/aimsgraph/aimsgraph/resolvers"
	"github.com/aimsgraph/aimsgraph/resolvers/model"
	"github.com/aimsgraph/aimsgraph/schema"
	"github.com/aimsgraph/aimsgraph/server"
)

// The API is tested through the real HTTP handler, on every store, over the sample estate.

var allStores = teststores.Both

// api is a server over a store with the sample estate, and a count of store calls.
type api struct {
	t     *testing.T
	url   string
	store *countingStore
}

func newAPI(t *testing.T, open func(t *testing.T) graph.Store, limits resolvers.Limits) *api {
	s := open(t)
	storetest.Import(t, s, importer.Options{}, storetest.Testdata(t, "estate"))
	return serve(t, &countingStore{Store: s, calls: map[string]int{}}, limits)
}

// serve starts a server over store with limits.
func serve(t *testing.T, store *countingStore, limits resolvers.Limits) *api {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ts := httptest.NewServer(server.New(store, server.Options{Limits: limits, Log: log}))
	t.Cleanup(ts.Close)
	return &api{t: t, url: ts.URL, store: store}
}

type gqlError struct {
	Message    string         `json:"message"`
	Extensions map[string]any `json:"extensions"`
}

type response struct {
	Data   map[string]any `json:"data"`
	Errors []gqlError     `json:"errors"`
}

func (a *api) query(q string, vars map[string]any) response {
	a.t.Helper()
	body, _ := json.Marshal(map[string]any{"query": q, "variables": vars})
	resp, err := http.Post(a.url+"/graphql", "application/json", bytes.NewReader(body))
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out response
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		a.t.Fatalf("decoding the response (HTTP %d): %v", resp.StatusCode, err)
	}
	return out
}

// ok runs a query that must succeed and returns its data.
func (a *api) ok(q string, vars map[string]any) map[string]any {
	a.t.Helper()
	r := a.query(q, vars)
	if len(r.Errors) > 0 {
		a.t.Fatalf("query failed: %+v\n%.300s", r.Errors, q)
	}
	return r.Data
}

// get walks a decoded JSON value along a path of keys and indexes.
func get(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			l, _ := v.([]any)
			if k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func list(v any, path ...any) []any { l, _ := get(v, path...).([]any); return l }

func ids(v any, path ...any) []string {
	var out []string
	for _, x := range list(v, path...) {
		out = append(out, get(x, "id").(string))
	}
	return out
}

func TestAPI(t *testing.T) {
	// Batches must not split because the race detector slows goroutines down: the round-trip
	// test counts store calls, which is what batching saves, not how fast a machine is.
	model.BatchWait = 50 * time.Millisecond
	for _, st := range allStores {
		t.Run(st.Name, func(t *testing.T) {
			a := newAPI(t, st.Open, resolvers.DefaultLimits())
			t.Run("CanonicalImpact", func(t *testing.T) { testCanonical(t, a) })
			t.Run("DerivedSemantics", func(t *testing.T) { testDerived(t, a) })
			t.Run("Lineage", func(t *testing.T) { testLineage(t, a) })
			t.Run("Paths", func(t *testing.T) { testPaths(t, a) })
			t.Run("TypedNeighbours", func(t *testing.T) { testNeighbours(t, a) })
			t.Run("Pagination", func(t *testing.T) { testPagination(t, a) })
			t.Run("Errors", func(t *testing.T) { testErrors(t, a) })
			t.Run("Examples", func(t *testing.T) { testExamples(t, a) })
			t.Run("RoundTrips", func(t *testing.T) { testRoundTrips(t, a) })
			t.Run("Probes", func(t *testing.T) { testProbes(t, a) })
		})
	}
}

const canonicalQuery = `query($depth: Int) {
  impact(sources: {kinds: [DATASET], thirdParty: true, flags: [PRIVACY]}, targets: [DECISION], maxDepth: $depth) {
    truncated
    items { distance node { id kind } paths { length nodes { id }
      relationships { type from { id } to { id } provenance { sources file line lastRunId lastRun { id } } } } }
  }
}`

// pathString renders a path as an auditor reads it.
func pathString(p any) string {
	var b strings.Builder
	for i, n := range list(p, "nodes") {
		if i > 0 {
			r := get(p, "relationships", i-1)
			b.WriteString(" -[" + get(r, "type").(string) + "]-> ")
			if get(r, "from", "id") != get(list(p, "nodes")[i-1], "id") || get(r, "to", "id") != get(n, "id") {
				b.WriteString("(BROKEN) ")
			}
		}
		b.WriteString(get(n, "id").(string))
	}
	return b.String()
}

func testCanonical(t *testing.T, a *api) {
	tests := []struct {
		name  string
		depth any
		want  map[string]float64
	}{
		{"default depth", nil, map[string]float64{"dec:loan-approval": 2, "dec:credit-limit": 2, "dec:sar-filing": 2, "dec:card-block": 5}},
		{"depth bound", 2, map[string]float64{"dec:loan-approval": 2, "dec:credit-limit": 2, "dec:sar-filing": 2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data := a.ok(canonicalQuery, map[string]any{"depth": tc.depth})
			got := map[string]float64{}
			var distances []float64
			for _, it := range list(data, "impact", "items") {
				id := get(it, "node", "id").(string)
				got[id] = get(it, "distance").(float64)
				distances = append(distances, got[id])
				p := get(it, "paths", 0)
				if str := pathString(p); strings.Contains(str, "BROKEN") || get(p, "length").(float64) != got[id] {
					t.Errorf("%s: path %s does not match distance %v", id, str, got[id])
				}
				// Every edge says where its fact came from.
				for _, r := range list(p, "relationships") {
					prov := get(r, "provenance")
					if len(list(prov, "sources")) == 0 || get(prov, "file") == nil || get(prov, "line") == nil || get(prov, "lastRun", "id") != get(prov, "lastRunId") {
						t.Errorf("%s: edge without evidence: %v", id, r)
					}
				}
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("impact = %v, want %v", got, tc.want)
			}
			if !sort.Float64sAreSorted(distances) {
				t.Errorf("items not nearest first: %v", distances)
			}
		})
	}
	t.Run("card-block evidence", func(t *testing.T) {
		data := a.ok(canonicalQuery, nil)
		for _, it := range list(data, "impact", "items") {
			if get(it, "node", "id") == "dec:card-block" {
				want := "ds:sanctions-list -[FEEDS]-> sys:aml-monitoring -[FEEDS]-> ds:fraud-labels -[TRAINS]-> mdl:fraud-gbm -[POWERS]-> sys:fraud-detection -[INFORMS]-> dec:card-block"
				if got := pathString(get(it, "paths", 0)); got != want {
					t.Errorf("path\n got %s\nwant %s", got, want)
				}
				return
			}
		}
		t.Error("dec:card-block missing")
	})
	// Evidence nobody selects is not searched for; a fragment or an alias that selects it is.
	t.Run("paths only when selected", func(t *testing.T) {
		for _, tc := range []struct {
			query string
			paths int
		}{
			{`{ impact(sources: {kinds: [DATASET], thirdParty: true, flags: [PRIVACY]}) { items { distance node { id } } } }`, 0},
			{`{ impact(sources: {kinds: [DATASET], thirdParty: true, flags: [PRIVACY]}, pathsPerItem: 2) { items { node { id } } } }`, 0},
			{`{ impact(sources: {kinds: [DATASET], thirdParty: true, flags: [PRIVACY]}) { items { distance ...P } } } fragment P on ImpactItem { paths { length } }`, 3},
			{`{ impact(sources: {kinds: [DATASET], thirdParty: true, flags: [PRIVACY]}, pathsPerItem: 2) { a: items { distance } b: items { evidence: paths { length } } } }`, 2},
		} {
			data := a.ok(tc.query, nil)
			a.store.mu.Lock()
			got := a.store.pathsPerItem
			a.store.mu.Unlock()
			if got != tc.paths {
				t.Errorf("%s: the store was asked for %d paths per item, want %d", tc.query, got, tc.paths)
			}
			if n := len(list(data, "impact", "items")) + len(list(data, "impact", "a")); n != 4 {
				t.Errorf("%s: %d items, want 4", tc.query, n)
			}
		}
	})
}

func testDerived(t *testing.T, a *api) {
	q := `query($id: ID!) { node(id: $id) { thirdParty flaggedFor { category via risk { id status } } } }`
	tests := []struct {
		id         string
		thirdParty bool
		flagged    []string // category/via/risk
	}{
		{"ds:bureau-feed", true, []string{"PRIVACY/FLAGS/", "PRIVACY/RISK/risk:bureau-privacy"}}, // origin THIRD_PARTY
		{"ds:sanctions-list", true, []string{"PRIVACY/RISK/risk:sanctions-privacy"}},             // supplied by a vendor
		{"ds:marketing-panel", true, nil},                                                        // its PRIVACY risk is CLOSED
		{"ds:loan-applications", false, nil},
		{"vnd:bureau", true, nil}, // a vendor is third-party by definition
	}
	for _, tc := range tests {
		t.Run(tc.id, func(t *testing.T) {
			data := a.ok(q, map[string]any{"id": tc.id})
			if got := get(data, "node", "thirdParty"); got != tc.thirdParty {
				t.Errorf("thirdParty = %v, want %v", got, tc.thirdParty)
			}
			var flagged []string
			for _, f := range list(data, "node", "flaggedFor") {
				risk, _ := get(f, "risk", "id").(string)
				flagged = append(flagged, get(f, "category").(string)+"/"+get(f, "via").(string)+"/"+risk)
			}
			if !reflect.DeepEqual(flagged, tc.flagged) {
				t.Errorf("flaggedFor = %v, want %v", flagged, tc.flagged)
			}
		})
	}
	t.Run("filter agrees", func(t *testing.T) {
		data := a.ok(`{ nodes(filter: {kinds: [DATASET], flags: [PRIVACY], thirdParty: true}) { nodes { id } } }`, nil)
		if got := ids(data, "nodes", "nodes"); !reflect.DeepEqual(got, []string{"ds:bureau-feed", "ds:sanctions-list"}) {
			t.Errorf("third-party privacy-flagged datasets = %v", got)
		}
	})
}

func testLineage(t *testing.T, a *api) {
	q := `query($id: ID!, $dir: Direction!, $depth: Int, $kinds: [NodeKind!], $limit: Int) {
  lineage(id: $id, direction: $dir, maxDepth: $depth, kinds: $kinds, limit: $limit) {
    truncated nodes { id } relationships { type lineage from { id } to { id } } } }`
	tests := []struct {
		name      string
		vars      map[string]any
		want      []string // the start, then the others by id
		truncated bool
	}{
		{"upstream of a decision", map[string]any{"id": "dec:loan-approval", "dir": "UPSTREAM"},
			[]string{"dec:loan-approval", "ds:bureau-feed", "ds:credit-features", "ds:credit-holdout", "ds:credit-training", "ds:loan-applications", "mdl:credit-scorecard", "sys:credit-scoring", "vnd:bureau"}, false},
		{"non-lineage edges are never followed", map[string]any{"id": "role:dpo", "dir": "BOTH"}, []string{"role:dpo"}, false},
		{"a cycle terminates without duplicates", map[string]any{"id": "ds:customer-profile", "dir": "DOWNSTREAM"},
			[]string{"ds:customer-profile", "dec:marketing-offer", "ds:customer-segments", "sys:marketing-propensity"}, false},
		{"depth 1", map[string]any{"id": "ds:bureau-feed", "dir": "DOWNSTREAM", "depth": 1}, []string{"ds:bureau-feed", "ds:credit-features", "sys:credit-scoring"}, false},
		{"kinds", map[string]any{"id": "dec:loan-approval", "dir": "UPSTREAM", "kinds": []string{"VENDOR", "MODEL"}}, []string{"dec:loan-approval", "mdl:credit-scorecard", "vnd:bureau"}, false},
		{"limit truncates", map[string]any{"id": "dec:loan-approval", "dir": "UPSTREAM", "limit": 2}, nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data := a.ok(q, tc.vars)
			got := ids(data, "lineage", "nodes")
			if tc.truncated {
				if get(data, "lineage", "truncated") != true || len(got) != 3 {
					t.Errorf("truncated=%v with %v", get(data, "lineage", "truncated"), got)
				}
				return
			}
			if !reflect.DeepEqual(got, tc.want) || get(data, "lineage", "truncated") != false {
				t.Errorf("nodes %v\nwant  %v", got, tc.want)
			}
			in := map[string]bool{}
			for _, id := range got {
				in[id] = true
			}
			for _, r := range list(data, "lineage", "relationships") {
				if get(r, "lineage") != true || !in[get(r, "from", "id").(string)] || !in[get(r, "to", "id").(string)] {
					t.Errorf("relationship %v does not belong", r)
				}
			}
		})
	}
}

func testPaths(t *testing.T, a *api) {
	q := `query($from: ID!, $to: ID!, $depth: Int, $first: Int) { paths(from: $from, to: $to, maxDepth: $depth, first: $first) {
  length nodes { id } relationships { type purpose from { id } to { id } provenance { sources file line } } } }`
	data := a.ok(q, map[string]any{"from": "ds:bureau-feed", "to": "dec:loan-approval", "first": 10})
	var lengths []float64
	for _, p := range list(data, "paths") {
		lengths = append(lengths, get(p, "length").(float64))
		if s := pathString(p); strings.Contains(s, "BROKEN") {
			t.Errorf("malformed path %s", s)
		}
	}
	if !reflect.DeepEqual(lengths, []float64{2, 5, 5, 5}) {
		t.Errorf("path lengths %v, want [2 5 5 5]", lengths)
	}
	if got := pathString(get(data, "paths", 0)); got != "ds:bureau-feed -[FEEDS]-> sys:credit-scoring -[INFORMS]-> dec:loan-approval" {
		t.Errorf("shortest path %s", got)
	}
	data = a.ok(q, map[string]any{"from": "dec:loan-approval", "to": "ds:bureau-feed"})
	if len(list(data, "paths")) != 0 {
		t.Errorf("a path against the flow: %v", data)
	}
}

func testNeighbours(t *testing.T, a *api) {
	data := a.ok(`{
  m: node(id: "mdl:credit-scorecard") { ... on Model { trainedOn { id } validation: trainedOn(purpose: VALIDATION) { id }
      training { purpose dataset { id } } systems { id } } }
  s: node(id: "sys:credit-scoring") { ... on AISystem { models { id } decisions { id } inputs { id } } }
  d: node(id: "dec:loan-approval") { ... on Decision { systems { id } } }
  ds: node(id: "ds:bureau-feed") { ... on Dataset { suppliers { id name } usedBy { id } }
      owners { as role { id } } risks { id } }
}`, nil)
	tests := []struct {
		name string
		got  any
		want []string
	}{
		{"Model.trainedOn", ids(data, "m", "trainedOn"), []string{"ds:credit-holdout", "ds:credit-training"}},
		{"Model.trainedOn(VALIDATION)", ids(data, "m", "validation"), []string{"ds:credit-holdout"}},
		{"Model.systems", ids(data, "m", "systems"), []string{"sys:credit-scoring"}},
		{"AISystem.models", ids(data, "s", "models"), []string{"mdl:credit-scorecard"}},
		{"AISystem.decisions", ids(data, "s", "decisions"), []string{"dec:credit-limit", "dec:loan-approval"}},
		{"Decision.systems", ids(data, "d", "systems"), []string{"sys:credit-scoring"}},
		{"Dataset.suppliers", ids(data, "ds", "suppliers"), []string{"vnd:bureau"}},
		{"Dataset.usedBy", ids(data, "ds", "usedBy"), []string{"sys:credit-scoring"}},
		{"risks", ids(data, "ds", "risks"), []string{"risk:bureau-privacy"}},
	}
	for _, tc := range tests {
		if !reflect.DeepEqual(tc.got, tc.want) {
			t.Errorf("%s = %v, want %v", tc.name, tc.got, tc.want)
		}
	}
	var owners []string
	for _, o := range list(data, "ds", "owners") {
		owners = append(owners, get(o, "as").(string)+" "+get(o, "role", "id").(string))
	}
	if len(owners) == 0 {
		t.Errorf("ds:bureau-feed has no owners")
	}
	var purposes []string
	for _, tr := range list(data, "m", "training") {
		purposes = append(purposes, get(tr, "purpose").(string)+" "+get(tr, "dataset", "id").(string))
	}
	sort.Strings(purposes)
	if !reflect.DeepEqual(purposes, []string{"TEST ds:credit-holdout", "TRAINING ds:credit-training", "VALIDATION ds:credit-holdout"}) {
		t.Errorf("training = %v", purposes)
	}
}

func testPagination(t *testing.T, a *api) {
	q := `query($after: String) { nodes(first: 10, after: $after) { totalCount edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }`
	var all []string
	var after any
	pages := 0
	for {
		data := a.ok(q, map[string]any{"after": after})
		pages++
		if total := get(data, "nodes", "totalCount"); total != float64(77) {
			t.Fatalf("totalCount = %v, want 77", total)
		}
		for _, e := range list(data, "nodes", "edges") {
			all = append(all, get(e, "node", "id").(string))
		}
		if get(data, "nodes", "pageInfo", "hasNextPage") != true {
			break
		}
		after = get(data, "nodes", "pageInfo", "endCursor")
		// The same cursor gives the same page again.
		again := a.ok(q, map[string]any{"after": after})
		next := a.ok(q, map[string]any{"after": after})
		if !reflect.DeepEqual(again, next) {
			t.Errorf("page after %v differs between two reads", after)
		}
	}
	if len(all) != 77 || pages != 8 || !sort.StringsAreSorted(all) {
		t.Errorf("%d nodes in %d pages (sorted: %v), want 77 in 8, sorted", len(all), pages, sort.StringsAreSorted(all))
	}
	seen := map[string]bool{}
	for _, id := range all {
		if seen[id] {
			t.Errorf("%s on two pages", id)
		}
		seen[id] = true
	}
}

func testErrors(t *testing.T, a *api) {
	deep := "{ node(id: \"ds:bureau-feed\") { " + strings.Repeat("owners { role { ", 8) + "id" + strings.Repeat(" } }", 8) + " } }"
	tests := []struct {
		name, query string
		vars        map[string]any
		code        string
		message     string
	}{
		{"unknown id in lineage", `{ lineage(id: "no:such", direction: BOTH) { truncated } }`, nil, "NOT_FOUND", `no node with id "no:such"`},
		{"unknown id in paths", `{ paths(from: "no:such", to: "dec:loan-approval") { length } }`, nil, "NOT_FOUND", `"no:such"`},
		{"bad cursor", `{ nodes(after: "not-a-cursor") { totalCount } }`, nil, "BAD_USER_INPUT", "invalid cursor"},
		{"over-cap depth", `{ impact(sources: {kinds: [DATASET]}, maxDepth: 500) { truncated } }`, nil, "BAD_USER_INPUT", "maxDepth must be between 1 and 25"},
		{"zero first", `{ nodes(first: 0) { totalCount } }`, nil, "BAD_USER_INPUT", "first must be between 1 and 500"},
		{"over-complex query", `{ nodes(first: 500) { nodes { relationships { from { relationships { to { id name } } } } } } }`, nil, "COMPLEXITY_LIMIT_EXCEEDED", "complexity"},
		{"too deep", deep, nil, "DEPTH_LIMIT_EXCEEDED", "levels deep"},
		{"unknown field", `{ node(id: "x") { colour } }`, nil, "GRAPHQL_VALIDATION_FAILED", "colour"},
		{"bad enum variable", `query($d: Direction!) { lineage(id: "ds:bureau-feed", direction: $d) { truncated } }`, map[string]any{"d": "SIDEWAYS"}, "GRAPHQL_VALIDATION_FAILED", "SIDEWAYS"},
		{"syntax error", `{ node(id: `, nil, "GRAPHQL_PARSE_FAILED", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := a.query(tc.query, tc.vars)
			if len(r.Errors) == 0 {
				t.Fatalf("no error (data with %d top-level fields)", len(r.Data))
			}
			e := r.Errors[0]
			if e.Extensions["code"] != tc.code || !strings.Contains(e.Message, tc.message) {
				t.Errorf("error %q code %v, want code %s and a message with %q", e.Message, e.Extensions["code"], tc.code, tc.message)
			}
		})
	}
	t.Run("timeout", func(t *testing.T) {
		// The store is asked only once the deadline has passed, so it answers with its own
		// error for an expired context, which the server must report as TIMEOUT.
		limits := resolvers.DefaultLimits()
		limits.Timeout = 50 * time.Millisecond
		late := &countingStore{Store: lateStore{a.store.Store}, calls: map[string]int{}}
		r := serve(t, late, limits).query(canonicalQuery, nil)
		if len(r.Errors) == 0 || r.Errors[0].Extensions["code"] != resolvers.CodeTimeout {
			t.Errorf("a query out of time: %+v, want code TIMEOUT", r.Errors)
		}
	})
	t.Run("unknown id in node is null", func(t *testing.T) {
		r := a.query(`{ node(id: "no:such") { id } }`, nil)
		if len(r.Errors) > 0 || r.Data["node"] != nil {
			t.Errorf("got %+v", r)
		}
	})
	t.Run("GET cannot post a body query with a mutation-like method", func(t *testing.T) {
		resp, err := http.Get(a.url + "/graphql?query=" + url.QueryEscape(`{ node(id: "ds:bureau-feed") { id } }`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET query: HTTP %d", resp.StatusCode)
		}
	})
}

// testExamples runs every example of schema/examples as written: the README and the UI point
// users at them, so each must work on the sample estate.
func testExamples(t *testing.T, a *api) {
	names, err := fs.Glob(schema.Files, "examples/*.graphql")
	if err != nil || len(names) < 5 {
		t.Fatalf("examples: %v %v", names, err)
	}
	for _, n := range names {
		t.Run(n, func(t *testing.T) {
			q, _ := fs.ReadFile(schema.Files, n)
			data := a.ok(string(q), nil)
			if len(data) == 0 {
				t.Errorf("no data")
			}
		})
	}
}

// testRoundTrips: each question is one store call, and neighbour fields are batched: the number
// of store calls does not grow with the number of nodes listed.
func testRoundTrips(t *testing.T, a *api) {
	neighbours := `query($n: Int) { nodes(first: $n) { nodes { id thirdParty owners { as role { id name } } risks { id } } } }`
	tests := []struct {
		name  string
		query string
		vars  map[string]any
		calls int
	}{
		{"impact with evidence", canonicalQuery, nil, 2}, // Impact + the import runs named by the evidence
		{"lineage with relationships", `{ lineage(id: "dec:loan-approval", direction: UPSTREAM) { nodes { id name } relationships { type from { id } to { id } } } }`, nil, 1},
		{"paths", `{ paths(from: "ds:bureau-feed", to: "dec:loan-approval") { nodes { id } relationships { from { id } to { id } } } }`, nil, 1},
		{"5 nodes with owners and risks", neighbours, map[string]any{"n": 5}, 4},
		{"64 nodes with owners and risks", neighbours, map[string]any{"n": 64}, 4}, // FindNodes, in-edges, roles... same as for 5
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a.store.reset()
			n0 := neo4jQueries(a.store.Store)
			a.ok(tc.query, tc.vars)
			calls := a.store.total()
			if calls > tc.calls {
				t.Errorf("%d store calls (%v), want at most %d", calls, a.store.snapshot(), tc.calls)
			}
			if q := neo4jQueries(a.store.Store) - n0; q >= 0 && n0 >= 0 && q != int64(calls) {
				t.Errorf("%d Neo4j queries for %d store calls: a store call must be one query", q, calls)
			}
		})
	}
}

// neo4jQueries returns the Neo4j store's query count, or -1 for another store.
func neo4jQueries(s graph.Store) int64 {
	if q, ok := s.(interface{ Queries() int64 }); ok {
		return q.Queries()
	}
	return -1
}

func testProbes(t *testing.T, a *api) {
	for path, want := range map[string]string{"/healthz": "ok", "/readyz": "ready", "/": "<title>aimsgraph", "/examples.json": "canonical-privacy-impact"} {
		resp, err := http.Get(a.url + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), want) {
			t.Errorf("GET %s: HTTP %d %q", path, resp.StatusCode, body)
		}
	}
}

// lateStore waits for the request's deadline before it asks the real store.
type lateStore struct{ graph.Store }

func (l lateStore) Impact(ctx context.Context, q graph.ImpactQuery) (*graph.ImpactResult, error) {
	<-ctx.Done()
	return l.Store.Impact(ctx, q)
}

// countingStore counts the read calls a request makes.
type countingStore struct {
	graph.Store
	mu           sync.Mutex
	calls        map[string]int
	pathsPerItem int // of the last Impact call
}

func (c *countingStore) count(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls[name]++
}

func (c *countingStore) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls = map[string]int{}
}

func (c *countingStore) total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, v := range c.calls {
		n += v
	}
	return n
}

func (c *countingStore) snapshot() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]int{}
	for k, v := range c.calls {
		out[k] = v
	}
	return out
}

func (c *countingStore) KindsOf(ctx context.Context, ids []string) (map[string]graph.Kind, error) {
	c.count("KindsOf")
	return c.Store.KindsOf(ctx, ids)
}

func (c *countingStore) Nodes(ctx context.Context, ids []string) ([]*graph.Node, error) {
	c.count("Nodes")
	return c.Store.Nodes(ctx, ids)
}

func (c *countingStore) FindNodes(ctx context.Context, f graph.NodeFilter, p graph.PageRequest) (*graph.NodePage, error) {
	c.count("FindNodes")
	return c.Store.FindNodes(ctx, f, p)
}

func (c *countingStore) Edges(ctx context.Context, ids []string, dir graph.Direction, types []graph.RelType) ([]*graph.Relationship, error) {
	c.count("Edges")
	return c.Store.Edges(ctx, ids, dir, types)
}

func (c *countingStore) Lineage(ctx context.Context, q graph.LineageQuery) (*graph.Subgraph, error) {
	c.count("Lineage")
	return c.Store.Lineage(ctx, q)
}

func (c *countingStore) Paths(ctx context.Context, q graph.PathQuery) ([]graph.Path, error) {
	c.count("Paths")
	return c.Store.Paths(ctx, q)
}

func (c *countingStore) Impact(ctx context.Context, q graph.ImpactQuery) (*graph.ImpactResult, error) {
	c.count("Impact")
	c.mu.Lock()
	c.pathsPerItem = q.PathsPerItem
	c.mu.Unlock()
	return c.Store.Impact(ctx, q)
}

func (c *countingStore) Runs(ctx context.Context, q graph.RunQuery) ([]*graph.RunRecord, error) {
	c.count("Runs")
	return c.Store.Runs(ctx, q)
}
