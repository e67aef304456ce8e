package importer

import (
	"bytes"
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
	"sync"
	"time"

	"github.com/aimsgraph/aimsgraph/graph"
	"github.com/aimsgraph/aimsgraph/importer/record"
)

// Document is one self-contained document, decoded once and held until its run: a BOM, a card,
// one OpenLineage event. (Files read Together are decoded again on each pass instead, so an
// estate of any size takes memory for one batch.)
type Document struct {
	record.Document
	File     string          // the file, or the request, it came from
	Format   string          // its format's name
	Source   string          // the source its records speak for
	SHA256   string          // of the file or request body
	Index    int             // its place among the documents of its data, from 0, as they were read
	Problems []Problem       // what is wrong with it: its run is rejected
	Warnings []Problem       // what it gets wrong and its run leaves out (problems under --strict)
	multi    bool            // the file holds several documents: reports name each by its line
	sources  map[string]bool // every source its records speak for
	nodes    []graph.NodeRecord
	rels     []docRel
}

type docRel struct {
	rec   graph.RelRecord
	field string
}

// replay hands the document's records, problems and warnings to a pass, as scanning a file
// would.
func (d *Document) replay(probs *problems, warn func(Problem), onNode func(graph.NodeRecord), onRel func(graph.RelRecord, string)) {
	for _, p := range d.Problems {
		probs.addProblem(p)
	}
	for _, w := range d.Warnings {
		if warn == nil {
			probs.addProblem(w)
		} else {
			warn(w)
		}
	}
	for _, n := range d.nodes {
		onNode(n)
	}
	for _, r := range d.rels {
		onRel(r.rec, r.field)
	}
}

// maxDocumentProblems bounds what one hopeless document keeps in memory.
const maxDocumentProblems = 100

// DecodeDocuments reads data, the content of name (a file or a request, for messages), as
// format into its documents: one, unless the format says where each of several begins
// (record.Emitter.Document). Problems and warnings stay with their document; documents with a
// time (At) come in time order, the others first, each group in the order of the data (which
// each document's Index keeps).
func (im *Importer) DecodeDocuments(name string, format record.Format, data []byte) ([]*Document, error) {
	sum := sha256.Sum256(data)
	digest := hex.EncodeToString(sum[:])
	var docs []*Document
	var out *record.Emitter
	cur := &Document{File: name, Format: format.Name(), SHA256: digest}
	started := false
	finish := func() {
		if cur.Source == "" {
			cur.Source = record.FirstNonEmpty(cur.Document.Source, out.Source())
		}
		cur.speaksFor(cur.Source)
		cur.Index = len(docs)
		docs = append(docs, cur)
	}
	add := func(list *[]Problem, p Problem) {
		if len(*list) < maxDocumentProblems {
			*list = append(*list, p)
		}
	}
	out = record.NewEmitter(name, record.Sink{
		Source:  im.Opts.Source,
		Problem: func(p Problem) { add(&cur.Problems, p) },
		Warn:    func(p Problem) { add(&cur.Warnings, p) },
		Node: func(n graph.NodeRecord) {
			cur.speaksFor(n.Source)
			cur.nodes = append(cur.nodes, n)
		},
		Rel: func(r graph.RelRecord, field string) {
			cur.speaksFor(r.Source)
			cur.rels = append(cur.rels, docRel{r, field})
		},
		Document: func(d record.Document) {
			if started || len(cur.nodes)+len(cur.rels)+len(cur.Problems)+len(cur.Warnings) > 0 {
				finish()
			}
			started = true
			cur = &Document{Document: d, File: name, Format: format.Name(), SHA256: digest}
		},
	})
	if err := format.Decode(bytes.NewReader(data), out); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	finish()
	for _, d := range docs {
		d.multi = len(docs) > 1
	}
	sort.SliceStable(docs, func(i, j int) bool { return docs[i].At.Before(docs[j].At) })
	return docs, nil
}

// speaksFor notes a source the document's records speak for; the first is its source unless
// the format named one (record.Document.Source).
func (d *Document) speaksFor(source string) {
	if d.sources == nil {
		d.sources = map[string]bool{}
	}
	d.sources[source] = true
	if d.Source == "" {
		d.Source = record.FirstNonEmpty(d.Document.Source, source)
	}
}

// decodeFile reads a file of an EachDocument format into its documents.
func (im *Importer) decodeFile(f *inputFile) ([]*Document, error) {
	fh, err := os.Open(f.path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.path, unwrapPathError(err))
	}
	defer fh.Close()
	data, err := io.ReadAll(fh)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.path, err)
	}
	return im.DecodeDocuments(f.path, f.format, data)
}

func (d *Document) input() *inputFile {
	return &inputFile{path: d.File, format: formatNamed(d.Format), source: d.Source, sha256: d.SHA256, doc: d}
}

// documentPrunes lists the sources the documents of a run replace (record.Document.Prunes),
// and where they state what they state (record.Document.Around).
func documentPrunes(parts []*inputFile) ([]string, map[string]string) {
	var out []string
	around := map[string]string{}
	for _, f := range parts {
		if f.doc != nil {
			out = append(out, f.doc.Prunes...)
			for src, id := range f.doc.Around {
				around[src] = id
			}
		}
	}
	sort.Strings(out)
	return slices.Compact(out), around
}

// FileOutcome is what happened to one group of files in ImportEach, or to one document: files
// read together go together, each document on its own; a folder's file that no format
// recognises is skipped.
type FileOutcome struct {
	Files    []string
	Formats  []string
	Line     int                  // a document of a file that holds several: where it starts
	Label    string               // a document's few words for the report (an event's type and job)
	Summary  *graph.ImportSummary // nil when rejected, skipped or superseded
	Err      error                // *ValidationError when rejected for problems in the input
	Warnings []Problem            // what the documents got wrong and the run left out
	Skipped  string               // why the file was skipped (not recognised); "" otherwise
	// Superseded says why a document was not applied: the graph holds a newer statement of
	// its source (a later event of the same job). Not an error.
	Superseded string
}

// External reports whether the outcome is a self-contained document's run (a BOM, a card, an
// event).
func (o FileOutcome) External() bool {
	if len(o.Formats) != 1 {
		return false
	}
	f := formatNamed(o.Formats[0])
	return f != nil && f.Grouping() == record.EachDocument
}

// skipUnrecognised splits off the files of folders that no format recognises (README files,
// other tools' configuration), with why, so they neither stop a run nor go unmentioned.
func skipUnrecognised(in []*inputFile) (kept []*inputFile, skipped []Problem) {
	for _, f := range in {
		if f.format == nil && !f.explicit {
			skipped = append(skipped, Problem{File: f.path, Msg: f.why})
			continue
		}
		kept = append(kept, f)
	}
	return kept, skipped
}

// ImportEach imports the files read together (the native format) as one run, as Import does,
// and each document (BOM, SPDX document, card, OpenLineage event) as a run of its own, so one
// broken document does not hold back the others and never lands half-written. Files of folders
// that no format recognises are skipped, each with an outcome that says why. Errors reaching the
// store end it early.
func (im *Importer) ImportEach(ctx context.Context, paths []string) ([]FileOutcome, error) {
	in, err := im.resolve(paths)
	if err != nil {
		return nil, err
	}
	in, skipped := skipUnrecognised(in)
	var out []FileOutcome
	for _, s := range skipped {
		out = append(out, FileOutcome{Files: []string{s.File}, Formats: []string{"unknown"}, Skipped: s.Msg})
	}
	var together []*inputFile
	var docs []*Document
	for _, f := range in {
		if f.format == nil || f.format.Grouping() == record.Together {
			together = append(together, f) // an unrecognised file named explicitly is a problem there
			continue
		}
		ds, err := im.decodeFile(f)
		if err != nil {
			return nil, err
		}
		docs = append(docs, ds...)
	}
	if im.Opts.DryRun {
		// A dry run keeps nothing, so a later run could not refer to what an earlier one
		// "wrote": everything is checked and counted as one run instead.
		parts := together
		for _, d := range docs {
			parts = append(parts, d.input())
		}
		o := FileOutcome{}
		o.Summary, o.Warnings, o.Err = im.importFiles(ctx, parts)
		for _, f := range parts {
			o.Files = append(o.Files, f.path)
			o.Formats = append(o.Formats, f.formatName())
		}
		if _, invalid := o.Err.(*ValidationError); o.Err != nil && !invalid {
			return nil, o.Err
		}
		return append(out, o), nil
	}
	// Documents first: files read together may name models and datasets the documents
	// describe (by the ids of docs/formats.md), never the other way round.
	docOutcomes, err := im.ImportDocuments(ctx, docs, false)
	out = append(out, docOutcomes...)
	if err != nil {
		return out, err
	}
	if len(together) > 0 {
		o := FileOutcome{}
		for _, f := range together {
			o.Files = append(o.Files, f.path)
			o.Formats = append(o.Formats, f.formatName())
		}
		o.Summary, o.Warnings, o.Err = im.importFiles(ctx, together)
		if _, invalid := o.Err.(*ValidationError); o.Err != nil && !invalid {
			return out, o.Err // the store or the context
		}
		out = append(out, o)
	}
	return out, nil
}

// ImportDocuments imports documents, each as a run of its own, or, with group set, several in
// one run where they can share it (group commit: a server takes concurrent events in one store
// transaction instead of one each). Documents that speak for a source in common are applied in
// their order, in different runs, so each run states a source once and one time for it. A
// document's statements about a source that holds a newer one are not applied (stale); a
// document whose every source does is superseded: not applied at all, and said so. A run rejected for problems of the graph (an id that is another kind
// there) is tried again document by document, so one bad document does not hold back the
// others. The outcomes come in the order of docs; the error is for the store or the context.
func (im *Importer) ImportDocuments(ctx context.Context, docs []*Document, group bool) ([]FileOutcome, error) {
	out := make([]FileOutcome, len(docs))
	for i, d := range docs {
		out[i] = FileOutcome{Files: []string{d.File}, Formats: []string{d.Format}, Label: d.Label}
		if d.multi {
			out[i].Line = d.Line
		}
	}
	for _, g := range groupDocuments(docs, group) {
		if err := im.importGroup(ctx, docs, g, out); err != nil {
			return out, err
		}
	}
	return out, nil
}

// groupDocuments splits documents (by index) into runs, in order: with group set, a document
// joins the first run after every run that speaks for one of its sources, when that run speaks
// for none of them; a document with problems runs alone, to be rejected alone.
func groupDocuments(docs []*Document, group bool) [][]int {
	var groups [][]int
	var sources []map[string]bool
	last := map[string]int{} // source -> the last run that speaks for it
	for i, d := range docs {
		placed := -1
		if group && len(d.Problems) == 0 {
			start := 0
			for s := range d.sources {
				if l, ok := last[s]; ok && l+1 > start {
					start = l + 1
				}
			}
			for g := start; g < len(groups) && placed < 0; g++ {
				if len(docs[groups[g][0]].Problems) == 0 && !overlaps(sources[g], d.sources) {
					placed = g
				}
			}
		}
		if placed < 0 {
			groups, sources = append(groups, nil), append(sources, map[string]bool{})
			placed = len(groups) - 1
		}
		groups[placed] = append(groups[placed], i)
		for s := range d.sources {
			sources[placed][s] = true
			last[s] = placed
		}
	}
	return groups
}

func overlaps(a, b map[string]bool) bool {
	for s := range b {
		if a[s] {
			return true
		}
	}
	return false
}

// importGroup runs the documents of one group, writing their outcomes. A document's statements
// about a source that holds a newer one are left out (stale); a document whose every source
// does is superseded: not applied at all.
func (im *Importer) importGroup(ctx context.Context, docs []*Document, g []int, out []FileOutcome) error {
	var live []int
	var parts []*inputFile
	notes := map[int][]Problem{} // the stale sources of a document applied without them
	for _, i := range g {
		why, err := im.stale(ctx, docs[i])
		if err != nil {
			return err
		}
		d := docs[i]
		switch {
		case len(why) == len(d.sources) && len(why) > 0:
			out[i].Superseded = why[d.Source]
			continue
		case len(why) > 0:
			for _, s := range slices.Sorted(maps.Keys(why)) {
				notes[i] = append(notes[i], Problem{File: d.File, Line: d.Line, Msg: why[s]})
			}
			d = d.without(why)
		}
		live = append(live, i)
		parts = append(parts, d.input())
	}
	if len(live) == 0 {
		return nil
	}
	sum, _, err := im.importFiles(ctx, parts)
	var ve *ValidationError
	if err != nil && !errors.As(err, &ve) {
		return err
	}
	if ve != nil && len(live) > 1 {
		for _, i := range live { // find the document at fault; the others land
			if err := im.importGroup(ctx, docs, []int{i}, out); err != nil {
				return err
			}
		}
		return nil
	}
	for k, i := range live {
		out[i].Summary, out[i].Err = sum, err
		if !im.Opts.Strict { // under --strict the warnings were problems
			out[i].Warnings = docs[i].Warnings
		}
		out[i].Warnings = append(slices.Clip(out[i].Warnings), notes[i]...)
		if err == nil && !im.Opts.DryRun && !docs[i].At.IsZero() {
			for s := range parts[k].doc.sources {
				im.Clock.record(s, docs[i].At, sum.RunID)
			}
		}
	}
	return nil
}

// stale applies the one rule of order: a document's statements about a source are not applied
// when the newest run that stated that source recorded a later time for it
// (RunRecord.SourceTimes). Each source has its clock: an OpenLineage job's lineage, its
// description and each dataset's description (docs/formats.md), so an older event of another
// job does not undo a newer description of a dataset, and an older event of the same job does
// not undo its lineage. stale says why, for each source the document must leave alone; none
// for a document without a time or with problems.
func (im *Importer) stale(ctx context.Context, d *Document) (map[string]string, error) {
	if d.At.IsZero() || im.Store == nil || len(d.Problems) > 0 {
		return nil, nil
	}
	var why map[string]string
	for _, s := range slices.Sorted(maps.Keys(d.sources)) {
		last, run, known := im.Clock.last(s)
		if !known {
			runs, err := im.Store.Runs(ctx, graph.RunQuery{Sources: []string{s}, Limit: 1})
			if err != nil {
				return nil, err
			}
			if len(runs) > 0 {
				last, run = runs[0].SourceTimes[s], runs[0].ID
			}
			im.Clock.record(s, last, run)
		}
		if last.After(d.At) {
			if why == nil {
				why = map[string]string{}
			}
			why[s] = fmt.Sprintf("older (%s) than what %s last stated (%s, import run %s): not applied",
				d.At.UTC().Format(time.RFC3339Nano), s, last.UTC().Format(time.RFC3339Nano), run)
		}
	}
	return why, nil
}

// without is the document without its statements about the sources of drop: their records,
// their prunes, their times. Its source becomes another of its own when that one goes.
func (d *Document) without(drop map[string]string) *Document {
	dropped := func(s string) bool { _, ok := drop[s]; return ok }
	c := *d
	c.nodes, c.rels, c.sources = nil, nil, map[string]bool{}
	for _, n := range d.nodes {
		if !dropped(n.Source) {
			c.nodes = append(c.nodes, n)
		}
	}
	for _, r := range d.rels {
		if !dropped(r.rec.Source) {
			c.rels = append(c.rels, r)
		}
	}
	for s := range d.sources {
		if !dropped(s) {
			c.sources[s] = true
		}
	}
	c.Prunes = slices.DeleteFunc(slices.Clone(d.Prunes), dropped)
	c.Around = maps.Clone(d.Around)
	maps.DeleteFunc(c.Around, func(s, _ string) bool { return dropped(s) })
	if dropped(c.Source) && len(c.sources) > 0 {
		c.Source = slices.Min(slices.Collect(maps.Keys(c.sources)))
	}
	return &c
}

// Clock remembers, per source, the time of the newest statement applied and its run. It trusts
// that no other process applies statements of the same sources meanwhile (one ingester per
// graph; an import of files asks the store each time). Safe for concurrent use; a nil Clock
// remembers nothing.
type Clock struct {
	mu    sync.Mutex
	times map[string]clockEntry
}

type clockEntry struct {
	at  time.Time
	run string
}

// NewClock returns an empty clock.
func NewClock() *Clock { return &Clock{times: map[string]clockEntry{}} }

func (c *Clock) last(source string) (time.Time, string, bool) {
	if c == nil {
		return time.Time{}, "", false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.times[source]
	return e.at, e.run, ok
}

func (c *Clock) record(source string, at time.Time, run string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.times[source]; !ok || !e.at.After(at) {
		c.times[source] = clockEntry{at, run}
	}
}
