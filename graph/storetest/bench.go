package storetest

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/aimsgraph/aimsgraph/governance"
	"github.com/aimsgraph/aimsgraph/graph"
	"github.com/aimsgraph/aimsgraph/importer"
	"github.com/aimsgraph/aimsgraph/internal/estategen"
)

// Benchmarks shared by the stores. Each measures aimsgraph against a baseline in the same run,
// alternating them so that both see the same machine load, and reports the two times and their
// ratio (baseline over aimsgraph: 1 is as fast as the baseline, 0.5 half as fast) as metrics
// that `make bench` gathers into one table (internal/benchtable, docs/performance.md).

// BenchOpener returns a store on an empty graph for a benchmark.
type BenchOpener func(b *testing.B) graph.Store

// Baseline is what a store is measured against: the hand-tuned way to do the same work.
type Baseline struct {
	// Import loads the estate in dir the hand-tuned way, from scratch, and returns how long the
	// load took (clearing what an earlier round loaded is not counted); nil when the store has no
	// import to compare with.
	Import func(b *testing.B, dir string) time.Duration
	// Questions returns hand-written answers to the benchmark's questions (the keys of
	// BenchQuestions) over the estate in dir that s imported, each returning how many rows it
	// answered.
	Questions func(b *testing.B, s graph.Store, dir string, at BenchNodes) map[string]func() (int, error)
	// Goals are the ratios to reach, by question name or "import".
	Goals map[string]float64
}

// BenchSizes are the estate sizes of the benchmarks: 100,000 relationships, and 1,000,000 too
// when BENCH_LARGE=1 (a Neo4j then needs a heap of about 14 GB for the import).
func BenchSizes() []int {
	if os.Getenv("BENCH_LARGE") == "1" {
		return []int{100_000, 1_000_000}
	}
	return []int{100_000}
}

// benchRounds is how many times each side of a comparison runs: medians of 3 at 100k (1 at 1M,
// where an import takes minutes), BENCH_ROUNDS to change it.
func benchRounds(rels int) int {
	if n, err := strconv.Atoi(os.Getenv("BENCH_ROUNDS")); err == nil && n > 0 {
		return n
	}
	if rels >= 1_000_000 {
		return 1
	}
	return 3
}

// BenchEstate writes the generated estate of about rels relationships (estategen.WriteDomains)
// into a temporary folder.
func BenchEstate(b *testing.B, rels int) string {
	dir := filepath.Join(b.TempDir(), fmt.Sprint(rels))
	if _, _, err := estategen.WriteDomains(dir, rels, 1); err != nil {
		b.Fatal(err)
	}
	return dir
}

// ReportRatio reports a measurement against its baseline (both in milliseconds) and the goal
// the ratio baseline/aimsgraph should reach (0: none).
func ReportRatio(b *testing.B, aimsgraph, baseline time.Duration, goal float64) {
	b.ReportMetric(ms(aimsgraph), "aimsgraph-ms")
	if baseline > 0 {
		b.ReportMetric(ms(baseline), "baseline-ms")
		b.ReportMetric(float64(baseline)/float64(aimsgraph), "ratio")
	}
	if goal > 0 {
		b.ReportMetric(goal, "goal")
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// median returns the median of ds (the lower one of the middle two).
func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[(len(s)-1)/2]
}

// BenchImport measures whole import runs of generated estates (validation, provenance, history
// bookkeeping, the run record) against the store's hand-tuned baseline.
func BenchImport(b *testing.B, open BenchOpener, base Baseline, sizes ...int) {
	for _, rels := range sizes {
		dir := BenchEstate(b, rels)
		b.Run(fmt.Sprintf("rels=%d", rels), func(b *testing.B) {
			var ours, theirs []time.Duration
			for range benchRounds(rels) * b.N {
				if base.Import != nil {
					theirs = append(theirs, base.Import(b, dir))
				}
				s := open(b)
				start := time.Now()
				Import(b, s, importer.Options{}, dir)
				ours = append(ours, time.Since(start))
			}
			var baseline time.Duration
			if len(theirs) > 0 {
				baseline = median(theirs)
			}
			ReportRatio(b, median(ours), baseline, base.Goals["import"])
			b.ReportMetric(float64(rels)/median(ours).Seconds(), "rels/s")
		})
	}
}

// CanonicalQuery is the canonical question (docs/api.md): decisions downstream of third-party
// datasets flagged for privacy, within depth, the nearest 1,000 with 3 evidence paths each.
func CanonicalQuery(depth int) graph.ImpactQuery {
	yes := true
	return graph.ImpactQuery{Sources: graph.NodeFilter{Kinds: []graph.Kind{graph.Dataset}, ThirdParty: &yes, Flags: []string{"PRIVACY"}},
		Targets: []graph.Kind{graph.Decision}, MaxDepth: depth, Limit: 1000, PathsPerItem: 3}
}

// BenchQuestions are the questions of the benchmarks on a generated estate, by name: the
// canonical question as ids and distances (what a dashboard asks) and with evidence paths (what
// an auditor asks), the upstream lineage of a decision, the downstream impact of a dataset, and
// the three shortest paths between them. Each returns how many rows it answered.
func BenchQuestions(s graph.Reader, at BenchNodes) map[string]func() (int, error) {
	ctx := context.Background()
	canonical := func(paths int) func() (int, error) {
		return func() (int, error) {
			q := CanonicalQuery(10)
			q.PathsPerItem = paths
			res, err := s.Impact(ctx, q)
			if err != nil {
				return 0, err
			}
			return len(res.Items), nil
		}
	}
	return map[string]func() (int, error){
		"canonical":          canonical(0),
		"canonical-evidence": canonical(3),
		"upstream-lineage": func() (int, error) {
			sg, err := s.Lineage(ctx, graph.LineageQuery{ID: at.Decision, Direction: graph.In, MaxDepth: 10, Limit: 1000})
			if err != nil || sg == nil {
				return 0, err
			}
			return len(sg.Nodes) - 1, nil
		},
		"downstream-impact": func() (int, error) {
			res, err := s.Impact(ctx, graph.ImpactQuery{Sources: graph.NodeFilter{IDs: []string{at.Dataset}},
				Targets: []graph.Kind{graph.Decision}, MaxDepth: 10, Limit: 1000})
			if err != nil {
				return 0, err
			}
			return len(res.Items), nil
		},
		"paths": func() (int, error) {
			ps, err := s.Paths(ctx, graph.PathQuery{From: at.Dataset, To: at.PathTarget, MaxDepth: 10, First: 3})
			return len(ps), err
		},
	}
}

// BenchNodes are the nodes the benchmark questions start from: the upstream lineage of a
// decision, the downstream impact of a dataset, and paths from that dataset to the nearest
// decision it reaches.
type BenchNodes struct {
	Decision, Dataset, PathTarget string
}

// benchNodes picks them in a generated estate: dec:0 and ds:0, as the issue measured.
func benchNodes(b *testing.B, s graph.Reader) BenchNodes {
	at := BenchNodes{Decision: "dec:0", Dataset: "ds:0"}
	res, err := s.Impact(context.Background(), graph.ImpactQuery{Sources: graph.NodeFilter{IDs: []string{at.Dataset}},
		Targets: []graph.Kind{graph.Decision}, MaxDepth: 10, Limit: 1})
	if err != nil || len(res.Items) == 0 {
		b.Fatalf("no decision downstream of %s in the generated estate: %v", at.Dataset, err)
	}
	at.PathTarget = res.Items[0].Node.ID
	return at
}

// questionRuns is how many timed runs a question gets after two warm-ups that took warmup: 20,
// or as many as fit in about 2 s up to 200, so that answers of a few milliseconds are timed
// often enough for their medians to settle on a busy machine.
func questionRuns(warmup time.Duration) int {
	return min(max(20, int(2*time.Second/max(warmup, time.Microsecond))), 200)
}

// BenchQuestionsVsBaseline imports each estate into a store and times every question against
// the baseline's hand-written answer, run for run in turn, reporting the p50s.
func BenchQuestionsVsBaseline(b *testing.B, open BenchOpener, base Baseline, sizes ...int) {
	for _, rels := range sizes {
		dir := BenchEstate(b, rels)
		s := open(b)
		Import(b, s, importer.Options{}, dir)
		at := benchNodes(b, s)
		ours := BenchQuestions(s, at)
		theirs := base.Questions(b, s, dir, at)
		for _, name := range slices.Sorted(maps.Keys(ours)) {
			hand, ok := theirs[name]
			if !ok {
				continue
			}
			b.Run(fmt.Sprintf("rels=%d/%s", rels, name), func(b *testing.B) {
				var a, h []time.Duration
				var rows int
				pair := func() time.Duration {
					start := time.Now()
					n, err := ours[name]()
					if err != nil {
						b.Fatal(err)
					}
					mid := time.Now()
					if _, err := hand(); err != nil {
						b.Fatal(err)
					}
					a, h, rows = append(a, mid.Sub(start)), append(h, time.Since(mid)), n
					return time.Since(start)
				}
				warmup := pair() + pair()
				a, h = nil, nil
				for range questionRuns(warmup/2) * b.N {
					pair()
				}
				ReportRatio(b, median(a), median(h), base.Goals[name])
				b.ReportMetric(float64(rows), "rows")
			})
		}
	}
}

// medianOf runs f at least 5 times (b.N if more) after one warm-up and returns the median time.
func medianOf(b *testing.B, f func()) time.Duration {
	f()
	var ds []time.Duration
	for range max(b.N, 5) {
		start := time.Now()
		f()
		ds = append(ds, time.Since(start))
	}
	return median(ds)
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
	// The question as a store with no history answers it, then as the others do: the baseline
	// of the other two.
	var noHistory time.Duration
	canonical := func(r graph.Reader) func(b *testing.B) {
		return func(b *testing.B) {
			items := 0
			took := medianOf(b, func() {
				res, err := r.Impact(context.Background(), q)
				if err != nil {
					b.Fatal(err)
				}
				items = len(res.Items)
			})
			if noHistory == 0 {
				noHistory = took
				ReportRatio(b, took, 0, 0)
			} else {
				ReportRatio(b, took, noHistory, 0)
			}
			b.ReportMetric(float64(items), "items")
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
	var canonical time.Duration
	b.Run(fmt.Sprintf("rels=%d/canonical-impact-baseline", rels), func(b *testing.B) {
		canonical = medianOf(b, func() {
			if _, err := s.Impact(ctx, CanonicalQuery(10)); err != nil {
				b.Fatal(err)
			}
		})
		ReportRatio(b, canonical, 0, 0)
	})
	b.Run(fmt.Sprintf("rels=%d/gaps-all-rules", rels), func(b *testing.B) {
		findings := 0
		took := medianOf(b, func() {
			fs, err := governance.Gaps(ctx, s, time.Now(), governance.Rules)
			if err != nil {
				b.Fatal(err)
			}
			findings = len(fs)
		})
		ReportRatio(b, took, canonical, 0)
		b.ReportMetric(float64(findings), "findings")
	})
	b.Run(fmt.Sprintf("rels=%d/exposure-100-decisions", rels), func(b *testing.B) {
		sources := 0
		took := medianOf(b, func() {
			sources = 0
			for d := 0; d < 100; d++ {
				exp, err := governance.ExposureOf(ctx, s, fmt.Sprintf("dec:%d", d), 10)
				if err != nil {
					b.Fatal(err)
				}
				for _, e := range exp {
					sources += len(e.Sources)
				}
			}
		})
		ReportRatio(b, took, canonical, 0)
		b.ReportMetric(float64(sources), "sources")
	})
}

// EstateCSV reads a CSV file of a generated estate as rows of header -> cell, for the
// baselines that load the estate without aimsgraph; a missing file has no rows.
func EstateCSV(b testing.TB, path string) []map[string]string {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil || len(recs) == 0 {
		b.Fatalf("%s: %v", path, err)
	}
	rows := make([]map[string]string, 0, len(recs)-1)
	for _, rec := range recs[1:] {
		row := make(map[string]string, len(rec))
		for i, h := range recs[0] {
			row[h] = rec[i]
		}
		rows = append(rows, row)
	}
	return rows
}
