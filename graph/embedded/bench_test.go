package embedded_test

import (
	"cmp"
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aimsgraph/aimsgraph/graph"
	"github.com/aimsgraph/aimsgraph/graph/embedded"
	"github.com/aimsgraph/aimsgraph/graph/storetest"
	"github.com/aimsgraph/aimsgraph/importer"
	"github.com/aimsgraph/aimsgraph/internal/embeddedtest"
)

func fresh(b *testing.B) graph.Store { return embeddedtest.Fresh(b) }

// BenchmarkQuestions: the canonical question against a bare breadth-first search over the
// same estate in plain arrays, at 100k relationships (1M with BENCH_LARGE=1):
// go test ./graph/embedded -run '^$' -bench Questions -benchtime 1x
func BenchmarkQuestions(b *testing.B) {
	storetest.BenchQuestionsVsBaseline(b, fresh, storetest.Baseline{Questions: bareBFS}, storetest.BenchSizes()...)
}

// BenchmarkOpen: how long a store with the generated estate takes to open (read from disk into
// memory) and how much live heap it holds per relationship once open.
func BenchmarkOpen(b *testing.B) {
	for _, rels := range storetest.BenchSizes() {
		dir := storetest.BenchEstate(b, rels)
		data := b.TempDir()
		s, err := embedded.Open(data)
		if err != nil {
			b.Fatal(err)
		}
		storetest.Import(b, s, importer.Options{}, dir)
		if err := s.Close(context.Background()); err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("rels=%d", rels), func(b *testing.B) {
			var took []time.Duration
			var heap uint64
			for range 3 * b.N {
				before := liveHeap()
				start := time.Now()
				s, err := embedded.Open(data)
				if err != nil {
					b.Fatal(err)
				}
				took = append(took, time.Since(start))
				heap = liveHeap() - before
				runtime.KeepAlive(s)
				if err := s.Close(context.Background()); err != nil {
					b.Fatal(err)
				}
			}
			slices.Sort(took)
			storetest.ReportRatio(b, took[len(took)/2], 0, 0)
			b.ReportMetric(float64(heap)/float64(rels), "heap-bytes/rel")
		})
	}
}

// BenchmarkImport: whole import runs of the generated estate (no baseline: the embedded store
// has no hand-tuned counterpart).
func BenchmarkImport(b *testing.B) {
	storetest.BenchImport(b, fresh, storetest.Baseline{}, storetest.BenchSizes()...)
}

// BenchmarkHistory: the canonical question with and without history, and as of the first of
// eleven runs, at 100k relationships: go test ./graph/embedded -run '^$' -bench History -benchtime 10x
func BenchmarkHistory(b *testing.B) { storetest.BenchHistory(b, fresh, 100_000) }

// BenchmarkGovernance: all gap rules and the exposure of 100 decisions at 100k relationships,
// against the canonical question: go test ./graph/embedded -run '^$' -bench Governance -benchtime 5x
func BenchmarkGovernance(b *testing.B) { storetest.BenchGovernance(b, fresh, 100_000) }

func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// bareBFS is the floor of the canonical question in memory: the estate's lineage edges as arrays
// of int32 (built once, not timed), the sources selected by the same rule, and one breadth-first
// search from all of them, keeping the nearest 1,000 decisions with their distances. No
// provenance, no properties, no locks: what the embedded store is measured against.
func bareBFS(b *testing.B, _ graph.Store, dir string, _ storetest.BenchNodes) map[string]func() (int, error) {
	index := map[string]int32{}
	var ids []string
	var kinds []graph.Kind
	var thirdPartyOrigin, flagged, liveRisk []bool
	var privacyRisk []bool
	for _, k := range graph.Kinds {
		for _, row := range storetest.EstateCSV(b, filepath.Join(dir, k.Section+".csv")) {
			index[row["id"]] = int32(len(ids))
			ids = append(ids, row["id"])
			kinds = append(kinds, k.Kind)
			thirdPartyOrigin = append(thirdPartyOrigin, row["origin"] == "THIRD_PARTY")
			flagged = append(flagged, slices.Contains(strings.Split(row["flags"], ";"), "PRIVACY"))
			liveRisk = append(liveRisk, row["status"] != "CLOSED")
			privacyRisk = append(privacyRisk, row["category"] == "PRIVACY")
		}
	}
	n := len(ids)
	start := make([]int32, n+1) // CSR: the lineage successors of i are next[start[i]:start[i+1]]
	var from, to []int32
	supplied := make([]bool, n)
	riskFlagged := make([]bool, n)
	for _, row := range storetest.EstateCSV(b, filepath.Join(dir, "relationships.csv")) {
		f, t := index[row["from"]], index[row["to"]]
		switch typ := graph.RelType(row["type"]); {
		case typ == graph.Supplies:
			supplied[t] = true
			fallthrough
		case graph.IsLineage(typ):
			from, to = append(from, f), append(to, t)
			start[f+1]++
		case typ == graph.Affects && privacyRisk[f] && liveRisk[f]:
			riskFlagged[t] = true
		}
	}
	for i := range n {
		start[i+1] += start[i]
	}
	next := make([]int32, len(to))
	fill := slices.Clone(start[:n])
	for i, f := range from {
		next[fill[f]] = to[i]
		fill[f]++
	}
	canonical := func() (int, error) {
		dist := make([]int8, n)
		for i := range dist {
			dist[i] = -1
		}
		var frontier []int32
		for i := range n {
			if kinds[i] == graph.Dataset && (thirdPartyOrigin[i] || supplied[i]) && (flagged[i] || riskFlagged[i]) {
				dist[i] = 0
				frontier = append(frontier, int32(i))
			}
		}
		type hit struct {
			id   string
			dist int8
		}
		var hits []hit
		for d := int8(1); d <= 10 && len(frontier) > 0; d++ {
			var level []int32
			for _, x := range frontier {
				for _, y := range next[start[x]:start[x+1]] {
					if dist[y] < 0 {
						dist[y] = d
						level = append(level, y)
						if kinds[y] == graph.Decision {
							hits = append(hits, hit{ids[y], d})
						}
					}
				}
			}
			frontier = level
		}
		slices.SortFunc(hits, func(a, b hit) int { return cmp.Or(cmp.Compare(a.dist, b.dist), strings.Compare(a.id, b.id)) })
		return min(len(hits), 1000), nil
	}
	return map[string]func() (int, error){"canonical": canonical}
}
