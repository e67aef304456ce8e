// Package embeddedtest gives tests an embedded store on an empty graph in a temporary
// directory, the counterpart of neo4jtest.Fresh.
package embeddedtest

import (
	"context"
	"testing"

	"github.com/aimsgraph/aimsgraph/graph/embedded"
)

// Fresh returns an embedded store on an empty graph, closed when the test ends.
func Fresh(t testing.TB) *embedded.Store {
	t.Helper()
	s, err := embedded.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close(context.Background()) })
	return s
}
