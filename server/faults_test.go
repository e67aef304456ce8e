package server_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aimsgraph/aimsgraph/auth"
	"github.com/aimsgraph/aimsgraph/graph/neo4jstore"
	"github.com/aimsgraph/aimsgraph/graph/storetest"
	"github.com/aimsgraph/aimsgraph/importer"
	"github.com/aimsgraph/aimsgraph/internal/neo4jtest"
	"github.com/aimsgraph/aimsgraph/internal/tcpproxy"
	"github.com/aimsgraph/aimsgraph/server"
)

// Neo4j stopping mid-serve, seen through a proxy the test cuts (the shared test Neo4j keeps
// running for everyone else): questions answer STORE_UNAVAILABLE within 2 s, /readyz says 503,
// and once Neo4j is reachable again the same server answers without a restart.
func TestNeo4jDownMidServe(t *testing.T) {
	direct := neo4jtest.Fresh(t) // takes the shared lock, empties the graph
	storetest.Import(t, direct, importer.Options{}, storetest.Testdata(t, "estate"))
	cfg := neo4jtest.Config(t)
	proxy, err := tcpproxy.Start(strings.TrimPrefix(strings.TrimPrefix(cfg.URI, "bolt://"), "neo4j://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(proxy.Close)
	cfg.URI = "bolt://" + proxy.Addr()
	ctx := context.Background()
	store, err := neo4jstore.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close(ctx) })
	// Open mode: callers are told apart by asking the (unreachable) store whether it holds tokens.
	au := auth.NewAuthenticator(store, auth.OpenOnLoopback, nil)
	t.Cleanup(au.Close)
	ts := httptest.NewServer(server.New(store, server.Options{Auth: au}))
	t.Cleanup(ts.Close)

	query := func() (string, time.Duration) {
		start := time.Now()
		resp, err := http.Post(ts.URL+"/graphql", "application/json", strings.NewReader(gqlBody(canonicalQuery)))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return firstCode(string(b)), time.Since(start)
	}
	ready := func() (int, time.Duration) {
		start := time.Now()
		resp, err := http.Get(ts.URL + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode, time.Since(start)
	}
	if code, _ := query(); code != "" {
		t.Fatalf("before the cut: code %s", code)
	}

	proxy.Cut()
	time.Sleep(auth.DefaultCacheTTL) // past the cached "no tokens": now the token store is asked too
	for i := range 3 {               // the first finds reset pooled connections, the next ones refused connects
		code, took := query()
		t.Logf("query %d with Neo4j gone: %s in %v", i, code, took.Round(time.Millisecond))
		if code != "STORE_UNAVAILABLE" || took > 2*time.Second {
			t.Errorf("query %d with Neo4j gone: code %q after %v, want STORE_UNAVAILABLE within 2s", i, code, took)
		}
	}
	if status, took := ready(); status != http.StatusServiceUnavailable || took > 2*time.Second {
		t.Errorf("/readyz with Neo4j gone: HTTP %d after %v, want 503 within 2s", status, took)
	}
	if resp, err := http.Get(ts.URL + "/healthz"); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("/healthz with Neo4j gone: %v %v, want 200: the process is alive", resp, err)
	} else {
		resp.Body.Close()
	}

	if err := proxy.Restore(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, _ := query()
		if code == "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no recovery 10 s after Neo4j came back: code %s", code)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if status, _ := ready(); status != http.StatusOK {
		t.Errorf("/readyz after recovery: HTTP %d", status)
	}
}
