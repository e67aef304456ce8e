package server_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/aimsgraph/aimsgraph/graph/storetest"
	"github.com/aimsgraph/aimsgraph/importer"
	"github.com/aimsgraph/aimsgraph/internal/embeddedtest"
	"github.com/aimsgraph/aimsgraph/metrics"
	"github.com/aimsgraph/aimsgraph/server"
)

// /metrics counts requests by route, root fields and outcome, times them, and counts store
// calls and import rows; labels never carry client text (an alias, an operation name).
func TestMetrics(t *testing.T) {
	s := embeddedtest.Fresh(t)
	storetest.Import(t, metrics.Store(s), importer.Options{}, storetest.Testdata(t, "estate"))
	ts := httptest.NewServer(server.New(s, server.Options{}))
	t.Cleanup(ts.Close)
	for _, q := range []string{
		`query MyVerySecretName { x: impact(sources: {kinds: [DATASET], flags: [PRIVACY]}) { truncated } }`,
		`{ lineage(id: "no:such", direction: BOTH) { truncated } }`,
	} {
		resp, err := http.Post(ts.URL+"/graphql", "application/json", strings.NewReader(gqlBody(q)))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	resp, err := http.Get(ts.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	out := string(b)
	for _, want := range []string{
		`aimsgraph_requests_total{code="OK",operation="impact",route="/graphql"} `,
		`aimsgraph_requests_total{code="NOT_FOUND",operation="lineage",route="/graphql"} `,
		`aimsgraph_request_duration_seconds_bucket{operation="impact",route="/graphql",le="+Inf"} `,
		`aimsgraph_store_calls_total{method="Impact",outcome="ok"} `,
		`aimsgraph_import_runs_total{outcome="imported"} `,
		`aimsgraph_import_rows_total{type="node"} `,
		`go_goroutines `, `process_resident_memory_bytes `,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(out, "MyVerySecretName") || regexp.MustCompile(`operation="x"`).MatchString(out) {
		t.Error("client text reached a label")
	}
}
