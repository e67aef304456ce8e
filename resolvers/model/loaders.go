// Package model is the GraphQL view of the graph: one Go type per schema type, wrapping the
// graph package's nodes and relationships. Neighbour fields load through per-request
// dataloaders, so a list of 100 nodes with their owners costs a constant number of store calls
// (one batch of edges, one batch of the nodes at their other ends), not one per node.
package model

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/vikstrous/dataloadgen"

	"github.com/aimsgraph/aimsgraph/graph"
)

// Loaders batch and cache the reads of one request from one state of the graph: the current
// one, or the graph as of an instant (At). Import runs are the same in every state.
type Loaders struct {
	Store  graph.Store
	Reader graph.Reader // the state the nodes and relationships are read from
	nodes  *dataloadgen.Loader[string, *graph.Node]
	out    *dataloadgen.Loader[string, []*graph.Relationship]
	in     *dataloadgen.Loader[string, []*graph.Relationship]
	runs   *dataloadgen.Loader[string, *graph.RunRecord]

	mu   sync.Mutex
	past map[int64]*Loaders // as-of loaders of this request, by instant (on the current loaders only)
}

// ErrNotFound is what a loader returns for an id the store does not have.
var ErrNotFound = errors.New("not found")

// BatchWait is how long a loader waits for more keys before it asks the store. Resolvers of a
// list run concurrently and enqueue within microseconds; tests under the race detector on a
// loaded machine raise it so batching does not depend on the machine's speed.
var BatchWait = 2 * time.Millisecond

// NewLoaders returns fresh loaders over store; make one per request, so nothing is cached
// across requests.
func NewLoaders(store graph.Store) *Loaders {
	l := newLoaders(store, store)
	l.runs = dataloadgen.NewMappedLoader(func(ctx context.Context, ids []string) (map[string]*graph.RunRecord, error) {
		rs, err := store.Runs(ctx, graph.RunQuery{IDs: ids, Limit: len(ids)})
		if err != nil {
			return nil, err
		}
		out := make(map[string]*graph.RunRecord, len(ids))
		for _, id := range ids {
			out[id] = nil
		}
		for _, r := range rs {
			out[r.ID] = r
		}
		return out, nil
	}, dataloadgen.WithWait(BatchWait))
	return l
}

// At returns the request's loaders for the graph as of t (made once per instant and request).
func (l *Loaders) At(ctx context.Context, t time.Time) (*Loaders, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if p := l.past[t.UnixNano()]; p != nil {
		return p, nil
	}
	r, err := l.Store.At(ctx, t)
	if err != nil {
		return nil, err
	}
	p := newLoaders(l.Store, r)
	p.runs = l.runs
	if l.past == nil {
		l.past = map[int64]*Loaders{}
	}
	l.past[t.UnixNano()] = p
	return p, nil
}

// newLoaders makes the node and relationship loaders over reader.
func newLoaders(store graph.Store, reader graph.Reader) *Loaders {
	wait := dataloadgen.WithWait(BatchWait)
	l := &Loaders{Store: store, Reader: reader}
	l.nodes = dataloadgen.NewMappedLoader(func(ctx context.Context, ids []string) (map[string]*graph.Node, error) {
		ns, err := reader.Nodes(ctx, ids)
		if err != nil {
			return nil, err
		}
		out := make(map[string]*graph.Node, len(ids))
		for _, n := range ns {
			out[n.ID] = n
		}
		for _, id := range ids {
			if out[id] == nil {
				out[id] = nil // absent: Node loads it as not found
			}
		}
		return out, nil
	}, wait)
	edges := func(dir graph.Direction) func(context.Context, []string) (map[string][]*graph.Relationship, error) {
		return func(ctx context.Context, ids []string) (map[string][]*graph.Relationship, error) {
			rs, err := reader.Edges(ctx, ids, dir, nil)
			if err != nil {
				return nil, err
			}
			out := make(map[string][]*graph.Relationship, len(ids))
			for _, id := range ids {
				out[id] = nil
			}
			for _, r := range rs {
				end := r.From
				if dir == graph.In {
					end = r.To
				}
				out[end] = append(out[end], r)
			}
			return out, nil
		}
	}
	l.out = dataloadgen.NewMappedLoader(edges(graph.Out), wait)
	l.in = dataloadgen.NewMappedLoader(edges(graph.In), wait)
	return l
}

type loadersKey struct{}

// WithLoaders returns ctx carrying l.
func WithLoaders(ctx context.Context, l *Loaders) context.Context {
	return context.WithValue(ctx, loadersKey{}, l)
}

// For returns the request's loaders.
func For(ctx context.Context) *Loaders {
	l, _ := ctx.Value(loadersKey{}).(*Loaders)
	if l == nil {
		panic("model: no loaders in context (the HTTP handler installs them)")
	}
	return l
}

// Prime caches nodes a query already returned (lineage, paths, impact), so the relationships'
// `from` and `to` in the same answer cost nothing.
func (l *Loaders) Prime(nodes ...*graph.Node) {
	for _, n := range nodes {
		l.nodes.Prime(n.ID, n)
	}
}

// Node loads one node; a missing node is ErrNotFound.
func (l *Loaders) Node(ctx context.Context, id string) (*graph.Node, error) {
	n, err := l.nodes.Load(ctx, id)
	if err == nil && n == nil {
		err = ErrNotFound
	}
	return n, err
}

// NodesOf loads the nodes with these ids, leaving out missing ones, in the order given.
func (l *Loaders) NodesOf(ctx context.Context, ids []string) ([]*graph.Node, error) {
	ns, err := l.nodes.LoadAll(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := ns[:0]
	for _, n := range ns {
		if n != nil {
			out = append(out, n)
		}
	}
	return out, nil
}

// Edges loads a node's relationships in one direction (Out or In).
func (l *Loaders) Edges(ctx context.Context, id string, dir graph.Direction) ([]*graph.Relationship, error) {
	if dir == graph.In {
		return l.in.Load(ctx, id)
	}
	return l.out.Load(ctx, id)
}

// Run loads an import run, or nil.
func (l *Loaders) Run(ctx context.Context, id string) (*graph.RunRecord, error) {
	return l.runs.Load(ctx, id)
}
