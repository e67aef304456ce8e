// Package evidence writes the auditor's evidence pack (docs/evidence.md): one zip holding, for
// each node asked for, its upstream lineage as a table of edges with where each came from
// (trace.csv) and as a picture (lineage.svg), the import runs that stated any of it (runs.csv,
// with each file's SHA-256), the governance gaps found on any traced node (gaps.csv), an
// index.html a person opens offline, and a manifest.json with the SHA-256 of every other file. The same graph gives the same bytes, so a pack can be rebuilt
// and compared, and its manifest verified with sha256sum. `aimsgraph evidence` and the server's
// GET /api/v1/evidence both write it.
package evidence

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aimsgraph/aimsgraph/governance"
	"github.com/aimsgraph/aimsgraph/graph"
	"github.com/aimsgraph/aimsgraph/internal/redact"
)

// Options say what goes into a pack.
type Options struct {
	IDs []string // the nodes to trace, in the order asked; duplicates are dropped
	// AsOf asks for the graph as it stood at that instant (docs/history.md). Zero: as it stands;
	// the manifest then records the finish of the newest import run, the instant since which the
	// graph has stood as it is (so the pack can be rebuilt with that --as-of and compared).
	AsOf     time.Time
	MaxDepth int    // lineage edges traced upstream of each node
	Limit    int    // nodes per trace; a trace that would hold more is an error, never a cut pack
	Version  string // the program's version, recorded in the manifest
	// Redacted writes the pack for a caller who does not see provenance whole (the server's
	// non-admin callers, package redact): import runs without their user, absolute file paths cut
	// to their names, everywhere in the pack. The command line writes it whole.
	Redacted bool
}

// Defaults for Options.MaxDepth and Options.Limit.
const (
	DefaultMaxDepth = 25
	DefaultLimit    = 10000
	// MaxIDs bounds the nodes of one pack.
	MaxIDs = 50
)

// Manifest is manifest.json: what the pack holds and how to check it.
type Manifest struct {
	Program  string            `json:"program"`
	Version  string            `json:"version"`
	AsOf     string            `json:"asOf"`
	IDs      []string          `json:"ids"`
	MaxDepth int               `json:"maxDepth"`
	Folders  map[string]string `json:"folders"` // id -> its folder in the pack
	Files    []ManifestFile    `json:"files"`
}

// ManifestFile is one file of the pack and its SHA-256 (hex).
type ManifestFile struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
}

// Errors callers tell apart.
var (
	// ErrInput wraps requests that cannot be answered as asked (no ids, unknown ids, too many, an
	// instant before the history horizon).
	ErrInput = errors.New("invalid evidence request")
	// ErrNotFound: an id names no node (it is also an ErrInput).
	ErrNotFound = fmt.Errorf("%w: unknown id", ErrInput)
	// ErrTooLarge: a trace holds more nodes than Options.Limit (it is also an ErrInput).
	ErrTooLarge = fmt.Errorf("%w: too large", ErrInput)
)

// Trace columns (docs/evidence.md): one row per upstream lineage edge.
var traceHeader = []string{"from", "type", "to", "sources", "file", "line", "run", "firstSeen", "lastSeen"}

var runsHeader = []string{"run", "sources", "user", "startedAt", "finishedAt", "file", "sha256", "source", "format"}

var gapsHeader = []string{"rule", "severity", "node", "message"}

// trace is one id's upstream lineage.
type trace struct {
	id     string
	folder string
	root   *graph.Node
	nodes  []*graph.Node
	rels   []*graph.Relationship
}

// Write builds the pack for opts.IDs from store and writes it to w as a zip.
func Write(ctx context.Context, store graph.Store, opts Options, w io.Writer) (*Manifest, error) {
	files, m, err := build(ctx, store, opts)
	if err != nil {
		return nil, err
	}
	return m, writeZip(w, files, m)
}

// file is one file of the pack.
type file struct {
	path string
	data []byte
}

func build(ctx context.Context, store graph.Store, opts Options) ([]file, *Manifest, error) {
	ids := dedupe(opts.IDs)
	switch {
	case len(ids) == 0:
		return nil, nil, fmt.Errorf("%w: name at least one node id", ErrInput)
	case len(ids) > MaxIDs:
		return nil, nil, fmt.Errorf("%w: %d ids; one pack holds at most %d", ErrInput, len(ids), MaxIDs)
	}
	// The graph as of the instant asked for (docs/history.md), or as it stands.
	var graphAt graph.Reader = store
	if !opts.AsOf.IsZero() {
		var err error
		if graphAt, err = store.At(ctx, opts.AsOf); errors.Is(err, graph.ErrCompacted) {
			return nil, nil, fmt.Errorf("%w: %v", ErrInput, err)
		} else if err != nil {
			return nil, nil, err
		}
	}
	if opts.MaxDepth <= 0 {
		opts.MaxDepth = DefaultMaxDepth
	}
	if opts.Limit <= 0 {
		opts.Limit = DefaultLimit
	}
	folders := FolderNames(ids)
	var traces []*trace
	for _, id := range ids {
		sub, err := graphAt.Lineage(ctx, graph.LineageQuery{ID: id, Direction: graph.In, MaxDepth: opts.MaxDepth, Limit: opts.Limit})
		if err != nil {
			return nil, nil, err
		}
		if sub == nil {
			return nil, nil, fmt.Errorf("%w: no node with id %q", ErrNotFound, id)
		}
		if sub.Truncated {
			return nil, nil, fmt.Errorf("%w: the upstream lineage of %q has more than %d nodes: trace fewer levels", ErrTooLarge, id, opts.Limit)
		}
		// The start node comes first (it may carry another id than asked when id is an alias).
		t := &trace{id: id, folder: folders[id], root: sub.Nodes[0], nodes: sub.Nodes, rels: sub.Relationships}
		sortRels(t.rels)
		traces = append(traces, t)
	}

	facts, err := collectFacts(ctx, store, graphAt, traces)
	if err != nil {
		return nil, nil, err
	}
	if opts.Redacted {
		redactPack(traces, facts)
	}
	asOf := opts.AsOf
	if asOf.IsZero() {
		asOf = facts.newestRun
	}
	asOf = asOf.UTC()

	var files []file
	for _, t := range traces {
		files = append(files,
			file{t.folder + "/trace.csv", csvTable(traceHeader, traceRows(t, facts.runs))},
			file{t.folder + "/lineage.svg", drawLineage(t, facts)},
		)
	}
	files = append(files, file{"runs.csv", csvTable(runsHeader, runRows(facts.usedRuns))})
	// The gap rules (docs/governance.md) as of the pack's instant, kept for the traced nodes.
	findings, err := gapsOn(ctx, graphAt, asOf, facts.nodeIDs)
	if err != nil {
		return nil, nil, err
	}
	files = append(files, file{"gaps.csv", csvTable(gapsHeader, gapRows(findings))})
	m := &Manifest{Program: "aimsgraph", Version: opts.Version, AsOf: asOf.Format(time.RFC3339Nano), IDs: ids, MaxDepth: opts.MaxDepth, Folders: folders}
	listed := hashes(files) // index.html lists the other files with their hashes
	index, err := renderIndex(m, traces, facts, findings, listed)
	if err != nil {
		return nil, nil, err
	}
	files = append(files, file{"index.html", index})
	sort.Slice(files, func(i, j int) bool { return files[i].path < files[j].path })
	m.Files = hashes(files)
	return files, m, nil
}

// redactPack applies package redact's rule to everything the pack writes of where facts came
// from: the traces' provenance and the runs. It copies what it changes: the store's records are
// not the pack's to change.
func redactPack(traces []*trace, f *facts) {
	for _, t := range traces {
		t.nodes, t.rels = slices.Clone(t.nodes), slices.Clone(t.rels)
		for i, n := range t.nodes {
			c := *n
			c.Provenance = redact.Provenance(n.Provenance)
			t.nodes[i] = &c
			if n == t.root {
				t.root = &c
			}
		}
		for i, r := range t.rels {
			c := *r
			c.Provenance = redact.Provenance(r.Provenance)
			t.rels[i] = &c
		}
	}
	for i, r := range f.usedRuns {
		f.usedRuns[i] = redact.Run(r)
		f.runs[r.ID] = f.usedRuns[i]
	}
}

// hashes lists files with their SHA-256, sorted by path.
func hashes(files []file) []ManifestFile {
	out := make([]ManifestFile, 0, len(files))
	for _, f := range files {
		sum := sha256.Sum256(f.data)
		out = append(out, ManifestFile{Path: f.path, SHA256: hex.EncodeToString(sum[:])})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// facts are what the traces need beyond their subgraphs: flags, third-party, runs.
type facts struct {
	flags      map[string][]string // node id -> effective flag categories, sorted
	thirdParty map[string]bool
	runs       map[string]*graph.RunRecord // every run named by a traced node or edge
	usedRuns   []*graph.RunRecord          // the same, latest first
	newestRun  time.Time                   // the newest run in the store
	nodeIDs    []string                    // every traced node, sorted
}

func collectFacts(ctx context.Context, store graph.Store, graphAt graph.Reader, traces []*trace) (*facts, error) {
	f := &facts{flags: map[string][]string{}, thirdParty: map[string]bool{}, runs: map[string]*graph.RunRecord{}}
	views := map[string]*graph.Loaded{} // each traced node with the neighbours the derived rules read
	runIDs := map[string]bool{}
	addRuns := func(p graph.Provenance) {
		for _, r := range []string{p.FirstRun, p.LastRun} {
			if r != "" {
				runIDs[r] = true
			}
		}
	}
	for _, t := range traces {
		for _, n := range t.nodes {
			if views[n.ID] == nil {
				views[n.ID] = &graph.Loaded{Node: n}
			}
			addRuns(n.Provenance)
		}
		for _, r := range t.rels {
			addRuns(r.Provenance)
		}
	}
	for id := range views {
		f.nodeIDs = append(f.nodeIDs, id)
	}
	sort.Strings(f.nodeIDs)

	// The derived rules (docs/domain.md) read a node's incoming SUPPLIES (third-party) and AFFECTS
	// (flags by a live risk): load those with their far ends, as of the same instant.
	in, err := graphAt.Edges(ctx, f.nodeIDs, graph.In, []graph.RelType{graph.Supplies, graph.Affects})
	if err != nil {
		return nil, err
	}
	var fromIDs []string
	for _, r := range in {
		fromIDs = append(fromIDs, r.From)
	}
	from, err := graphAt.Nodes(ctx, dedupe(fromIDs))
	if err != nil {
		return nil, err
	}
	fromByID := map[string]*graph.Node{}
	for _, n := range from {
		fromByID[n.ID] = n
	}
	sortRels(in)
	for _, r := range in {
		if v, n := views[r.To], fromByID[r.From]; v != nil && n != nil {
			v.Add(r.Type, graph.In, r.Props, &graph.Loaded{Node: n})
		}
	}
	for id, v := range views {
		f.thirdParty[id] = graph.ThirdParty.Match(v)
		cats := map[string]bool{}
		for _, reason := range graph.FlagReasons(v) {
			cats[reason.Category] = true
		}
		for c := range cats {
			f.flags[id] = append(f.flags[id], c)
		}
		sort.Strings(f.flags[id])
	}

	ids := make([]string, 0, len(runIDs))
	for id := range runIDs {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	if len(ids) > 0 {
		runs, err := store.Runs(ctx, graph.RunQuery{IDs: ids})
		if err != nil {
			return nil, err
		}
		for _, r := range runs {
			f.runs[r.ID] = r
			f.usedRuns = append(f.usedRuns, r)
		}
		sort.Slice(f.usedRuns, func(i, j int) bool { return f.usedRuns[i].ID > f.usedRuns[j].ID }) // ids are UUIDv7: time-ordered
	}
	newest, err := store.Runs(ctx, graph.RunQuery{Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(newest) > 0 {
		f.newestRun = newest[0].FinishedAt
	}
	return f, nil
}

func traceRows(t *trace, runs map[string]*graph.RunRecord) [][]string {
	rows := make([][]string, 0, len(t.rels))
	for _, r := range t.rels {
		p := r.Provenance
		line := ""
		if p.Line > 0 {
			line = strconv.Itoa(p.Line)
		}
		rows = append(rows, []string{r.From, string(r.Type), r.To, strings.Join(p.Sources, ";"), p.File, line, p.LastRun,
			runTime(runs[p.FirstRun]), runTime(runs[p.LastRun])})
	}
	return rows
}

// runTime is when a run's facts took effect: its finish.
func runTime(r *graph.RunRecord) string {
	if r == nil {
		return ""
	}
	return r.FinishedAt.UTC().Format(time.RFC3339Nano)
}

func runRows(runs []*graph.RunRecord) [][]string {
	var rows [][]string
	for _, r := range runs {
		head := []string{r.ID, strings.Join(r.Sources, ";"), r.User, r.StartedAt.UTC().Format(time.RFC3339Nano), runTime(r)}
		if len(r.Files) == 0 {
			rows = append(rows, append(head, "", "", "", ""))
		}
		files := slices.Clone(r.Files)
		sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
		for _, f := range files {
			rows = append(rows, append(slices.Clone(head), f.Path, f.SHA256, f.Source, f.Format))
		}
	}
	return rows
}

// gapsOn returns the findings of every gap rule on the graph r as of at that concern one of
// ids (sorted), gravest first, then by rule and node (the order governance.Gaps gives).
func gapsOn(ctx context.Context, r graph.Reader, at time.Time, ids []string) ([]governance.Finding, error) {
	all, err := governance.Gaps(ctx, r, at, governance.Rules)
	if err != nil {
		return nil, err
	}
	var out []governance.Finding
	for _, f := range all {
		if _, ok := slices.BinarySearch(ids, f.Node.ID); ok {
			out = append(out, f)
		}
	}
	return out, nil
}

func gapRows(findings []governance.Finding) [][]string {
	rows := make([][]string, 0, len(findings))
	for _, f := range findings {
		rows = append(rows, []string{f.Rule.ID, f.Severity.String(), f.Node.ID, f.Message})
	}
	return rows
}

// sortRels orders relationships by from, type, to and identifying property: a stable order
// for the same graph, whatever order the store returned them in.
func sortRels(rels []*graph.Relationship) {
	sort.Slice(rels, func(i, j int) bool { return rels[i].Key() < rels[j].Key() })
}

func dedupe(ids []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// writeZip writes the files and the manifest with fixed timestamps (the as-of instant) and
// fixed order, so the same graph gives the same bytes.
func writeZip(w io.Writer, files []file, m *Manifest) error {
	manifest, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	stamp, _ := time.Parse(time.RFC3339Nano, m.AsOf)
	if stamp.Before(time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)) {
		stamp = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC) // the earliest a zip can record
	}
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	for _, f := range append([]file{{"manifest.json", append(manifest, '\n')}}, files...) {
		h := &zip.FileHeader{Name: f.path, Method: zip.Deflate, Modified: stamp}
		h.SetMode(0o644)
		fw, err := z.CreateHeader(h)
		if err != nil {
			return err
		}
		if _, err := fw.Write(f.data); err != nil {
			return err
		}
	}
	if err := z.Close(); err != nil {
		return err
	}
	_, err = w.Write(buf.Bytes())
	return err
}
