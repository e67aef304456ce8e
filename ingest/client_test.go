package ingest_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/aimsgraph/aimsgraph/graph"
	"github.com/aimsgraph/aimsgraph/graph/storetest"
	"github.com/aimsgraph/aimsgraph/importer"
	"github.com/aimsgraph/aimsgraph/server"
)

// pythonWithClient returns the Python that has openlineage-python installed (.ci/run makes a
// venv and sets AIMSGRAPH_OPENLINEAGE_PYTHON). Without it the test skips, unless
// AIMSGRAPH_OPENLINEAGE_REQUIRED is set (CI): then a missing client fails.
func pythonWithClient(t *testing.T) string {
	py := os.Getenv("AIMSGRAPH_OPENLINEAGE_PYTHON")
	if py == "" {
		if os.Getenv("AIMSGRAPH_OPENLINEAGE_REQUIRED") != "" {
			t.Fatal("AIMSGRAPH_OPENLINEAGE_REQUIRED is set but AIMSGRAPH_OPENLINEAGE_PYTHON is not: .ci/run installs openlineage-python in a venv and sets it")
		}
		t.Skip("the openlineage-python client is not installed: set AIMSGRAPH_OPENLINEAGE_PYTHON to a Python with openlineage-python (.ci/run does)")
	}
	return py
}

// TestPythonClient: the real openlineage-python client (HTTP transport, api_key auth, gzip)
// sends a START and a COMPLETE event of the job that reads the register's dataset by its
// OpenLineage id; both are stored (201) under the token's name, the canonical question crosses
// the job, and an event without a job name is refused (400) without changing anything.
func TestPythonClient(t *testing.T) {
	py := pythonWithClient(t)
	onEachStore(t, func(t *testing.T, s graph.Store) {
		storetest.Import(t, s, importer.Options{}, storetest.Testdata(t, "sameas", "register.yaml"))
		ts := httptest.NewServer(server.New(s, withTokens(t, s)))
		defer ts.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		out, err := exec.CommandContext(ctx, py, filepath.Join("testdata", "emit_events.py"), ts.URL, ingesterKey).Output()
		if err != nil {
			var stderr []byte
			if ee, ok := err.(*exec.ExitError); ok {
				stderr = ee.Stderr
			}
			t.Fatalf("emit_events.py: %v\n%s%s", err, out, stderr)
		}
		var got struct {
			Statuses []any  `json:"statuses"`
			RunID    string `json:"runId"`
			Producer string `json:"producer"`
		}
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("output %q: %v", out, err)
		}
		if want := []any{"emitted", float64(201), float64(400)}; !reflect.DeepEqual(got.Statuses, want) {
			t.Errorf("statuses %v, want %v", got.Statuses, want)
		}
		runs, err := s.Runs(context.Background(), graph.RunQuery{Sources: []string{buildJob}, Limit: 1})
		if err != nil || len(runs) != 1 || runs[0].User != ingesterName {
			t.Fatalf("the job's latest run: %+v %v", runs, err)
		}
		if ev := runs[0].Files[0].Event; ev == nil || ev.Type != "COMPLETE" || ev.RunID != got.RunID || ev.Producer != got.Producer || ev.Time.IsZero() {
			t.Errorf("the event recorded: %+v", ev)
		}
		job := node(t, s, buildJob)
		if job.Props["description"] != "Builds the credit feature store" {
			t.Errorf("the job's documentation facet: %v", job.Props)
		}
		res, err := s.Impact(context.Background(), storetest.CanonicalQuery(10))
		if err != nil || len(res.Items) != 1 || res.Items[0].Distance != 5 || res.Items[0].Paths[0].Nodes[1].ID != buildJob {
			t.Errorf("the canonical question through the client's job: %+v %v", res, err)
		}
	})
}

func node(t *testing.T, s graph.Store, id string) *graph.Node {
	t.Helper()
	ns, err := s.Nodes(context.Background(), []string{id})
	if err != nil || len(ns) != 1 {
		t.Fatalf("node %s: %v %v", id, ns, err)
	}
	return ns[0]
}
