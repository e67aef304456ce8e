package ingest_test

import (
	"fmt"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aimsgraph/aimsgraph/graph"
	"github.com/aimsgraph/aimsgraph/internal/embeddedtest"
	"github.com/aimsgraph/aimsgraph/internal/neo4jtest"
)

// BenchmarkLineageHTTP: 8 clients POST single COMPLETE events (one input, one output; 200 jobs
// in turn, each event newer than the last of its job) over HTTP to the real handler, gzip off;
// events/s is what the eight achieve together, group commit included (docs/ingest.md).
func BenchmarkLineageHTTP(b *testing.B) {
	stores := []struct {
		name string
		open func(testing.TB) graph.Store
	}{{"embedded", func(tb testing.TB) graph.Store { return embeddedtest.Fresh(tb) }}}
	if os.Getenv("NEO4J_URI") != "" {
		stores = append(stores, struct {
			name string
			open func(testing.TB) graph.Store
		}{"neo4j", func(tb testing.TB) graph.Store { return neo4jtest.Fresh(tb) }})
	}
	for _, st := range stores {
		b.Run(st.name, func(b *testing.B) {
			url := serveBench(b, st.open(b)) + "/api/v1/lineage"
			base := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
			var next, failed atomic.Int64
			var wg sync.WaitGroup
			b.ResetTimer()
			started := time.Now()
			for range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					client := &http.Client{}
					for {
						i := next.Add(1) - 1
						if i >= int64(b.N) {
							return
						}
						job := i % 200
						body := fmt.Sprintf(`{"eventType": "COMPLETE", "eventTime": %q, "producer": "bench", "run": {"runId": "r-%d"},
"job": {"namespace": "bench", "name": "job-%d"}, "inputs": [{"namespace": "s3://in", "name": "in-%d"}],
"outputs": [{"namespace": "s3://out", "name": "out-%d"}]}`, base.Add(time.Duration(i)*time.Millisecond).Format(time.RFC3339Nano), i, job, job, job)
						if status := postStatus(client, url, body); status != http.StatusCreated {
							failed.Add(1)
						}
					}
				}()
			}
			wg.Wait()
			elapsed := time.Since(started)
			b.StopTimer()
			if failed.Load() > 0 {
				b.Fatalf("%d of %d events not stored", failed.Load(), b.N)
			}
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
		})
	}
}
