package embedded

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
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
func (h *history) load(tx *bolt.Tx, intern func(string) string) error {
	h.reset()
	var nvs []*nodeVersion
	if err := tx.Bucket(bucketNodeVers).ForEach(func(k, v []byte) error {
		nv := &nodeVersion{}
		if err := decode(v, nv); err != nil {
			return fmt.Errorf("node version %q: %w", k, err)
		}
		nv.entity.intern(intern)
		nvs = append(nvs, nv)
		return nil
	}); err != nil {
		return err
	}
	var rvs []*relVersion
	if err := tx.Bucket(bucketRelVers).ForEach(func(k, v []byte) error {
		rv := &relVersion{}
		if err := decode(v, rv); err != nil {
			return fmt.Errorf("relationship version %q: %w", k, err)
		}
		rv.entity.intern(intern)
		rv.key = relKey(rv.FromID, rv.Type, rv.ToID, keyValue(rv.Type, rv.Props))
		rvs = append(rvs, rv)
		return nil
	}); err != nil {
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

// add files versions into the maps, keeping each fact's versions in order of start.
func (h *history) add(nvs []*nodeVersion, rvs []*relVersion) {
	for _, v := range nvs {
		v.derive()
		h.nodes[v.ID] = insertByStart(h.nodes[v.ID], v, func(v *nodeVersion) int64 { return v.Start })
	}
	for _, v := range rvs {
		v.derive()
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
	a.s.mu.RLock()
	defer a.s.mu.RUnlock()
	var out []*graph.Relationship
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
				rel := r.toRelationship()
				rel.Provenance = r.provenanceAt(a.t)
				out = append(out, rel)
			}
		}
		for _, v := range past {
			if v.holds(a.t) && want(v.Type, v.key) {
				out = append(out, &graph.Relationship{Type: v.Type, From: v.FromID, To: v.ToID, Props: orNoProps(v.Props), Provenance: v.provenanceAt(a.t)})
			}
		}
	}
	return out, ctx.Err()
}

func (a *asOf) Candidates(ctx context.Context, f graph.NodeFilter, after string, limit int) ([]*graph.Node, error) {
	a.s.mu.RLock()
	defer a.s.mu.RUnlock()
	var ids []string
	if f.IDs != nil {
		ids = slices.Clone(f.IDs)
	} else {
		ids = slices.Clone(a.s.ids)
		for id := range a.s.hist.nodes {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
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
		out := &graph.ChangeSet{}
		for _, at := range graph.RunInstants(run) {
			t := at.UnixNano()
			s.changesIn(out, t-1, t, q.Run)
		}
		out.Since, out.Until = run.EffectiveAt, run.FinishedAt
		out.Sort()
		return out, nil
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
		s.changesIn(out, since, until, "")
	}
	out.Sort()
	return out, ctx.Err()
}

// transitions finds, for each fact with a version starting or ending in (since, until], the
// latest such transition: its instant and run.
type transition struct {
	at  int64
	run string
}

func note(m map[string]transition, key string, at int64, run string, since, until int64) {
	if at <= since || at > until {
		return
	}
	if old, ok := m[key]; !ok || at >= old.at {
		m[key] = transition{at, run}
	}
}

// noteContent notes the content transitions a version bears witness to: the change of
// properties it began with (or carried over from an earlier version), and its removal.
func (v *version) noteContent(m map[string]transition, key string, since, until int64) {
	note(m, key, v.Changed, v.ChangedRun, since, until)
	if v.Removed {
		note(m, key, v.End, v.EndRun, since, until)
	}
}

// changesIn adds to out the facts that differ between since and until; only, when run is set,
// those whose last transition in the window that run made.
func (s *Store) changesIn(out *graph.ChangeSet, since, until int64, run string) {
	nodes := map[string]transition{}
	for id, n := range s.nodes {
		note(nodes, id, n.Changed, n.ChangedRun, since, until)
	}
	for id, vs := range s.hist.nodes {
		for _, v := range vs {
			v.noteContent(nodes, id, since, until)
		}
	}
	for id, tr := range nodes {
		if run != "" && tr.run != run {
			continue
		}
		before, after := s.nodeAt(id, since), s.nodeAt(id, until)
		if c, ok := graph.NodeDiff(before, after); ok {
			kind := graph.Kind("")
			if after != nil {
				kind = after.Kind
			} else {
				kind = before.Kind
			}
			out.Nodes = append(out.Nodes, graph.NodeChange{Change: c, ID: id, Kind: kind, Before: before, After: after, Run: tr.run, At: time.Unix(0, tr.at).UTC()})
		}
	}
	rels := map[string]transition{}
	for key, r := range s.rels {
		note(rels, key, r.Changed, r.ChangedRun, since, until)
	}
	for key, vs := range s.hist.rels {
		for _, v := range vs {
			v.noteContent(rels, key, since, until)
		}
	}
	for key, tr := range rels {
		if run != "" && tr.run != run {
			continue
		}
		before, after := s.relAt(key, since), s.relAt(key, until)
		if c, ok := graph.RelDiff(before, after); ok {
			r := after
			if r == nil {
				r = before
			}
			out.Relationships = append(out.Relationships, graph.RelChange{Change: c, Type: r.Type, From: r.From, To: r.To, Before: before, After: after, Run: tr.run, At: time.Unix(0, tr.at).UTC()})
		}
	}
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
