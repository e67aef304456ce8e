package importer

import (
	"bytes"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/aimsgraph/aimsgraph/graph"
)

// card maps a Hugging Face model or dataset card: a README.md whose YAML front matter, between
// two --- lines at the very top, holds the metadata (docs/formats.md).
func (d *decoder) card(data []byte) {
	fm, offset, ok := frontMatter(data)
	if !ok {
		d.problem(1, "", "no YAML front matter: a Hugging Face card starts with a --- line, its YAML metadata and another --- line")
		return
	}
	docs, err := readYAML(fm)
	if err != nil {
		if pe, ok := err.(*parseError); ok {
			line := pe.line
			if line > 0 {
				line += offset
			}
			d.problem(line, "", "front matter: %s", pe.msg)
		} else {
			d.problem(1, "", "front matter: %v", err)
		}
		return
	}
	if len(docs) == 0 || docs[0].fields == nil {
		kind := "empty"
		if len(docs) > 0 {
			kind = docs[0].kind()
		}
		d.problem(1+offset, "", "front matter is %s, not a mapping of card metadata (license:, datasets:, base_model: ...)", kind)
		return
	}
	meta := docs[0]
	if !hasCardKey(meta) {
		d.problem(1+offset, "", "front matter has none of the keys of a Hugging Face card (%s): not a model or dataset card", strings.Join(cardKeys, ", "))
		return
	}
	line := func(key string) int {
		for _, f := range meta.fields {
			if f.key == key {
				return f.line + offset
			}
		}
		return meta.line + offset
	}
	b := newDocBuilder(d)
	repo := cardRepo(d.file, meta)
	if isDatasetCard(d.file, meta) {
		id := identity{hfRepo: repo}.id("ds")
		b.node(graph.Dataset, id, meta.line+offset, false, map[string]any{
			"name": firstNonEmpty(meta.str("pretty_name"), repo), "license": strings.Join(textItems(meta, "license"), " AND "),
			"tags": textItems(meta, "tags"), "language": strings.Join(textItems(meta, "language"), ", "),
			"taskCategories":  strings.Join(textItems(meta, "task_categories"), ", "),
			"sizeCategories":  strings.Join(textItems(meta, "size_categories"), ", "),
			"huggingFaceRepo": repo,
		})
		// source_datasets: "extended|other" says this dataset is derived from another.
		for _, src := range textItems(meta, "source_datasets") {
			if from, ok := strings.CutPrefix(src, "extended|"); ok && from != "" {
				fromID := identity{hfRepo: from}.id("ds")
				b.node(graph.Dataset, fromID, line("source_datasets"), true, map[string]any{"name": from})
				b.rel(graph.Feeds, fromID, id, nil, line("source_datasets"), "source_datasets")
			}
		}
		d.setSource(repo)
		b.emit()
		return
	}
	id := identity{hfRepo: repo}.id("mdl")
	name := repo
	if mi, ok := meta.get("model-index"); ok && len(mi.list) > 0 {
		name = firstNonEmpty(mi.list[0].str("name"), name)
	}
	b.node(graph.Model, id, meta.line+offset, false, map[string]any{
		"name": firstNonEmpty(meta.str("model_name"), name), "license": strings.Join(textItems(meta, "license"), " AND "),
		"task": meta.str("pipeline_tag"), "framework": meta.str("library_name"), "tags": textItems(meta, "tags"),
		"language": strings.Join(textItems(meta, "language"), ", "), "huggingFaceRepo": repo,
	})
	for i, base := range textItems(meta, "base_model") {
		baseID := identity{hfRepo: base}.id("mdl")
		b.node(graph.Model, baseID, line("base_model"), true, map[string]any{"name": base, "huggingFaceRepo": base})
		b.rel(graph.BaseOf, baseID, id, nil, line("base_model"), fieldIndex("base_model", i))
	}
	for i, ds := range textItems(meta, "datasets") {
		dsID := identity{hfRepo: ds}.id("ds")
		b.node(graph.Dataset, dsID, line("datasets"), true, map[string]any{"name": ds, "huggingFaceRepo": ds})
		b.rel(graph.Trains, dsID, id, map[string]any{"purpose": "TRAINING"}, line("datasets"), fieldIndex("datasets", i))
	}
	d.setSource(repo)
	b.emit()
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

// textItems returns a key's value as text items: a list's scalars or a lone scalar.
func textItems(v value, key string) []string {
	f, ok := v.get(key)
	if !ok {
		return nil
	}
	var out []string
	for _, e := range f.items() {
		if e.isScal && strings.TrimSpace(e.scalar) != "" {
			out = append(out, strings.TrimSpace(e.scalar))
		}
	}
	return out
}

var hfCacheRE = regexp.MustCompile(`(?:^|/)(?:models|datasets)--([^/]+?)--([^/]+)(?:/|$)`)

// cardRepo names the repository a card describes: the front matter's repo_id (an aimsgraph
// convention), the Hugging Face cache folder (models--org--name), or the folder of a README.md
// (the file name of another .md).
func cardRepo(file string, meta value) string {
	if r := firstNonEmpty(meta.str("repo_id"), meta.str("model_id"), meta.str("dataset_id")); r != "" {
		return r
	}
	slashed := filepath.ToSlash(file)
	if m := hfCacheRE.FindStringSubmatch(slashed); m != nil {
		return m[1] + "/" + m[2]
	}
	return documentSourceFor(&inputFile{path: file}, "")
}

// cardKeys are metadata keys of model and dataset cards; front matter with none of them (a
// documentation page's) is not a card.
var cardKeys = []string{"license", "tags", "datasets", "base_model", "pipeline_tag", "library_name", "language",
	"model-index", "model_name", "task_categories", "pretty_name", "size_categories", "repo_id"}

func hasCardKey(meta value) bool {
	for _, k := range cardKeys {
		if _, ok := meta.get(k); ok {
			return true
		}
	}
	return false
}

// isDatasetCard tells a dataset card from a model card by its metadata keys.
func isDatasetCard(file string, meta value) bool {
	for _, k := range []string{"base_model", "pipeline_tag", "library_name", "model-index", "model_name"} {
		if _, ok := meta.get(k); ok {
			return false
		}
	}
	for _, k := range []string{"task_categories", "size_categories", "annotations_creators", "language_creators", "source_datasets", "multilinguality", "dataset_info", "configs", "pretty_name", "dataset_id"} {
		if _, ok := meta.get(k); ok {
			return true
		}
	}
	return strings.Contains(filepath.ToSlash(file), "/datasets/") || strings.Contains(filepath.ToSlash(file), "datasets--")
}
