package neo4jstore_test

import (
	"testing"

	"github.com/aimsgraph/aimsgraph/graph"
	"github.com/aimsgraph/aimsgraph/graph/storetest"
	"github.com/aimsgraph/aimsgraph/internal/neo4jtest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) graph.Store { return neo4jtest.Fresh(t) })
}

func TestTraversals(t *testing.T) {
	storetest.RunTraversals(t, neo4jtest.Fresh(t))
}

func TestHistory(t *testing.T) {
	storetest.RunHistory(t, func(t *testing.T) graph.Store { return neo4jtest.Fresh(t) })
}
