// Package record holds what every import format shares: the Format interface the engine
// (package importer) drives, the Emitter a format hands its records and problems to, the
// line-keeping readers (JSON, YAML, CSV) and their Value type, typed property decoding from the
// domain table, the document Builder and the identity rules of docs/formats.md.
package record

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Format reads one kind of file into records. The engine tries the registered formats in order
// (importer.Formats) and imports each file with the one that recognises it; docs/formats.md,
// "Adding a format", shows how to add one.
type Format interface {
	// Name names the format in reports, in the import run's file list and for --format.
	Name() string
	// Sniff tells from a file's name and first bytes whether this format reads it.
	Sniff(h *Head) Match
	// Grouping says which files go into one import run.
	Grouping() Grouping
	// Decode reads one file and hands what it states to out: records, and problems located to
	// a line. It returns an error only when the file cannot be read at all (I/O); a file that is
	// not valid for the format is a problem (out.Problem, out.ParseFailed), not an error.
	// The engine may decode a file more than once in a run (validate, write nodes, write
	// relationships), so Decode must give the same records each time.
	Decode(r io.Reader, out *Emitter) error
}

// Grouping says how a format's files form import runs.
type Grouping int

const (
	// Together: files refer to each other (the native inventory), so they are validated and
	// written together, as one run, all or nothing.
	Together Grouping = iota
	// EachDocument: a file is a self-contained document (a BOM, a card), imported as a run of
	// its own, before the files read Together (which may name what the documents describe).
	EachDocument
)

// Level is how sure a sniff is.
type Level int

const (
	// NotThis: the file's name is not one this format reads.
	NotThis Level = iota
	// NameFits: the name fits but the content is not this format's; Match.Expect says what
	// this format looks for, so an unrecognised file's message can say what was looked for.
	NameFits
	// Fallback: the name fits and the content does not say what it is (it does not even parse):
	// this format's reader reports best what is wrong with it, unless another is Certain.
	Fallback
	// Certain: the content says it is this format.
	Certain
)

// Match is a sniff's answer.
type Match struct {
	Level  Level
	Expect string // with NameFits: what this format's files have, e.g. "a CycloneDX BOM (bomFormat)"
}

// Matches for Sniff to return.
var (
	No    = Match{Level: NotThis}
	Maybe = Match{Level: Fallback}
	Yes   = Match{Level: Certain}
)

// Lacks is the Match of a file whose name fits but whose content is not this format's.
func Lacks(expect string) Match { return Match{Level: NameFits, Expect: expect} }

// SniffSize is how much of a file Sniff sees.
const SniffSize = 64 << 10

// Head is what Sniff sees of a file: its name, and its first bytes, read on first use so a
// sniff that goes by the name alone reads nothing.
type Head struct {
	Path string // as the user named it
	data []byte
	read bool
	err  error
}

// NewHead returns the head of the file at path.
func NewHead(path string) *Head { return &Head{Path: path} }

// HeadOf returns a head over data already in memory, e.g. for tests and fuzzing.
func HeadOf(path string, data []byte) *Head {
	if len(data) > SniffSize {
		data = data[:SniffSize]
	}
	return &Head{Path: path, data: data, read: true}
}

// Ext returns the file's extension in lower case, with its dot: ".json".
func (h *Head) Ext() string { return strings.ToLower(filepath.Ext(h.Path)) }

// ExtIn reports whether the file's extension is one of exts (lower case, with the dot).
func (h *Head) ExtIn(exts ...string) bool {
	e := h.Ext()
	for _, x := range exts {
		if e == x {
			return true
		}
	}
	return false
}

// Base returns the file's name without its folder, in lower case.
func (h *Head) Base() string { return strings.ToLower(filepath.Base(h.Path)) }

// Bytes returns up to SniffSize bytes from the start of the file (nil when it cannot be read;
// Err says why).
func (h *Head) Bytes() []byte {
	if !h.read {
		h.read = true
		var f *os.File
		f, h.err = os.Open(h.Path)
		if h.err != nil {
			return nil
		}
		defer f.Close()
		h.data, h.err = io.ReadAll(io.LimitReader(f, SniffSize))
	}
	return h.data
}

// Err is the error reading the head met, if a sniff read it.
func (h *Head) Err() error { return h.err }

// StartsWith reports whether the content, after leading white space, starts with c.
func (h *Head) StartsWith(c byte) bool {
	t := bytes.TrimSpace(h.Bytes())
	return len(t) > 0 && t[0] == c
}

// JSONKeys reads the top-level keys of the JSON object the content starts with; ok is false
// when the content is not an object or breaks off before the end of the object (unless the
// head was cut at SniffSize after some keys).
func (h *Head) JSONKeys() (keys map[string]bool, ok bool) {
	return TopLevelKeys(h.Bytes())
}

// Contains reports whether the head contains s: telltale text of a document too broken to
// parse, so its own reader reports the error with a line.
func (h *Head) Contains(s string) bool { return bytes.Contains(h.Bytes(), []byte(s)) }
