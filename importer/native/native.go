// Package native reads aimsgraph's own inventory format (README, docs/formats.md): YAML or JSON
// documents of sections (vendors, datasets, models, ...) and the same as CSV, one file per
// section. Native files refer to each other freely, so they are validated and written together,
// as one run: the system of record is imported all or nothing.
package native

import (
	"bytes"
	"errors"
	"io"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/aimsgraph/aimsgraph/graph"
	"github.com/aimsgraph/aimsgraph/importer/record"
)

// The native format's three syntaxes, registered in importer.Formats; `--format native` picks
// among them by file name.
var (
	YAML record.Format = yamlFormat{}
	JSON record.Format = jsonFormat{}
	CSV  record.Format = csvFormat{}
)

// Family is the --format name of the three.
const Family = "native"

var yamlKeyRE = regexp.MustCompile(`(?m)^([A-Za-z_][\w-]*)\s*:`)

// notNative is what a file with other top-level keys lacks.
var notNative = record.Lacks("a native inventory (top-level sections such as datasets or models)")

// sniffKeys tells a native document by its top-level keys: a section (datasets, relationships)
// says so; version and source alone say so only when nothing else is there, since other tools'
// YAML has them too.
func sniffKeys(keys []string) record.Match {
	if len(keys) == 0 {
		return record.Maybe // nothing looks like a key: the reader says what is wrong, with a line
	}
	generic := true
	for _, k := range keys {
		if _, ok := graph.KindOfSection(k); ok || k == "relationships" {
			return record.Yes
		}
		generic = generic && (k == "version" || k == "source")
	}
	if generic {
		return record.Yes
	}
	return notNative
}

type yamlFormat struct{}

func (yamlFormat) Name() string              { return "yaml" }
func (yamlFormat) Grouping() record.Grouping { return record.Together }
func (yamlFormat) Decode(r io.Reader, out *record.Emitter) error {
	return decodeDocuments(r, out, false)
}

// Sniff: a YAML file is native by its top-level keys (sniffKeys), or when nothing looks like a
// key at all (the YAML reader then says what is wrong, with a line). One that starts with `{` is
// JSON (jsonFormat).
func (yamlFormat) Sniff(h *record.Head) record.Match {
	if !h.ExtIn(".yaml", ".yml") || h.StartsWith('{') {
		return record.No
	}
	var keys []string
	for _, m := range yamlKeyRE.FindAllSubmatch(h.Bytes(), -1) {
		keys = append(keys, string(m[1]))
	}
	return sniffKeys(keys)
}

type jsonFormat struct{}

func (jsonFormat) Name() string              { return "json" }
func (jsonFormat) Grouping() record.Grouping { return record.Together }
func (jsonFormat) Decode(r io.Reader, out *record.Emitter) error {
	return decodeDocuments(r, out, true)
}

// Sniff: JSON (in a .json file, or a YAML file starting with `{`) is native when its top-level
// object has native keys. JSON that does not parse, or is no object, is left to this reader,
// which reports what is wrong with its line, unless telltale text says another format's.
func (jsonFormat) Sniff(h *record.Head) record.Match {
	if !h.ExtIn(".json", ".yaml", ".yml") {
		return record.No
	}
	if !h.StartsWith('{') {
		if h.Ext() == ".json" {
			return record.Maybe
		}
		return record.No
	}
	keys, ok := h.JSONKeys()
	if !ok {
		return record.Maybe
	}
	names := make([]string, 0, len(keys))
	for k := range keys {
		names = append(names, k)
	}
	return sniffKeys(names)
}

// decodeDocuments reads a YAML stream or a JSON document (asJSON, or content starting with `{`).
// Each document may name its source (`source:`); the default is the file's name.
func decodeDocuments(r io.Reader, out *record.Emitter, asJSON bool) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	var docs []record.Value
	if trimmed := bytes.TrimSpace(data); asJSON || (len(trimmed) > 0 && trimmed[0] == '{') {
		doc, err := record.ReadJSON(data)
		if err != nil {
			out.ParseFailed(err)
			return nil
		}
		docs = []record.Value{doc}
	} else if docs, err = record.ReadYAML(data); err != nil {
		out.ParseFailed(err)
		return nil
	}
	d := &decoder{out: out}
	for _, doc := range docs {
		out.SetSource(record.Stem(out.File()))
		if s := strings.TrimSpace(doc.Str("source")); s != "" {
			if out.SetSource(s) && !record.ValidID(s) {
				out.Problem(doc.Line, "source", "source name contains control characters")
			}
		}
		d.decodeDocument(doc)
	}
	return nil
}

type csvFormat struct{}

func (csvFormat) Name() string              { return "csv" }
func (csvFormat) Grouping() record.Grouping { return record.Together }

// Sniff: a CSV file named after a section (datasets.csv) or relationships.csv is native; another
// CSV file, unless some other format knows it by its header, is reported by this reader.
func (csvFormat) Sniff(h *record.Head) record.Match {
	if h.Ext() != ".csv" {
		return record.No
	}
	if _, ok := section(h.Path); ok {
		return record.Yes
	}
	return record.Maybe
}

// section returns the section a CSV file's name says and whether it is one.
func section(path string) (string, bool) {
	name := strings.TrimSuffix(strings.ToLower(filepath.Base(path)), ".csv")
	_, ok := graph.KindOfSection(name)
	return name, ok || name == "relationships"
}

// Decode streams the rows: memory is one row, whatever the file's size. The folder of a CSV
// estate is its default source.
func (csvFormat) Decode(r io.Reader, out *record.Emitter) error {
	name, ok := section(out.File())
	if !ok {
		out.Problem(0, "", "a CSV file is named after its section (one of %s.csv), or is a register told by its header row (docs/registers.md)", strings.Join(strings.Split(sectionNames(), ", "), ".csv, "))
		return nil
	}
	out.SetSource(filepath.Base(filepath.Dir(out.File())))
	d := &decoder{out: out}
	info, _ := graph.KindOfSection(name)
	err := record.ReadCSV(r, func(i int, rec record.Value) {
		if info == nil {
			d.decodeRelationship(i, rec)
		} else {
			d.decodeNode(info, name, i, rec)
		}
	}, func(line int, msg string) { out.Problem(line, "", "%s", msg) })
	var pe *record.ParseError
	if errors.As(err, &pe) {
		out.ParseFailed(err)
		return nil
	}
	return err
}
