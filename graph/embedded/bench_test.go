package embedded_test

import (
	"testing"

	"github.com/aimsgraph/aimsgraph/graph"
	"github.com/aimsgraph/aimsgraph/graph/storetest"
	"github.com/aimsgraph/aimsgraph/internal/embeddedtest"
)

func fresh(b *testing.B) graph.Store { return embeddedtest.Fresh(b) }

// BenchmarkImport: go test ./graph/embedded -run '^$' -bench Import -benchtime 2x
func BenchmarkImport(b *testing.B) { storetest.BenchImport(b, fresh, 2_000, 20_000, 200_000) }

// BenchmarkCanonicalImpact: the canonical question at depth 10 against depth 1, same run.
func BenchmarkCanonicalImpact(b *testing.B) {
	storetest.BenchCanonicalImpact(b, fresh, 2_000, 20_000, 200_000)
}

// BenchmarkHistory: the canonical question with and without history, and as of the first of
// eleven runs, at 100k relationships: go test ./graph/embedded -run '^$' -bench History -benchtime 10x
func BenchmarkHistory(b *testing.B) { storetest.BenchHistory(b, fresh, 100_000) }

// BenchmarkGovernance: all gap rules and the exposure of 100 decisions at 100k relationships,
// against the canonical question: go test ./graph/embedded -run '^$' -bench Governance -benchtime 5x
func BenchmarkGovernance(b *testing.B) { storetest.BenchGovernance(b, fresh, 100_000) }
