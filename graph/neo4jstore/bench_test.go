package neo4jstore_test

import (
	"testing"

	"github.com/aimsgraph/aimsgraph/graph"
	"github.com/aimsgraph/aimsgraph/graph/storetest"
	"github.com/aimsgraph/aimsgraph/internal/neo4jtest"
)

func fresh(b *testing.B) graph.Store { return neo4jtest.Fresh(b) }

// BenchmarkImport: NEO4J_URI=bolt://127.0.0.1:7687 go test ./graph/neo4jstore -run '^$' -bench Import -benchtime 2x
func BenchmarkImport(b *testing.B) { storetest.BenchImport(b, fresh, 2_000, 20_000) }

// BenchmarkCanonicalImpact: the canonical question at depth 10 against depth 1, same run.
func BenchmarkCanonicalImpact(b *testing.B) { storetest.BenchCanonicalImpact(b, fresh, 2_000, 20_000) }

// BenchmarkHistory: the canonical question with and without history, and as of the first of
// eleven runs, at 100k relationships (minutes: eleven imports of 100k relationships).
func BenchmarkHistory(b *testing.B) { storetest.BenchHistory(b, fresh, 100_000) }

// BenchmarkGovernance: all gap rules and the exposure of 100 decisions at 100k relationships,
// against the canonical question in the same run.
func BenchmarkGovernance(b *testing.B) { storetest.BenchGovernance(b, fresh, 100_000) }
