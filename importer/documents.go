package importer

import (
	"net/url"
	"regexp"
	"strings"

	"github.com/aimsgraph/aimsgraph/graph"
)

// External documents (CycloneDX, SPDX 3, cards) are mapped to records through a docBuilder:
// it merges what one document says about a node in several places, so a dataset named by a
// model card and described in a component is one record, and emits nodes before relationships.

type docBuilder struct {
	d     *decoder
	nodes map[string]*graph.NodeRecord
	order []string
	rels  []builtRel
}

type builtRel struct {
	rec   graph.RelRecord
	field string
}

func newDocBuilder(d *decoder) *docBuilder {
	return &docBuilder{d: d, nodes: map[string]*graph.NodeRecord{}}
}

// node records a node described (stub=false) or only named (stub=true) by the document. Props
// with empty values are left out; a description wins over a naming, and later values over
// earlier ones.
func (b *docBuilder) node(kind graph.Kind, id string, line int, stub bool, props map[string]any) {
	clean := map[string]any{}
	for k, v := range props {
		switch x := v.(type) {
		case string:
			if strings.TrimSpace(x) == "" {
				continue
			}
		case []string:
			if len(x) == 0 {
				continue
			}
		case nil:
			continue
		}
		clean[k] = v
	}
	n := b.nodes[id]
	if n == nil {
		n = &graph.NodeRecord{ID: id, Kind: kind, Props: map[string]any{}, Line: line, Stub: stub}
		b.nodes[id] = n
		b.order = append(b.order, id)
	}
	if n.Kind != kind {
		b.d.problem(line, "id", "%q is a %s here but a %s earlier in this document", id, kind, n.Kind)
		return
	}
	if !stub && n.Stub {
		n.Stub, n.Line = false, line
	}
	for k, v := range clean {
		if _, had := n.Props[k]; !had || !stub {
			n.Props[k] = v
		}
	}
	if _, ok := n.Props["name"]; !ok {
		n.Props["name"] = id
	}
}

// flag adds a risk category to a node's flags.
func (b *docBuilder) flag(id, category string) {
	n := b.nodes[id]
	if n == nil {
		return
	}
	flags := graph.TextList(n.Props["flags"])
	for _, f := range flags {
		if f == category {
			return
		}
	}
	n.Props["flags"] = append(append([]string{}, flags...), category)
}

// rel records a relationship; field says where the document stated it, for messages.
func (b *docBuilder) rel(t graph.RelType, from, to string, props map[string]any, line int, field string) {
	if props == nil {
		props = map[string]any{}
	}
	b.rels = append(b.rels, builtRel{graph.RelRecord{Type: t, From: from, To: to, Props: props, Line: line}, field})
}

// emit hands the records to the decoder, nodes first, with the document's source and file.
func (b *docBuilder) emit() {
	for _, id := range b.order {
		n := b.nodes[id]
		n.Source, n.File = b.d.source, b.d.file
		b.d.node(*n)
	}
	for _, r := range b.rels {
		info, _ := graph.RelOf(r.rec.Type)
		b.d.emitRel(info, r.rec.From, r.rec.To, r.rec.Props, r.rec.Line, r.field)
	}
}

// Identity across formats (docs/formats.md): a model or dataset published on Hugging Face is
// named by its repository id, whichever document describes it, so a CycloneDX BOM, an SPDX
// document and a model card of the same model meet in one node.
//
//	Hugging Face repo id      mdl:hf:<org>/<name>    ds:hf:<name or org/name>   (lower case)
//	other package URL         mdl:purl:<type>/<namespace>/<name>   (no version, no qualifiers)
//	otherwise                 mdl:<name>[@<version>]                 (lower case)

var slugRE = regexp.MustCompile(`[^a-z0-9._/@+-]+`)

// slug lower-cases s and turns runs of other characters into single dashes.
func slug(s string) string {
	return strings.Trim(slugRE.ReplaceAllString(strings.ToLower(strings.TrimSpace(s)), "-"), "-")
}

// hfRepo returns the repository id of a Hugging Face URL (https://huggingface.co/org/name,
// .../datasets/name), and whether the URL names a dataset.
func hfRepo(raw string) (repo string, dataset bool, ok bool) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || !strings.HasSuffix(strings.ToLower(u.Host), "huggingface.co") {
		return "", false, false
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(parts) > 0 && parts[0] == "datasets" {
		dataset, parts = true, parts[1:]
	}
	switch {
	case len(parts) >= 2 && parts[1] != "blob" && parts[1] != "resolve" && parts[1] != "tree":
		return parts[0] + "/" + parts[1], dataset, true
	case len(parts) >= 1 && parts[0] != "":
		return parts[0], dataset, true
	}
	return "", false, false
}

// purlIdentity parses a package URL: pkg:type/namespace/name@version?qualifiers#subpath.
// It returns the Hugging Face repo id for pkg:huggingface, else type/namespace/name.
func purlIdentity(purl string) (key string, hf bool, ok bool) {
	rest, found := strings.CutPrefix(strings.TrimSpace(purl), "pkg:")
	if !found || rest == "" {
		return "", false, false
	}
	if i := strings.IndexAny(rest, "?#"); i >= 0 {
		rest = rest[:i]
	}
	if i := strings.LastIndex(rest, "@"); i >= 0 {
		rest = rest[:i]
	}
	typ, path, _ := strings.Cut(rest, "/")
	if path == "" {
		return "", false, false
	}
	if unescaped, err := url.PathUnescape(path); err == nil {
		path = unescaped
	}
	if strings.EqualFold(typ, "huggingface") {
		return path, true, true
	}
	return strings.ToLower(typ) + "/" + path, false, true
}

// identity names a model ("mdl") or dataset ("ds") from what a document knows about it.
type identity struct {
	purl, hfRepo, name, version string
	urls                        []string
}

func (i identity) id(prefix string) string {
	if i.hfRepo != "" {
		return prefix + ":hf:" + slug(i.hfRepo)
	}
	if key, hf, ok := purlIdentity(i.purl); ok {
		if hf {
			return prefix + ":hf:" + slug(key)
		}
		return prefix + ":purl:" + slug(key)
	}
	for _, u := range i.urls {
		if repo, _, ok := hfRepo(u); ok {
			return prefix + ":hf:" + slug(repo)
		}
	}
	id := prefix + ":" + slug(i.name)
	if i.version != "" {
		id += "@" + slug(i.version)
	}
	return id
}
