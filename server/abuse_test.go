package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aimsgraph/aimsgraph/graph/storetest"
	"github.com/aimsgraph/aimsgraph/importer"
	"github.com/aimsgraph/aimsgraph/internal/embeddedtest"
	"github.com/aimsgraph/aimsgraph/resolvers"
	"github.com/aimsgraph/aimsgraph/server"
)

// Each attack of issue 9 against the embedded store: a clear error code, within a bounded time
// and a bounded amount of memory, measured around the request (client and server share this
// process, so the bound covers both).

type abuse struct {
	name     string
	body     func() []byte
	status   int
	code     string
	maxTime  time.Duration
	maxAlloc uint64 // bytes allocated while serving it
	maxResp  int    // bytes of the answer
}

func fragmentBomb(levels int) string {
	var b strings.Builder
	b.WriteString("query { ...F0 }\nfragment F0 on Query { __typename node(id: \"x\") { id } }\n")
	for i := 1; i <= levels; i++ {
		fmt.Fprintf(&b, "fragment F%d on Query { ...F%d ...F%d }\n", i, i-1, i-1)
	}
	return strings.Replace(b.String(), "...F0 }\nfragment F0", fmt.Sprintf("...F%d }\nfragment F0", levels), 1)
}

// chainedInvalidFragments: each fragment selects a field that does not exist and spreads the
// next, so validation finds an error per fragment and per path to it.
func chainedInvalidFragments(size int) string {
	var b strings.Builder
	b.WriteString("query { ...C0 }\n")
	for i := 0; b.Len() < size; i++ {
		fmt.Fprintf(&b, "fragment C%d on Query { nope%d ...C%d ...C%d }\n", i, i, i+1, i+1)
	}
	return b.String()
}

func aliases(n int, field string) string {
	var b strings.Builder
	b.WriteString("{")
	for i := range n {
		fmt.Fprintf(&b, " a%d: %s", i, field)
	}
	b.WriteString(" }")
	return b.String()
}

func jsonQuery(q string) []byte {
	b, _ := json.Marshal(map[string]string{"query": q})
	return b
}

func TestAbuse(t *testing.T) {
	s := embeddedtest.Fresh(t)
	storetest.Import(t, s, importer.Options{}, storetest.Testdata(t, "estate"))
	ts := httptest.NewServer(server.New(s, server.Options{Limits: resolvers.DefaultLimits()}))
	t.Cleanup(ts.Close)
	const mb = 1 << 20
	cases := []abuse{
		{"nested fragment spreads, 28 levels", func() []byte { return jsonQuery(fragmentBomb(28)) }, 200, "COMPLEXITY_LIMIT_EXCEEDED", time.Second, 20 * mb, 4096},
		{"50 MB body", func() []byte { return jsonQuery(strings.Repeat(" ", 50*mb) + "{ __typename }") }, 413, "REQUEST_TOO_LARGE", 2 * time.Second, 20 * mb, 1024},
		{"malformed 52 MB body", func() []byte { return []byte(`{"query": "` + strings.Repeat("x", 52*mb)) }, 413, "REQUEST_TOO_LARGE", 2 * time.Second, 20 * mb, 1024},
		{"malformed body under the cap is not echoed", func() []byte { return []byte(`{"query": "` + strings.Repeat("x", 900_000) + `", oops}`) }, 400, "BAD_REQUEST", time.Second, 20 * mb, 1024},
		{"65 KB of chained invalid fragments", func() []byte { return jsonQuery(chainedInvalidFragments(65_000)) }, 200, "COMPLEXITY_LIMIT_EXCEEDED", 2 * time.Second, 40 * mb, 64 * 1024},
		{"10,000 max-cost impact aliases", func() []byte {
			return jsonQuery(aliases(10_000, `impact(sources: {kinds: [DATASET]}, maxDepth: 25, limit: 1000) { truncated }`))
		}, 200, "COMPLEXITY_LIMIT_EXCEEDED", 2 * time.Second, 40 * mb, 4096},
		{"1,000 max-cost impact aliases (under the token limit)", func() []byte {
			return jsonQuery(aliases(1_000, `impact(sources: {kinds: [DATASET]}, maxDepth: 25, limit: 1000) { truncated }`))
		}, 200, "COMPLEXITY_LIMIT_EXCEEDED", 2 * time.Second, 40 * mb, 4096},
		{"6 traversals", func() []byte {
			return jsonQuery(aliases(6, `impact(sources: {ids: ["ds:bureau-feed"]}, limit: 10) { truncated }`))
		}, 200, "COMPLEXITY_LIMIT_EXCEEDED", time.Second, 20 * mb, 4096},
		{"3 max-size traversals with paths", func() []byte {
			return jsonQuery(aliases(3, `impact(sources: {kinds: [DATASET]}, maxDepth: 25, limit: 1000) { items { node { id } paths { nodes { id name } relationships { type } } } }`))
		}, 200, "COMPLEXITY_LIMIT_EXCEEDED", time.Second, 20 * mb, 4096},
		// Fields that run a traversal below the root, where the traversal limit does not count
		// them, weigh as one: aliased, or under a list, they are refused by complexity.
		{"50 aliases of a risk's exposes", func() []byte {
			return jsonQuery(`{ node(id: "risk:bureau-privacy") { ... on Risk {` + strings.TrimSuffix(strings.TrimPrefix(aliases(50, `exposes { truncated }`), "{"), "}") + `} } }`)
		}, 200, "COMPLEXITY_LIMIT_EXCEEDED", time.Second, 20 * mb, 4096},
		{"exposes of 500 risks", func() []byte {
			return jsonQuery(`{ nodes(filter: {kinds: [RISK]}, first: 500) { nodes { ... on Risk { exposes { truncated } } } } }`)
		}, 200, "COMPLEXITY_LIMIT_EXCEEDED", time.Second, 20 * mb, 4096},
		{"exposes of every risk a gap names", func() []byte {
			return jsonQuery(`{ gaps { node { ... on Risk { exposes { items { node { id } } } } } } }`)
		}, 200, "COMPLEXITY_LIMIT_EXCEEDED", time.Second, 20 * mb, 4096},
		{"50 aliases of a run's changes", func() []byte {
			return jsonQuery(`{ importRuns(last: 1) {` + strings.TrimSuffix(strings.TrimPrefix(aliases(50, `changes { truncated }`), "{"), "}") + `} }`)
		}, 200, "COMPLEXITY_LIMIT_EXCEEDED", time.Second, 20 * mb, 4096},
		{"changes of 500 runs", func() []byte {
			return jsonQuery(`{ importRuns(last: 500) { changes { nodes { id } } } }`)
		}, 200, "COMPLEXITY_LIMIT_EXCEEDED", time.Second, 20 * mb, 4096},
		{"changes of the run of every change", func() []byte {
			return jsonQuery(`{ changes(since: "2000-01-01") { nodes { run { changes { nodes { id } } } } } }`)
		}, 200, "COMPLEXITY_LIMIT_EXCEEDED", time.Second, 20 * mb, 4096},
		{"5 impacts with 20 paths per item", func() []byte {
			return jsonQuery(aliases(5, `impact(sources: {kinds: [DATASET]}, pathsPerItem: 20) { truncated }`))
		}, 200, "COMPLEXITY_LIMIT_EXCEEDED", time.Second, 20 * mb, 4096},
		{"5 impacts with the default paths per item", func() []byte { // the same, within the cap
			return jsonQuery(aliases(5, `impact(sources: {kinds: [DATASET]}) { truncated }`))
		}, 200, "", 10 * time.Second, 200 * mb, 4096},
		// The largest document preflight lets through for the overlapping-fields rule, whose work
		// is quadratic in the fields of one response name: validated in bounded time.
		{"495 same-named fields", func() []byte { return jsonQuery("{" + strings.Repeat(` a: node(id: "x") { id }`, 495) + "}") },
			200, "", 5 * time.Second, 200 * mb, 4096},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			body := c.body()
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			start := time.Now()
			resp, err := http.Post(ts.URL+"/graphql", "application/json", strings.NewReader(string(body)))
			if err != nil {
				t.Fatal(err)
			}
			out, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			elapsed := time.Since(start)
			runtime.ReadMemStats(&after)
			alloc := after.TotalAlloc - before.TotalAlloc - uint64(len(body)) // the client's copy of the body is not the server's
			t.Logf("HTTP %d in %v, %d KB allocated, %d B answer", resp.StatusCode, elapsed.Round(time.Millisecond), alloc/1024, len(out))
			if resp.StatusCode != c.status || firstCode(string(out)) != c.code {
				t.Errorf("HTTP %d code %q, want %d %q\n%.400s", resp.StatusCode, firstCode(string(out)), c.status, c.code, out)
			}
			if elapsed > c.maxTime {
				t.Errorf("took %v, want at most %v", elapsed, c.maxTime)
			}
			if alloc > c.maxAlloc {
				t.Errorf("allocated %d MB, want at most %d MB", alloc/mb, c.maxAlloc/mb)
			}
			if len(out) > c.maxResp {
				t.Errorf("answer of %d bytes, want at most %d", len(out), c.maxResp)
			}
		})
	}
}

// 40 distinct large queries (each under the body cap) do not stay in memory: the query cache
// keeps small documents only, and a bounded number of bytes of them.
func TestLargeQueriesAreNotKept(t *testing.T) {
	s := embeddedtest.Fresh(t)
	ts := httptest.NewServer(server.New(s, server.Options{}))
	t.Cleanup(ts.Close)
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	before := heap()
	for i := range 40 {
		// A valid query padded with a comment: parsed, validated and answered.
		q := fmt.Sprintf("{ __typename } # %d %s", i, strings.Repeat("x", 500_000))
		resp, err := http.Post(ts.URL+"/graphql", "application/json", strings.NewReader(string(jsonQuery(q))))
		if err != nil {
			t.Fatal(err)
		}
		out, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || firstCode(string(out)) != "" {
			t.Fatalf("query %d: HTTP %d %s", i, resp.StatusCode, out)
		}
	}
	if grown := int64(heap()) - int64(before); grown > 16<<20 {
		t.Errorf("the heap grew by %d MB after 40 distinct 500 KB queries, want under 16", grown>>20)
	}
}

// A client that goes away cancels its request's store work.
func TestClientGoneCancelsWork(t *testing.T) {
	s := embeddedtest.Fresh(t)
	storetest.Import(t, s, importer.Options{}, storetest.Testdata(t, "estate"))
	bs := newBlockingStore(s)
	var logs syncBuffer
	ts := httptest.NewServer(server.New(bs, server.Options{Log: slog.New(slog.NewTextHandler(&logs, nil))}))
	t.Cleanup(ts.Close)
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "POST", ts.URL+"/graphql", strings.NewReader(gqlBody(`{ impact(sources: {kinds: [DATASET]}) { truncated } }`)))
	req.Header.Set("Content-Type", "application/json")
	done := make(chan struct{})
	go func() {
		defer close(done)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	<-bs.started
	cancel()
	select {
	case <-bs.cancelled:
	case <-time.After(2 * time.Second):
		t.Fatal("the store kept working for a client that left")
	}
	<-done
	ts.Close() // waits for the request's handler to finish
	if l := logs.String(); strings.Contains(l, "panic") || !strings.Contains(l, "outcome=CANCELLED") {
		t.Errorf("a request whose client left is not logged as CANCELLED:\n%s", l)
	}
}

// A request out of time answers TIMEOUT, whether the deadline passes while its fields resolve
// or before they start (gqlgen then produces no answer at all).
func TestDeadlineDuringResolution(t *testing.T) {
	s := embeddedtest.Fresh(t)
	bs := newBlockingStore(s)
	for _, timeout := range []time.Duration{100 * time.Millisecond, time.Nanosecond} {
		var logs syncBuffer
		limits := resolvers.DefaultLimits()
		limits.Timeout = timeout
		ts := httptest.NewServer(server.New(bs, server.Options{Limits: limits, Log: slog.New(slog.NewTextHandler(&logs, nil))}))
		resp, err := http.Post(ts.URL+"/graphql", "application/json", strings.NewReader(gqlBody(`{ impact(sources: {kinds: [DATASET]}) { truncated } }`)))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		ts.Close()
		if firstCode(string(b)) != resolvers.CodeTimeout || strings.Contains(logs.String(), "panic") {
			t.Errorf("timeout %v: got %s\nlog: %s", timeout, b, logs.String())
		}
	}
}
