package graph

import (
	"slices"
	"strings"
)

// Derived notions (third-party, flagged-for, the gap rules of the governance analytics) are
// written once, as data: a Cond. Go code evaluates a Cond over any NodeView (the embedded
// store's records, the nodes an as-of walk loaded, the API's nodes), and the Neo4j store
// compiles the same Cond to a Cypher predicate. One definition, so no store and no resolver can
// drift from another (docs/domain.md).

// Cond is a condition on a node. Build it with the constructors below; the zero Cond is true.
type Cond struct {
	op     CondOp
	kids   []Cond
	kinds  []Kind
	prop   string
	values []any
	text   string
	rel    RelType
}

// CondOp is the operator at the root of a Cond.
type CondOp int

// The operators a Cond is made of. Each leaf is false, never unknown, when its property is
// absent: the Cypher compiler wraps leaves in coalesce(..., false) to match.
const (
	OpTrue     CondOp = iota
	OpAll             // every kid
	OpAny             // some kid
	OpNot             // not the only kid
	OpKind            // the node is of one of kinds
	OpID              // the node's id is one of values
	OpEquals          // property prop equals one of values
	OpHasAny          // list property prop holds one of values
	OpSet             // property prop is present and not empty
	OpText            // id, name or description contains text, case-insensitively
	OpIncoming        // some relationship of type rel points at the node from a node satisfying kids[0]
)

// True is the condition every node satisfies.
var True = Cond{}

// All holds when every c holds.
func All(cs ...Cond) Cond { return Cond{op: OpAll, kids: cs} }

// AnyOf holds when some c holds.
func AnyOf(cs ...Cond) Cond { return Cond{op: OpAny, kids: cs} }

// Not holds when c does not.
func Not(c Cond) Cond { return Cond{op: OpNot, kids: []Cond{c}} }

// KindIn holds for nodes of one of kinds.
func KindIn(kinds ...Kind) Cond { return Cond{op: OpKind, kinds: kinds} }

// IDIn holds for nodes whose id is one of ids.
func IDIn(ids ...string) Cond { return Cond{op: OpID, values: anys(ids)} }

// Equals holds when property prop equals one of values (text, bool or int64, as stored).
func Equals(prop string, values ...any) Cond { return Cond{op: OpEquals, prop: prop, values: values} }

// HasAny holds when list property prop holds one of values.
func HasAny(prop string, values ...string) Cond {
	return Cond{op: OpHasAny, prop: prop, values: anys(values)}
}

// IsSet holds when property prop is present and not empty text or an empty list.
func IsSet(prop string) Cond { return Cond{op: OpSet, prop: prop} }

// TextContains holds when the id, name or description contains text, ignoring case.
func TextContains(text string) Cond {
	return Cond{op: OpText, text: strings.ToLower(strings.TrimSpace(text))}
}

// Incoming holds when a relationship of type rel points at the node from a node satisfying from.
func Incoming(rel RelType, from Cond) Cond {
	return Cond{op: OpIncoming, rel: rel, kids: []Cond{from}}
}

func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// Op, Kids, Kinds, Prop, Values, Text and Rel expose a Cond's parts to compilers.
func (c Cond) Op() CondOp     { return c.op }
func (c Cond) Kids() []Cond   { return c.kids }
func (c Cond) Kinds() []Kind  { return c.kinds }
func (c Cond) Prop() string   { return c.prop }
func (c Cond) Values() []any  { return c.values }
func (c Cond) Text() string   { return c.text }
func (c Cond) Rel() RelType   { return c.rel }
func (c Cond) IsTrue() bool   { return c.op == OpTrue }
func (c Cond) String() string { return condString(c) }

// IncomingTypes lists the relationship types a Cond looks at: what an evaluator must load
// besides the node itself.
func (c Cond) IncomingTypes() []RelType {
	var out []RelType
	var walk func(Cond)
	walk = func(c Cond) {
		if c.op == OpIncoming && !slices.Contains(out, c.rel) {
			out = append(out, c.rel)
		}
		for _, k := range c.kids {
			walk(k)
		}
	}
	walk(c)
	return out
}

// NodeView is what evaluating a Cond needs to see of a node.
type NodeView interface {
	NodeID() string
	NodeKind() Kind
	Prop(name string) any
	// In calls visit with the node at the far end of each incoming relationship of type t,
	// until visit returns false.
	In(t RelType, visit func(from NodeView) bool)
}

// Match evaluates c on n.
func (c Cond) Match(n NodeView) bool {
	switch c.op {
	case OpTrue:
		return true
	case OpAll:
		for _, k := range c.kids {
			if !k.Match(n) {
				return false
			}
		}
		return true
	case OpAny:
		for _, k := range c.kids {
			if k.Match(n) {
				return true
			}
		}
		return false
	case OpNot:
		return !c.kids[0].Match(n)
	case OpKind:
		return slices.Contains(c.kinds, n.NodeKind())
	case OpID:
		return slices.Contains(c.values, any(n.NodeID()))
	case OpEquals:
		v := n.Prop(c.prop)
		return v != nil && slices.Contains(c.values, v)
	case OpHasAny:
		for _, v := range TextList(n.Prop(c.prop)) {
			if slices.Contains(c.values, any(v)) {
				return true
			}
		}
		return false
	case OpSet:
		switch v := n.Prop(c.prop).(type) {
		case nil:
			return false
		case string:
			return strings.TrimSpace(v) != ""
		case []string:
			return len(v) > 0
		case []any:
			return len(v) > 0
		}
		return true
	case OpText:
		if c.text == "" {
			return true
		}
		name, _ := n.Prop("name").(string)
		desc, _ := n.Prop("description").(string)
		return strings.Contains(strings.ToLower(n.NodeID()), c.text) ||
			strings.Contains(strings.ToLower(name), c.text) || strings.Contains(strings.ToLower(desc), c.text)
	case OpIncoming:
		found := false
		n.In(c.rel, func(from NodeView) bool {
			found = c.kids[0].Match(from)
			return !found
		})
		return found
	}
	return false
}

func condString(c Cond) string {
	join := func(sep string) string {
		parts := make([]string, len(c.kids))
		for i, k := range c.kids {
			parts[i] = condString(k)
		}
		return "(" + strings.Join(parts, sep) + ")"
	}
	switch c.op {
	case OpTrue:
		return "true"
	case OpAll:
		return join(" AND ")
	case OpAny:
		return join(" OR ")
	case OpNot:
		return "NOT " + condString(c.kids[0])
	case OpKind:
		return "kind in " + strings.Join(kindStrings(c.kinds), ",")
	case OpIncoming:
		return "<-[" + string(c.rel) + "]- " + condString(c.kids[0])
	}
	return c.prop + opNames[c.op]
}

var opNames = map[CondOp]string{OpID: " id", OpEquals: " =", OpHasAny: " has any", OpSet: " set", OpText: " text"}

func kindStrings(ks []Kind) []string {
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = string(k)
	}
	return out
}

// Loaded is a NodeView over a node and the neighbours loaded for it: what code that fetched a
// node's incoming relationships and their far ends (an as-of walk, a resolver) evaluates a Cond
// on. Far ends carry no neighbours of their own, so Conds evaluated on Loaded views nest
// Incoming at most one level deep, as every derived notion does.
type Loaded struct {
	Node     *Node
	Incoming map[RelType][]*Loaded
}

// NodeID implements NodeView.
func (l *Loaded) NodeID() string { return l.Node.ID }

// NodeKind implements NodeView.
func (l *Loaded) NodeKind() Kind { return l.Node.Kind }

// Prop implements NodeView.
func (l *Loaded) Prop(name string) any { return l.Node.Props[name] }

// In implements NodeView.
func (l *Loaded) In(t RelType, visit func(NodeView) bool) {
	for _, f := range l.Incoming[t] {
		if !visit(f) {
			return
		}
	}
}
