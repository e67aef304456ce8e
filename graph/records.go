package graph

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"sort"
	"strings"
)

// NodeRecord is a node as one source states it, ready to write. Props holds the node's domain
// properties (name, description, tags, flags, the kind's own properties and any unknown keys,
// which are kept as strings), typed as the table says: string, bool, int64 or []string.
type NodeRecord struct {
	ID     string
	Kind   Kind
	Props  map[string]any
	Source string
	File   string
	Line   int
	// SameAs lists other ids naming the same thing (docs/formats.md): an OpenLineage dataset, a Hugging
	// Face repo. The graph keeps one node, under ID, that any of them finds.
	SameAs []string
	// Stub marks a node the source only names, as the end of a relationship (a card's
	// base_model, a BOM's supplier): it is created with Props when absent, and otherwise left
	// as other sources describe it, with this source added to its stamps.
	Stub bool
	// Part marks a record that states part of a node: the importer merges the parts of one id
	// that a run holds into one record before writing (list properties joined, any other
	// property the later part's), so a register kept as several tables (CISO Assistant's third
	// parties: entities, solutions, contracts) describes one node. A merged record without a
	// name is named by its id. Stores never see it set.
	Part bool
}

// RelRecord is a relationship as one source states it.
type RelRecord struct {
	Type     RelType
	From, To string
	Props    map[string]any
	Source   string
	File     string
	Line     int
}

// KeyValue returns the value of the relationship's identifying property (see RelInfo.Key), or "".
func (r *RelRecord) KeyValue() string {
	info, ok := RelOf(r.Type)
	if !ok || info.Key == "" {
		return ""
	}
	v, _ := r.Props[info.Key].(string)
	return v
}

// ContentHash fingerprints domain properties, so a store can tell "updated" from "unchanged"
// without comparing property by property. Provenance is not part of it: seeing the same fact
// again, from another file or run, does not change the fact.
func ContentHash(props map[string]any) string {
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	h := sha256.New()
	enc := json.NewEncoder(h)
	for _, k := range keys {
		_ = enc.Encode(k)
		_ = enc.Encode(props[k])
	}
	return hex.EncodeToString(h.Sum(nil)[:12])
}

// Provenance says where a node or relationship came from: the sources that state it, the first
// and last import runs that saw it, and the file and line of the latest statement.
type Provenance struct {
	Sources  []string
	FirstRun string
	LastRun  string
	File     string
	Line     int
}

// Node is a node as stored.
type Node struct {
	ID         string
	Kind       Kind
	Props      map[string]any
	Provenance Provenance
}

// Relationship is a relationship as stored.
type Relationship struct {
	Type       RelType
	From, To   string
	Props      map[string]any
	Provenance Provenance
}

// Key identifies the relationship: endpoints, type and identifying property.
func (r *Relationship) Key() string { return LinkOf(r).Key() }

// Link is a relationship reduced to what a traversal needs to walk it: its ends, type and
// identifying property (RelInfo.Key). A walk moves along links and asks for the full
// relationships, with their properties and provenance, only for the edges it answers with.
type Link struct {
	From, To string
	Type     RelType
	KeyValue string
}

// Key identifies the relationship the link stands for, as Relationship.Key does.
func (l Link) Key() string {
	return l.From + "\x00" + string(l.Type) + "\x00" + l.To + "\x00" + l.KeyValue
}

// LinkOf reduces a relationship to its link.
func LinkOf(r *Relationship) Link {
	k := ""
	if info, ok := RelOf(r.Type); ok && info.Key != "" {
		k, _ = r.Props[info.Key].(string)
	}
	return Link{From: r.From, To: r.To, Type: r.Type, KeyValue: k}
}

// SortRelationships orders relationships by Key, computing each key once (a key is built by
// concatenation, too dear to rebuild on every comparison of a large sort).
func SortRelationships(rels []*Relationship) {
	keys := make(map[*Relationship]string, len(rels))
	for _, r := range rels {
		keys[r] = r.Key()
	}
	slices.SortStableFunc(rels, func(a, b *Relationship) int { return strings.Compare(keys[a], keys[b]) })
}

// TextList returns a list property's text items, whether stored as []string or []any.
func TextList(v any) []string {
	switch x := v.(type) {
	case []string:
		return x
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// SeenStamp is how a store records "source S stated this in run R". Sources never contain the
// separator (the importer rejects control characters in source names).
func SeenStamp(source, run string) string { return source + seenSep + run }

// SeenPrefix is the prefix shared by every stamp of a source.
func SeenPrefix(source string) string { return source + seenSep }

const seenSep = "\x1f"

// SourcesOf returns the distinct sources named by a list of stamps, sorted.
func SourcesOf(stamps []string) []string {
	var out []string
	for _, s := range stamps {
		if i := strings.Index(s, seenSep); i >= 0 {
			out = append(out, s[:i])
		}
	}
	sort.Strings(out)
	return out
}
