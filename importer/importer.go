package importer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/aimsgraph/aimsgraph/graph"
	"github.com/aimsgraph/aimsgraph/importer/record"
)

// Options tune an import run.
type Options struct {
	Source    string // names the source of every file, overriding `source:` and file names
	Prune     bool   // remove what the run's sources stated before and no longer state
	DryRun    bool   // validate and count what would change, keep nothing
	BatchSize int    // records per write round trip; 0 means DefaultBatchSize
	User      string // who ran the import, for the run record
	// Progress, when set, is told how many records were written since its last call.
	Progress func(records int)
	// Total, when set, is told how many records the run will write, once validation is done.
	Total func(records int)
	// Format, when set, reads every file as this format instead of telling it from the content:
	// one of FormatNames().
	Format string
	// Skipped, when set, is told of each thing inside a folder that is not read at all, as
	// "path: why": hidden folders, symbolic link loops, broken links, files of no type any
	// format reads. (Files a format's name fits but whose content no format reads are outcomes
	// of ImportEach.)
	Skipped func(pathAndWhy string)
	// MaxValueBytes caps one property value (a list: all its items); 0 means
	// DefaultMaxValueBytes, a negative value no cap.
	MaxValueBytes int
	// Strict rejects a document from another tool (a BOM, a card) for what it gets wrong
	// that would otherwise be left out with a warning (a value of the wrong type, a reference
	// to nothing).
	Strict bool
}

// DefaultBatchSize is the number of records written per round trip.
const DefaultBatchSize = 2000

// idInfo remembers where an id was first stated and as what kind; the map of them is the only
// thing an import holds per record, so memory grows with distinct nodes, never with relationships.
type idInfo struct {
	kind graph.Kind
	file string
	line int
}

// plan is what the validation pass learned.
type plan struct {
	files    []*inputFile
	ids      map[string]idInfo
	sources  map[string]bool
	nodes    int
	rels     int
	warnings problems             // what documents get wrong and the run leaves out (record.Emitter.Warn)
	aliases  map[string]aliasInfo // sameAs declared in the import (sameas.go)
	canon    map[string]string    // ids written under another: aliases -> the node they name
	parts    map[string]int       // id -> how many records state part of it (graph.NodeRecord.Part)
}

// Importer validates files of any registered format and writes them to a store.
type Importer struct {
	Store graph.Store // nil for validation against the files alone
	Opts  Options
	// Clock, when set, remembers the newest time applied per source across imports, so a
	// long-running ingester does not ask the store for each event (runs.go).
	Clock *Clock
}

// Checked is what Validate found besides problems.
type Checked struct {
	Files    int       // files validated
	Warnings []Problem // what documents from other tools get wrong; an import leaves it out
	Skipped  []Problem // files of the folders that no format recognises, and why
}

// Validate reports every problem in the files, checking references against the store as well
// when there is one. It writes nothing. Files of folders that no format recognises are skipped,
// as an import skips them.
func (im *Importer) Validate(ctx context.Context, paths []string) (*Checked, error) {
	in, err := im.resolve(paths)
	if err != nil {
		return nil, err
	}
	c := &Checked{}
	in, c.Skipped = skipUnrecognised(in)
	p, probs, err := im.plan(ctx, in)
	if err != nil {
		return nil, err
	}
	if err := im.relationshipPass(ctx, p, probs, nil); err != nil {
		return nil, err
	}
	c.Files, c.Warnings = len(p.files), p.warnings.sorted()
	return c, probs.err()
}

// Import validates the files and, when they are free of problems, writes them as one import run.
// A *ValidationError means nothing was written.
func (im *Importer) Import(ctx context.Context, paths []string) (*graph.ImportSummary, error) {
	if im.Store == nil {
		return nil, fmt.Errorf("import needs a store")
	}
	in, err := im.resolve(paths)
	if err != nil {
		return nil, err
	}
	sum, _, err := im.importFiles(ctx, in)
	return sum, err
}

// importFiles is one import run over files whose format is known. It returns what the
// documents got wrong and the run left out (warnings) too.
func (im *Importer) importFiles(ctx context.Context, in []*inputFile) (*graph.ImportSummary, []Problem, error) {
	started := time.Now().UTC()
	p, probs, err := im.plan(ctx, in)
	if err != nil {
		return nil, nil, err
	}
	warnings := p.warnings.sorted()
	if probs.count() > 0 {
		// Check the relationships too, without writing, so the user sees every problem at once.
		if err := im.relationshipPass(ctx, p, probs, nil); err != nil {
			return nil, nil, err
		}
		return nil, warnings, probs.err()
	}
	if im.Opts.Total != nil {
		im.Opts.Total(p.nodes + p.rels)
	}
	runID, err := uuid.NewV7()
	if err != nil {
		return nil, nil, err
	}
	run := graph.ImportRun{
		ID: runID.String(), StartedAt: started, User: im.Opts.User,
		Prune: im.Opts.Prune, DryRun: im.Opts.DryRun,
	}
	if prunes, around := documentPrunes(p.files); !im.Opts.Prune && len(prunes) > 0 {
		run.Prune, run.PruneOnly = true, prunes // what the documents replace, and nothing else
		run.PruneAround = map[string]string{}
		for src, id := range around {
			run.PruneAround[src] = p.canonical(id) // the node an alias names, when it is one
		}
	}
	for s := range p.sources {
		run.Sources = append(run.Sources, s)
	}
	sort.Strings(run.Sources)
	for _, f := range p.files {
		d := graph.FileDigest{Path: f.path, SHA256: f.sha256, Source: f.source, Format: f.formatName()}
		if f.doc != nil {
			d.Event = f.doc.Event
			for s := range f.doc.sources {
				if !f.doc.At.IsZero() {
					if run.SourceTimes == nil {
						run.SourceTimes = map[string]time.Time{}
					}
					run.SourceTimes[s] = f.doc.At // the document's facts hold from its time
				}
			}
		}
		run.Files = append(run.Files, d)
	}
	sum, err := im.Store.Import(ctx, run, func(ctx context.Context, w graph.Writer) error {
		if err := im.nodePass(ctx, p, w); err != nil {
			return err
		}
		var probs problems
		if err := im.relationshipPass(ctx, p, &probs, w); err != nil {
			return err
		}
		return probs.err()
	})
	var conflict *graph.KindConflictError
	if errors.As(err, &conflict) {
		if info, ok := p.ids[conflict.ID]; ok { // a run that committed after checkIdentities named it first
			var probs problems
			probs.add(info.file, info.line, "id", "%s", conflict.Error())
			return nil, warnings, probs.err()
		}
	}
	return sum, warnings, err
}

func (im *Importer) batchSize() int {
	if im.Opts.BatchSize > 0 {
		return im.Opts.BatchSize
	}
	return DefaultBatchSize
}

// plan is the first pass: parse and check every record, learn every id and its kind. Problems
// in the input are returned in probs; err is for failures to read at all.
func (im *Importer) plan(ctx context.Context, files []*inputFile) (*plan, *problems, error) {
	p := &plan{ids: map[string]idInfo{}, sources: map[string]bool{}, aliases: map[string]aliasInfo{}, canon: map[string]string{}, parts: map[string]int{}}
	var probs problems
	for _, f := range files {
		if f.format == nil {
			probs.add(f.path, 0, "", "%s", f.why)
			continue
		}
		p.files = append(p.files, f)
		onNode := func(n graph.NodeRecord) {
			p.nodes++
			p.sources[n.Source] = true
			p.noteAliases(n, &probs)
			if n.Part {
				p.parts[n.ID]++
			}
			if prev, seen := p.ids[n.ID]; seen {
				if prev.kind != n.Kind {
					probs.add(n.File, n.Line, "id", "%q is already a %s at %s:%d; an id names one node", n.ID, prev.kind, prev.file, prev.line)
				}
				return
			}
			p.ids[n.ID] = idInfo{kind: n.Kind, file: f.path, line: n.Line}
		}
		onRel := func(r graph.RelRecord, _ string) { p.rels++; p.sources[r.Source] = true }
		warn := p.warnings.addProblem
		if im.Opts.Strict {
			warn = nil // warnings are problems
		}
		err := im.scan(f, &probs, warn, onNode, onRel, true)
		if err != nil {
			return nil, nil, err
		}
		p.sources[f.source] = true // a file stating nothing still speaks for its source (prune)
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
	}
	if err := im.checkIdentities(ctx, p, &probs); err != nil {
		return nil, nil, err
	}
	return p, &probs, nil
}

// scan reads one file and decodes its records with the file's format, reporting problems to
// probs and warnings to warn (nil: to probs). The first scan of a file (first=true) also hashes
// it and resolves its source.
func (im *Importer) scan(f *inputFile, probs *problems, warn func(Problem), onNode func(graph.NodeRecord), onRel func(graph.RelRecord, string), first bool) error {
	if f.doc != nil {
		f.doc.replay(probs, warn, onNode, onRel)
		return nil
	}
	fh, err := os.Open(f.path)
	if err != nil {
		return fmt.Errorf("%s: %w", f.path, unwrapPathError(err))
	}
	defer fh.Close()
	h := sha256.New()
	var r io.Reader = fh
	if first {
		r = io.TeeReader(fh, h) // later passes read the same bytes; hash once
	}
	onNode, onRel = im.capValues(probs, onNode, onRel)
	out := record.NewEmitter(f.path, record.Sink{Source: im.Opts.Source, Problem: probs.addProblem, Warn: warn, Node: onNode, Rel: onRel})
	if err := f.format.Decode(r, out); err != nil {
		return fmt.Errorf("%s: %w", f.path, err)
	}
	if first {
		_, _ = io.Copy(io.Discard, r) // hash the whole file even if the parser stopped early
		f.sha256 = hex.EncodeToString(h.Sum(nil))
		f.source = out.Source()
	}
	return nil
}

// nodePass writes every node, in batches.
func (im *Importer) nodePass(ctx context.Context, p *plan, w graph.Writer) error {
	var probs problems // the plan pass found none; decoding again finds the same
	batch := make([]graph.NodeRecord, 0, im.batchSize())
	var werr error
	flush := func() {
		if werr == nil && len(batch) > 0 {
			werr = w.WriteNodes(ctx, batch)
			im.progress(len(batch))
		}
		batch = batch[:0]
	}
	parts := newPartMerger(p.parts)
	for _, f := range p.files {
		err := im.scan(f, &probs, nil, func(n graph.NodeRecord) {
			if n.Part {
				var whole bool
				if n, whole = parts.add(n); !whole {
					return // more parts of this node follow
				}
			}
			if c := p.canonical(n.ID); c != n.ID {
				// A record under another name of a node is that node; it names it (adding its
				// source), the declaring record describes it (docs/formats.md, "sameAs").
				n.ID, n.Stub = c, true
			}
			batch = append(batch, n)
			if len(batch) == cap(batch) {
				flush()
			}
		}, func(graph.RelRecord, string) {}, false)
		if err != nil {
			return err
		}
		if werr != nil {
			return werr
		}
	}
	flush()
	return werr
}

// partMerger merges the records that state parts of one node (graph.NodeRecord.Part): it holds
// the parts of an id until the last one the plan counted arrives, then gives the whole.
type partMerger struct {
	left    map[string]int // id -> its parts yet to arrive, from the plan's count
	pending map[string]*graph.NodeRecord
}

func newPartMerger(want map[string]int) *partMerger {
	return &partMerger{left: maps.Clone(want), pending: map[string]*graph.NodeRecord{}}
}

func (m *partMerger) add(n graph.NodeRecord) (graph.NodeRecord, bool) {
	whole, ok := m.pending[n.ID]
	if !ok {
		first := n
		first.Props = make(map[string]any, len(n.Props))
		maps.Copy(first.Props, n.Props)
		whole = &first
		m.pending[n.ID] = whole
	} else {
		for k, v := range n.Props {
			if l, isList := v.([]string); isList {
				if old, was := whole.Props[k].([]string); was {
					v = joinNew(old, l)
				}
			}
			whole.Props[k] = v
		}
		whole.Source = n.Source
	}
	if m.left[n.ID]--; m.left[n.ID] > 0 {
		return graph.NodeRecord{}, false
	}
	delete(m.pending, n.ID)
	whole.Part = false
	if _, ok := whole.Props["name"]; !ok {
		whole.Props["name"] = whole.ID
	}
	return *whole, true
}

// joinNew appends to a the items of b it lacks, in a new list with no room to spare (as
// record.Emitter gives lists: a reader's append copies).
func joinNew(a, b []string) []string {
	out := slices.Clone(a)
	for _, it := range b {
		if !slices.Contains(out, it) {
			out = append(out, it)
		}
	}
	return slices.Clip(out)
}

func (im *Importer) progress(n int) {
	if im.Opts.Progress != nil {
		im.Opts.Progress(n)
	}
}

// relationshipPass checks every relationship's endpoints (in the import, else in the graph) and
// their kinds against the relationship table, and writes them in batches when w is set. After the
// first problem it stops writing but goes on checking, so the user sees every problem at once.
func (im *Importer) relationshipPass(ctx context.Context, p *plan, probs *problems, w graph.Writer) error {
	var discard problems
	inGraph := map[string]graph.Identity{} // endpoints found in the graph, looked up once each
	batch := make([]graph.RelRecord, 0, im.batchSize())
	fields := make([]string, 0, im.batchSize()) // fields[i] stated batch[i], for messages
	var ferr error
	flush := func() {
		if ferr == nil && len(batch) > 0 {
			ferr = im.checkEndpoints(ctx, p, inGraph, batch, fields, probs)
			if ferr == nil && w != nil && probs.count() == 0 {
				ferr = w.WriteRelationships(ctx, batch)
				im.progress(len(batch))
			}
		}
		batch, fields = batch[:0], fields[:0]
	}
	for _, f := range p.files {
		err := im.scan(f, &discard, nil, func(graph.NodeRecord) {}, func(r graph.RelRecord, field string) {
			batch = append(batch, r)
			fields = append(fields, field)
			if len(batch) == cap(batch) {
				flush()
			}
		}, false)
		if err != nil {
			return err
		}
		if ferr != nil {
			return ferr
		}
	}
	flush()
	return ferr
}

func (im *Importer) checkEndpoints(ctx context.Context, p *plan, inGraph map[string]graph.Identity, batch []graph.RelRecord, fields []string, probs *problems) error {
	var unknown []string
	for i := range batch {
		batch[i].From, batch[i].To = p.canonical(batch[i].From), p.canonical(batch[i].To)
		for _, id := range [2]string{batch[i].From, batch[i].To} {
			if _, ok := p.ids[id]; ok {
				continue
			}
			if _, ok := inGraph[id]; !ok {
				unknown = append(unknown, id)
			}
		}
	}
	if len(unknown) > 0 && im.Store != nil {
		found, err := im.Store.Identify(ctx, unknown)
		if err != nil {
			return err
		}
		for id, who := range found {
			inGraph[id], inGraph[who.ID] = who, who
		}
	}
	kindOf := func(id string) (graph.Kind, bool) {
		if info, ok := p.ids[id]; ok {
			return info.kind, true
		}
		who, ok := inGraph[id]
		return who.Kind, ok
	}
	for i := range batch {
		for _, end := range []*string{&batch[i].From, &batch[i].To} { // an alias in the graph: the node it names
			if who, ok := inGraph[*end]; ok && who.ID != *end {
				*end = who.ID
			}
		}
	}
	for i, r := range batch {
		fk, fok := kindOf(r.From)
		tk, tok := kindOf(r.To)
		for _, end := range []struct {
			id    string
			known bool
		}{{r.From, fok}, {r.To, tok}} {
			if !end.known {
				probs.add(r.File, r.Line, fields[i], "unknown id %q: not in this import%s", end.id, im.orGraph())
			}
		}
		if fok && tok {
			info, _ := graph.RelOf(r.Type)
			if !info.Allows(fk, tk) {
				probs.add(r.File, r.Line, fields[i], "%s cannot run from %s %q to %s %q; allowed: %s", r.Type, fk, r.From, tk, r.To, pairNames(info))
			}
		}
	}
	return nil
}

func (im *Importer) orGraph() string {
	if im.Store == nil {
		return ""
	}
	return " nor in the graph"
}

func pairNames(info *graph.RelInfo) string {
	seen := map[graph.Kind][]string{}
	var order []graph.Kind
	for _, pr := range info.Pairs {
		if _, ok := seen[pr[0]]; !ok {
			order = append(order, pr[0])
		}
		seen[pr[0]] = append(seen[pr[0]], string(pr[1]))
	}
	var parts []string
	for _, from := range order {
		to := seen[from]
		if len(to) == len(graph.AllKinds) {
			to = []string{"any kind"}
		}
		parts = append(parts, fmt.Sprintf("%s -> %s", from, strings.Join(to, "|")))
	}
	return strings.Join(parts, "; ")
}
