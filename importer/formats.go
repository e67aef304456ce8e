package importer

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/aimsgraph/aimsgraph/graph"
)

// Formats besides the native ones (FormatYAML, FormatJSON, FormatCSV). See docs/formats.md.
const (
	FormatCycloneDX = "cyclonedx" // CycloneDX 1.5-1.7 JSON: ML-BOMs
	FormatSPDX      = "spdx3"     // SPDX 3.0 JSON-LD with the AI and Dataset profiles
	FormatCard      = "hf-card"   // Hugging Face model or dataset card: README.md with YAML front matter
	FormatUnknown   = "unknown"   // none of the above
)

// Formats lists the values Options.Format (--format) accepts.
var Formats = []string{"native", FormatCycloneDX, FormatSPDX, FormatCard}

// external reports whether a format describes one self-contained document (a BOM, a card), as
// opposed to native inventory files, which refer to each other and are validated together.
func external(format string) bool {
	return format == FormatCycloneDX || format == FormatSPDX || format == FormatCard
}

// sniffSize is how much of a file detection reads.
const sniffSize = 64 << 10

// resolve expands paths into files and tells each one's format: Options.Format when set,
// otherwise from the content (the extension only says which detector to ask).
func (im *Importer) resolve(paths []string) ([]*inputFile, error) {
	names, skipped, err := Collect(paths)
	if err != nil {
		return nil, err
	}
	if im.Opts.Skipped != nil {
		for _, s := range skipped {
			im.Opts.Skipped(s)
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("no .yaml, .yml, .json, .csv or .md files found in %s", strings.Join(paths, ", "))
	}
	files := make([]*inputFile, 0, len(names))
	for _, name := range names {
		f := &inputFile{path: name, format: formatOf(name)}
		switch im.Opts.Format {
		case "":
			if err := detect(f); err != nil {
				return nil, err
			}
		case "native":
			if f.format == FormatCard {
				f.format, f.why = FormatUnknown, "a .md file cannot be read as the native format"
			}
		case FormatCycloneDX, FormatSPDX, FormatCard:
			f.format = im.Opts.Format
		default:
			return nil, fmt.Errorf("unknown format %q: one of %s", im.Opts.Format, strings.Join(Formats, ", "))
		}
		files = append(files, f)
	}
	return files, nil
}

var (
	nativeKeyRE = regexp.MustCompile(`(?m)^(version|source|vendors|datasets|models|systems|decisions|roles|risks|controls|assets|relationships)\s*:`)
	yamlKeyRE   = regexp.MustCompile(`(?m)^[A-Za-z_][\w-]*\s*:`)
)

// detect tells a file's format from its first bytes.
func detect(f *inputFile) error {
	if f.format == FormatCSV || f.format == FormatCard {
		return nil // CSV files are native sections by name; .md files are cards or errors
	}
	fh, err := os.Open(f.path)
	if err != nil {
		return fmt.Errorf("%s: %w", f.path, unwrapPathError(err))
	}
	defer fh.Close()
	head, err := io.ReadAll(io.LimitReader(fh, sniffSize))
	if err != nil {
		return fmt.Errorf("%s: %w", f.path, err)
	}
	trimmed := bytes.TrimSpace(head)
	if len(trimmed) > 0 && trimmed[0] == '{' {
		f.format, f.why = detectJSON(head)
		return nil
	}
	if f.format == FormatJSON {
		return nil // not an object: the native reader reports it with its line
	}
	// YAML: native when a top-level key of the native format is there, or when nothing looks
	// like a key at all (the YAML reader then says what is wrong, with a line).
	if !nativeKeyRE.Match(head) && yamlKeyRE.Match(head) {
		f.format = FormatUnknown
		f.why = "not a recognised format: a native inventory file has top-level keys such as version, source, datasets or models"
	}
	return nil
}

// detectJSON tells the format of a JSON object from its top-level keys. A document too broken
// to read is told by telltale text, so its own reader reports the error with a line.
func detectJSON(head []byte) (format, why string) {
	keys, ok := topLevelKeys(head)
	switch {
	case keys["bomFormat"] || (!ok && bytes.Contains(head, []byte(`"bomFormat"`))):
		return FormatCycloneDX, ""
	case keys["@context"] || keys["@graph"] || (!ok && bytes.Contains(head, []byte("spdx.org/rdf/3"))):
		return FormatSPDX, ""
	case !ok:
		return FormatJSON, "" // the native reader reports the syntax error with its line
	}
	for _, k := range []string{"version", "source", "relationships"} {
		if keys[k] {
			return FormatJSON, ""
		}
	}
	for _, k := range graph.Kinds {
		if keys[k.Section] {
			return FormatJSON, ""
		}
	}
	return FormatUnknown, "not a recognised format: JSON that is neither a native inventory (sections such as datasets, models), a CycloneDX BOM (bomFormat) nor an SPDX 3 document (@context, @graph)"
}

// topLevelKeys reads the keys of a JSON object, skipping their values; ok is false when the
// text breaks off or is not valid JSON before the object ends (a long file's head is fine).
func topLevelKeys(data []byte) (map[string]bool, bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	keys := map[string]bool{}
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return keys, false
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return keys, len(data) >= sniffSize && len(keys) > 0
		}
		k, _ := t.(string)
		keys[k] = true
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return keys, len(data) >= sniffSize && len(keys) > 0
		}
	}
	return keys, true
}

// FileOutcome is what happened to one group of files in ImportEach: native files go together,
// each external document on its own.
type FileOutcome struct {
	Files   []string
	Formats []string
	Summary *graph.ImportSummary // nil when rejected
	Err     error                // *ValidationError when rejected for problems in the input
}

// External reports whether the outcome is an external document's run.
func (o FileOutcome) External() bool { return len(o.Formats) == 1 && external(o.Formats[0]) }

// ImportEach imports native files as one run, as Import does, and each external document (BOM,
// SPDX document, card) as a run of its own, so one broken document does not hold back the
// others and never lands half-written. Errors reaching the store end it early.
func (im *Importer) ImportEach(ctx context.Context, paths []string) ([]FileOutcome, error) {
	in, err := im.resolve(paths)
	if err != nil {
		return nil, err
	}
	if im.Opts.DryRun {
		// A dry run keeps nothing, so a later run could not refer to what an earlier one
		// "wrote": everything is checked and counted as one run instead.
		sum, err := im.importFiles(ctx, in)
		o := FileOutcome{Summary: sum, Err: err}
		for _, f := range in {
			o.Files = append(o.Files, f.path)
			o.Formats = append(o.Formats, f.format)
		}
		if _, invalid := err.(*ValidationError); err != nil && !invalid {
			return nil, err
		}
		return []FileOutcome{o}, nil
	}
	var native []*inputFile
	var groups [][]*inputFile
	for _, f := range in {
		if external(f.format) {
			groups = append(groups, []*inputFile{f})
		} else {
			native = append(native, f)
		}
	}
	// Native files go last: they may name models and datasets the documents describe (by the
	// ids of docs/formats.md), never the other way round.
	if len(native) > 0 {
		groups = append(groups, native)
	}
	var out []FileOutcome
	for _, g := range groups {
		o := FileOutcome{}
		for _, f := range g {
			o.Files = append(o.Files, f.path)
			o.Formats = append(o.Formats, f.format)
		}
		o.Summary, o.Err = im.importFiles(ctx, g)
		if o.Err != nil {
			if _, invalid := o.Err.(*ValidationError); !invalid {
				return out, o.Err // the store or the context: stop here
			}
		}
		out = append(out, o)
	}
	return out, nil
}

// documentSourceFor is the default source of an external document: what it describes, so that
// a re-generated BOM or an edited card replaces its earlier statements under --prune.
func documentSourceFor(f *inputFile, subject string) string {
	if subject != "" {
		return subject
	}
	stem := strings.TrimSuffix(filepath.Base(f.path), filepath.Ext(f.path))
	switch strings.ToLower(stem) {
	case "readme", "bom", "sbom", "aibom", "index", "model", "dataset":
		// A generic file name says nothing; its folder does.
		return filepath.Base(filepath.Dir(f.path))
	}
	return stem
}
