// Package teststores lists the stores every behaviour above the store interface is tested on:
// a fresh embedded store and a fresh Neo4j (package neo4jtest: skipped without NEO4J_URI, a
// failure with NEO4J_REQUIRED=1, as in CI). Tests range over Both rather than each keeping its
// own table.
package teststores

import (
	"testing"

	"github.com/aimsgraph/aimsgraph/graph"
	"github.com/aimsgraph/aimsgraph/internal/embeddedtest"
	"github.com/aimsgraph/aimsgraph/internal/neo4jtest"
)

// Store names a store and opens a fresh, empty one for a test.
type Store struct {
	Name string
	Open func(t *testing.T) graph.Store
}

// Both are the embedded store and Neo4j, in that order (Both[0] needs nothing installed).
var Both = []Store{
	{"embedded", func(t *testing.T) graph.Store { return embeddedtest.Fresh(t) }},
	{"neo4j", func(t *testing.T) graph.Store { return neo4jtest.Fresh(t) }},
}
