package graph

import (
	"context"
	"errors"
	"slices"
	"time"
)

// Reader answers questions about one state of the graph: the current one (the Store itself),
// or the graph as it stood at an instant (Store.At). Every question is one store round trip on
// the current state; see docs/history.md for what an as-of question costs. The nodes and
// relationships it returns may share memory with the store: callers read them, never change
// them.
type Reader interface {
	// KindsOf returns the kind of each of ids that exists in the graph; absent ids are left out.
	KindsOf(ctx context.Context, ids []string) (map[string]Kind, error)
	// Nodes returns the nodes with these ids, in no particular order; absent ids are left out.
	Nodes(ctx context.Context, ids []string) ([]*Node, error)
	// FindNodes returns one page of the nodes matching the filter, ordered by id.
	FindNodes(ctx context.Context, filter NodeFilter, page PageRequest) (*NodePage, error)
	// Edges returns the relationships that touch any of ids in the given direction (Out: ids are
	// the `from` end), restricted to types when types is not empty.
	Edges(ctx context.Context, ids []string, dir Direction, types []RelType) ([]*Relationship, error)
	// Links is Edges reduced to what a traversal needs to move (ends, type, key): a breadth-first
	// level built on the primitives moves along links, and reads whole (Edges) only the
	// relationships its answer shows.
	Links(ctx context.Context, ids []string, dir Direction, types []RelType) ([]Link, error)
	// Lineage returns the lineage subgraph around a node; nil when the node does not exist.
	Lineage(ctx context.Context, q LineageQuery) (*Subgraph, error)
	// Paths returns lineage paths between two nodes, shortest first, each node at most once.
	Paths(ctx context.Context, q PathQuery) ([]Path, error)
	// Impact returns the nodes of the target kinds downstream of the matching sources.
	Impact(ctx context.Context, q ImpactQuery) (*ImpactResult, error)
}

// Store is what aimsgraph needs of a graph database. It is shaped by the questions users ask
// and by the import run, not by the node kinds: every kind goes through the same calls. As a
// Reader it answers about the current graph.
type Store interface {
	Reader
	Identifier // ids and aliases (sameas.go)
	// At returns the graph as it stood at instant t (docs/history.md): the store itself when
	// nothing changed after t. An instant before the first run gives an empty graph; one before
	// the history horizon (Compact) is an ErrCompacted error.
	At(ctx context.Context, t time.Time) (Reader, error)
	// Changes lists what differs between the graph as of q.Since and as of q.Until.
	Changes(ctx context.Context, q ChangeQuery) (*ChangeSet, error)
	// Compact drops the history that ended before an instant, atomically, and makes that
	// instant the history horizon.
	Compact(ctx context.Context, before time.Time) (*CompactSummary, error)

	// Import runs one import as a single atomic unit: fill writes batches through the Writer;
	// when fill returns an error, or run.DryRun is set, nothing is kept. Pruning (run.Prune)
	// happens in the same unit, after fill. The summary counts what changed.
	Import(ctx context.Context, run ImportRun, fill func(context.Context, Writer) error) (*ImportSummary, error)
	// Runs returns the import runs the query selects, latest first.
	Runs(ctx context.Context, q RunQuery) ([]*RunRecord, error)

	// Ping checks that the store answers.
	Ping(ctx context.Context) error
	Close(ctx context.Context) error
}

// Writer takes batches of records inside an import run. A batch is written in one round trip;
// records of a batch may be of different kinds and types.
type Writer interface {
	WriteNodes(ctx context.Context, nodes []NodeRecord) error
	WriteRelationships(ctx context.Context, rels []RelRecord) error
}

// ImportRun describes one run of the importer.
type ImportRun struct {
	ID        string
	Sources   []string // every source the run states; prune works on these
	Files     []FileDigest
	StartedAt time.Time
	User      string // who caused the run: an OS user on the command line, a token's name over HTTP
	Prune     bool
	DryRun    bool
	// SourceTimes gives, for sources whose facts take effect at another instant than the run's
	// finish, that instant: an OpenLineage job's facts hold from its event's eventTime. Pruning
	// such a source ends what it no longer states at that instant too.
	SourceTimes map[string]time.Time
	// PruneOnly, when set, narrows Prune to these sources: an OpenLineage event replaces its
	// job's lineage and the descriptions it carries, and leaves the other sources it names alone.
	PruneOnly []string
	// PruneAround gives, for pruned sources that state facts around one node only (an
	// OpenLineage job's lineage: the job, its edges and the datasets at their ends; a
	// description: the node and its owners), that node: pruning then looks at the node, its
	// relationships and their other ends, not the whole graph.
	PruneAround map[string]string
}

// Prunes reports whether the run prunes source: what it stated before and this run does not,
// ends.
func (r ImportRun) Prunes(source string) bool {
	return r.Prune && (len(r.PruneOnly) == 0 || slices.Contains(r.PruneOnly, source))
}

// MaxRoutes bounds a path search: the partial routes it may hold or extend. Past it the search
// stops with ErrTooLarge (a graph with many equal-length routes between two nodes).
const MaxRoutes = 1 << 18

// RunQuery selects import runs: by id, else by the sources they stated; Limit caps the answer
// (latest first). The zero RunQuery asks for every run.
type RunQuery struct {
	IDs     []string
	Sources []string // runs that stated any of these sources
	Limit   int      // 0: no limit
}

// FileDigest records a file read by a run and its SHA-256.
type FileDigest struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	Source string `json:"source"`
	Format string `json:"format"`
	// Event is set when the file (or one document of it, a request body) carried a pipeline's
	// event: which run of which job it reports, and when.
	Event *EventInfo `json:"event,omitempty"`
}

// EventInfo is the provenance of an OpenLineage event (docs/ingest.md): who sent it and which run of
// which job it reports. Its Time is when the event's facts hold from; the run that applied the
// newest event of a job records it, so an older event never overrides a newer one.
type EventInfo struct {
	Type      string    `json:"type"`                // START, RUNNING, COMPLETE, ABORT, FAIL, OTHER; JOB or DATASET for static events
	Time      time.Time `json:"time"`                // eventTime; zero when the event's time could not be read
	Producer  string    `json:"producer,omitempty"`  // the integration that emitted it (a URI)
	Job       string    `json:"job,omitempty"`       // the job's id, job:ol:<namespace>/<name>
	RunID     string    `json:"runId,omitempty"`     // the run's id (a UUID)
	ParentJob string    `json:"parentJob,omitempty"` // the parent run facet: the job that started this run
	ParentRun string    `json:"parentRun,omitempty"`
}

// Selects reports whether the query selects run r (ignoring Limit).
func (q RunQuery) Selects(r *RunRecord) bool {
	switch {
	case len(q.IDs) > 0:
		return slices.Contains(q.IDs, r.ID)
	case len(q.Sources) > 0:
		return slices.ContainsFunc(r.Sources, func(s string) bool { return slices.Contains(q.Sources, s) })
	}
	return true
}

// Counts counts what a run did to one kind or relationship type.
type Counts struct {
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
	Removed   int `json:"removed"`
}

// Add adds o to c.
func (c *Counts) Add(o Counts) {
	c.Created += o.Created
	c.Updated += o.Updated
	c.Unchanged += o.Unchanged
	c.Removed += o.Removed
}

// Changed reports whether anything was created, updated or removed.
func (c Counts) Changed() bool { return c.Created+c.Updated+c.Removed > 0 }

// ImportSummary is what an import run changed, per node kind and per relationship type.
type ImportSummary struct {
	RunID         string              `json:"runId"`
	Nodes         map[Kind]*Counts    `json:"nodes"`
	Relationships map[RelType]*Counts `json:"relationships"`
	DryRun        bool                `json:"dryRun"`
	FinishedAt    time.Time           `json:"finishedAt"`
}

// NewImportSummary returns an empty summary.
func NewImportSummary(runID string) *ImportSummary {
	return &ImportSummary{RunID: runID, Nodes: map[Kind]*Counts{}, Relationships: map[RelType]*Counts{}}
}

// AddNodes adds counts for kind k.
func (s *ImportSummary) AddNodes(k Kind, c Counts) {
	if s.Nodes[k] == nil {
		s.Nodes[k] = &Counts{}
	}
	s.Nodes[k].Add(c)
}

// AddRelationships adds counts for type t.
func (s *ImportSummary) AddRelationships(t RelType, c Counts) {
	if s.Relationships[t] == nil {
		s.Relationships[t] = &Counts{}
	}
	s.Relationships[t].Add(c)
}

// Total sums all node and relationship counts.
func (s *ImportSummary) Total() (nodes, rels Counts) {
	for _, c := range s.Nodes {
		nodes.Add(*c)
	}
	for _, c := range s.Relationships {
		rels.Add(*c)
	}
	return nodes, rels
}

// RunRecord is an import run as recorded in the graph: auditors' evidence of what came from where.
type RunRecord struct {
	ID      string
	Sources []string
	Files   []FileDigest
	User    string
	// StartedAt is when the importer began (reading and validating); EffectiveAt when the store
	// began writing: the instant the run's facts are stamped with (docs/history.md). The run is
	// visible to readers from FinishedAt.
	StartedAt   time.Time
	EffectiveAt time.Time
	FinishedAt  time.Time
	// SourceTimes are the run's sources whose facts took effect at another instant (see
	// ImportRun.SourceTimes).
	SourceTimes map[string]time.Time `json:",omitempty"`
	Summary     *ImportSummary
}

// Direction of an edge or traversal relative to a node.
type Direction int

const (
	Out  Direction = iota // along the edge: downstream for lineage
	In                    // against the edge: upstream for lineage
	Both                  // either way
)

// NodeFilter selects nodes; set fields combine with AND. See docs/api.md.
type NodeFilter struct {
	IDs        []string
	Kinds      []Kind
	Flags      []string // flagged for ANY of these categories (via flags or a non-CLOSED risk)
	ThirdParty *bool
	Text       string // case-insensitive substring of id, name or description
	// Where is a further condition in the domain's condition language (graph.Cond): how the
	// gap rules select what they report. Nil: none.
	Where *Cond
}

// PageRequest asks for up to First nodes after the cursor After (an id; "" for the start).
type PageRequest struct {
	First     int
	After     string
	WantTotal bool
}

// NodePage is one page of nodes.
type NodePage struct {
	Nodes      []*Node
	HasNext    bool
	TotalCount int // only when asked for
}

// Errors a store returns that callers act on.
var (
	// ErrUnavailable wraps failures to reach the store (exit code 3 on the command line).
	ErrUnavailable = errors.New("store unavailable")
	// ErrTooLarge says a question needs more work than one answer is allowed (a path search
	// among more equal-length routes than MaxRoutes): the caller asks for less rather than
	// getting a silently shorter answer.
	ErrTooLarge = errors.New("the question needs more work than one answer is allowed")
	// ErrCompacted says an instant lies before the history horizon: what held then was dropped
	// by Compact, so no answer about it would be complete.
	ErrCompacted = errors.New("history before this instant was compacted")
)
