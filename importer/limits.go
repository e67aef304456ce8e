package importer

import (
	"fmt"
	"sort"

	"github.com/aimsgraph/aimsgraph/graph"
)

// DefaultMaxValueBytes caps one property value. An inventory describes things, it does not carry
// them: a 100 MB value is a mistake (a file pasted into a field), and the embedded store would
// hold it in memory on every start, Neo4j in every answer that names the node.
const DefaultMaxValueBytes = 64 << 10

func (im *Importer) maxValueBytes() int {
	if im.Opts.MaxValueBytes == 0 {
		return DefaultMaxValueBytes
	}
	return im.Opts.MaxValueBytes
}

// capValues wraps a decoder's record callbacks so that every id and property value over the cap
// is a problem at its record's file:line. The record still goes on, so the rest of the file is
// checked; the run writes nothing, having a problem.
func (im *Importer) capValues(probs *problems, onNode func(graph.NodeRecord), onRel func(graph.RelRecord, string)) (func(graph.NodeRecord), func(graph.RelRecord, string)) {
	limit := im.maxValueBytes()
	if limit < 0 {
		return onNode, onRel
	}
	check := func(file string, line int, what string, props map[string]any, ids ...string) {
		for _, id := range ids {
			if len(id) > limit {
				probs.add(file, line, "id", "an id of %d bytes is over the %d-byte cap on one value (--max-value-bytes)", len(id), limit)
			}
		}
		keys := make([]string, 0, len(props))
		for k := range props {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if n := valueSize(props[k]); n > limit {
				probs.add(file, line, k, "%s value of %d bytes is over the %d-byte cap on one value (--max-value-bytes)", what, n, limit)
			}
		}
	}
	return func(n graph.NodeRecord) {
			check(n.File, n.Line, fmt.Sprintf("%s %q:", n.Kind, n.ID), n.Props, n.ID)
			onNode(n)
		}, func(r graph.RelRecord, field string) {
			check(r.File, r.Line, string(r.Type), r.Props, r.From, r.To)
			onRel(r, field)
		}
}

// valueSize is the bytes of text a property value holds.
func valueSize(v any) int {
	switch x := v.(type) {
	case string:
		return len(x)
	case []string:
		n := 0
		for _, s := range x {
			n += len(s)
		}
		return n
	}
	return 0
}
