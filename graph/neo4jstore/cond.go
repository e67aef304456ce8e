package neo4jstore

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/aimsgraph/aimsgraph/graph"
)

// compiler turns a graph.Cond into a Cypher predicate: the derived notions are defined once, in
// package graph, and this is their only Cypher form. Values always go in as parameters;
// property names and relationship types come from code and the fixed tables, and are checked
// anyway before they reach the query text.
type compiler struct {
	params map[string]any
	prefix string // parameter name prefix, so several compiled conditions share one map
	n      int    // parameters and variables used so far
	inline bool   // write values into the text (fixed definitions' constants only, see helpers.go)
}

func newCompiler(params map[string]any, prefix string) *compiler {
	return &compiler{params: params, prefix: prefix}
}

func (c *compiler) param(v any) string {
	if c.inline {
		return cypherLiteral(v)
	}
	name := fmt.Sprintf("%s%d", c.prefix, c.n)
	c.n++
	c.params[name] = v
	return "$" + name
}

var identRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)

// prop renders v.name, refusing names that are not plain identifiers.
func prop(v, name string) string {
	if !identRE.MatchString(name) {
		panic(fmt.Sprintf("neo4jstore: property name %q in a condition", name))
	}
	return v + "." + name
}

// leaf makes a leaf false rather than null when its property is absent, as graph.Cond says.
func leaf(s string) string { return "coalesce(" + s + ", false)" }

// compile renders cond on the node variable v.
func (c *compiler) compile(cond graph.Cond, v string) string {
	join := func(sep string) string {
		parts := make([]string, len(cond.Kids()))
		for i, k := range cond.Kids() {
			parts[i] = c.compile(k, v)
		}
		if len(parts) == 0 {
			return map[string]string{" AND ": "true", " OR ": "false"}[sep]
		}
		return "(" + strings.Join(parts, sep) + ")"
	}
	switch cond.Op() {
	case graph.OpTrue:
		return "true"
	case graph.OpAll:
		return join(" AND ")
	case graph.OpAny:
		return join(" OR ")
	case graph.OpNot:
		return "NOT " + c.compile(cond.Kids()[0], v)
	case graph.OpKind:
		kinds := make([]string, len(cond.Kinds()))
		for i, k := range cond.Kinds() {
			kinds[i] = string(k)
		}
		// Wrapped as every leaf, on purpose: bare, inside EXISTS { MATCH (m)-[..]->(n) } the
		// planner seeks every node of the kind for each n instead of expanding from n (measured:
		// 360 million index rows for one gap rule at 100k relationships, against a few thousand).
		return leaf(v + ".kind IN " + c.param(kinds))
	case graph.OpID:
		// Every node has an id, so this test is never null: bare, the planner seeks the id
		// index with it (a search by ids, an exposure's flagged among what it reached).
		return v + ".id IN " + c.param(cond.Values())
	case graph.OpEquals:
		return leaf(prop(v, cond.Prop()) + " IN " + c.param(cond.Values()))
	case graph.OpHasAny:
		return leaf("any(x IN coalesce(" + prop(v, cond.Prop()) + ", []) WHERE x IN " + c.param(cond.Values()) + ")")
	case graph.OpSet:
		p := prop(v, cond.Prop())
		return leaf("CASE WHEN " + p + " IS :: STRING THEN trim(" + p + ") <> '' WHEN " + p + " IS :: LIST<ANY> THEN size(" + p + ") > 0 ELSE " + p + " IS NOT NULL END")
	case graph.OpText:
		if cond.Text() == "" {
			return "true"
		}
		t := c.param(cond.Text())
		return leaf("(toLower(" + v + ".id) CONTAINS " + t + " OR toLower(coalesce(" + v + ".name, '')) CONTAINS " + t +
			" OR toLower(coalesce(" + v + ".description, '')) CONTAINS " + t + ")")
	case graph.OpBefore:
		// ISO 8601 dates and date-times compare as text on their first ten characters.
		return leaf("left(" + prop(v, cond.Prop()) + ", 10) < " + c.param(cond.Text()))
	case graph.OpEdge:
		info, ok := graph.RelOf(cond.Rel())
		if !ok {
			panic(fmt.Sprintf("neo4jstore: relationship type %q in a condition", cond.Rel()))
		}
		m := fmt.Sprintf("m%s%d", c.prefix, c.n)
		e := fmt.Sprintf("e%s%d", c.prefix, c.n)
		c.n++
		pattern := "(" + m + ":Node)-[" + e + ":" + string(info.Type) + "]->(" + v + ")"
		if cond.Dir() == graph.Out {
			pattern = "(" + v + ")-[" + e + ":" + string(info.Type) + "]->(" + m + ":Node)"
		}
		where := c.compile(cond.Kids()[0], m)
		if edge, ok := cond.Edge(); ok {
			where = c.compile(edge, e) + " AND " + where
		}
		return "EXISTS { MATCH " + pattern + " WHERE " + where + " }"
	}
	panic(fmt.Sprintf("neo4jstore: condition operator %d", cond.Op()))
}

// selectNodes renders the MATCH ... WHERE that binds n to the nodes filter f selects, with its
// parameters: candidates says where to look, the WHERE is the filter's condition. Ids the MATCH
// seeks are not tested again: with `n.id IN $ids` beside the seek of one id, Neo4j 5.26 at times
// planned a scan of the whole id index instead (the downstream impact of one dataset at 1M
// relationships: 8 ms planned one way, 110 ms the other).
func selectNodes(f graph.NodeFilter, params map[string]any) string {
	match := candidates(f, params)
	rest := f
	rest.IDs = nil // the MATCH selects exactly these
	return match + " WHERE " + newCompiler(params, "f").compile(rest.Cond(), "n")
}
