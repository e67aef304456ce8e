package graph

import (
	"slices"
	"strings"
)

// Derived notions (third-party, flagged-for, the gap rules of package governance) are written
// once, as data: a Cond. Go code evaluates a Cond over any NodeView (the embedded store's
// records, the nodes an as-of walk loaded, the API's nodes), and the Neo4j store compiles the
// same Cond to a Cypher predicate. One definition, so no store and no resolver can drift from
// another (docs/domain.md).

// Cond is a condition on a node. Build it with the constructors below; the zero Cond is true.
type Cond struct {
	op     CondOp
	kids   []Cond
	kinds  []Kind
	prop   string
	values []any
	text   string
	rel    RelType
	dir    Direction // OpEdge: In (a relationship points at the node) or Out
	edge   *Cond     // OpEdge: the condition on the relationship's properties (nil: any)
}

// CondOp is the operator at the root of a Cond.
type CondOp int

// The operators a Cond is made of. Each leaf is false, never unknown, when its property is
// absent: the Cypher compiler wraps leaves in coalesce(..., false) to match.
const (
	OpTrue   CondOp = iota
	OpAll           // every kid
	OpAny           // some kid
	OpNot           // not the only kid
	OpKind          // the node is of one of kinds
	OpID            // the node's id is one of values
	OpEquals        // property prop equals one of values
	OpHasAny        // list property prop holds one of values
	OpSet           // property prop is present and not empty
	OpText          // id, name or description contains text, case-insensitively
	OpBefore        // date property prop (ISO 8601, as written) falls on a day before text (YYYY-MM-DD)
	OpEdge          // some relationship of type rel, in direction dir, satisfying edge, joins the node to one satisfying kids[0]
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

// DayBefore holds when date property prop (an ISO 8601 date or date-time, as the importer keeps
// it) is on a day before day (YYYY-MM-DD).
func DayBefore(prop, day string) Cond { return Cond{op: OpBefore, prop: prop, text: day} }

// Incoming holds when a relationship of type rel points at the node from a node satisfying from.
func Incoming(rel RelType, from Cond) Cond {
	return Cond{op: OpEdge, rel: rel, dir: In, kids: []Cond{from}}
}

// Outgoing holds when a relationship of type rel leads from the node to one satisfying to.
func Outgoing(rel RelType, to Cond) Cond {
	return Cond{op: OpEdge, rel: rel, dir: Out, kids: []Cond{to}}
}

// Where restricts an Incoming or Outgoing condition to relationships whose properties satisfy
// edge (e.g. RESPONSIBLE_FOR with `as` HUMAN_OVERSIGHT).
func (c Cond) Where(edge Cond) Cond {
	if c.op != OpEdge {
		panic("graph: Where on a condition that is not about a relationship")
	}
	c.edge = &edge
	return c
}

func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// Op, Kids, Kinds, Prop, Values, Text, Rel, Dir and Edge expose a Cond's parts to compilers.
func (c Cond) Op() CondOp     { return c.op }
func (c Cond) Kids() []Cond   { return c.kids }
func (c Cond) Kinds() []Kind  { return c.kinds }
func (c Cond) Prop() string   { return c.prop }
func (c Cond) Values() []any  { return c.values }
func (c Cond) Text() string   { return c.text }
func (c Cond) Rel() RelType   { return c.rel }
func (c Cond) Dir() Direction { return c.dir }
func (c Cond) IsTrue() bool   { return c.op == OpTrue }
func (c Cond) String() string { return condString(c) }
func (c Cond) Edge() (Cond, bool) {
	if c.edge == nil {
		return True, false
	}
	return *c.edge, true
}

// EdgeNeed is a relationship type and direction a Cond looks along from the node it is
// evaluated on, with the conditions it then evaluates on the far ends (which may need more).
type EdgeNeed struct {
	Type RelType
	Dir  Direction
	Far  []Cond
}

// Needs lists what evaluating c on a node needs loaded besides the node itself: the
// relationships of each type and direction c looks along at the top level, and for each the
// conditions on the far ends, so a loader can fetch exactly that, level by level.
func (c Cond) Needs() []EdgeNeed {
	var out []EdgeNeed
	var walk func(Cond)
	walk = func(c Cond) {
		if c.op == OpEdge {
			i := slices.IndexFunc(out, func(n EdgeNeed) bool { return n.Type == c.rel && n.Dir == c.dir })
			if i < 0 {
				out = append(out, EdgeNeed{Type: c.rel, Dir: c.dir})
				i = len(out) - 1
			}
			out[i].Far = append(out[i].Far, c.kids[0])
			return // the far end's conditions are the far end's needs
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
	// Edges calls visit with the properties of each relationship of type t in direction dir
	// (In: pointing at the node) and the node at its far end, until visit returns false.
	Edges(t RelType, dir Direction, visit func(props map[string]any, far NodeView) bool)
}

// props is a NodeView over a property map alone: what an edge condition is evaluated on.
type props map[string]any

func (p props) NodeID() string                                                { return "" }
func (p props) NodeKind() Kind                                                { return "" }
func (p props) Prop(name string) any                                          { return p[name] }
func (p props) Edges(RelType, Direction, func(map[string]any, NodeView) bool) {}

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
	case OpBefore:
		s, _ := n.Prop(c.prop).(string)
		return len(s) >= 10 && s[:10] < c.text
	case OpEdge:
		found := false
		n.Edges(c.rel, c.dir, func(p map[string]any, far NodeView) bool {
			found = (c.edge == nil || c.edge.Match(props(p))) && c.kids[0].Match(far)
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
	case OpEdge:
		arrow := "<-[" + string(c.rel) + "]- "
		if c.dir == Out {
			arrow = "-[" + string(c.rel) + "]-> "
		}
		return arrow + condString(c.kids[0])
	case OpBefore:
		return c.prop + " before " + c.text
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

// Loaded is a NodeView over a node and the relationships loaded for it: what code that fetched
// a node's neighbours (an as-of walk, a resolver) evaluates a Cond on. Far ends are Loaded too,
// with what the Cond needs of them in turn (Cond.Needs).
type Loaded struct {
	Node  *Node
	Links map[LinkKey][]LoadedLink
}

// LinkKey keys a Loaded node's relationships by type and direction.
type LinkKey struct {
	Type RelType
	Dir  Direction
}

// LoadedLink is one loaded relationship: its properties and the node at its far end.
type LoadedLink struct {
	Props map[string]any
	Far   *Loaded
}

// Add records a loaded relationship of type t in direction dir.
func (l *Loaded) Add(t RelType, dir Direction, props map[string]any, far *Loaded) {
	if l.Links == nil {
		l.Links = map[LinkKey][]LoadedLink{}
	}
	k := LinkKey{t, dir}
	l.Links[k] = append(l.Links[k], LoadedLink{props, far})
}

// NodeID implements NodeView.
func (l *Loaded) NodeID() string { return l.Node.ID }

// NodeKind implements NodeView.
func (l *Loaded) NodeKind() Kind { return l.Node.Kind }

// Prop implements NodeView.
func (l *Loaded) Prop(name string) any { return l.Node.Props[name] }

// Edges implements NodeView.
func (l *Loaded) Edges(t RelType, dir Direction, visit func(map[string]any, NodeView) bool) {
	for _, e := range l.Links[LinkKey{t, dir}] {
		if !visit(e.Props, e.Far) {
			return
		}
	}
}
