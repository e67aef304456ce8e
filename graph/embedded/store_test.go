package embedded_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/aimsgraph/aimsgraph/graph"
	"github.com/aimsgraph/aimsgraph/graph/embedded"
	"github.com/aimsgraph/aimsgraph/graph/storetest"
	"github.com/aimsgraph/aimsgraph/importer"
	"github.com/aimsgraph/aimsgraph/internal/embeddedtest"
)

// open returns a store in a fresh directory, closed when the test ends.
func open(t *testing.T) graph.Store { return embeddedtest.Fresh(t) }

func TestConformance(t *testing.T) { storetest.Run(t, open) }

func TestTraversals(t *testing.T) { storetest.RunTraversals(t, open(t)) }

func TestHistory(t *testing.T) { storetest.RunHistory(t, open) }

// TestReopen: what an import committed is on disk: a reopened store has the same graph, the same
// provenance and the same import runs, and answers the same questions.
func TestReopen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := embedded.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	storetest.Import(t, s, importer.Options{}, storetest.Testdata(t, "estate"))
	before := storetest.Take(t, s)
	runsBefore, _ := s.Runs(ctx, graph.RunQuery{Limit: 10})
	nodeBefore, _ := s.Nodes(ctx, []string{"ds:bureau-feed"})
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}

	s2, err := embedded.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s2.Close(ctx) })
	if d := before.Diff(storetest.Take(t, s2)); d != "" {
		t.Errorf("reopened graph differs:\n%s", d)
	}
	runsAfter, _ := s2.Runs(ctx, graph.RunQuery{Limit: 10})
	if len(runsAfter) != 1 || !reflect.DeepEqual(runsAfter[0].Files, runsBefore[0].Files) || runsAfter[0].Summary.Nodes[graph.Dataset].Created == 0 {
		t.Errorf("import run not kept: %+v", runsAfter)
	}
	nodeAfter, _ := s2.Nodes(ctx, []string{"ds:bureau-feed"})
	if !reflect.DeepEqual(nodeBefore, nodeAfter) {
		t.Errorf("node changed across reopen:\n%+v\n%+v", nodeBefore[0], nodeAfter[0])
	}
	storetest.RunTraversals(t, s2) // re-importing the same estate changes nothing
}

// TestSecondProcessIsRefused: bbolt locks the file; a second opener gets a clear error at once.
func TestSecondOpenIsRefused(t *testing.T) {
	dir := t.TempDir()
	s, err := embedded.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())
	_, err = embedded.Open(dir)
	if !errors.Is(err, embedded.ErrInUse) || !errors.Is(err, graph.ErrUnavailable) || !strings.Contains(err.Error(), dir) {
		t.Errorf("second open: %v; want ErrInUse naming %s", err, dir)
	}
}
