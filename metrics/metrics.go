// Package metrics holds aimsgraph's Prometheus metrics (docs/operations.md, "Metrics"): requests by
// operation and outcome, their latency, store round trips, import runs and rows, ingestion events.
// They live on one registry of the package, served at /metrics; every metric's labels take a
// bounded set of values (root field names, error codes, store methods), never client text.
package metrics

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/aimsgraph/aimsgraph/graph"
)

// Registry is where aimsgraph's metrics are registered, with the Go runtime's and the process's.
var Registry = prometheus.NewRegistry()

var (
	// Requests counts HTTP requests by route, operation (the GraphQL root fields asked, or "-")
	// and code (an error code, or OK).
	Requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "aimsgraph_requests_total", Help: "HTTP requests by route, GraphQL operation (root fields) and outcome code.",
	}, []string{"route", "operation", "code"})
	// RequestSeconds is the latency of HTTP requests by route and operation.
	RequestSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "aimsgraph_request_duration_seconds", Help: "HTTP request latency by route and GraphQL operation.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	}, []string{"route", "operation"})
	// StoreCalls counts store round trips by method and outcome (ok, error, unavailable).
	StoreCalls = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "aimsgraph_store_calls_total", Help: "Graph store calls by method and outcome.",
	}, []string{"method", "outcome"})
	// StoreSeconds is the latency of store calls by method.
	StoreSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "aimsgraph_store_call_duration_seconds", Help: "Graph store call latency by method.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	}, []string{"method"})
	// ImportRuns counts import runs by outcome (imported, dry_run, failed).
	ImportRuns = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "aimsgraph_import_runs_total", Help: "Import runs by outcome.",
	}, []string{"outcome"})
	// ImportRows counts records written by import runs, by what they are (node, relationship).
	ImportRows = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "aimsgraph_import_rows_total", Help: "Records written by import runs (node, relationship).",
	}, []string{"type"})
	// IngestionEvents counts events received by the ingestion endpoints, by format and outcome:
	// what became of the event (package ingest's statuses: stored, superseded, refused, failed).
	// A request refused before its events are read (too large, not a JSON array) counts none.
	IngestionEvents = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "aimsgraph_ingestion_events_total", Help: "Events received by the ingestion endpoints, by format and outcome.",
	}, []string{"format", "outcome"})
)

func init() {
	Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		Requests, RequestSeconds, StoreCalls, StoreSeconds, ImportRuns, ImportRows, IngestionEvents)
}

// Handler serves the registry in Prometheus' text format.
func Handler() http.Handler {
	return promhttp.HandlerFor(Registry, promhttp.HandlerOpts{})
}

// Store wraps s so that each call is counted and timed.
func Store(s graph.Store) graph.Store { return &store{s} }

type store struct{ graph.Store }

func observe(method string, start time.Time, err error) {
	outcome := "ok"
	switch {
	case errors.Is(err, graph.ErrUnavailable):
		outcome = "unavailable"
	case err != nil:
		outcome = "error"
	}
	StoreCalls.WithLabelValues(method, outcome).Inc()
	StoreSeconds.WithLabelValues(method).Observe(time.Since(start).Seconds())
}

func (s *store) Import(ctx context.Context, run graph.ImportRun, fill func(context.Context, graph.Writer) error) (*graph.ImportSummary, error) {
	start := time.Now()
	sum, err := s.Store.Import(ctx, run, func(ctx context.Context, w graph.Writer) error {
		return fill(ctx, countingWriter{w})
	})
	observe("Import", start, err)
	switch {
	case err != nil:
		ImportRuns.WithLabelValues("failed").Inc()
	case run.DryRun:
		ImportRuns.WithLabelValues("dry_run").Inc()
	default:
		ImportRuns.WithLabelValues("imported").Inc()
	}
	return sum, err
}

type countingWriter struct{ graph.Writer }

func (w countingWriter) WriteNodes(ctx context.Context, nodes []graph.NodeRecord) error {
	err := w.Writer.WriteNodes(ctx, nodes)
	if err == nil {
		ImportRows.WithLabelValues("node").Add(float64(len(nodes)))
	}
	return err
}

func (w countingWriter) WriteRelationships(ctx context.Context, rels []graph.RelRecord) error {
	err := w.Writer.WriteRelationships(ctx, rels)
	if err == nil {
		ImportRows.WithLabelValues("relationship").Add(float64(len(rels)))
	}
	return err
}

func (s *store) KindsOf(ctx context.Context, ids []string) (m map[string]graph.Kind, err error) {
	defer func(start time.Time) { observe("KindsOf", start, err) }(time.Now())
	return s.Store.KindsOf(ctx, ids)
}

func (s *store) Nodes(ctx context.Context, ids []string) (n []*graph.Node, err error) {
	defer func(start time.Time) { observe("Nodes", start, err) }(time.Now())
	return s.Store.Nodes(ctx, ids)
}

func (s *store) FindNodes(ctx context.Context, f graph.NodeFilter, p graph.PageRequest) (page *graph.NodePage, err error) {
	defer func(start time.Time) { observe("FindNodes", start, err) }(time.Now())
	return s.Store.FindNodes(ctx, f, p)
}

func (s *store) Edges(ctx context.Context, ids []string, dir graph.Direction, types []graph.RelType) (r []*graph.Relationship, err error) {
	defer func(start time.Time) { observe("Edges", start, err) }(time.Now())
	return s.Store.Edges(ctx, ids, dir, types)
}

func (s *store) Links(ctx context.Context, ids []string, dir graph.Direction, types []graph.RelType) (l []graph.Link, err error) {
	defer func(start time.Time) { observe("Links", start, err) }(time.Now())
	return s.Store.Links(ctx, ids, dir, types)
}

func (s *store) Lineage(ctx context.Context, q graph.LineageQuery) (sg *graph.Subgraph, err error) {
	defer func(start time.Time) { observe("Lineage", start, err) }(time.Now())
	return s.Store.Lineage(ctx, q)
}

func (s *store) Paths(ctx context.Context, q graph.PathQuery) (p []graph.Path, err error) {
	defer func(start time.Time) { observe("Paths", start, err) }(time.Now())
	return s.Store.Paths(ctx, q)
}

func (s *store) Impact(ctx context.Context, q graph.ImpactQuery) (r *graph.ImpactResult, err error) {
	defer func(start time.Time) { observe("Impact", start, err) }(time.Now())
	return s.Store.Impact(ctx, q)
}

func (s *store) Runs(ctx context.Context, q graph.RunQuery) (r []*graph.RunRecord, err error) {
	defer func(start time.Time) { observe("Runs", start, err) }(time.Now())
	return s.Store.Runs(ctx, q)
}

func (s *store) Ping(ctx context.Context) (err error) {
	defer func(start time.Time) { observe("Ping", start, err) }(time.Now())
	return s.Store.Ping(ctx)
}
