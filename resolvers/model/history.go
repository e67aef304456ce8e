package model

import (
	"context"
	"time"

	"github.com/aimsgraph/aimsgraph/graph"
)

// ChangeSet is the answer to `changes`: the store's change set, with loaders for the graph as
// of each end so that `before` and `after` resolve their neighbours at their own instant.
type ChangeSet struct {
	Since, Until  time.Time
	Nodes         []*NodeChange
	Relationships []*RelationshipChange
	Truncated     bool
}

// NodeChange is one node of a change set.
type NodeChange struct {
	c             graph.NodeChange
	before, after *Loaders
}

// RelationshipChange is one relationship of a change set.
type RelationshipChange struct {
	c             graph.RelChange
	before, after *Loaders
}

// WrapChanges wraps a change set: before-states load through before, after-states through
// after, runs through either. limit cuts each list (0: no limit).
func WrapChanges(cs *graph.ChangeSet, before, after *Loaders, limit int) *ChangeSet {
	out := &ChangeSet{Since: cs.Since, Until: cs.Until}
	for _, c := range cs.Nodes {
		if limit > 0 && len(out.Nodes) == limit {
			out.Truncated = true
			break
		}
		out.Nodes = append(out.Nodes, &NodeChange{c, before, after})
	}
	for _, c := range cs.Relationships {
		if limit > 0 && len(out.Relationships) == limit {
			out.Truncated = true
			break
		}
		out.Relationships = append(out.Relationships, &RelationshipChange{c, before, after})
	}
	return out
}

func (c *NodeChange) Change() string { return string(c.c.Change) }
func (c *NodeChange) ID() string     { return c.c.ID }
func (c *NodeChange) Kind() string   { return string(c.c.Kind) }
func (c *NodeChange) Name() string {
	for _, n := range []*graph.Node{c.c.After, c.c.Before} {
		if n != nil {
			return base{n: n}.Name()
		}
	}
	return c.c.ID
}
func (c *NodeChange) Before() Node {
	if c.c.Before == nil {
		return nil
	}
	return c.before.Wrap(c.c.Before)
}
func (c *NodeChange) After() Node {
	if c.c.After == nil {
		return nil
	}
	return c.after.Wrap(c.c.After)
}
func (c *NodeChange) Properties() []*PropertyChange {
	return propertyChanges(propsOf(c.c.Before), propsOf(c.c.After))
}
func (c *NodeChange) RunID() *string { return nonEmpty(c.c.Run) }
func (c *NodeChange) Run(ctx context.Context) (*ImportRun, error) {
	return c.after.loadRun(ctx, c.c.Run)
}
func (c *NodeChange) At() time.Time { return c.c.At }

func propsOf(n *graph.Node) map[string]any {
	if n == nil {
		return nil
	}
	return n.Props
}

func (c *RelationshipChange) Change() string { return string(c.c.Change) }
func (c *RelationshipChange) Type() string   { return string(c.c.Type) }
func (c *RelationshipChange) FromID() string { return c.c.From }
func (c *RelationshipChange) ToID() string   { return c.c.To }
func (c *RelationshipChange) Before() *Relationship {
	if c.c.Before == nil {
		return nil
	}
	return &Relationship{c.c.Before, c.before}
}
func (c *RelationshipChange) After() *Relationship {
	if c.c.After == nil {
		return nil
	}
	return &Relationship{c.c.After, c.after}
}
func (c *RelationshipChange) Properties() []*PropertyChange {
	var before, after map[string]any
	if c.c.Before != nil {
		before = c.c.Before.Props
	}
	if c.c.After != nil {
		after = c.c.After.Props
	}
	return propertyChanges(before, after)
}
func (c *RelationshipChange) RunID() *string { return nonEmpty(c.c.Run) }
func (c *RelationshipChange) Run(ctx context.Context) (*ImportRun, error) {
	return c.after.loadRun(ctx, c.c.Run)
}
func (c *RelationshipChange) At() time.Time { return c.c.At }

// PropertyChange is one property's values at both ends of a window.
type PropertyChange = graph.PropertyChange

func propertyChanges(before, after map[string]any) []*PropertyChange {
	diff := graph.DiffProps(before, after)
	out := make([]*PropertyChange, len(diff))
	for i := range diff {
		out[i] = &diff[i]
	}
	return out
}
