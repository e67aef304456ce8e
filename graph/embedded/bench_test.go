package embedded_test

import (
	"context"
	"testing"

	"github.com/aimsgraph/aimsgraph/graph"
	"github.com/aimsgraph/aimsgraph/graph/embedded"
	"github.com/aimsgraph/aimsgraph/graph/storetest"
)

func fresh(b *testing.B) graph.Store {
	s, err := embedded.Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close(context.Background()) })
	return s
}

// BenchmarkImport: go test ./graph/embedded -run '^$' -bench Import -benchtime 2x
func BenchmarkImport(b *testing.B) { storetest.BenchImport(b, fresh, 2_000, 20_000, 200_000) }

// BenchmarkCanonicalImpact: the canonical question at depth 10 against depth 1, same run.
func BenchmarkCanonicalImpact(b *testing.B) {
	storetest.BenchCanonicalImpact(b, fresh, 2_000, 20_000, 200_000)
}
