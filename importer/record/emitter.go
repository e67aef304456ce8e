package record

import (
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aimsgraph/aimsgraph/graph"
)

// Problem is one thing wrong with the input, located to file, line and field.
type Problem struct {
	File  string
	Line  int
	Field string
	Msg   string
	// Sheet is the worksheet of a workbook (.xlsx) the problem is in; Line is then its row,
	// and the problem reads file:sheet!row, as spreadsheet users name a place.
	Sheet string `json:",omitempty"`
}

func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Sheet != "" {
		fmt.Fprintf(&b, ":%s!%d", p.Sheet, p.Line)
	} else if p.Line > 0 {
		fmt.Fprintf(&b, ":%d", p.Line)
	}
	if p.Field != "" {
		b.WriteString(": ")
		b.WriteString(p.Field)
	}
	b.WriteString(": ")
	b.WriteString(p.Msg)
	return b.String()
}

// Sink is what the engine does with what a format decodes from one file.
type Sink struct {
	// Source is the source the user named for every file (--source), or "": formats then name
	// it from the file (Emitter.SetSource).
	Source  string
	Problem func(Problem)
	// Warn takes what a document from another tool gets wrong without losing its meaning (a
	// value of the wrong type, a reference to nothing): the rest of it lands. Nil: warnings are
	// problems (--strict).
	Warn func(Problem)
	Node func(graph.NodeRecord)
	Rel  func(r graph.RelRecord, field string) // field: where the file stated it, for messages
	// Document is told where each document of a file that holds several begins (Emitter.Document).
	Document func(Document)
}

// Document describes one document of a file that holds several, each imported as a run of its
// own (an EachDocument format: OpenLineage holds one event per document). A format that calls
// Emitter.Document at the start of each; a file whose format never calls it is one document.
type Document struct {
	Line  int    // where the document starts in the file
	Label string // a few words for the report, e.g. "COMPLETE job:ol:food_delivery/etl_orders"
	// Source, when set, is the source the document speaks for whatever --source says: what it is
	// about (an OpenLineage job), so that pruning it touches that one job's statements only.
	Source string
	// Prunes lists sources whose earlier statements the document replaces: what they stated
	// before and this document does not, ends (a completed run's lineage, a fresh description).
	Prunes []string
	// Around gives, for pruned sources that state facts around one node only, that node
	// (graph.ImportRun.PruneAround): pruning looks there, not at the whole graph.
	Around map[string]string
	// At is when the document's facts take effect (an event's eventTime); zero for the run's
	// finish. Its statements about a source that holds a newer statement are not applied; a
	// document whose every source does is superseded: reported, and not applied.
	At time.Time
	// Event is the provenance of a document that is one event, kept with the run's files.
	Event *graph.EventInfo
}

// Emitter is where a format puts what it decodes from one file: records, stamped with the
// file's source and name, and problems located in the file.
type Emitter struct {
	file   string
	source string
	sheet  string // the worksheet being read, for a workbook's problems
	sink   Sink
}

// NewEmitter returns the emitter for one file. Its source starts as the user's (--source), else
// the file's name without extension.
func NewEmitter(file string, sink Sink) *Emitter {
	e := &Emitter{file: file, sink: sink, source: sink.Source}
	if e.source == "" {
		e.source = Stem(file)
	}
	return e
}

// File returns the file's path as the user named it.
func (e *Emitter) File() string { return e.file }

// Source returns the source the file's records speak for.
func (e *Emitter) Source() string { return e.source }

// SetSource names the source of the records emitted from now on, unless the user named it for
// every file (--source); it reports whether it did.
func (e *Emitter) SetSource(name string) bool {
	if e.sink.Source != "" {
		return false
	}
	e.source = name
	return true
}

// Document starts the next document of the file (see Document): records emitted from now on
// belong to it.
func (e *Emitter) Document(d Document) {
	if d.Source != "" {
		e.source = d.Source
	}
	if e.sink.Document != nil {
		e.sink.Document(d)
	}
}

// With returns an emitter for the same file whose records speak for source, whatever --source
// says: for a document whose statements belong to several sources (an OpenLineage event states
// its job's lineage, and describes what it names, each under a source of its own).
func (e *Emitter) With(source string) *Emitter {
	c := *e
	c.source = source
	return &c
}

// SetDocumentSubject names the source of a self-contained document after what it describes
// (DocumentSource), unless the user named it.
func (e *Emitter) SetDocumentSubject(subject string) { e.SetSource(DocumentSource(e.file, subject)) }

// InSheet says that lines from now on are the rows of a workbook's worksheet: problems read
// file:sheet!row.
func (e *Emitter) InSheet(name string) { e.sheet = name }

// Problem reports a problem at line (0: the file as a whole) of the file.
func (e *Emitter) Problem(line int, field, format string, args ...any) {
	e.sink.Problem(Problem{File: e.file, Line: line, Field: field, Msg: fmt.Sprintf(format, args...), Sheet: e.sheet})
}

// Warn reports something a document gets wrong that the format leaves out, importing the rest
// (docs/formats.md, "What documents get wrong"); under --strict it is a problem. The native
// format never warns: it is the system of record, all or nothing.
func (e *Emitter) Warn(line int, field, format string, args ...any) {
	p := Problem{File: e.file, Line: line, Field: field, Msg: fmt.Sprintf(format, args...), Sheet: e.sheet}
	if e.sink.Warn == nil {
		e.sink.Problem(p)
		return
	}
	e.sink.Warn(p)
}

// ParseFailed reports a reader's error: a *ParseError with its line, anything else as it is.
func (e *Emitter) ParseFailed(err error) {
	var pe *ParseError
	if errors.As(err, &pe) {
		e.Problem(pe.Line, "", "%s", pe.Msg)
		return
	}
	e.Problem(0, "", "%v", err)
}

// Node emits a node, stamped with the file and the current source.
func (e *Emitter) Node(n graph.NodeRecord) {
	n.Source, n.File = e.source, e.file
	clipLists(n.Props)
	e.sink.Node(n)
}

// clipLists gives every list value its length as its capacity. A store keeps the lists it is
// handed and gives them to every reader (the embedded store does not copy them), and formats
// build lists by appending, leaving room to spare: a reader appending to such a list would
// write into the store's array while another reads it. Clipped, an append always copies.
func clipLists(props map[string]any) {
	for k, v := range props {
		if l, ok := v.([]string); ok {
			props[k] = slices.Clip(l)
		}
	}
}

// Rel emits a relationship stamped with the file and the current source, with the defaults
// the relationship table gives for properties it leaves out; field says where the file stated
// it, for messages.
func (e *Emitter) Rel(info *graph.RelInfo, from, to string, props map[string]any, line int, field string) {
	if props == nil {
		props = map[string]any{}
	}
	for _, p := range info.Props {
		if _, ok := props[p.Name]; !ok && p.Default != "" {
			props[p.Name] = p.Default
		}
	}
	clipLists(props)
	e.sink.Rel(graph.RelRecord{Type: info.Type, From: from, To: to, Props: props, Source: e.source, File: e.file, Line: line}, field)
}

// Stem returns a file's name without its folder and extension: a file's default source.
func Stem(path string) string {
	return strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
}

// ReservedKey reports keys that cannot be kept as properties: the store's own bookkeeping
// starts with an underscore, and `kind` is given by the section.
func ReservedKey(k string) bool { return strings.HasPrefix(k, "_") || k == "kind" }

// ValidID reports whether id (or a source name) is free of control characters.
func ValidID(id string) bool {
	for _, r := range id {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

// RelProp decodes a relationship property: typed as the relationship table says, else kept as
// text; reserved keys are problems.
func (e *Emitter) RelProp(info *graph.RelInfo, props map[string]any, path string, f Field) {
	if p, ok := info.Prop(f.Key); ok {
		if v, ok := e.Typed(p, path, f.Val); ok && v != nil {
			props[p.Name] = v
		}
		return
	}
	if ReservedKey(f.Key) || strings.TrimSpace(f.Key) == "" {
		e.Problem(f.Line, path, "key %q is reserved", f.Key)
		return
	}
	if !f.Val.Null {
		props[f.Key] = f.Val.Text()
	}
}

var dateRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}`)

// Typed parses a value as property p of the domain table says, reporting a problem at path
// when it cannot. It returns (nil, true) for an absent value.
func (e *Emitter) Typed(p *graph.Prop, path string, v Value) (any, bool) {
	if v.Null || (v.CSVCell && strings.TrimSpace(v.Scalar) == "" && p.Type != graph.String) {
		return nil, true
	}
	switch p.Type {
	case graph.StringList, graph.EnumList:
		items := v.Items()
		out := make([]string, 0, len(items))
		ok := true
		for i, it := range items {
			ipath := fmt.Sprintf("%s[%d]", path, i)
			if !it.IsScalar {
				e.Problem(it.Line, ipath, "expected text, got %s", it.Shape())
				ok = false
				continue
			}
			s := strings.TrimSpace(it.Scalar)
			if p.Type == graph.EnumList {
				val, good := graph.NormalizeEnum(s, p.Values)
				if !good {
					e.Problem(it.Line, ipath, "unknown value %q; expected one of %s", s, strings.Join(p.Values, ", "))
					ok = false
					continue
				}
				s = val
			}
			out = append(out, s)
		}
		return out, ok
	}
	if !v.IsScalar {
		e.Problem(v.Line, path, "expected a single value, got %s", v.Shape())
		return nil, false
	}
	s := strings.TrimSpace(v.Scalar)
	switch p.Type {
	case graph.Bool:
		switch strings.ToLower(s) {
		case "true", "yes", "y", "1":
			return true, true
		case "false", "no", "n", "0":
			return false, true
		}
		e.Problem(v.Line, path, "expected true or false, got %q", s)
		return nil, false
	case graph.Int:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			e.Problem(v.Line, path, "expected a whole number, got %q", s)
			return nil, false
		}
		if p.Max > 0 && (n < int64(p.Min) || n > int64(p.Max)) {
			e.Problem(v.Line, path, "%d is out of range %d-%d", n, p.Min, p.Max)
			return nil, false
		}
		return n, true
	case graph.Enum:
		val, ok := graph.NormalizeEnum(s, p.Values)
		if !ok {
			e.Problem(v.Line, path, "unknown value %q; expected one of %s", s, strings.Join(p.Values, ", "))
			return nil, false
		}
		return val, true
	case graph.Code:
		for _, want := range p.Values {
			if strings.EqualFold(s, want) {
				return want, true
			}
		}
		e.Problem(v.Line, path, "unknown %s %q; expected one of %s", p.Name, s, strings.Join(p.Values, ", "))
		return nil, false
	case graph.Date:
		if !dateRE.MatchString(s) {
			e.Problem(v.Line, path, "expected a date like 2026-03-31, got %q", s)
			return nil, false
		}
		if _, err := time.Parse("2006-01-02", s[:10]); err != nil {
			e.Problem(v.Line, path, "not a real date: %q", s)
			return nil, false
		}
		return s, true
	default:
		return v.Scalar, true
	}
}
