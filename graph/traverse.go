package graph

// Traversals: the lineage questions of docs/api.md. Each is answered by a store in one round trip.

// LineageQuery asks for everything upstream, downstream or both of one node along lineage edges.
type LineageQuery struct {
	ID        string
	Direction Direction // Out: downstream, In: upstream, Both
	MaxDepth  int       // lineage edges from the start; callers cap it
	Kinds     []Kind    // when set, only nodes of these kinds are returned (traversal goes through all)
	Limit     int       // at most this many nodes besides the start; Truncated says when hit
}

// Subgraph is a set of nodes and the lineage relationships among them.
type Subgraph struct {
	Nodes         []*Node
	Relationships []*Relationship
	Truncated     bool
}

// PathQuery asks for lineage paths from one node to another, shortest first.
type PathQuery struct {
	From, To string
	MaxDepth int
	First    int
}

// Path is a walk along lineage edges in their direction; Nodes has one more entry than
// Relationships, and Relationships[i] runs from Nodes[i] to Nodes[i+1].
type Path struct {
	Nodes         []*Node
	Relationships []*Relationship
}

// ImpactQuery asks which nodes of the target kinds are downstream of any node matching Sources.
type ImpactQuery struct {
	Sources      NodeFilter
	Targets      []Kind
	MaxDepth     int
	Limit        int // at most this many items: the nearest, ties by id
	PathsPerItem int // evidence paths kept per item, one per source, shortest first; 0: none, distances only
}

// ImpactItem is one reached node, its distance from the nearest source, and evidence paths from
// sources to it.
type ImpactItem struct {
	Node     *Node
	Distance int
	Paths    []Path
}

// ImpactResult is the answer to an ImpactQuery, ordered by distance then id.
type ImpactResult struct {
	Items     []ImpactItem
	Truncated bool
}
