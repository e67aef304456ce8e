package importer

import (
	"context"

	"github.com/aimsgraph/aimsgraph/graph"
)

// sameAs in an import (docs/formats.md, "sameAs"): the ids a record lists as its other names
// are checked against the import and the graph, and every record and reference naming an alias
// is written under the id of the node it names, so the graph keeps one node.

// aliasInfo is where an alias was declared, and for which record.
type aliasInfo struct {
	of   string
	file string
	line int
}

// noteAliases learns the aliases a record declares.
func (p *plan) noteAliases(n graph.NodeRecord, probs *problems) {
	for _, a := range n.SameAs {
		if prev, ok := p.aliases[a]; ok && prev.of != n.ID {
			probs.add(n.File, n.Line, "sameAs", "%q is already another name of %q (%s:%d); an id names one node", a, prev.of, prev.file, prev.line)
			continue
		}
		p.aliases[a] = aliasInfo{of: n.ID, file: n.File, line: n.Line}
	}
}

// canonical returns the id a record or reference of this import is written under: the node an
// alias names, else the id itself.
func (p *plan) canonical(id string) string {
	if c, ok := p.canon[id]; ok {
		return c
	}
	return id
}

// checkIdentities checks the import's ids and aliases against each other and against the graph,
// and learns which ids are written under another (p.canon):
//   - an alias may not be a record of its own in the same import;
//   - a record whose id is an alias in the graph is the node that alias names (an OpenLineage
//     event naming a dataset the register declared sameAs), which must be of its kind;
//   - an alias already naming another node in the graph cannot name this one; one that is a node
//     of its own in the graph must be of the record's kind (the store merges it).
func (im *Importer) checkIdentities(ctx context.Context, p *plan, probs *problems) error {
	for a, info := range p.aliases {
		if own, ok := p.ids[a]; ok {
			probs.add(info.file, info.line, "sameAs", "%q is also a record of its own at %s:%d; an id names one node", a, own.file, own.line)
		}
	}
	if im.Store == nil {
		for a, info := range p.aliases {
			p.canon[a] = info.of
		}
		return nil
	}
	ids := make([]string, 0, len(p.ids)+len(p.aliases))
	for id := range p.ids {
		ids = append(ids, id)
	}
	for a := range p.aliases {
		ids = append(ids, a)
	}
	found := map[string]graph.Identity{}
	for start := 0; start < len(ids); start += im.batchSize() {
		batch, err := im.Store.Identify(ctx, ids[start:min(start+im.batchSize(), len(ids))])
		if err != nil {
			return err
		}
		for id, who := range batch {
			found[id] = who
		}
	}
	for id, info := range p.ids {
		who, ok := found[id]
		switch {
		case !ok:
		case who.Kind != info.kind && who.ID == id:
			probs.add(info.file, info.line, "id", "%q is a %s in the graph; an id names one node, so it cannot become a %s", id, who.Kind, info.kind)
		case who.Kind != info.kind:
			probs.add(info.file, info.line, "id", "%q is another name of the %s %q in the graph; it cannot be a %s", id, who.Kind, who.ID, info.kind)
		case who.ID != id:
			p.canon[id] = who.ID
		}
	}
	for a, info := range p.aliases {
		of := p.canonical(info.of)
		kind := p.ids[info.of].kind
		who, ok := found[a]
		switch {
		case !ok:
		case who.ID != a && who.ID != of:
			probs.add(info.file, info.line, "sameAs", "%q is already another name of %q in the graph; an id names one node", a, who.ID)
			continue
		case who.ID == a && who.Kind != kind:
			probs.add(info.file, info.line, "sameAs", "%q is a %s in the graph; it cannot be another name of a %s", a, who.Kind, kind)
			continue
		}
		p.canon[a] = of
	}
	return nil
}
