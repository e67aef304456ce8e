package record

import (
	"slices"
	"strings"

	"github.com/aimsgraph/aimsgraph/graph"
)

// Builder assembles the records of one self-contained document (a BOM, an SPDX document, a
// card): it merges what the document says about a node in several places, so a dataset named by
// a model card and described in a component is one record, and emits nodes before relationships.
type Builder struct {
	out     *Emitter
	nodes   map[string]*graph.NodeRecord
	order   []string
	rels    []builtRel
	relSeen map[string]bool // a relationship stated twice is one fact
}

type builtRel struct {
	rec   graph.RelRecord
	field string
}

// NewBuilder returns a builder that emits to out.
func NewBuilder(out *Emitter) *Builder {
	return &Builder{out: out, nodes: map[string]*graph.NodeRecord{}, relSeen: map[string]bool{}}
}

// Node records a node described (stub=false) or only named (stub=true) by the document. Props
// with empty values are left out; a description wins over a naming, and later values over
// earlier ones.
func (b *Builder) Node(kind graph.Kind, id string, line int, stub bool, props map[string]any) {
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
		b.out.Problem(line, "id", "%q is a %s here but a %s earlier in this document", id, kind, n.Kind)
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

// SameAs records other ids that name node id (docs/formats.md, "sameAs"): an OpenLineage
// dataset's symlinks.
func (b *Builder) SameAs(id string, aliases ...string) {
	n := b.nodes[id]
	if n == nil {
		return
	}
	for _, a := range aliases {
		if a != id && !slices.Contains(n.SameAs, a) {
			n.SameAs = append(n.SameAs, a)
		}
	}
}

// Flag adds a risk category to a node's flags.
func (b *Builder) Flag(id, category string) {
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

// Rel records a relationship; field says where the document stated it, for messages.
func (b *Builder) Rel(t graph.RelType, from, to string, props map[string]any, line int, field string) {
	if props == nil {
		props = map[string]any{}
	}
	r := graph.RelRecord{Type: t, From: from, To: to, Props: props, Line: line}
	key := from + "\x00" + string(t) + "\x00" + to + "\x00" + r.KeyValue()
	if b.relSeen[key] {
		return
	}
	b.relSeen[key] = true
	b.rels = append(b.rels, builtRel{r, field})
}

// Emit hands the records to the emitter, nodes first.
func (b *Builder) Emit() {
	for _, id := range b.order {
		b.out.Node(*b.nodes[id])
	}
	for _, r := range b.rels {
		info, _ := graph.RelOf(r.rec.Type)
		b.out.Rel(info, r.rec.From, r.rec.To, r.rec.Props, r.rec.Line, r.field)
	}
}
