// Package hfcard maps Hugging Face model and dataset cards onto the graph (docs/formats.md has
// the table): a Markdown file whose YAML front matter, between two --- lines at the very top,
// holds the metadata. Each card is self-contained, imported as a run of its own.
package hfcard

import (
	"bytes"
	"io"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/aimsgraph/aimsgraph/graph"
	"github.com/aimsgraph/aimsgraph/importer/record"
)

// Format is the Hugging Face card, registered in importer.Formats.
var Format record.Format = format{}

// Name is the format's name (--format, reports).
const Name = "hf-card"

type format struct{}

func (format) Name() string              { return Name }
func (format) Grouping() record.Grouping { return record.EachDocument }

// notACard is what a Markdown file without card metadata lacks: a folder walk skips it.
var notACard = record.Lacks("a Hugging Face card (Markdown with YAML front matter holding keys such as license, datasets or base_model)")

// Sniff: a Markdown file whose front matter has card keys. Front matter that is not YAML is the
// card reader's to report, with its line; Markdown without card metadata (documentation) is no
// card.
func (format) Sniff(h *record.Head) record.Match {
	if h.Ext() != ".md" {
		return record.No
	}
	fm, _, ok := frontMatter(h.Bytes())
	if !ok {
		if len(h.Bytes()) >= record.SniffSize && bytes.HasPrefix(h.Bytes(), []byte("---")) {
			return record.Maybe // front matter longer than the head: the reader will tell
		}
		return notACard
	}
	docs, err := record.ReadYAML(fm)
	switch {
	case err != nil:
		return record.Maybe
	case len(docs) == 0 || docs[0].Fields == nil || !hasCardKey(docs[0]):
		return notACard
	}
	return record.Yes
}

func (format) Decode(r io.Reader, out *record.Emitter) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	decode(data, out)
	return nil
}

// decode maps one card.
func decode(data []byte, out *record.Emitter) {
	fm, offset, ok := frontMatter(data)
	if !ok {
		out.Problem(1, "", "no YAML front matter: a Hugging Face card starts with a --- line, its YAML metadata and another --- line")
		return
	}
	docs, err := record.ReadYAML(fm)
	if err != nil {
		if pe, ok := err.(*record.ParseError); ok {
			line := pe.Line
			if line > 0 {
				line += offset
			}
			out.Problem(line, "", "front matter: %s", pe.Msg)
		} else {
			out.Problem(1, "", "front matter: %v", err)
		}
		return
	}
	if len(docs) == 0 || docs[0].Fields == nil {
		kind := "empty"
		if len(docs) > 0 {
			kind = docs[0].Shape()
		}
		out.Problem(1+offset, "", "front matter is %s, not a mapping of card metadata (license:, datasets:, base_model: ...)", kind)
		return
	}
	meta := docs[0]
	if !hasCardKey(meta) {
		out.Problem(1+offset, "", "front matter has none of the keys of a Hugging Face card (%s): not a model or dataset card", strings.Join(cardKeys, ", "))
		return
	}
	warnShapes(meta, offset, out)
	line := func(key string) int {
		for _, f := range meta.Fields {
			if f.Key == key {
				return f.Line + offset
			}
		}
		return meta.Line + offset
	}
	b := record.NewBuilder(out)
	repo := cardRepo(out.File(), meta)
	if isDatasetCard(out.File(), meta) {
		id := record.Identity{HFRepo: repo}.ID("ds")
		b.Node(graph.Dataset, id, meta.Line+offset, false, map[string]any{
			"name": record.FirstNonEmpty(meta.Str("pretty_name"), repo), "license": strings.Join(meta.TextItems("license"), " AND "),
			"tags": meta.TextItems("tags"), "language": strings.Join(meta.TextItems("language"), ", "),
			"taskCategories":  strings.Join(meta.TextItems("task_categories"), ", "),
			"sizeCategories":  strings.Join(meta.TextItems("size_categories"), ", "),
			"huggingFaceRepo": repo,
		})
		// source_datasets: "extended|other" says this dataset is derived from another.
		for _, src := range meta.TextItems("source_datasets") {
			if from, ok := strings.CutPrefix(src, "extended|"); ok && from != "" {
				fromID := record.Identity{HFRepo: from}.ID("ds")
				b.Node(graph.Dataset, fromID, line("source_datasets"), true, map[string]any{"name": from})
				b.Rel(graph.Feeds, fromID, id, nil, line("source_datasets"), "source_datasets")
			}
		}
		out.SetDocumentSubject(repo)
		b.Emit()
		return
	}
	id := record.Identity{HFRepo: repo}.ID("mdl")
	name := repo
	if mi, ok := meta.Get("model-index"); ok && len(mi.List) > 0 {
		name = record.FirstNonEmpty(mi.List[0].Str("name"), name)
	}
	b.Node(graph.Model, id, meta.Line+offset, false, map[string]any{
		"name": record.FirstNonEmpty(meta.Str("model_name"), name), "license": strings.Join(meta.TextItems("license"), " AND "),
		"task": meta.Str("pipeline_tag"), "framework": meta.Str("library_name"), "tags": meta.TextItems("tags"),
		"language": strings.Join(meta.TextItems("language"), ", "), "huggingFaceRepo": repo,
	})
	for i, base := range meta.TextItems("base_model") {
		baseID := record.Identity{HFRepo: base}.ID("mdl")
		b.Node(graph.Model, baseID, line("base_model"), true, map[string]any{"name": base, "huggingFaceRepo": base})
		b.Rel(graph.BaseOf, baseID, id, nil, line("base_model"), fieldIndex("base_model", i))
	}
	for i, ds := range meta.TextItems("datasets") {
		dsID := record.Identity{HFRepo: ds}.ID("ds")
		b.Node(graph.Dataset, dsID, line("datasets"), true, map[string]any{"name": ds, "huggingFaceRepo": ds})
		b.Rel(graph.Trains, dsID, id, map[string]any{"purpose": "TRAINING"}, line("datasets"), fieldIndex("datasets", i))
	}
	out.SetDocumentSubject(repo)
	b.Emit()
}

// Card keys aimsgraph reads as a list of text (one text is a list of one) and as one text; a
// value of another shape is left out with a warning (an object where a repository id belongs).
var (
	listKeys = []string{"license", "tags", "datasets", "base_model", "language", "task_categories", "size_categories", "source_datasets"}
	textKeys = []string{"pipeline_tag", "library_name", "model_name", "pretty_name", "repo_id", "model_id", "dataset_id"}
)

func warnShapes(meta record.Value, offset int, out *record.Emitter) {
	for _, f := range meta.Fields {
		switch {
		case slices.Contains(listKeys, f.Key):
			for i, item := range f.Val.Items() {
				if !item.IsScalar && !item.Null {
					out.Warn(item.Line+offset, fieldIndex(f.Key, i), "expected text, got %s: left out", item.Shape())
				}
			}
		case slices.Contains(textKeys, f.Key) && !f.Val.IsScalar && !f.Val.Null:
			out.Warn(f.Line+offset, f.Key, "expected text, got %s: left out", f.Val.Shape())
		}
	}
}

func fieldIndex(key string, i int) string { return key + "[" + strconv.Itoa(i) + "]" }

// frontMatter returns the YAML between the opening and closing --- lines, and how many lines
// precede it (to turn its line numbers into the file's).
func frontMatter(data []byte) ([]byte, int, bool) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
	lines := bytes.SplitAfter(data, []byte("\n"))
	if len(lines) == 0 || strings.TrimSpace(string(lines[0])) != "---" {
		return nil, 0, false
	}
	var fm []byte
	for _, l := range lines[1:] {
		if strings.TrimSpace(string(l)) == "---" {
			return fm, 1, true
		}
		fm = append(fm, l...)
	}
	return nil, 0, false
}

var hfCacheRE = regexp.MustCompile(`(?:^|/)(?:models|datasets)--([^/]+?)--([^/]+)(?:/|$)`)

// cardRepo names the repository a card describes: the front matter's repo_id (an aimsgraph
// convention), the Hugging Face cache folder (models--org--name), or the folder of a README.md
// (the file name of another .md).
func cardRepo(file string, meta record.Value) string {
	if r := record.FirstNonEmpty(meta.Str("repo_id"), meta.Str("model_id"), meta.Str("dataset_id")); r != "" {
		return r
	}
	slashed := filepath.ToSlash(file)
	if m := hfCacheRE.FindStringSubmatch(slashed); m != nil {
		return m[1] + "/" + m[2]
	}
	return record.DocumentSource(file, "")
}

// cardKeys are metadata keys of model and dataset cards; front matter with none of them (a
// documentation page's) is not a card.
var cardKeys = []string{"license", "tags", "datasets", "base_model", "pipeline_tag", "library_name", "language",
	"model-index", "model_name", "task_categories", "pretty_name", "size_categories", "repo_id"}

func hasCardKey(meta record.Value) bool {
	for _, k := range cardKeys {
		if _, ok := meta.Get(k); ok {
			return true
		}
	}
	return false
}

// isDatasetCard tells a dataset card from a model card by its metadata keys.
func isDatasetCard(file string, meta record.Value) bool {
	for _, k := range []string{"base_model", "pipeline_tag", "library_name", "model-index", "model_name"} {
		if _, ok := meta.Get(k); ok {
			return false
		}
	}
	for _, k := range []string{"task_categories", "size_categories", "annotations_creators", "language_creators", "source_datasets", "multilinguality", "dataset_info", "configs", "pretty_name", "dataset_id"} {
		if _, ok := meta.Get(k); ok {
			return true
		}
	}
	return strings.Contains(filepath.ToSlash(file), "/datasets/") || strings.Contains(filepath.ToSlash(file), "datasets--")
}
