package embedded

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/aimsgraph/aimsgraph/graph"
	"github.com/aimsgraph/aimsgraph/graph/walk"
)

// History on the embedded store (docs/history.md): each node and relationship record carries
// since when its current properties hold; the versions that ended live here, beside the graph,
// so the current adjacency lists and maps hold only what is current and current questions walk
// exactly what they did before history existed.

// version is the state a fact had in [Start, End), in unix nanoseconds.
type version struct {
	entity
	Start    int64  `json:"start"`
	End      int64  `json:"end"`
	StartRun string `json:"startRun,omitempty"`
	EndRun   string `json:"endRun"`
	Removed  bool   `json:"removed,omitempty"` // the fact ended here (no version follows)
}

type nodeVersion struct {
	ID   string     `json:"id"`
	Kind graph.Kind `json:"kind"`
	version
}

type relVersion struct {
	Type   graph.RelType `json:"type"`
	FromID string        `json:"from"`
	ToID   string        `json:"to"`
	version
	key string // the relationship's key (relKey)
}

// history holds the ended versions, in order of start per fact.
type history struct {
	nodes   map[string][]*nodeVersion // by node id
	rels    map[string][]*relVersion  // by relationship key
	relsOut map[string][]*relVersion  // by from id, for as-of walks
	relsIn  map[string][]*relVersion  // by to id
	horizon int64                     // history before this instant was compacted (0: none)
}

var horizonKey = []byte("horizon")

// versionKey orders a fact's versions by start inside a bucket.
func versionKey(fact string, start int64) []byte {
	k := make([]byte, 0, len(fact)+9)
	k = append(k, fact...)
	k = append(k, 0)
	return binary.BigEndian.AppendUint64(k, uint64(start)^(1<<63)) // sign flip: negative instants sort first
}

func (h *history) reset() {
	h.nodes = map[string][]*nodeVersion{}
	h.rels = map[string][]*relVersion{}
	h.relsOut = map[string][]*relVersion{}
	h.relsIn = map[string][]*relVersion{}
	h.horizon = 0
}

// load reads the persisted versions and the horizon.
func (h *history) load(tx *bolt.Tx) error {
	h.reset()
	nvs, err := decodeBucket(tx.Bucket(bucketNodeVers), "node version", func(nv *nodeVersion, _ []byte, in *interner) error {
		nv.entity.intern(in)
		return nil
	})
	if err != nil {
		return err
	}
	rvs, err := decodeBucket(tx.Bucket(bucketRelVers), "relationship version", func(rv *relVersion, _ []byte, in *interner) error {
		rv.entity.intern(in)
		rv.key = relKey(rv.FromID, rv.Type, rv.ToID, keyValue(rv.Type, rv.Props))
		return nil
	})
	if err != nil {
		return err
	}
	h.add(nvs, rvs)
	if b := tx.Bucket(bucketMeta).Get(horizonKey); len(b) == 8 {
		h.horizon = int64(binary.BigEndian.Uint64(b))
	}
	return nil
}

func keyValue(t graph.RelType, props map[string]any) string {
	r := graph.RelRecord{Type: t, Props: props}
	return r.KeyValue()
}

// persist writes a run's ended versions in its transaction.
func (h *history) persist(tx *bolt.Tx, nvs []*nodeVersion, rvs []*relVersion) error {
	nb, rb := tx.Bucket(bucketNodeVers), tx.Bucket(bucketRelVers)
	for _, v := range nvs {
		data, err := json.Marshal(v)
		if err != nil {
			return err
		}
		if err := nb.Put(versionKey(v.ID, v.Start), data); err != nil {
			return err
		}
	}
	for _, v := range rvs {
		data, err := json.Marshal(v)
		if err != nil {
			return err
		}
		if err := rb.Put(versionKey(v.key, v.Start), data); err != nil {
			return err
		}
	}
	return nil
}

// add files versions into the maps, keeping each fact's versions in order of start. Their
// sources are derived already (derive, or intern at load).
func (h *history) add(nvs []*nodeVersion, rvs []*relVersion) {
	for _, v := range nvs {
		h.nodes[v.ID] = insertByStart(h.nodes[v.ID], v, func(v *nodeVersion) int64 { return v.Start })
	}
	for _, v := range rvs {
		h.rels[v.key] = insertByStart(h.rels[v.key], v, func(v *relVersion) int64 { return v.Start })
		h.relsOut[v.FromID] = append(h.relsOut[v.FromID], v)
		h.relsIn[v.ToID] = append(h.relsIn[v.ToID], v)
	}
}

func insertByStart[T any](l []T, v T, start func(T) int64) []T {
	i := sort.Search(len(l), func(i int) bool { return start(l[i]) > start(v) })
	return slices.Insert(l, i, v)
}

// holds reports whether [start, end) contains t.
func (v *version) holds(t int64) bool { return v.Start <= t && t < v.End }

// At implements graph.Store.
func (s *Store) At(ctx context.Context, t time.Time) (graph.Reader, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.checkHorizon(t); err != nil {
		return nil, err
	}
	runs := s.runList()
	latest := time.Time{}
	for _, r := range runs {
		if r.FinishedAt.After(latest) {
			latest = r.FinishedAt
		}
	}
	if !t.Before(latest) {
		return s, nil // nothing changed after t: the current graph is the answer
	}
	return walk.Reader(&asOf{s: s, t: graph.VisibleInstant(t, runs).UnixNano()}), nil
}

func (s *Store) checkHorizon(t time.Time) error {
	if s.hist.horizon != 0 && t.UnixNano() < s.hist.horizon {
		return fmt.Errorf("%w: history before %s was compacted; ask about %s or later", graph.ErrCompacted,
			time.Unix(0, s.hist.horizon).UTC().Format(time.RFC3339Nano), time.Unix(0, s.hist.horizon).UTC().Format(time.RFC3339))
	}
	return nil
}

func (s *Store) runList() []*graph.RunRecord {
	out := make([]*graph.RunRecord, 0, len(s.runs))
	for _, r := range s.runs {
		out = append(out, r)
	}
	return out
}

// asOf is the graph as it stood at t: the walk primitives over current records whose
// properties held since t or earlier, and over the versions that held at t.
type asOf struct {
	s *Store
	t int64

	once sync.Once
	ids  []string // every id with a current record or an ended version, sorted (allIDs)
}

// allIDs lists, once per view, every id that may have existed at some instant: the current ones
// and those of ended versions. An import after the view was made only adds ids that did not
// exist at a.t (or versions of ids already listed), so the list stays right for the view.
func (a *asOf) allIDs() []string {
	a.once.Do(func() {
		a.s.mu.RLock()
		defer a.s.mu.RUnlock()
		ids := slices.Clone(a.s.ids)
		for id := range a.s.hist.nodes {
			if a.s.nodes[id] == nil {
				ids = append(ids, id)
			}
		}
		slices.Sort(ids)
		a.ids = ids
	})
	return a.ids
}

var _ walk.Source = (*asOf)(nil)

// nodeAt returns the node id as it stood at t, or nil.
func (s *Store) nodeAt(id string, t int64) *graph.Node {
	if n := s.nodes[id]; n != nil && n.Since <= t {
		out := n.toNode()
		out.Provenance = n.provenanceAt(t)
		return out
	}
	for _, v := range s.hist.nodes[id] {
		if v.holds(t) {
			return &graph.Node{ID: v.ID, Kind: v.Kind, Props: orNoProps(v.Props), Provenance: v.provenanceAt(t)}
		}
	}
	return nil
}

func (a *asOf) KindsOf(ctx context.Context, ids []string) (map[string]graph.Kind, error) {
	a.s.mu.RLock()
	defer a.s.mu.RUnlock()
	out := map[string]graph.Kind{}
	for _, id := range ids {
		if n := a.s.nodeAt(id, a.t); n != nil {
			out[id] = n.Kind
		}
	}
	return out, nil
}

func (a *asOf) Nodes(ctx context.Context, ids []string) ([]*graph.Node, error) {
	a.s.mu.RLock()
	defer a.s.mu.RUnlock()
	out := make([]*graph.Node, 0, len(ids))
	seen := map[string]bool{}
	for _, id := range ids {
		if n := a.s.nodeAt(id, a.t); n != nil && !seen[id] {
			seen[id] = true
			out = append(out, n)
		}
	}
	return out, nil
}

func (a *asOf) Edges(ctx context.Context, ids []string, dir graph.Direction, types []graph.RelType) ([]*graph.Relationship, error) {
	var out []*graph.Relationship
	a.each(ids, dir, types, func(r *relRec, v *relVersion) {
		if r != nil {
			rel := r.toRelationship()
			rel.Provenance = r.provenanceAt(a.t)
			out = append(out, rel)
			return
		}
		out = append(out, &graph.Relationship{Type: v.Type, From: v.FromID, To: v.ToID, Props: orNoProps(v.Props), Provenance: v.provenanceAt(a.t)})
	})
	return out, ctx.Err()
}

func (a *asOf) Links(ctx context.Context, ids []string, dir graph.Direction, types []graph.RelType) ([]graph.Link, error) {
	var out []graph.Link
	a.each(ids, dir, types, func(r *relRec, v *relVersion) {
		if r != nil {
			out = append(out, graph.Link{From: r.From, To: r.To, Type: r.Type, KeyValue: keyValue(r.Type, r.Props)})
			return
		}
		out = append(out, graph.Link{From: v.FromID, To: v.ToID, Type: v.Type, KeyValue: keyValue(v.Type, v.Props)})
	})
	return out, ctx.Err()
}

// each calls fn, under the read lock, with every relationship of types that touches ids in
// direction dir and held at a.t: a current one (r) or an ended version (v), each once.
func (a *asOf) each(ids []string, dir graph.Direction, types []graph.RelType, fn func(r *relRec, v *relVersion)) {
	a.s.mu.RLock()
	defer a.s.mu.RUnlock()
	seen := map[string]bool{}
	want := func(t graph.RelType, key string) bool {
		if (len(types) > 0 && !slices.Contains(types, t)) || seen[key] {
			return false
		}
		seen[key] = true
		return true
	}
	for _, id := range ids {
		var cur []*relRec
		var past []*relVersion
		if n := a.s.nodes[id]; n != nil {
			if dir == graph.Out || dir == graph.Both {
				cur = append(cur, n.out...)
			}
			if dir == graph.In || dir == graph.Both {
				cur = append(cur, n.in...)
			}
		}
		if dir == graph.Out || dir == graph.Both {
			past = append(past, a.s.hist.relsOut[id]...)
		}
		if dir == graph.In || dir == graph.Both {
			past = append(past, a.s.hist.relsIn[id]...)
		}
		for _, r := range cur {
			if r.Since <= a.t && want(r.Type, r.key) {
				fn(r, nil)
			}
		}
		for _, v := range past {
			if v.holds(a.t) && want(v.Type, v.key) {
				fn(nil, v)
			}
		}
	}
}

func (a *asOf) Candidates(ctx context.Context, f graph.NodeFilter, after string, limit int) ([]*graph.Node, error) {
	ids := a.allIDs()
	if f.IDs != nil {
		ids = slices.Clone(f.IDs)
		slices.Sort(ids)
		ids = slices.Compact(ids)
	}
	a.s.mu.RLock()
	defer a.s.mu.RUnlock()
	base := graph.All(graph.KindIn(f.Kinds...), graph.TextContains(f.Text))
	if f.Kinds == nil {
		base = graph.TextContains(f.Text)
	}
	start, _ := slices.BinarySearch(ids, after)
	var out []*graph.Node
	for _, id := range ids[start:] {
		if id <= after {
			continue
		}
		n := a.s.nodeAt(id, a.t)
		if n == nil || !base.Match(&graph.Loaded{Node: n}) {
			continue
		}
		out = append(out, n)
		if len(out) == limit {
			break
		}
	}
	return out, ctx.Err()
}

// Changes implements graph.Store: the facts with a transition in the window, compared as they
// stood at both ends. Run queries compare each of the run's own instants with just before it.
func (s *Store) Changes(ctx context.Context, q graph.ChangeQuery) (*graph.ChangeSet, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if q.Run != "" {
		run := s.runs[q.Run]
		if run == nil {
			return &graph.ChangeSet{}, nil
		}
		// The run's own transitions, each fact compared just before and at its instant: one scan
		// for all the run's instants (an OpenLineage group run has one per event).
		out := &graph.ChangeSet{Since: run.EffectiveAt, Until: run.FinishedAt}
		err := s.changesIn(ctx, out,
			func(_ int64, r string) bool { return r == q.Run },
			func(at int64) (int64, int64) { return at - 1, at })
		out.Sort()
		return out, err
	}
	for _, t := range []time.Time{q.Since, q.Until} {
		if err := s.checkHorizon(t); err != nil {
			return nil, err
		}
	}
	runs := s.runList()
	since := graph.VisibleInstant(q.Since, runs).UnixNano()
	until := graph.VisibleInstant(q.Until, runs).UnixNano()
	out := &graph.ChangeSet{Since: q.Since, Until: q.Until}
	if since < until {
		if err := s.changesIn(ctx, out,
			func(at int64, _ string) bool { return since < at && at <= until },
			func(int64) (int64, int64) { return since, until }); err != nil {
			return nil, err
		}
	}
	out.Sort()
	return out, nil
}

// transition is a content transition of a fact: its instant and run.
type transition struct {
	at  int64
	run string
}

// transitions keeps, per fact, the latest content transition keep accepts.
type transitions struct {
	keep func(at int64, run string) bool
	m    map[string]transition
}

func (ts transitions) note(key string, at int64, run string) {
	if !ts.keep(at, run) {
		return
	}
	if old, ok := ts.m[key]; !ok || at >= old.at {
		ts.m[key] = transition{at, run}
	}
}

// noteVersion notes the content transitions a version bears witness to: the change of
// properties it began with (or carried over from an earlier version), and its removal.
func (ts transitions) noteVersion(key string, v *version) {
	ts.note(key, v.Changed, v.ChangedRun)
	if v.Removed {
		ts.note(key, v.End, v.EndRun)
	}
}

// checkEvery is how many facts a scan reads between looks at its context.
const checkEvery = 1 << 13

// changesIn adds to out the facts whose latest content transition keep accepts and that differ
// between the two instants ends gives for that transition. One scan of the records and versions
// in memory, cancelled with ctx: no index by instant, so a change question costs the graph's
// size (measured: 33 ms for 120,000 facts; docs/history.md).
func (s *Store) changesIn(ctx context.Context, out *graph.ChangeSet, keep func(at int64, run string) bool, ends func(at int64) (before, after int64)) error {
	nodes := transitions{keep, map[string]transition{}}
	rels := transitions{keep, map[string]transition{}}
	seen := 0
	check := func() error {
		if seen++; seen%checkEvery == 0 {
			return ctx.Err()
		}
		return nil
	}
	for id, n := range s.nodes {
		nodes.note(id, n.Changed, n.ChangedRun)
		if err := check(); err != nil {
			return err
		}
	}
	for id, vs := range s.hist.nodes {
		for _, v := range vs {
			nodes.noteVersion(id, &v.version)
		}
		if err := check(); err != nil {
			return err
		}
	}
	for key, r := range s.rels {
		rels.note(key, r.Changed, r.ChangedRun)
		if err := check(); err != nil {
			return err
		}
	}
	for key, vs := range s.hist.rels {
		for _, v := range vs {
			rels.noteVersion(key, &v.version)
		}
		if err := check(); err != nil {
			return err
		}
	}
	for id, tr := range nodes.m {
		b, a := ends(tr.at)
		before, after := s.nodeAt(id, b), s.nodeAt(id, a)
		if c, ok := graph.NodeDiff(before, after); ok {
			n := after
			if n == nil {
				n = before
			}
			out.Nodes = append(out.Nodes, graph.NodeChange{Change: c, ID: id, Kind: n.Kind, Before: before, After: after, Run: tr.run, At: time.Unix(0, tr.at).UTC()})
		}
	}
	for key, tr := range rels.m {
		b, a := ends(tr.at)
		before, after := s.relAt(key, b), s.relAt(key, a)
		if c, ok := graph.RelDiff(before, after); ok {
			r := after
			if r == nil {
				r = before
			}
			out.Relationships = append(out.Relationships, graph.RelChange{Change: c, Type: r.Type, From: r.From, To: r.To, Before: before, After: after, Run: tr.run, At: time.Unix(0, tr.at).UTC()})
		}
	}
	return ctx.Err()
}

// relAt returns the relationship with this key as it stood at t, or nil.
func (s *Store) relAt(key string, t int64) *graph.Relationship {
	if r := s.rels[key]; r != nil && r.Since <= t {
		rel := r.toRelationship()
		rel.Provenance = r.provenanceAt(t)
		return rel
	}
	for _, v := range s.hist.rels[key] {
		if v.holds(t) {
			return &graph.Relationship{Type: v.Type, From: v.FromID, To: v.ToID, Props: orNoProps(v.Props), Provenance: v.provenanceAt(t)}
		}
	}
	return nil
}

// Compact implements graph.Store: versions that ended before `before` go, in one bbolt
// transaction, and `before` becomes the horizon.
func (s *Store) Compact(ctx context.Context, before time.Time) (*graph.CompactSummary, error) {
	s.importMu.Lock()
	defer s.importMu.Unlock()
	t := before.UnixNano()
	s.mu.RLock()
	sum := &graph.CompactSummary{Before: before}
	if s.hist.horizon != 0 {
		sum.PreviousLimit = time.Unix(0, s.hist.horizon).UTC()
	}
	var nodeKeys, relKeys [][]byte
	for _, vs := range s.hist.nodes {
		for _, v := range vs {
			if v.End <= t {
				nodeKeys = append(nodeKeys, versionKey(v.ID, v.Start))
			}
		}
	}
	for key, vs := range s.hist.rels {
		for _, v := range vs {
			if v.End <= t {
				relKeys = append(relKeys, versionKey(key, v.Start))
			}
		}
	}
	horizon := max(t, s.hist.horizon)
	s.mu.RUnlock()
	sum.NodeVersions, sum.RelVersions = len(nodeKeys), len(relKeys)
	err := s.db.Update(func(tx *bolt.Tx) error {
		for _, k := range nodeKeys {
			if err := tx.Bucket(bucketNodeVers).Delete(k); err != nil {
				return err
			}
		}
		for _, k := range relKeys {
			if err := tx.Bucket(bucketRelVers).Delete(k); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketMeta).Put(horizonKey, binary.BigEndian.AppendUint64(nil, uint64(horizon)))
	})
	if err != nil {
		return nil, fmt.Errorf("%w: compacting %s: %v", graph.ErrUnavailable, s.db.Path(), err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	keep := func(end int64) bool { return end > t }
	for id, vs := range s.hist.nodes {
		if vs = slices.DeleteFunc(vs, func(v *nodeVersion) bool { return !keep(v.End) }); len(vs) == 0 {
			delete(s.hist.nodes, id)
		} else {
			s.hist.nodes[id] = vs
		}
	}
	for _, m := range []map[string][]*relVersion{s.hist.rels, s.hist.relsOut, s.hist.relsIn} {
		for k, vs := range m {
			if vs = slices.DeleteFunc(vs, func(v *relVersion) bool { return !keep(v.End) }); len(vs) == 0 {
				delete(m, k)
			} else {
				m[k] = vs
			}
		}
	}
	s.hist.horizon = horizon
	return sum, nil
}
