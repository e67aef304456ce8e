package model

import (
	"context"
	"fmt"
	"slices"
	"sort"

	"github.com/aimsgraph/aimsgraph/graph"
)

// Node is the GraphQL Node interface; every kind's type implements it.
type Node interface {
	IsNode()
	Graph() *graph.Node
}

// base is what every node type shares: the fields of the Node interface, and the loaders of the
// graph the node was read from (now, or as of an instant), so its neighbours come from there too.
type base struct {
	n *graph.Node
	l *Loaders
}

func (b base) IsNode()            {}
func (b base) View() *Loaders     { return b.l } // the graph the node was read from
func (b base) Graph() *graph.Node { return b.n }
func (b base) ID() string         { return b.n.ID }
func (b base) Kind() string       { return string(b.n.Kind) }
func (b base) Name() string {
	if s, ok := b.n.Props["name"].(string); ok && s != "" {
		return s
	}
	return b.n.ID // name is required on import; an id is better than an empty string
}
func (b base) Description() *string { return b.str("description") }
func (b base) Tags() []string       { return b.list("tags") }
func (b base) Flags() []string      { return b.list("flags") }

func (b base) str(key string) *string {
	if s, ok := b.n.Props[key].(string); ok {
		return &s
	}
	return nil
}

func (b base) boolean(key string) *bool {
	if v, ok := b.n.Props[key].(bool); ok {
		return &v
	}
	return nil
}

func (b base) integer(key string) *int {
	if v, ok := b.n.Props[key].(int64); ok {
		i := int(v)
		return &i
	}
	return nil
}

func (b base) list(key string) []string {
	l := graph.TextList(b.n.Props[key])
	if l == nil {
		return []string{}
	}
	return l
}

// Properties lists every stored property as text, sorted by key.
func (b base) Properties() []*Property {
	out := make([]*Property, 0, len(b.n.Props))
	for k := range b.n.Props {
		out = append(out, &Property{Key: k, Value: graph.PropText(b.n.Props[k])})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// Provenance says where the node came from.
func (b base) Provenance() *Provenance { return &Provenance{b.n.Provenance, b.l} }

// view loads what the derived notions look at (graph/derived.go): the node's incoming SUPPLIES
// and AFFECTS relationships and the nodes at their far ends, through the request's loaders.
func (b base) view(ctx context.Context) (*graph.Loaded, error) {
	v := &graph.Loaded{Node: b.n}
	for _, t := range []graph.RelType{graph.Supplies, graph.Affects} {
		rels, err := b.edges(ctx, graph.In, t)
		if err != nil {
			return nil, err
		}
		for _, r := range rels {
			from, err := b.l.Node(ctx, r.From)
			if err != nil {
				return nil, err
			}
			v.Add(t, graph.In, r.Props, &graph.Loaded{Node: from})
		}
	}
	return v, nil
}

// ThirdParty is the domain's derived notion (graph.ThirdParty).
func (b base) ThirdParty(ctx context.Context) (bool, error) {
	v, err := b.view(ctx)
	if err != nil {
		return false, err
	}
	return graph.ThirdParty.Match(v), nil
}

// FlaggedFor lists the node's effective flags with their reasons (graph.FlagReasons): its own
// flags, then each live risk that affects it.
func (b base) FlaggedFor(ctx context.Context) ([]*FlagReason, error) {
	v, err := b.view(ctx)
	if err != nil {
		return nil, err
	}
	out := []*FlagReason{}
	for _, r := range graph.FlagReasons(v) {
		if r.Risk == "" {
			out = append(out, &FlagReason{Category: r.Category, Via: "FLAGS"})
			continue
		}
		risk, err := loadAs[*Risk](ctx, b.l, r.Risk)
		if err != nil {
			return nil, err
		}
		out = append(out, &FlagReason{Category: r.Category, Via: "RISK", Risk: risk})
	}
	return out, nil
}

// Relationships lists the node's relationships in a direction, optionally of some types,
// ordered by type, then the other end's id.
func (b base) Relationships(ctx context.Context, direction *string, types []string) ([]*Relationship, error) {
	dir := "BOTH"
	if direction != nil {
		dir = *direction
	}
	var rels []*graph.Relationship
	for _, d := range []struct {
		name string
		dir  graph.Direction
	}{{"DOWNSTREAM", graph.Out}, {"UPSTREAM", graph.In}} {
		if dir != d.name && dir != "BOTH" {
			continue
		}
		rs, err := b.l.Edges(ctx, b.n.ID, d.dir)
		if err != nil {
			return nil, err
		}
		for _, r := range rs {
			if len(types) == 0 || slices.Contains(types, string(r.Type)) {
				rels = append(rels, r)
			}
		}
	}
	sortRels(rels)
	return b.l.WrapRelationships(rels), nil
}

func sortRels(rels []*graph.Relationship) {
	graph.SortRelationships(rels)
}

// Owners lists the roles responsible for the node.
func (b base) Owners(ctx context.Context) ([]*Responsibility, error) {
	rels, err := b.edges(ctx, graph.In, graph.ResponsibleFor)
	if err != nil {
		return nil, err
	}
	return b.l.responsibilities(rels), nil
}

func (l *Loaders) responsibilities(rels []*graph.Relationship) []*Responsibility {
	out := make([]*Responsibility, len(rels))
	for i, r := range rels {
		out[i] = &Responsibility{r, l}
	}
	return out
}

func (b base) risks(ctx context.Context) ([]*Risk, error) {
	return neighbours[*Risk](ctx, b, graph.In, graph.Affects)
}

// Risks lists the risks that affect the node.
func (b base) Risks(ctx context.Context) ([]*Risk, error) { return b.risks(ctx) }

// Controls lists the controls that apply to the node.
func (b base) Controls(ctx context.Context) ([]*Control, error) {
	return neighbours[*Control](ctx, b, graph.In, graph.AppliesTo)
}

// Assets lists the register entries that represent the node.
func (b base) Assets(ctx context.Context) ([]*Asset, error) {
	return neighbours[*Asset](ctx, b, graph.In, graph.Represents)
}

// edges returns the node's relationships of one type in one direction, sorted.
func (b base) edges(ctx context.Context, dir graph.Direction, t graph.RelType) ([]*graph.Relationship, error) {
	rs, err := b.l.Edges(ctx, b.n.ID, dir)
	if err != nil {
		return nil, err
	}
	var out []*graph.Relationship
	for _, r := range rs {
		if r.Type == t {
			out = append(out, r)
		}
	}
	sortRels(out)
	return out, nil
}

// neighbours returns the nodes at the other end of the node's relationships of the given types
// in one direction that are of Go type T (e.g. *Vendor, or Node for any kind), by id, each once.
func neighbours[T Node](ctx context.Context, b base, dir graph.Direction, types ...graph.RelType) ([]T, error) {
	var ids []string
	for _, t := range types {
		rs, err := b.edges(ctx, dir, t)
		if err != nil {
			return nil, err
		}
		for _, r := range rs {
			if dir == graph.In {
				ids = append(ids, r.From)
			} else {
				ids = append(ids, r.To)
			}
		}
	}
	return loadTyped[T](ctx, b.l, ids)
}

// loadTyped loads the nodes with these ids, each once, ordered by id, keeping those of Go type T.
func loadTyped[T Node](ctx context.Context, l *Loaders, ids []string) ([]T, error) {
	slices.Sort(ids)
	nodes, err := l.NodesOf(ctx, slices.Compact(ids))
	if err != nil {
		return nil, err
	}
	out := make([]T, 0, len(nodes))
	for _, n := range nodes {
		if t, ok := l.Wrap(n).(T); ok {
			out = append(out, t)
		}
	}
	return out, nil
}

// The node types, one per kind.
type (
	AISystem struct{ base }
	Model    struct{ base }
	Dataset  struct{ base }
	Vendor   struct{ base }
	Role     struct{ base }
	Decision struct{ base }
	Risk     struct{ base }
	Control  struct{ base }
	Asset    struct{ base }
	Job      struct{ base }
	// ProcessingActivity is an entry of the record of processing.
	ProcessingActivity struct{ base }
)

// Wrap returns the GraphQL type of a node's kind; its neighbours load through l.
func (l *Loaders) Wrap(n *graph.Node) Node {
	b := base{n, l}
	switch n.Kind {
	case graph.AISystem:
		return &AISystem{b}
	case graph.Model:
		return &Model{b}
	case graph.Dataset:
		return &Dataset{b}
	case graph.Vendor:
		return &Vendor{b}
	case graph.Role:
		return &Role{b}
	case graph.Decision:
		return &Decision{b}
	case graph.Risk:
		return &Risk{b}
	case graph.Control:
		return &Control{b}
	case graph.Asset:
		return &Asset{b}
	case graph.Job:
		return &Job{b}
	case graph.ProcessingActivity:
		return &ProcessingActivity{b}
	}
	panic(fmt.Sprintf("model: node %s has unknown kind %q", n.ID, n.Kind))
}

// WrapNodes wraps each node.
func (l *Loaders) WrapNodes(ns []*graph.Node) []Node {
	out := make([]Node, len(ns))
	for i, n := range ns {
		out[i] = l.Wrap(n)
	}
	return out
}

// AISystem fields.
func (s AISystem) Purpose() *string          { return s.str("purpose") }
func (s AISystem) LifecycleStage() *string   { return s.str("lifecycleStage") }
func (s AISystem) EuAiActTier() *string      { return s.str("euAiActTier") }
func (s AISystem) AnnexIIIArea() *string     { return s.str("annexIIIArea") }
func (s AISystem) OrganisationRole() *string { return s.str("organisationRole") }
func (s AISystem) InAimsScope() *bool        { return s.boolean("inAimsScope") }
func (s AISystem) BusinessUnit() *string     { return s.str("businessUnit") }
func (s AISystem) Models(ctx context.Context) ([]*Model, error) {
	return neighbours[*Model](ctx, s.base, graph.In, graph.Powers)
}
func (s AISystem) Inputs(ctx context.Context) ([]Node, error) {
	return neighbours[Node](ctx, s.base, graph.In, graph.Feeds)
}
func (s AISystem) Outputs(ctx context.Context) ([]Node, error) {
	return neighbours[Node](ctx, s.base, graph.Out, graph.Feeds)
}
func (s AISystem) Decisions(ctx context.Context) ([]*Decision, error) {
	return neighbours[*Decision](ctx, s.base, graph.Out, graph.Informs)
}
func (s AISystem) Suppliers(ctx context.Context) ([]*Vendor, error) {
	return neighbours[*Vendor](ctx, s.base, graph.In, graph.Supplies)
}

// Model fields.
func (m Model) Version() *string   { return m.str("version") }
func (m Model) Task() *string      { return m.str("task") }
func (m Model) ModelType() *string { return m.str("modelType") }
func (m Model) Framework() *string { return m.str("framework") }
func (m Model) License() *string   { return m.str("license") }
func (m Model) Origin() *string    { return m.str("origin") }
func (m Model) TrainedOn(ctx context.Context, purpose *string) ([]*Dataset, error) {
	training, err := m.Training(ctx)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, t := range training {
		if purpose == nil || t.Purpose() == *purpose {
			ids = append(ids, t.r.From)
		}
	}
	return loadTyped[*Dataset](ctx, m.l, ids)
}
func (m Model) Training(ctx context.Context) ([]*Training, error) {
	rels, err := m.edges(ctx, graph.In, graph.Trains)
	return m.l.trainings(rels), err
}
func (m Model) BaseModels(ctx context.Context) ([]*Model, error) {
	return neighbours[*Model](ctx, m.base, graph.In, graph.BaseOf)
}
func (m Model) DerivedModels(ctx context.Context) ([]*Model, error) {
	return neighbours[*Model](ctx, m.base, graph.Out, graph.BaseOf)
}
func (m Model) Systems(ctx context.Context) ([]*AISystem, error) {
	return neighbours[*AISystem](ctx, m.base, graph.Out, graph.Powers)
}
func (m Model) Suppliers(ctx context.Context) ([]*Vendor, error) {
	return neighbours[*Vendor](ctx, m.base, graph.In, graph.Supplies)
}

func (l *Loaders) trainings(rels []*graph.Relationship) []*Training {
	out := make([]*Training, len(rels))
	for i, r := range rels {
		out[i] = &Training{r, l}
	}
	return out
}

// Dataset fields.
func (d Dataset) Version() *string           { return d.str("version") }
func (d Dataset) Origin() *string            { return d.str("origin") }
func (d Dataset) PersonalData() *bool        { return d.boolean("personalData") }
func (d Dataset) SpecialCategoryData() *bool { return d.boolean("specialCategoryData") }
func (d Dataset) DataCategories() []string   { return d.list("dataCategories") }
func (d Dataset) LegalBasis() *string        { return d.str("legalBasis") }
func (d Dataset) Retention() *string         { return d.str("retention") }
func (d Dataset) Confidentiality() *string   { return d.str("confidentiality") }
func (d Dataset) Suppliers(ctx context.Context) ([]*Vendor, error) {
	return neighbours[*Vendor](ctx, d.base, graph.In, graph.Supplies)
}
func (d Dataset) DerivedFrom(ctx context.Context) ([]*Dataset, error) {
	return neighbours[*Dataset](ctx, d.base, graph.In, graph.Feeds)
}
func (d Dataset) Feeds(ctx context.Context) ([]Node, error) {
	return neighbours[Node](ctx, d.base, graph.Out, graph.Feeds)
}
func (d Dataset) Trains(ctx context.Context) ([]*Training, error) {
	rels, err := d.edges(ctx, graph.Out, graph.Trains)
	return d.l.trainings(rels), err
}
func (d Dataset) UsedBy(ctx context.Context) ([]Node, error) {
	users, err := neighbours[Node](ctx, d.base, graph.Out, graph.Trains, graph.Feeds)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(users, func(n Node) bool { return n.Graph().Kind == graph.Dataset }), nil
}

// Vendor fields.
func (v Vendor) Country() *string     { return v.str("country") }
func (v Vendor) VendorType() *string  { return v.str("vendorType") }
func (v Vendor) ContractRef() *string { return v.str("contractRef") }
func (v Vendor) RiskRating() *string  { return v.str("riskRating") }
func (v Vendor) Supplies(ctx context.Context) ([]Node, error) {
	return neighbours[Node](ctx, v.base, graph.Out, graph.Supplies)
}

// Role fields.
func (r Role) Person() *string { return r.str("person") }
func (r Role) Team() *string   { return r.str("team") }
func (r Role) Email() *string  { return r.str("email") }
func (r Role) Title() *string  { return r.str("title") }
func (r Role) Responsibilities(ctx context.Context) ([]*Responsibility, error) {
	rels, err := r.edges(ctx, graph.Out, graph.ResponsibleFor)
	return r.l.responsibilities(rels), err
}

// Decision fields.
func (d Decision) ImpactLevel() *string      { return d.str("impactLevel") }
func (d Decision) Automation() *string       { return d.str("automation") }
func (d Decision) AffectedParties() []string { return d.list("affectedParties") }
func (d Decision) LegalEffect() *bool        { return d.boolean("legalEffect") }
func (d Decision) Systems(ctx context.Context) ([]*AISystem, error) {
	return neighbours[*AISystem](ctx, d.base, graph.In, graph.Informs)
}

// Risk fields.
func (r Risk) Category() *string   { return r.str("category") }
func (r Risk) Likelihood() *int    { return r.integer("likelihood") }
func (r Risk) Impact() *int        { return r.integer("impact") }
func (r Risk) Status() *string     { return r.str("status") }
func (r Risk) AssessedAt() *string { return r.str("assessedAt") }
func (r Risk) ReviewDue() *string  { return r.str("reviewDue") }
func (r Risk) Affects(ctx context.Context) ([]Node, error) {
	return neighbours[Node](ctx, r.base, graph.Out, graph.Affects)
}
func (r Risk) MitigatedBy(ctx context.Context) ([]*Control, error) {
	return neighbours[*Control](ctx, r.base, graph.In, graph.Mitigates)
}

// Control fields.
func (c Control) AnnexA() *string { return c.str("annexA") }
func (c Control) Status() *string { return c.str("status") }
func (c Control) Mitigates(ctx context.Context) ([]*Risk, error) {
	return neighbours[*Risk](ctx, c.base, graph.Out, graph.Mitigates)
}
func (c Control) AppliesTo(ctx context.Context) ([]Node, error) {
	return neighbours[Node](ctx, c.base, graph.Out, graph.AppliesTo)
}

// Asset fields.
func (a Asset) AssetID() *string        { return a.str("assetId") }
func (a Asset) Category() *string       { return a.str("category") }
func (a Asset) Classification() *string { return a.str("classification") }
func (a Asset) Confidentiality() *int   { return a.integer("confidentiality") }
func (a Asset) Integrity() *int         { return a.integer("integrity") }
func (a Asset) Availability() *int      { return a.integer("availability") }
func (a Asset) Owner() *string          { return a.str("owner") }
func (a Asset) Location() *string       { return a.str("location") }
func (a Asset) AssetClass() *string     { return a.str("assetClass") }
func (a Asset) Status() *string         { return a.str("status") }
func (a Asset) Custodian() *string      { return a.str("custodian") }
func (a Asset) BusinessUnit() *string   { return a.str("businessUnit") }
func (a Asset) BusinessValue() *string  { return a.str("businessValue") }
func (a Asset) ParentAssets() []string  { return a.list("parentAssets") }
func (a Asset) ReviewNext() *string     { return a.str("reviewNext") }
func (a Asset) Represents(ctx context.Context) ([]Node, error) {
	return neighbours[Node](ctx, a.base, graph.Out, graph.Represents)
}

// Job fields.
func (j Job) Namespace() *string      { return j.str("namespace") }
func (j Job) JobType() *string        { return j.str("jobType") }
func (j Job) Integration() *string    { return j.str("integration") }
func (j Job) ProcessingType() *string { return j.str("processingType") }
func (j Job) Inputs(ctx context.Context) ([]Node, error) {
	return neighbours[Node](ctx, j.base, graph.In, graph.Feeds)
}
func (j Job) Outputs(ctx context.Context) ([]Node, error) {
	return neighbours[Node](ctx, j.base, graph.Out, graph.Feeds)
}

// ProducedBy lists the jobs that write a dataset or a model (FEEDS from a job).
func (d Dataset) ProducedBy(ctx context.Context) ([]*Job, error) {
	return neighbours[*Job](ctx, d.base, graph.In, graph.Feeds)
}
func (m Model) ProducedBy(ctx context.Context) ([]*Job, error) {
	return neighbours[*Job](ctx, m.base, graph.In, graph.Feeds)
}

// ProcessingActivity fields.
func (p ProcessingActivity) ActivityID() *string             { return p.str("activityId") }
func (p ProcessingActivity) Role() *string                   { return p.str("role") }
func (p ProcessingActivity) ControllerContact() *string      { return p.str("controllerContact") }
func (p ProcessingActivity) DpoContact() *string             { return p.str("dpoContact") }
func (p ProcessingActivity) Purposes() []string              { return p.list("purposes") }
func (p ProcessingActivity) LegalBasis() *string             { return p.str("legalBasis") }
func (p ProcessingActivity) Art9Condition() *string          { return p.str("art9Condition") }
func (p ProcessingActivity) DataSubjectCategories() []string { return p.list("dataSubjectCategories") }
func (p ProcessingActivity) PersonalDataCategories() []string {
	return p.list("personalDataCategories")
}
func (p ProcessingActivity) SpecialCategory() *bool          { return p.boolean("specialCategory") }
func (p ProcessingActivity) Recipients() []string            { return p.list("recipients") }
func (p ProcessingActivity) ThirdCountryTransfers() []string { return p.list("thirdCountryTransfers") }
func (p ProcessingActivity) TransferMechanism() *string      { return p.str("transferMechanism") }
func (p ProcessingActivity) Retention() *string              { return p.str("retention") }
func (p ProcessingActivity) SecurityMeasures() []string      { return p.list("securityMeasures") }
func (p ProcessingActivity) DpiaRequired() *bool             { return p.boolean("dpiaRequired") }
func (p ProcessingActivity) DpiaRef() *string                { return p.str("dpiaRef") }
func (p ProcessingActivity) Covers(ctx context.Context) ([]Node, error) {
	return neighbours[Node](ctx, p.base, graph.Out, graph.Covers)
}

// CoveredIDs lists the ids of what the activity covers.
func (p ProcessingActivity) CoveredIDs(ctx context.Context) ([]string, error) {
	rels, err := p.edges(ctx, graph.Out, graph.Covers)
	ids := make([]string, len(rels))
	for i, r := range rels {
		ids[i] = r.To
	}
	return ids, err
}

// ProcessedUnder lists the processing activities that cover a dataset, a model or a system.
func (d Dataset) ProcessedUnder(ctx context.Context) ([]*ProcessingActivity, error) {
	return neighbours[*ProcessingActivity](ctx, d.base, graph.In, graph.Covers)
}
func (m Model) ProcessedUnder(ctx context.Context) ([]*ProcessingActivity, error) {
	return neighbours[*ProcessingActivity](ctx, m.base, graph.In, graph.Covers)
}
func (s AISystem) ProcessedUnder(ctx context.Context) ([]*ProcessingActivity, error) {
	return neighbours[*ProcessingActivity](ctx, s.base, graph.In, graph.Covers)
}
