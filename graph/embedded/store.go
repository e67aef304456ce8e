// Package embedded is the store aimsgraph uses when no Neo4j is configured (README.md): the whole
// graph lives in memory, with adjacency lists for traversal, and is persisted in a bbolt file
// under the data directory. An import run is one bbolt transaction: it commits whole, with an
// fsync, or not at all, so a process killed mid-import leaves the previous graph readable.
//
// Concurrency: any number of readers; one import at a time. An import stages its changes beside
// the graph (readers keep seeing the previous state), commits them to disk, and only then
// applies them to memory under a short write lock.
package embedded

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/aimsgraph/aimsgraph/graph"
)

// FileName is the database file inside the data directory.
const FileName = "aimsgraph.db"

var (
	bucketNodes    = []byte("nodes")
	bucketRels     = []byte("relationships")
	bucketRuns     = []byte("runs")
	bucketNodeVers = []byte("nodeVersions") // ended versions, docs/history.md
	bucketRelVers  = []byte("relVersions")
	bucketMeta     = []byte("meta") // the history horizon
)

// Store is a graph.Store kept in memory and persisted in bbolt.
type Store struct {
	db  *bolt.DB
	dir string

	importMu sync.Mutex   // one import at a time
	mu       sync.RWMutex // guards everything below
	nodes    map[string]*nodeRec
	rels     map[string]*relRec
	runs     map[string]*graph.RunRecord
	byKind   map[graph.Kind][]string // sorted ids per kind, for filters and keyset paging
	ids      []string                // every id, sorted
	hist     history                 // ended versions (history.go)
	aliases  map[string]string       // sameAs: alias -> the id of the node it names (sameas.go)

	// helpers are the nodes the derived notions questions most often start from hold for, per
	// state of the graph: nil after every change (import), computed on first use.
	helpers atomic.Pointer[helperSets]
}

// helperSets are the sorted ids of the nodes that are third-party, and flagged for some risk
// category, by the one definition of each in package graph: the embedded twin of Neo4j's helper
// labels (docs/performance.md). They only narrow where a question looks; its filter is still
// tested on every candidate. Without them the canonical question tested the third-party and
// flag conditions, which walk relationships, on every dataset, every time.
type helperSets struct{ thirdParty, flagged []string }

var flaggedForSome = graph.FlaggedFor(graph.RiskCategories...)

// helperSets returns the current state's sets; s.mu is held for reading.
func (s *Store) helperSets() *helperSets {
	if h := s.helpers.Load(); h != nil {
		return h
	}
	h := &helperSets{}
	for _, id := range s.ids {
		n := s.nodes[id]
		if graph.ThirdParty.Match(n) {
			h.thirdParty = append(h.thirdParty, id)
		}
		if flaggedForSome.Match(n) {
			h.flagged = append(h.flagged, id)
		}
	}
	s.helpers.CompareAndSwap(nil, h) // readers racing here computed the same sets
	return h
}

var _ graph.Store = (*Store)(nil)

// entity is what nodes and relationships share: domain properties and provenance, since when
// (unix nanoseconds) and by which run this version holds, and when its domain properties last
// changed (docs/history.md).
type entity struct {
	Props      map[string]any `json:"props,omitempty"`
	Hash       contentHash    `json:"hash"`
	Seen       []string       `json:"seen"` // graph.SeenStamp per stating source
	FirstRun   string         `json:"firstRun"`
	LastRun    string         `json:"lastRun"`
	LastAt     int64          `json:"lastAt,omitempty"` // when the last statement (LastRun) took effect
	File       string         `json:"file,omitempty"`
	Line       int            `json:"line,omitempty"`
	Since      int64          `json:"since,omitempty"`
	SinceRun   string         `json:"sinceRun,omitempty"`
	Changed    int64          `json:"changed,omitempty"`
	ChangedRun string         `json:"changedRun,omitempty"`

	sources *[]string // graph.SourcesOf(Seen), derived once (derive); read-only, shared at load (interner)
}

// contentHash is graph.ContentHash held as its 12 bytes rather than as 24 hex characters in a
// string of its own (40 bytes with the string's header, per node, relationship and version). It is
// stored as the same hex text, so stores written before read back unchanged.
type contentHash [12]byte

func hashOf(props map[string]any) contentHash {
	var h contentHash
	_ = h.UnmarshalText([]byte(graph.ContentHash(props))) // always 24 hex characters
	return h
}

// MarshalText implements encoding.TextMarshaler: the hex text graph.ContentHash returns.
func (h contentHash) MarshalText() ([]byte, error) { return hex.AppendEncode(nil, h[:]), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (h *contentHash) UnmarshalText(text []byte) error {
	if len(text) != hex.EncodedLen(len(h)) {
		return fmt.Errorf("content hash %q: want %d hex digits", text, hex.EncodedLen(len(h)))
	}
	_, err := hex.Decode(h[:], text)
	return err
}

type nodeRec struct {
	ID   string     `json:"id"`
	Kind graph.Kind `json:"kind"`
	entity
	out, in []*relRec // adjacency; not persisted, rebuilt at load
}

type relRec struct {
	Type graph.RelType `json:"type"`
	From string        `json:"from"`
	To   string        `json:"to"`
	entity
	key      string
	from, to *nodeRec // not persisted
	lineage  bool     // graph.IsLineage(Type), kept for the traversals' inner loop
}

func relKey(from string, t graph.RelType, to, keyValue string) string {
	return from + "\x00" + string(t) + "\x00" + to + "\x00" + keyValue
}

// Open opens (creating if needed) the store in dir. A second process opening the same
// directory gets ErrInUse at once rather than waiting.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("%w: creating data directory: %v", graph.ErrUnavailable, err)
	}
	path := filepath.Join(dir, FileName)
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 200 * time.Millisecond})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("%w: %s", ErrInUse, dir)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: opening %s: %v", graph.ErrUnavailable, path, err)
	}
	s := &Store{db: db, dir: dir}
	if err := s.load(); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("%w: reading %s: %v", graph.ErrUnavailable, path, err)
	}
	return s, nil
}

// ErrInUse says another process holds the data directory (bbolt takes an exclusive file lock).
var ErrInUse = fmt.Errorf("%w: the data directory is in use by another aimsgraph process "+
	"(an `aimsgraph serve` on the same --data?); stop that process and retry, or use a Neo4j store "+
	"(NEO4J_URI) when several processes need the graph at once; data directory", graph.ErrUnavailable)

// load reads the whole graph into memory and builds the adjacency lists.
func (s *Store) load() error {
	s.runs = map[string]*graph.RunRecord{}
	var sorted []*nodeRec // in key order
	err := s.db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketNodes, bucketRels, bucketRuns, bucketNodeVers, bucketRelVers, bucketMeta} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		nodes, err := decodeBucket(tx.Bucket(bucketNodes), "node", func(n *nodeRec, _ []byte, in *interner) error {
			n.Kind = graph.Kind(in.str(string(n.Kind)))
			n.entity.intern(in)
			return nil
		})
		if err != nil {
			return err
		}
		s.nodes = make(map[string]*nodeRec, len(nodes))
		for _, n := range nodes {
			s.nodes[n.ID] = n
		}
		sorted = nodes
		// The nodes are all in: the decoding workers look relationships' ends up themselves.
		rels, err := decodeBucket(tx.Bucket(bucketRels), "relationship", func(r *relRec, key []byte, in *interner) error {
			from, to := s.nodes[r.From], s.nodes[r.To]
			if from == nil || to == nil {
				return fmt.Errorf("endpoint missing")
			}
			r.key = string(key)
			r.from, r.to = from, to
			r.From, r.To, r.Type = from.ID, to.ID, graph.RelType(in.str(string(r.Type)))
			r.lineage = graph.IsLineage(r.Type)
			r.entity.intern(in)
			return nil
		})
		if err != nil {
			return err
		}
		// The map by key and the adjacency lists (in key order) are built side by side: they
		// share nothing they write.
		s.rels = make(map[string]*relRec, len(rels))
		var byKey sync.WaitGroup
		byKey.Go(func() {
			for _, r := range rels {
				s.rels[r.key] = r
			}
		})
		for _, r := range rels {
			r.from.out = append(r.from.out, r)
			r.to.in = append(r.to.in, r)
		}
		byKey.Wait()
		if err := tx.Bucket(bucketRuns).ForEach(func(k, v []byte) error {
			run := &graph.RunRecord{}
			if err := json.Unmarshal(v, run); err != nil {
				return fmt.Errorf("import run %q: %w", k, err)
			}
			s.runs[run.ID] = run
			return nil
		}); err != nil {
			return err
		}
		if err := s.loadAliases(tx); err != nil { // sameas.go
			return err
		}
		return s.hist.load(tx)
	})
	if err != nil {
		return err
	}
	s.index(sorted)
	return nil
}

// interner keeps one copy of what repeats across records. Most strings repeat (run ids, stamps,
// file names, enum values), and so do whole lists of stamps (every fact one run of one source
// stated has the same): one copy each keeps a large graph's memory near what its distinct
// content needs.
type interner struct {
	strs  map[string]string
	seens map[string]*seenSet            // by the stamps joined
	props map[contentHash]map[string]any // by their content hash
}

// seenSet is a list of stamps with the sources it names (graph.SourcesOf), shared read-only by
// every entity that has those stamps.
type seenSet struct{ seen, sources []string }

func newInterner() *interner {
	return &interner{strs: map[string]string{}, seens: map[string]*seenSet{}, props: map[contentHash]map[string]any{}}
}

func (in *interner) str(v string) string {
	if x, ok := in.strs[v]; ok {
		return x
	}
	in.strs[v] = v
	return v
}

// intern replaces e's repeated strings, and its stamps, by shared copies, and derives its sources.
func (e *entity) intern(in *interner) {
	e.FirstRun, e.LastRun, e.File = in.str(e.FirstRun), in.str(e.LastRun), in.str(e.File)
	e.SinceRun, e.ChangedRun = in.str(e.SinceRun), in.str(e.ChangedRun)
	own := false // the map holds a name or description: it is this entity's own
	for k, v := range e.Props {
		if ownText[k] {
			own = true
		} else if s, ok := v.(string); ok && len(s) <= 32 { // enum values and short codes repeat; names and prose do not
			e.Props[k] = in.str(s)
		}
	}
	// Whole property maps repeat too (a relationship's few properties, often the same): a stored
	// map is never changed in place, so equal ones can be one. Even a map of one property costs
	// a few hundred bytes.
	if len(e.Props) > 0 && !own {
		switch m, ok := in.props[e.Hash]; {
		case !ok:
			in.props[e.Hash] = e.Props
		case reflect.DeepEqual(m, e.Props): // the hash names the content; equal makes sure
			e.Props = m
		}
	}
	if len(e.Seen) == 0 {
		e.derive()
		return
	}
	key := strings.Join(e.Seen, "\x00") // one stamp (the usual case): no copy
	if set := in.seens[key]; set != nil && slices.Equal(set.seen, e.Seen) {
		e.Seen, e.sources = set.seen, &set.sources
		return
	}
	for i, stamp := range e.Seen {
		e.Seen[i] = in.str(stamp)
	}
	e.Seen = slices.Clip(e.Seen) // shared: an append must copy
	set := &seenSet{seen: e.Seen, sources: graph.SourcesOf(e.Seen)}
	if _, taken := in.seens[key]; !taken {
		in.seens[in.str(key)] = set
	}
	e.sources = &set.sources
}

// reindex rebuilds the sorted id lists after nodes were added or removed.
func (s *Store) reindex() {
	nodes := make([]*nodeRec, 0, len(s.nodes))
	for _, n := range s.nodes {
		nodes = append(nodes, n)
	}
	s.index(nodes)
}

// index sets the id lists from every node: loading gives them in key order, sorted already,
// which spares sorting a large graph's ids at every start.
func (s *Store) index(nodes []*nodeRec) {
	byID := func(a, b *nodeRec) int { return strings.Compare(a.ID, b.ID) }
	if !slices.IsSortedFunc(nodes, byID) {
		slices.SortFunc(nodes, byID)
	}
	s.ids = make([]string, len(nodes))
	s.byKind = map[graph.Kind][]string{}
	for i, n := range nodes { // in order: each kind's list is sorted too
		s.ids[i] = n.ID
		s.byKind[n.Kind] = append(s.byKind[n.Kind], n.ID)
	}
}

// decodeBucket decodes every record of b on every core: decoding JSON is most of what opening a
// large store costs. finish, called in the decoding worker with the record's key (valid while
// the transaction lasts) and the worker's interner, does the rest of a record's loading that
// needs no other record, on every core too. The records come back in key order; the first
// record that fails names its key.
func decodeBucket[T any](b *bolt.Bucket, what string, finish func(*T, []byte, *interner) error) ([]*T, error) {
	var keys, vals [][]byte
	_ = b.ForEach(func(k, v []byte) error {
		keys, vals = append(keys, k), append(vals, v)
		return nil
	})
	out := make([]*T, len(vals))
	errs := make([]error, len(vals))
	workers := max(1, min(runtime.GOMAXPROCS(0), len(vals)/1000))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			// Each worker keeps its own copy of what repeats (a handful of copies of a few
			// thousand strings and maps), so that the workers share nothing they write.
			in := newInterner()
			for i := w; i < len(vals); i += workers {
				out[i] = new(T)
				if errs[i] = decodeWith(vals[i], out[i], in.strs); errs[i] == nil {
					errs[i] = finish(out[i], keys[i], in)
				}
			}
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("%s %q: %w", what, keys[i], err)
		}
	}
	return out, nil
}

// decode reads a stored record. Numbers come back as int64 (every number in the model is a
// whole number) and lists as []string (every list is a list of text), as the importer wrote them.
func decode(data []byte, v any) error { return decodeWith(data, v, nil) }

// decodeWith is decode keeping the strings it reads in strs, when not nil (decodeFast).
func decodeWith(data []byte, v any, strs map[string]string) error {
	if decodeFast(data, v, strs) { // decode.go
		return nil
	}
	return decodeJSON(data, v)
}

// decodeJSON is decode by encoding/json: what decodeFast must agree with.
func decodeJSON(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	var props map[string]any
	switch x := v.(type) {
	case *nodeRec:
		props = x.Props
	case *relRec:
		props = x.Props
	case *nodeVersion:
		props = x.Props
	case *relVersion:
		props = x.Props
	}
	for k, p := range props {
		switch y := p.(type) {
		case json.Number:
			i, err := y.Int64()
			if err != nil {
				return fmt.Errorf("property %s: %w", k, err)
			}
			props[k] = i
		case []any:
			props[k] = graph.TextList(y)
		}
	}
	return nil
}

// Ping implements graph.Store.
func (s *Store) Ping(ctx context.Context) error {
	if s.db.Path() == "" {
		return fmt.Errorf("%w: embedded store closed", graph.ErrUnavailable)
	}
	return nil
}

// Close implements graph.Store.
func (s *Store) Close(ctx context.Context) error {
	s.importMu.Lock()
	defer s.importMu.Unlock()
	return s.db.Close()
}

// Dir returns the data directory.
func (s *Store) Dir() string { return s.dir }

// toNode and toRelationship share the record's property map: a stored map is never changed in
// place (an import replaces it whole), and what a Reader returns is read-only (graph.Reader).
func (n *nodeRec) toNode() *graph.Node {
	return &graph.Node{ID: n.ID, Kind: n.Kind, Props: orNoProps(n.Props), Provenance: n.provenance()}
}

func (r *relRec) toRelationship() *graph.Relationship {
	return &graph.Relationship{Type: r.Type, From: r.From, To: r.To, Props: orNoProps(r.Props), Provenance: r.provenance()}
}

// noProps stands for the properties of a fact that has none (a stored empty map reads back as
// nil), so every answer has a map to read.
var noProps = map[string]any{}

func orNoProps(p map[string]any) map[string]any {
	if p == nil {
		return noProps
	}
	return p
}

func (e *entity) provenance() graph.Provenance {
	var sources []string
	switch {
	case e.sources != nil:
		sources = *e.sources
	case len(e.Seen) > 0: // not yet derived (a staged record, never shared)
		sources = graph.SourcesOf(e.Seen)
	}
	return graph.Provenance{Sources: sources, FirstRun: e.FirstRun, LastRun: e.LastRun, File: e.File, Line: e.Line}
}

// provenanceAt is the provenance a reader of the graph as of t sees: the last run is never one
// that took effect after t. A fact restated unchanged after t keeps its version and moves its
// last run forward in place (docs/history.md), so as of t the run that began the version, which
// did state it by then, is named instead.
func (e *entity) provenanceAt(t int64) graph.Provenance {
	p := e.provenance()
	if e.LastAt > t && e.SinceRun != "" {
		p.LastRun = e.SinceRun
	}
	return p
}

// derive computes what reads need of an entity once, before it is shared: the sources its
// stamps name (a sorted copy per read was most of what a traversal allocated).
func (e *entity) derive() {
	sources := graph.SourcesOf(e.Seen)
	e.sources = &sources
}

// copyProps copies a record's properties; none stay nil, as they read back from disk.
func copyProps(p map[string]any) map[string]any {
	if len(p) == 0 {
		return nil
	}
	out := make(map[string]any, len(p))
	for k, v := range p {
		out[k] = v
	}
	return out
}

// KindsOf implements graph.Store.
func (s *Store) KindsOf(ctx context.Context, ids []string) (map[string]graph.Kind, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make(map[string]graph.Kind, len(ids))
	for _, id := range ids {
		if n := s.nodes[id]; n != nil {
			out[id] = n.Kind
		}
	}
	return out, nil
}

// Nodes implements graph.Store.
func (s *Store) Nodes(ctx context.Context, ids []string) ([]*graph.Node, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]*graph.Node, 0, len(ids))
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		if n := s.nodes[id]; n != nil && !seen[id] {
			seen[id] = true
			out = append(out, n.toNode())
		}
	}
	return out, nil
}

// nodeRec is a graph.NodeView, so the derived notions (graph/derived.go) evaluate on the
// records themselves, without copying.
var _ graph.NodeView = (*nodeRec)(nil)

// NodeID implements graph.NodeView.
func (n *nodeRec) NodeID() string { return n.ID }

// NodeKind implements graph.NodeView.
func (n *nodeRec) NodeKind() graph.Kind { return n.Kind }

// Prop implements graph.NodeView.
func (n *nodeRec) Prop(name string) any { return n.Props[name] }

// Edges implements graph.NodeView.
func (n *nodeRec) Edges(t graph.RelType, dir graph.Direction, visit func(map[string]any, graph.NodeView) bool) {
	rels, far := n.in, func(r *relRec) *nodeRec { return r.from }
	if dir == graph.Out {
		rels, far = n.out, func(r *relRec) *nodeRec { return r.to }
	}
	for _, r := range rels {
		if r.Type == t && !visit(r.Props, far(r)) {
			return
		}
	}
}

// matcher compiles a filter into a predicate on nodes.
// It is used on the filter's candidates only (candidates): when those are the filter's ids, the
// ids need no testing again (a list of thousands tested per candidate was quadratic).
func (s *Store) matcher(f graph.NodeFilter) func(*nodeRec) bool {
	if f.IDs != nil {
		f.IDs = nil
	}
	c := f.Cond()
	return func(n *nodeRec) bool { return c.Match(n) }
}

// candidates returns the sorted ids a filter can match at most: its ids, the third-party or
// flagged nodes (helperSets), its kinds' ids, or all. Only these are tested, so such a filter
// does not scan the whole graph.
func (s *Store) candidates(f graph.NodeFilter) []string {
	if f.IDs == nil && ((f.ThirdParty != nil && *f.ThirdParty) || len(f.Flags) > 0) {
		h := s.helperSets()
		ids := h.flagged
		if f.ThirdParty != nil && *f.ThirdParty && (len(f.Flags) == 0 || len(h.thirdParty) < len(ids)) {
			ids = h.thirdParty
		}
		return ids
	}
	switch {
	case f.IDs != nil:
		ids := slices.Clone(f.IDs)
		slices.Sort(ids)
		return slices.Compact(ids)
	case f.Kinds != nil:
		var ids []string
		for _, k := range f.Kinds {
			ids = append(ids, s.byKind[k]...)
		}
		slices.Sort(ids)
		return slices.Compact(ids)
	}
	return s.ids
}

// FindNodes implements graph.Store with keyset paging on id.
func (s *Store) FindNodes(ctx context.Context, f graph.NodeFilter, page graph.PageRequest) (*graph.NodePage, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	match := s.matcher(f)
	ids := s.candidates(f)
	start, _ := slices.BinarySearch(ids, page.After)
	out := &graph.NodePage{}
	for _, id := range ids[start:] {
		n := s.nodes[id]
		if n == nil || id <= page.After || !match(n) {
			continue
		}
		if len(out.Nodes) == page.First {
			out.HasNext = true
			break
		}
		out.Nodes = append(out.Nodes, n.toNode())
	}
	if page.WantTotal {
		for _, id := range ids {
			if n := s.nodes[id]; n != nil && match(n) {
				out.TotalCount++
			}
		}
	}
	return out, ctx.Err()
}

// Edges implements graph.Store.
func (s *Store) Edges(ctx context.Context, ids []string, dir graph.Direction, types []graph.RelType) ([]*graph.Relationship, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []*graph.Relationship
	s.eachEdge(ids, dir, types, func(r *relRec) { out = append(out, r.toRelationship()) })
	return out, nil
}

// eachEdge calls fn with the relationships of ids in direction dir of types (any when none),
// each once: ids are taken once each, and with both directions a relationship between two of
// them would come from both ends, so only its from end gives it then. The caller holds s.mu.
func (s *Store) eachEdge(ids []string, dir graph.Direction, types []graph.RelType, fn func(*relRec)) {
	asked := make(map[string]bool, len(ids))
	for _, id := range ids {
		asked[id] = true
	}
	add := func(rs []*relRec, skipAsked bool) {
		for _, r := range rs {
			if (len(types) == 0 || slices.Contains(types, r.Type)) && !(skipAsked && asked[r.From]) {
				fn(r)
			}
		}
	}
	for id := range asked {
		n := s.nodes[id]
		if n == nil {
			continue
		}
		if dir == graph.Out || dir == graph.Both {
			add(n.out, false)
		}
		if dir == graph.In || dir == graph.Both {
			add(n.in, dir == graph.Both)
		}
	}
}

// Runs implements graph.Store.
func (s *Store) Runs(ctx context.Context, q graph.RunQuery) ([]*graph.RunRecord, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []*graph.RunRecord
	for _, r := range s.runs {
		if q.Selects(r) {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].StartedAt.Equal(out[j].StartedAt) {
			return out[i].StartedAt.After(out[j].StartedAt)
		}
		return out[i].ID > out[j].ID
	})
	if q.Limit > 0 && len(out) > q.Limit {
		out = out[:q.Limit]
	}
	return out, nil
}
