package storetest

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/aimsgraph/aimsgraph/graph"
	"github.com/aimsgraph/aimsgraph/importer"
	"github.com/aimsgraph/aimsgraph/internal/estategen"
)

// Benchmarks shared by the stores: each size runs a measurement and a baseline in the same run,
// so the numbers compare on the same machine and load.

// BenchOpener returns a store on an empty graph for a benchmark.
type BenchOpener func(b *testing.B) graph.Store

// BenchImport measures import throughput on generated estates. Each size runs with the default
// batch size and with batches of 10 records, the baseline a row-at-a-time importer approaches.
func BenchImport(b *testing.B, open BenchOpener, sizes ...int) {
	for _, rels := range sizes {
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
					s := open(b)
					b.StartTimer()
					Import(b, s, importer.Options{BatchSize: bc.batch}, dir)
				}
				b.ReportMetric(float64(rels*b.N)/b.Elapsed().Seconds(), "rels/s")
			})
		}
	}
}

// CanonicalQuery is the canonical question (docs/api.md): decisions downstream of third-party datasets
// flagged for privacy, within depth.
func CanonicalQuery(depth int) graph.ImpactQuery {
	yes := true
	return graph.ImpactQuery{Sources: graph.NodeFilter{Kinds: []graph.Kind{graph.Dataset}, ThirdParty: &yes, Flags: []string{"PRIVACY"}},
		Targets: []graph.Kind{graph.Decision}, MaxDepth: depth, Limit: 1000, PathsPerItem: 3}
}

// BenchCanonicalImpact measures the canonical question on generated estates, against a baseline
// of the same traversal limited to depth 1 (one hop) in the same run.
func BenchCanonicalImpact(b *testing.B, open BenchOpener, sizes ...int) {
	for _, rels := range sizes {
		dir := filepath.Join(b.TempDir(), fmt.Sprint(rels))
		if _, _, err := estategen.Write(dir, estategen.ForRelationships(rels)); err != nil {
			b.Fatal(err)
		}
		s := open(b)
		Import(b, s, importer.Options{}, dir)
		for _, depth := range []int{1, 10} {
			name := fmt.Sprintf("rels=%d/depth=%d", rels, depth)
			if depth == 1 {
				name += "-baseline"
			}
			b.Run(name, func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					if _, err := s.Impact(context.Background(), CanonicalQuery(depth)); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
