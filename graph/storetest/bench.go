package storetest

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/aimsgraph/aimsgraph/governance"
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

// BenchHistory measures what history costs the current state and what an as-of question costs
// (docs/history.md), on one store in one run: the canonical question on an estate imported once
// (the baseline: a store with no history), then after ten runs that each change about 1 % of
// the nodes and relationships (estategen.Revise), and as of the first run.
func BenchHistory(b *testing.B, open BenchOpener, rels int) {
	base := filepath.Join(b.TempDir(), "base")
	if _, _, err := estategen.Write(base, estategen.ForRelationships(rels)); err != nil {
		b.Fatal(err)
	}
	// Every revision is written to the same folder, as a user edits the same files.
	dir := filepath.Join(b.TempDir(), "estate")
	revise := func(k int) {
		if err := estategen.Revise(base, dir, k); err != nil {
			b.Fatal(err)
		}
	}
	s := open(b)
	revise(99) // the first state; the ten revisions below are 0..9
	first := Import(b, s, importer.Options{Prune: true}, dir)
	q := CanonicalQuery(10)
	canonical := func(r graph.Reader) func(b *testing.B) {
		return func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				res, err := r.Impact(context.Background(), q)
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(len(res.Items)), "items")
			}
		}
	}
	b.Run(fmt.Sprintf("rels=%d/current-no-history-baseline", rels), canonical(s))
	for k := 0; k < 10; k++ {
		revise(k)
		Import(b, s, importer.Options{Prune: true}, dir)
	}
	b.Run(fmt.Sprintf("rels=%d/current-after-10-runs", rels), canonical(s))
	then, err := s.At(context.Background(), first.FinishedAt)
	if err != nil {
		b.Fatal(err)
	}
	b.Run(fmt.Sprintf("rels=%d/as-of-first-run", rels), canonical(then))
}

// BenchGovernance measures the governance analytics (docs/governance.md) on a generated estate:
// every gap rule, and the exposure of 100 decisions, against the canonical impact question in
// the same run.
func BenchGovernance(b *testing.B, open BenchOpener, rels int) {
	dir := filepath.Join(b.TempDir(), fmt.Sprint(rels))
	if _, _, err := estategen.Write(dir, estategen.ForRelationships(rels)); err != nil {
		b.Fatal(err)
	}
	s := open(b)
	Import(b, s, importer.Options{}, dir)
	ctx := context.Background()
	b.Run(fmt.Sprintf("rels=%d/canonical-impact-baseline", rels), func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := s.Impact(ctx, CanonicalQuery(10)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run(fmt.Sprintf("rels=%d/gaps-all-rules", rels), func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			fs, err := governance.Gaps(ctx, s, time.Now(), governance.Rules)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(len(fs)), "findings")
		}
	})
	b.Run(fmt.Sprintf("rels=%d/exposure-100-decisions", rels), func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			sources := 0
			for d := 0; d < 100; d++ {
				exp, err := governance.ExposureOf(ctx, s, fmt.Sprintf("dec:%d", d), 10)
				if err != nil {
					b.Fatal(err)
				}
				for _, e := range exp {
					sources += len(e.Sources)
				}
			}
			b.ReportMetric(float64(sources), "sources")
		}
	})
}
