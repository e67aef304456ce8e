package model

import (
	"context"
	"sort"
	"time"

	"github.com/aimsgraph/aimsgraph/graph"
	"github.com/aimsgraph/aimsgraph/internal/redact"
)

// Property is one stored property as text.
type Property struct {
	Key   string
	Value string
}

// FlagReason says why a node is flagged for a category.
type FlagReason struct {
	Category string
	Via      string
	Risk     *Risk
}

// Provenance is a node's or relationship's evidence.
type Provenance struct {
	p graph.Provenance
	l *Loaders
}

func (p *Provenance) Sources() []string {
	if p.p.Sources == nil {
		return []string{}
	}
	return p.p.Sources
}
func (p *Provenance) FirstRunID() *string              { return nonEmpty(p.p.FirstRun) }
func (p *Provenance) LastRunID() *string               { return nonEmpty(p.p.LastRun) }
func (p *Provenance) File(ctx context.Context) *string { return nonEmpty(ShownPath(ctx, p.p.File)) }
func (p *Provenance) Line() *int {
	if p.p.Line == 0 {
		return nil
	}
	return &p.p.Line
}
func (p *Provenance) FirstRun(ctx context.Context) (*ImportRun, error) {
	return p.l.loadRun(ctx, p.p.FirstRun)
}
func (p *Provenance) LastRun(ctx context.Context) (*ImportRun, error) {
	return p.l.loadRun(ctx, p.p.LastRun)
}

func (l *Loaders) loadRun(ctx context.Context, id string) (*ImportRun, error) {
	if id == "" {
		return nil, nil
	}
	r, err := l.Run(ctx, id)
	if err != nil || r == nil {
		return nil, err
	}
	return l.WrapRun(r), nil
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// Relationship is a relationship with its endpoints loaded on demand, from the same graph.
type Relationship struct {
	r *graph.Relationship
	l *Loaders
}

// WrapRelationships wraps each relationship.
func (l *Loaders) WrapRelationships(rs []*graph.Relationship) []*Relationship {
	out := make([]*Relationship, len(rs))
	for i, r := range rs {
		out[i] = &Relationship{r, l}
	}
	return out
}

func (r *Relationship) Type() string                           { return string(r.r.Type) }
func (r *Relationship) Lineage() bool                          { return graph.IsLineage(r.r.Type) }
func (r *Relationship) Provenance() *Provenance                { return &Provenance{r.r.Provenance, r.l} }
func (r *Relationship) Purpose() *string                       { return r.prop("purpose") }
func (r *Relationship) As() *string                            { return r.prop("as") }
func (r *Relationship) From(ctx context.Context) (Node, error) { return loadNode(ctx, r.l, r.r.From) }
func (r *Relationship) To(ctx context.Context) (Node, error)   { return loadNode(ctx, r.l, r.r.To) }

func (r *Relationship) prop(key string) *string {
	if s, ok := r.r.Props[key].(string); ok {
		return &s
	}
	return nil
}

func loadNode(ctx context.Context, l *Loaders, id string) (Node, error) {
	n, err := l.Node(ctx, id)
	if err != nil {
		return nil, err
	}
	return l.Wrap(n), nil
}

// loadAs loads the node with this id as Go type T; a node of another kind is nil.
func loadAs[T Node](ctx context.Context, l *Loaders, id string) (T, error) {
	n, err := loadNode(ctx, l, id)
	t, _ := n.(T)
	return t, err
}

// keyProp returns a relationship's identifying property (TRAINS.purpose, RESPONSIBLE_FOR.as),
// or the domain table's default for it.
func keyProp(r *graph.Relationship) string {
	info, _ := graph.RelOf(r.Type)
	if info == nil || info.Key == "" {
		return ""
	}
	if s, ok := r.Props[info.Key].(string); ok {
		return s
	}
	if p, ok := info.Prop(info.Key); ok {
		return p.Default
	}
	return ""
}

// Responsibility is a RESPONSIBLE_FOR relationship seen from either end.
type Responsibility struct {
	r *graph.Relationship
	l *Loaders
}

func (x *Responsibility) As() string { return keyProp(x.r) }
func (x *Responsibility) Role(ctx context.Context) (*Role, error) {
	return loadAs[*Role](ctx, x.l, x.r.From)
}
func (x *Responsibility) Node(ctx context.Context) (Node, error) { return loadNode(ctx, x.l, x.r.To) }
func (x *Responsibility) Relationship() *Relationship            { return &Relationship{x.r, x.l} }

// Training is a TRAINS relationship seen from either end.
type Training struct {
	r *graph.Relationship
	l *Loaders
}

func (x *Training) Purpose() string { return keyProp(x.r) }
func (x *Training) Dataset(ctx context.Context) (*Dataset, error) {
	return loadAs[*Dataset](ctx, x.l, x.r.From)
}
func (x *Training) Model(ctx context.Context) (*Model, error) {
	return loadAs[*Model](ctx, x.l, x.r.To)
}
func (x *Training) Relationship() *Relationship { return &Relationship{x.r, x.l} }

// Subgraph is the answer to a lineage question.
type Subgraph struct {
	Nodes         []Node
	Relationships []*Relationship
	Truncated     bool
}

// Path is a lineage path.
type Path struct {
	Nodes         []Node
	Relationships []*Relationship
}

// Length is the number of relationships.
func (p *Path) Length() int { return len(p.Relationships) }

// WrapPath wraps a path.
func (l *Loaders) WrapPath(p graph.Path) *Path {
	return &Path{Nodes: l.WrapNodes(p.Nodes), Relationships: l.WrapRelationships(p.Relationships)}
}

// ImpactResult is the answer to an impact question.
type ImpactResult struct {
	Items     []*ImpactItem
	Truncated bool
}

// ImpactItem is one reached node.
type ImpactItem struct {
	Node     Node
	Distance int
	Paths    []*Path
}

// NodeConnection is a page of nodes.
type NodeConnection struct {
	Edges      []*NodeEdge
	Nodes      []Node
	PageInfo   *PageInfo
	TotalCount int
}

// NodeEdge is a node with its cursor.
type NodeEdge struct {
	Cursor string
	Node   Node
}

// PageInfo is Relay page information.
type PageInfo struct {
	HasNextPage     bool
	HasPreviousPage bool
	StartCursor     *string
	EndCursor       *string
}

// ImportRun is a recorded import run.
type ImportRun struct {
	r *graph.RunRecord
	l *Loaders
}

// WrapRun wraps a run record.
func (l *Loaders) WrapRun(r *graph.RunRecord) *ImportRun { return &ImportRun{r, l} }

// Record is the run as recorded.
func (x *ImportRun) Record() *graph.RunRecord { return x.r }

func (x *ImportRun) ID() string        { return x.r.ID }
func (x *ImportRun) Sources() []string { return orEmpty(x.r.Sources) }
func (x *ImportRun) User(ctx context.Context) *string {
	if !redact.Whole(ctx) {
		return nonEmpty(redact.User(x.r.User)) // on the command line it is an OS account name
	}
	return nonEmpty(x.r.User)
}
func (x *ImportRun) StartedAt() string  { return x.r.StartedAt.UTC().Format(time.RFC3339Nano) }
func (x *ImportRun) FinishedAt() string { return x.r.FinishedAt.UTC().Format(time.RFC3339Nano) }
func (x *ImportRun) EffectiveAt() *time.Time {
	if x.r.EffectiveAt.IsZero() {
		return nil
	}
	return &x.r.EffectiveAt
}
func (x *ImportRun) Files() []*ImportedFile {
	out := make([]*ImportedFile, len(x.r.Files))
	for i, f := range x.r.Files {
		out[i] = &ImportedFile{f}
	}
	return out
}

// Counts lists the run's changes, node kinds first, each group sorted by name.
func (x *ImportRun) Counts() []*ImportCount {
	var out []*ImportCount
	if x.r.Summary == nil {
		return out
	}
	for k, c := range x.r.Summary.Nodes {
		out = append(out, &ImportCount{Name: string(k), Node: true, Created: c.Created, Updated: c.Updated, Unchanged: c.Unchanged, Removed: c.Removed})
	}
	for t, c := range x.r.Summary.Relationships {
		out = append(out, &ImportCount{Name: string(t), Created: c.Created, Updated: c.Updated, Unchanged: c.Unchanged, Removed: c.Removed})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Node != out[j].Node {
			return out[i].Node
		}
		return out[i].Name < out[j].Name
	})
	return out
}

func orEmpty(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

// ShownPath is a file path as the caller may see it (package redact): whole for admins; for other
// roles an absolute path is cut to its file name.
func ShownPath(ctx context.Context, path string) string {
	if redact.Whole(ctx) {
		return path
	}
	return redact.Path(path)
}

// ImportedFile is a file an import run read.
type ImportedFile struct{ f graph.FileDigest }

func (f *ImportedFile) Path(ctx context.Context) string { return ShownPath(ctx, f.f.Path) }
func (f *ImportedFile) Sha256() string                  { return f.f.SHA256 }
func (f *ImportedFile) Source() string                  { return f.f.Source }
func (f *ImportedFile) Format() string                  { return f.f.Format }
func (f *ImportedFile) Event() *ImportedEvent {
	if f.f.Event == nil {
		return nil
	}
	return &ImportedEvent{*f.f.Event}
}

// ImportedEvent is the OpenLineage event an import run applied.
type ImportedEvent struct{ e graph.EventInfo }

func (e *ImportedEvent) Type() string { return e.e.Type }
func (e *ImportedEvent) EventTime() *string {
	if e.e.Time.IsZero() {
		return nil
	}
	t := e.e.Time.UTC().Format(time.RFC3339Nano)
	return &t
}
func (e *ImportedEvent) Producer() *string    { return nonEmpty(e.e.Producer) }
func (e *ImportedEvent) Job() *string         { return nonEmpty(e.e.Job) }
func (e *ImportedEvent) RunID() *string       { return nonEmpty(e.e.RunID) }
func (e *ImportedEvent) ParentJob() *string   { return nonEmpty(e.e.ParentJob) }
func (e *ImportedEvent) ParentRunID() *string { return nonEmpty(e.e.ParentRun) }

// ImportCount is one row of a run's summary.
type ImportCount struct {
	Name                                 string
	Node                                 bool
	Created, Updated, Unchanged, Removed int
}

// Limits are the server's caps on query arguments and shapes.
type Limits struct {
	MaxDepth        int
	MaxPageSize     int
	MaxResults      int
	MaxPathsPerItem int
	MaxComplexity   int
	MaxQueryDepth   int
}
