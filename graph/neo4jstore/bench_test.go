package neo4jstore_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/aimsgraph/aimsgraph/graph"
	"github.com/aimsgraph/aimsgraph/graph/storetest"
	"github.com/aimsgraph/aimsgraph/importer"
	"github.com/aimsgraph/aimsgraph/internal/estategen"
	"github.com/aimsgraph/aimsgraph/internal/neo4jtest"
)

// BenchmarkImport measures import throughput on generated estates of several sizes. Each size
// runs twice: with the default batch size, and with batches of 10 records, the baseline a
// row-at-a-time importer approaches; the ratio of their relationships/s is the gain from batching.
//
//	NEO4J_URI=bolt://127.0.0.1:7687 go test ./graph/neo4jstore -run '^$' -bench Import -benchtime 3x
func BenchmarkImport(b *testing.B) {
	for _, rels := range []int{2_000, 20_000} {
		dir := filepath.Join(b.TempDir(), fmt.Sprint(rels))
		if _, _, err := estategen.Write(dir, estategen.ForRelationships(rels)); err != nil {
			b.Fatal(err)
		}
		for _, bc := range []struct {
			name  string
			batch int
		}{{"baseline-batch10", 10}, {"batch2000", 2000}} {
			b.Run(fmt.Sprintf("rels=%d/%s", rels, bc.name), func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					b.StopTimer()
					s := neo4jtest.Fresh(b)
					b.StartTimer()
					storetest.Import(b, s, importer.Options{BatchSize: bc.batch}, dir)
				}
				b.ReportMetric(float64(rels*b.N)/b.Elapsed().Seconds(), "rels/s")
			})
		}
	}
}

// BenchmarkCanonicalImpact measures the canonical question on generated estates, against a
// baseline of the same traversal limited to depth 1 (one hop) in the same run.
func BenchmarkCanonicalImpact(b *testing.B) {
	yes := true
	for _, rels := range []int{2_000, 20_000} {
		dir := filepath.Join(b.TempDir(), fmt.Sprint(rels))
		if _, _, err := estategen.Write(dir, estategen.ForRelationships(rels)); err != nil {
			b.Fatal(err)
		}
		s := neo4jtest.Fresh(b)
		storetest.Import(b, s, importer.Options{}, dir)
		for _, depth := range []int{1, 10} {
			name := fmt.Sprintf("rels=%d/depth=%d", rels, depth)
			if depth == 1 {
				name += "-baseline"
			}
			b.Run(name, func(b *testing.B) {
				q := graph.ImpactQuery{Sources: graph.NodeFilter{Kinds: []graph.Kind{graph.Dataset}, ThirdParty: &yes, Flags: []string{"PRIVACY"}},
					Targets: []graph.Kind{graph.Decision}, MaxDepth: depth, Limit: 1000, PathsPerItem: 3}
				for i := 0; i < b.N; i++ {
					if _, err := s.Impact(context.Background(), q); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
