package embedded

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/aimsgraph/aimsgraph/graph"
)

// Import implements graph.Store. Changes are staged beside the graph while fill runs, committed
// to bbolt in one transaction, then applied to memory. Until the commit returns nothing on disk
// changed, so a failed, dry or killed run leaves the previous graph.
func (s *Store) Import(ctx context.Context, run graph.ImportRun, fill func(context.Context, graph.Writer) error) (*graph.ImportSummary, error) {
	s.importMu.Lock()
	defer s.importMu.Unlock()
	// The run's effective instant (docs/history.md): taken under the import lock, so runs'
	// instants follow the order in which they write.
	writeAt := time.Now().UTC()
	st := &stage{s: s, run: run, writeAt: writeAt, summary: graph.NewImportSummary(run.ID),
		nodes: map[string]*nodeRec{}, rels: map[string]*relRec{}, stamps: map[string]string{}}
	if err := fill(ctx, st); err != nil {
		return nil, err
	}
	for _, src := range run.Sources {
		switch around, scoped := run.PruneAround[src]; {
		case !run.Prunes(src): // Prune, narrowed by PruneOnly (OpenLineage events)
		case scoped:
			st.pruneAround(src, around) // pipelines.go
		default:
			st.prune(src)
		}
	}
	st.summary.DryRun = run.DryRun
	st.summary.FinishedAt = time.Now().UTC()
	if run.DryRun {
		return st.summary, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	record := &graph.RunRecord{ID: run.ID, Sources: run.Sources, Files: run.Files, User: run.User,
		StartedAt: run.StartedAt, EffectiveAt: writeAt, FinishedAt: st.summary.FinishedAt,
		SourceTimes: run.SourceTimes, Summary: st.summary}
	if err := st.commit(record); err != nil {
		return nil, fmt.Errorf("%w: writing %s: %v", graph.ErrUnavailable, s.db.Path(), err)
	}
	st.apply(record)
	return st.summary, nil
}

// stage holds an import run's new versions of nodes and relationships; a nil entry is a deletion.
// Only the run's goroutine touches it, and the graph it reads cannot change while importMu is
// held, so reading s.nodes and s.rels here needs no lock.
type stage struct {
	s        *Store
	run      graph.ImportRun
	writeAt  time.Time
	summary  *graph.ImportSummary
	nodes    map[string]*nodeRec
	rels     map[string]*relRec
	stamps   map[string]string // source -> its stamp for this run, one string per source
	nodeVers []*nodeVersion    // versions this run ended
	relVers  []*relVersion
	aliases  map[string]string // sameAs declared in this run (sameas.go)
}

// instant is when what source states in this run takes effect, in unix nanoseconds.
func (st *stage) instant(source string) int64 {
	return graph.EffectiveInstant(st.run, source, st.writeAt).UnixNano()
}

// ended returns the version that e held until at, or nil when it held for no time (a fact
// written twice in one run was never visible in between).
func (st *stage) ended(e *entity, at int64) *version {
	if at <= e.Since {
		return nil
	}
	return &version{entity: *e, Start: e.Since, End: at, StartRun: e.SinceRun, EndRun: st.run.ID}
}

// removed returns the version e held until it was removed at `at`, if it held at all.
func (st *stage) removed(e *entity, at int64) *version {
	v := st.ended(e, max(at, e.Since))
	if v != nil {
		v.Removed = true
	}
	return v
}

func (st *stage) stamp(source string) string {
	s, ok := st.stamps[source]
	if !ok {
		s = graph.SeenStamp(source, st.run.ID)
		st.stamps[source] = s
	}
	return s
}

func (st *stage) node(id string) *nodeRec {
	if n, ok := st.nodes[id]; ok {
		return n
	}
	return st.s.nodes[id]
}

func (st *stage) rel(key string) *relRec {
	if r, ok := st.rels[key]; ok {
		return r
	}
	return st.s.rels[key]
}

// restate is the provenance bookkeeping shared by nodes and relationships, as in the Neo4j store:
// the source's stamp replaces its earlier ones; the domain properties are what it states now.
// When the properties or the evidence (the stating sources or file) differ from the old ones, the
// old version ends (returned) and a new one begins (docs/history.md).
func (st *stage) restate(old *entity, props map[string]any, source, file string, line int) (entity, graph.Counts, *version) {
	at := st.instant(source)
	e := entity{Props: copyProps(props), Hash: hashOf(props), FirstRun: st.run.ID, LastRun: st.run.ID, LastAt: at,
		File: file, Line: line, Since: at, SinceRun: st.run.ID, Changed: at, ChangedRun: st.run.ID}
	prefix := graph.SeenPrefix(source)
	var c graph.Counts
	var ended *version
	switch {
	case old == nil:
		c.Created = 1
	case old.Hash == e.Hash:
		c.Unchanged = 1
		e.Changed, e.ChangedRun = old.Changed, old.ChangedRun
		if old.File == file && stated(old, source) { // the line alone may move, in place
			e.Since, e.SinceRun = old.Since, old.SinceRun
		} else { // the same content, other evidence
			e.Since = max(at, old.Since)
			ended = st.ended(old, e.Since)
		}
	default:
		c.Updated = 1
		// A version never starts before the one it replaces (a late OpenLineage event).
		e.Since = max(at, old.Since)
		e.Changed = e.Since
		ended = st.ended(old, e.Since)
	}
	if old != nil {
		e.FirstRun = old.FirstRun
		for _, stamp := range old.Seen {
			if !strings.HasPrefix(stamp, prefix) {
				e.Seen = append(e.Seen, stamp)
			}
		}
	}
	e.Seen = append(e.Seen, st.stamp(source))
	return e, c, ended
}

// stated reports whether source states e already (in any run).
func stated(e *entity, source string) bool {
	prefix := graph.SeenPrefix(source)
	return slices.ContainsFunc(e.Seen, func(s string) bool { return strings.HasPrefix(s, prefix) })
}

// reattributed returns e with other stamps (a source added or dropped): a new version of the
// same content, beginning at `at`, and the version that ends.
func (st *stage) reattributed(e entity, seen []string, at int64) (entity, *version) {
	next := e
	next.Seen = seen
	next.Since, next.SinceRun = max(at, e.Since), st.run.ID
	return next, st.ended(&e, next.Since)
}

// WriteNodes implements graph.Writer.
func (st *stage) WriteNodes(ctx context.Context, nodes []graph.NodeRecord) error {
	for _, n := range nodes {
		if _, ok := graph.KindOf(n.Kind); !ok {
			return fmt.Errorf("unknown kind %q", n.Kind)
		}
		var old *entity
		o := st.node(n.ID)
		if o != nil {
			if o.Kind != n.Kind { // a run that committed since the importer's check named the id
				return &graph.KindConflictError{ID: n.ID, Stored: o.Kind, Written: n.Kind}
			}
			old = &o.entity
		}
		e, c, ended := st.restate(old, n.Props, n.Source, n.File, n.Line)
		if n.Stub && old != nil { // only named: keep what the graph says, add the stamp
			kept, seen := *old, e.Seen
			c, ended = graph.Counts{Unchanged: 1}, nil
			if !stated(old, n.Source) { // a new source: the evidence changed
				kept, ended = st.reattributed(kept, seen, st.instant(n.Source))
			}
			kept.Seen, kept.LastRun, kept.LastAt = seen, e.LastRun, e.LastAt
			e = kept
		}
		if ended != nil {
			st.nodeVers = append(st.nodeVers, &nodeVersion{ID: n.ID, Kind: n.Kind, version: *ended})
		}
		st.nodes[n.ID] = &nodeRec{ID: n.ID, Kind: n.Kind, entity: e}
		st.summary.AddNodes(n.Kind, c)
		if len(n.SameAs) > 0 { // other ids of the node: aliases, merged when they are nodes (sameas.go)
			if err := st.sameAs(n); err != nil {
				return err
			}
		}
	}
	return ctx.Err()
}

// WriteRelationships implements graph.Writer.
func (st *stage) WriteRelationships(ctx context.Context, rels []graph.RelRecord) error {
	for _, r := range rels {
		if _, ok := graph.RelOf(r.Type); !ok {
			return fmt.Errorf("unknown relationship type %q", r.Type)
		}
		if st.node(r.From) == nil || st.node(r.To) == nil {
			return fmt.Errorf("%s relationship %s -> %s: an endpoint is missing", r.Type, r.From, r.To)
		}
		key := relKey(r.From, r.Type, r.To, r.KeyValue())
		var old *entity
		if o := st.rel(key); o != nil {
			old = &o.entity
		}
		e, c, ended := st.restate(old, r.Props, r.Source, r.File, r.Line)
		if ended != nil {
			st.relVers = append(st.relVers, &relVersion{Type: r.Type, FromID: r.From, ToID: r.To, key: key, version: *ended})
		}
		st.rels[key] = &relRec{Type: r.Type, From: r.From, To: r.To, entity: e, key: key, lineage: graph.IsLineage(r.Type)}
		st.summary.AddRelationships(r.Type, c)
	}
	return ctx.Err()
}

// unstated tells whether source stated e before this run but not in it, and returns e's stamps
// without that source's.
func (st *stage) unstated(e *entity, source string) ([]string, bool) {
	prefix, stamp := graph.SeenPrefix(source), st.stamp(source)
	if slices.Contains(e.Seen, stamp) || !slices.ContainsFunc(e.Seen, func(s string) bool { return strings.HasPrefix(s, prefix) }) {
		return nil, false
	}
	var rest []string
	for _, s := range e.Seen {
		if !strings.HasPrefix(s, prefix) {
			rest = append(rest, s)
		}
	}
	return rest, true
}

// prune removes what source stated before and not in this run, as the Neo4j store does:
// relationships first (counted), then nodes no source states any more, with their relationships.
// Whatever goes ends its current version at the source's instant.
func (st *stage) prune(source string) {
	st.pruneIn(source, st.allRels(), st.allNodes(), func(map[string]bool) []*relRec { return st.allRels() })
}

// pruneIn is prune over the relationships and nodes given; relsOf lists (at least) the
// relationships of the nodes that go, which go with them.
func (st *stage) pruneIn(source string, rels []*relRec, nodes []*nodeRec, relsOf func(gone map[string]bool) []*relRec) {
	at := st.instant(source)
	for _, r := range rels {
		rest, ok := st.unstated(&r.entity, source)
		if !ok {
			continue
		}
		if len(rest) == 0 {
			st.deleteRel(r, at)
			st.summary.AddRelationships(r.Type, graph.Counts{Removed: 1})
			continue
		}
		kept := *r
		var ended *version
		kept.entity, ended = st.reattributed(r.entity, rest, at)
		if ended != nil {
			st.relVers = append(st.relVers, &relVersion{Type: r.Type, FromID: r.From, ToID: r.To, key: r.key, version: *ended})
		}
		st.rels[r.key] = &kept
	}
	gone := map[string]bool{}
	for _, n := range nodes {
		rest, ok := st.unstated(&n.entity, source)
		if !ok {
			continue
		}
		if len(rest) == 0 {
			st.nodes[n.ID] = nil
			if v := st.removed(&n.entity, at); v != nil {
				st.nodeVers = append(st.nodeVers, &nodeVersion{ID: n.ID, Kind: n.Kind, version: *v})
			}
			gone[n.ID] = true
			st.summary.AddNodes(n.Kind, graph.Counts{Removed: 1})
			continue
		}
		kept := *n
		var ended *version
		kept.entity, ended = st.reattributed(n.entity, rest, at)
		if ended != nil {
			st.nodeVers = append(st.nodeVers, &nodeVersion{ID: n.ID, Kind: n.Kind, version: *ended})
		}
		st.nodes[n.ID] = &kept
	}
	if len(gone) == 0 {
		return
	}
	for _, r := range relsOf(gone) { // a deleted node takes its relationships with it
		if gone[r.From] || gone[r.To] {
			st.deleteRel(r, at)
		}
	}
}

// deleteRel stages r's deletion and the end of its current version.
func (st *stage) deleteRel(r *relRec, at int64) {
	st.rels[r.key] = nil
	if v := st.removed(&r.entity, at); v != nil {
		st.relVers = append(st.relVers, &relVersion{Type: r.Type, FromID: r.From, ToID: r.To, key: r.key, version: *v})
	}
}

// allRels and allNodes list the staged view: the graph with this run's changes.
func (st *stage) allRels() []*relRec   { return merged(st.s.rels, st.rels) }
func (st *stage) allNodes() []*nodeRec { return merged(st.s.nodes, st.nodes) }

// merged lists base's records that staged does not replace, then staged's (nil: deleted).
func merged[T any](base, staged map[string]*T) []*T {
	var out []*T
	for k, r := range base {
		if _, replaced := staged[k]; !replaced {
			out = append(out, r)
		}
	}
	for _, r := range staged {
		if r != nil {
			out = append(out, r)
		}
	}
	return out
}

// commit writes the staged changes and the run record in one bbolt transaction, keys in order
// (bbolt fills pages best with sequential keys).
func (st *stage) commit(run *graph.RunRecord) error {
	return st.s.db.Update(func(tx *bolt.Tx) error {
		nb, rb := tx.Bucket(bucketNodes), tx.Bucket(bucketRels)
		// Keys go in sorted, so pages can be filled rather than split in half.
		nb.FillPercent, rb.FillPercent = 0.9, 0.9
		for _, id := range sortedKeys(st.nodes) {
			if err := put(nb, id, st.nodes[id]); err != nil {
				return err
			}
		}
		for _, key := range sortedKeys(st.rels) {
			if err := put(rb, key, st.rels[key]); err != nil {
				return err
			}
		}
		if err := st.s.hist.persist(tx, st.nodeVers, st.relVers); err != nil {
			return err
		}
		if err := st.commitAliases(tx); err != nil { // sameas.go
			return err
		}
		data, err := json.Marshal(run)
		if err != nil {
			return err
		}
		return tx.Bucket(bucketRuns).Put([]byte(run.ID), data)
	})
}

// put stores v under key, or deletes key when v is a nil pointer.
func put[T any](b *bolt.Bucket, key string, v *T) error {
	if v == nil {
		return b.Delete([]byte(key))
	}
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put([]byte(key), data)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// apply makes the committed changes visible. Records that exist are updated in place, so the
// adjacency lists that point at them stay valid.
func (st *stage) apply(run *graph.RunRecord) {
	for _, n := range st.nodes {
		if n != nil {
			n.derive()
		}
	}
	for _, r := range st.rels {
		if r != nil {
			r.derive()
		}
	}
	for _, v := range st.nodeVers {
		v.derive()
	}
	for _, v := range st.relVers {
		v.derive()
	}
	s := st.s
	s.mu.Lock()
	defer s.mu.Unlock()
	// The graph changes: derived sets are computed again on first use.
	s.helpers.Store(nil)
	for key, r := range st.rels { // deletions first, while both endpoints exist
		if old := s.rels[key]; r == nil && old != nil {
			old.from.out = remove(old.from.out, old)
			old.to.in = remove(old.to.in, old)
			delete(s.rels, key)
		}
	}
	reindex := false
	for id, n := range st.nodes {
		old := s.nodes[id]
		switch {
		case n == nil && old != nil:
			delete(s.nodes, id)
			reindex = true
		case n != nil && old != nil:
			old.Kind, old.entity = n.Kind, n.entity
		case n != nil:
			s.nodes[id] = n
			reindex = true
		}
	}
	for key, r := range st.rels {
		if r == nil {
			continue
		}
		if old := s.rels[key]; old != nil {
			old.entity = r.entity
			continue
		}
		r.from, r.to = s.nodes[r.From], s.nodes[r.To]
		r.from.out = append(r.from.out, r)
		r.to.in = append(r.to.in, r)
		s.rels[key] = r
	}
	s.runs[run.ID] = run
	s.hist.add(st.nodeVers, st.relVers)
	st.applyAliases() // sameas.go
	if reindex {
		s.reindex()
	}
}

func remove(rs []*relRec, r *relRec) []*relRec {
	if i := slices.Index(rs, r); i >= 0 {
		return slices.Delete(rs, i, i+1)
	}
	return rs
}
