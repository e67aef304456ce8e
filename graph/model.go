// Package graph holds aimsgraph's domain model: the node kinds, their properties and enums, the
// relationship table of docs/domain.md and the derived semantics (third-party, flagged, lineage). It is
// one table, read by the importer, the stores and the GraphQL layer alike, so that adding a
// property or an allowed relationship is a change in one place.
package graph

import "strings"

// Kind is a node kind as GraphQL names it (NodeKind), e.g. DATASET.
type Kind string

// The node kinds of docs/domain.md.
const (
	AISystem Kind = "AI_SYSTEM"
	Model    Kind = "MODEL"
	Dataset  Kind = "DATASET"
	Vendor   Kind = "VENDOR"
	Role     Kind = "ROLE"
	Decision Kind = "DECISION"
	Risk     Kind = "RISK"
	Control  Kind = "CONTROL"
	Asset    Kind = "ASSET"
	Job      Kind = "JOB" // a pipeline step: an OpenLineage job, an Airflow task, a training job (docs/ingest.md)
	// ProcessingActivity is an entry of a GDPR Art. 30 / ISO/IEC 27701 record of processing
	// (docs/registers.md): what personal data is processed, why, on which legal basis.
	ProcessingActivity Kind = "PROCESSING_ACTIVITY"
)

// RelType is a relationship type, e.g. FEEDS.
type RelType string

// The relationship types of docs/domain.md.
const (
	Feeds          RelType = "FEEDS"
	Trains         RelType = "TRAINS"
	BaseOf         RelType = "BASE_OF"
	Powers         RelType = "POWERS"
	Informs        RelType = "INFORMS"
	Supplies       RelType = "SUPPLIES"
	ResponsibleFor RelType = "RESPONSIBLE_FOR"
	Affects        RelType = "AFFECTS"
	Mitigates      RelType = "MITIGATES"
	AppliesTo      RelType = "APPLIES_TO"
	Represents     RelType = "REPRESENTS"
	Covers         RelType = "COVERS" // a processing activity covers the data, model or system it processes
)

// PropType says how a property's value is parsed, checked and stored.
type PropType int

const (
	String     PropType = iota // free text
	Bool                       // true/false
	Int                        // whole number, optionally within [Min, Max]
	Enum                       // one of Values, any case on input
	StringList                 // list of free text
	EnumList                   // list of Values
	Date                       // ISO 8601 date or date-time, kept as written
	// Code is an identifier from a fixed catalogue (Values), such as an ISO/IEC 42001 Annex A
	// control id: text, accepted in any case and kept as the catalogue spells it. Unlike Enum
	// its values need not be GraphQL names (A.7.5), so the API shows it as a String.
	Code
)

// Prop describes one typed property of a kind or relationship.
type Prop struct {
	Name     string
	Type     PropType
	Values   []string // for Enum and EnumList
	Min, Max int      // for Int when Max > 0
	Default  string   // for Enum on relationships, applied when absent
}

// Ref is an inline reference key of the native format: `trainedOn: [D]` on model M is
// (D)-[:TRAINS]->(M). Inbound references point at the record (the record is the `to` end).
type Ref struct {
	Key     string
	Type    RelType
	Inbound bool
}

// KindInfo is one row of the node kind table.
type KindInfo struct {
	Kind    Kind
	Label   string // the Neo4j label, e.g. AISystem
	Section string // the native-format section, e.g. systems
	Props   []Prop
	Refs    []Ref
}

// RelInfo is one row of the relationship table.
type RelInfo struct {
	Type    RelType
	Lineage bool      // lineage edges carry data and influence downstream
	Pairs   [][2]Kind // allowed (from, to) kinds; nil From or To kinds mean "any" via AnyKind
	Props   []Prop
	// Key is the property that, with the endpoints, identifies one relationship: a role can be
	// OWNER and DPO of the same system, which are two facts, not one overwritten by the other.
	Key string
}

// Enum value sets.
var (
	RiskCategories   = []string{"PRIVACY", "FAIRNESS", "SECURITY", "SAFETY", "TRANSPARENCY", "ROBUSTNESS", "ACCOUNTABILITY", "INTELLECTUAL_PROPERTY", "THIRD_PARTY", "COMPLIANCE", "ENVIRONMENTAL", "OTHER"}
	LifecycleStages  = []string{"DESIGN", "DEVELOPMENT", "VERIFICATION", "DEPLOYMENT", "OPERATION", "RETIRED"}
	EUAIActTiers     = []string{"PROHIBITED", "HIGH", "LIMITED", "MINIMAL", "UNASSESSED"}
	OrgRoles         = []string{"PROVIDER", "DEVELOPER", "DEPLOYER", "USER"}
	ModelOrigins     = []string{"IN_HOUSE", "THIRD_PARTY", "OPEN_SOURCE"}
	DatasetOrigins   = []string{"INTERNAL", "THIRD_PARTY", "PUBLIC", "SYNTHETIC"}
	Confidentiality  = []string{"PUBLIC", "INTERNAL", "CONFIDENTIAL", "RESTRICTED"}
	VendorTypes      = []string{"DATA_PROVIDER", "MODEL_PROVIDER", "PLATFORM", "SERVICE"}
	Levels           = []string{"LOW", "MEDIUM", "HIGH", "CRITICAL"}
	Automations      = []string{"FULLY_AUTOMATED", "HUMAN_IN_THE_LOOP", "HUMAN_ON_THE_LOOP", "HUMAN_DECIDES"}
	RiskStatuses     = []string{"OPEN", "MITIGATED", "ACCEPTED", "CLOSED"}
	ControlStatuses  = []string{"IMPLEMENTED", "PARTIAL", "PLANNED", "NOT_APPLICABLE"}
	TrainingPurposes = []string{"TRAINING", "VALIDATION", "TEST", "FINE_TUNING"}
	Responsibilities = []string{"OWNER", "ACCOUNTABLE", "RESPONSIBLE", "DATA_STEWARD", "RISK_OWNER", "HUMAN_OVERSIGHT", "DPO"}
	LegalBases       = []string{"CONSENT", "CONTRACT", "LEGAL_OBLIGATION", "VITAL_INTERESTS", "PUBLIC_TASK", "LEGITIMATE_INTERESTS"} // GDPR Art. 6(1) (a)-(f)
	ProcessingRoles  = []string{"CONTROLLER", "PROCESSOR", "JOINT_CONTROLLER"}
)

// CommonProps are the properties every node has besides id.
var CommonProps = []Prop{
	{Name: "name", Type: String},
	{Name: "description", Type: String},
	{Name: "tags", Type: StringList},
	{Name: "flags", Type: EnumList, Values: RiskCategories},
}

// Kinds is the node kind table, in the order the native format lists its sections.
var Kinds = []KindInfo{
	{Kind: Vendor, Label: "Vendor", Section: "vendors", Props: []Prop{
		{Name: "country", Type: String},
		{Name: "vendorType", Type: Enum, Values: VendorTypes},
		{Name: "contractRef", Type: String},
		{Name: "riskRating", Type: Enum, Values: Levels},
	}},
	{Kind: Dataset, Label: "Dataset", Section: "datasets", Props: []Prop{
		{Name: "version", Type: String},
		{Name: "origin", Type: Enum, Values: DatasetOrigins},
		{Name: "personalData", Type: Bool},
		{Name: "specialCategoryData", Type: Bool},
		{Name: "dataCategories", Type: StringList},
		{Name: "legalBasis", Type: String},
		{Name: "retention", Type: String},
		{Name: "confidentiality", Type: Enum, Values: Confidentiality},
	}, Refs: []Ref{
		{Key: "suppliedBy", Type: Supplies, Inbound: true},
		{Key: "derivedFrom", Type: Feeds, Inbound: true},
	}},
	{Kind: Model, Label: "Model", Section: "models", Props: []Prop{
		{Name: "version", Type: String},
		{Name: "task", Type: String},
		{Name: "modelType", Type: String},
		{Name: "framework", Type: String},
		{Name: "license", Type: String},
		{Name: "origin", Type: Enum, Values: ModelOrigins},
	}, Refs: []Ref{
		{Key: "trainedOn", Type: Trains, Inbound: true},
		{Key: "baseModels", Type: BaseOf, Inbound: true},
		{Key: "suppliedBy", Type: Supplies, Inbound: true},
	}},
	{Kind: AISystem, Label: "AISystem", Section: "systems", Props: []Prop{
		{Name: "purpose", Type: String},
		{Name: "lifecycleStage", Type: Enum, Values: LifecycleStages},
		{Name: "euAiActTier", Type: Enum, Values: EUAIActTiers},
		{Name: "annexIIIArea", Type: String},
		{Name: "organisationRole", Type: Enum, Values: OrgRoles},
		{Name: "inAimsScope", Type: Bool},
		{Name: "businessUnit", Type: String},
	}, Refs: []Ref{
		{Key: "models", Type: Powers, Inbound: true},
		{Key: "inputs", Type: Feeds, Inbound: true},
		{Key: "outputs", Type: Feeds},
		{Key: "suppliedBy", Type: Supplies, Inbound: true},
	}},
	{Kind: Decision, Label: "Decision", Section: "decisions", Props: []Prop{
		{Name: "impactLevel", Type: Enum, Values: Levels},
		{Name: "automation", Type: Enum, Values: Automations},
		{Name: "affectedParties", Type: StringList},
		{Name: "legalEffect", Type: Bool},
	}, Refs: []Ref{
		{Key: "informedBy", Type: Informs, Inbound: true},
	}},
	{Kind: Role, Label: "Role", Section: "roles", Props: []Prop{
		{Name: "person", Type: String},
		{Name: "team", Type: String},
		{Name: "email", Type: String},
		{Name: "title", Type: String},
	}, Refs: []Ref{
		// responsibilities: [{for: id, as: OWNER}] is handled by the importer: it carries a property.
	}},
	{Kind: Risk, Label: "Risk", Section: "risks", Props: []Prop{
		{Name: "category", Type: Enum, Values: RiskCategories},
		{Name: "likelihood", Type: Int, Min: 1, Max: 5},
		{Name: "impact", Type: Int, Min: 1, Max: 5},
		{Name: "status", Type: Enum, Values: RiskStatuses},
		{Name: "assessedAt", Type: Date},
		{Name: "reviewDue", Type: Date},
	}, Refs: []Ref{
		{Key: "affects", Type: Affects},
	}},
	{Kind: Control, Label: "Control", Section: "controls", Props: []Prop{
		{Name: "annexA", Type: Code, Values: AnnexAIDs()}, // annexa.go
		{Name: "status", Type: Enum, Values: ControlStatuses},
	}, Refs: []Ref{
		{Key: "mitigates", Type: Mitigates},
		{Key: "appliesTo", Type: AppliesTo},
	}},
	{Kind: Job, Label: "Job", Section: "jobs", Props: []Prop{
		{Name: "namespace", Type: String},
		{Name: "jobType", Type: String},
		{Name: "integration", Type: String},
		{Name: "processingType", Type: String},
	}, Refs: []Ref{
		{Key: "inputs", Type: Feeds, Inbound: true},
		{Key: "outputs", Type: Feeds},
	}},
	{Kind: Asset, Label: "Asset", Section: "assets", Props: []Prop{
		{Name: "assetId", Type: String},
		{Name: "category", Type: String},
		{Name: "classification", Type: String},
		{Name: "confidentiality", Type: Int, Min: 1, Max: 5},
		{Name: "integrity", Type: Int, Min: 1, Max: 5},
		{Name: "availability", Type: Int, Min: 1, Max: 5},
		{Name: "owner", Type: String},
		{Name: "location", Type: String},
		// What ISO 27001 registers keep besides (docs/registers.md lists the columns); free text,
		// since every register has its own vocabulary for them.
		{Name: "assetClass", Type: String},
		{Name: "status", Type: String},
		{Name: "custodian", Type: String},
		{Name: "businessUnit", Type: String},
		{Name: "businessValue", Type: String},
		{Name: "parentAssets", Type: StringList},
		{Name: "reviewNext", Type: Date},
	}, Refs: []Ref{
		{Key: "represents", Type: Represents},
	}},
	{Kind: ProcessingActivity, Label: "ProcessingActivity", Section: "processingActivities", Props: []Prop{
		{Name: "activityId", Type: String}, // the record of processing's own id
		{Name: "role", Type: Enum, Values: ProcessingRoles},
		{Name: "controllerContact", Type: String},
		{Name: "dpoContact", Type: String},
		{Name: "purposes", Type: StringList},
		{Name: "legalBasis", Type: Enum, Values: LegalBases},
		{Name: "art9Condition", Type: String},
		{Name: "dataSubjectCategories", Type: StringList},
		{Name: "personalDataCategories", Type: StringList},
		{Name: "specialCategory", Type: Bool},
		{Name: "recipients", Type: StringList},
		{Name: "thirdCountryTransfers", Type: StringList},
		{Name: "transferMechanism", Type: String},
		{Name: "retention", Type: String},
		{Name: "securityMeasures", Type: StringList},
		{Name: "dpiaRequired", Type: Bool},
		{Name: "dpiaRef", Type: String},
	}, Refs: []Ref{
		{Key: "covers", Type: Covers},
	}},
}

// AllKinds lists every kind, for "any" endpoints.
var AllKinds = []Kind{AISystem, Model, Dataset, Vendor, Role, Decision, Risk, Control, Asset, Job, ProcessingActivity}

func anyTo(from Kind) [][2]Kind {
	out := make([][2]Kind, len(AllKinds))
	for i, k := range AllKinds {
		out[i] = [2]Kind{from, k}
	}
	return out
}

// Relationships is the relationship table of docs/domain.md.
var Relationships = []RelInfo{
	// A job reads datasets and writes datasets or models (docs/formats.md, OpenLineage); a model a job reads (batch
	// scoring) feeds it too.
	{Type: Feeds, Lineage: true, Pairs: [][2]Kind{{Dataset, Dataset}, {Dataset, AISystem}, {AISystem, AISystem}, {AISystem, Dataset},
		{Dataset, Job}, {Job, Dataset}, {Job, Model}, {Model, Job}}},
	{Type: Trains, Lineage: true, Pairs: [][2]Kind{{Dataset, Model}}, Key: "purpose",
		Props: []Prop{{Name: "purpose", Type: Enum, Values: TrainingPurposes, Default: "TRAINING"}}},
	{Type: BaseOf, Lineage: true, Pairs: [][2]Kind{{Model, Model}}},
	{Type: Powers, Lineage: true, Pairs: [][2]Kind{{Model, AISystem}}},
	{Type: Informs, Lineage: true, Pairs: [][2]Kind{{AISystem, Decision}}},
	{Type: Supplies, Lineage: true, Pairs: [][2]Kind{{Vendor, Dataset}, {Vendor, Model}, {Vendor, AISystem}}},
	{Type: ResponsibleFor, Pairs: anyTo(Role), Key: "as",
		Props: []Prop{{Name: "as", Type: Enum, Values: Responsibilities, Default: "RESPONSIBLE"}}},
	{Type: Affects, Pairs: anyTo(Risk)},
	{Type: Mitigates, Pairs: [][2]Kind{{Control, Risk}}},
	{Type: AppliesTo, Pairs: anyTo(Control)},
	{Type: Represents, Pairs: anyTo(Asset)},
	// A record of processing names the data it processes, and the models and systems that process
	// it; not lineage: data does not flow from an activity.
	{Type: Covers, Pairs: [][2]Kind{{ProcessingActivity, Dataset}, {ProcessingActivity, AISystem}, {ProcessingActivity, Model}}},
}

var (
	kindByName    = map[Kind]*KindInfo{}
	kindBySection = map[string]*KindInfo{}
	relByType     = map[RelType]*RelInfo{}
)

func init() {
	for i := range Kinds {
		kindByName[Kinds[i].Kind] = &Kinds[i]
		kindBySection[Kinds[i].Section] = &Kinds[i]
	}
	for i := range Relationships {
		relByType[Relationships[i].Type] = &Relationships[i]
	}
}

// KindOf returns the table row of kind k.
func KindOf(k Kind) (*KindInfo, bool) { i, ok := kindByName[k]; return i, ok }

// KindOfSection returns the kind whose native-format section is name (e.g. "datasets").
func KindOfSection(name string) (*KindInfo, bool) { i, ok := kindBySection[name]; return i, ok }

// RelOf returns the table row of relationship type t.
func RelOf(t RelType) (*RelInfo, bool) { i, ok := relByType[t]; return i, ok }

// Allows reports whether a relationship of this type may run from a node of kind from to one of kind to.
func (r *RelInfo) Allows(from, to Kind) bool {
	for _, p := range r.Pairs {
		if p[0] == from && p[1] == to {
			return true
		}
	}
	return false
}

// Prop returns the relationship property spec called name.
func (r *RelInfo) Prop(name string) (*Prop, bool) {
	for i := range r.Props {
		if r.Props[i].Name == name {
			return &r.Props[i], true
		}
	}
	return nil, false
}

// Prop returns the property spec called name, common or kind-specific.
func (k *KindInfo) Prop(name string) (*Prop, bool) {
	for i := range CommonProps {
		if CommonProps[i].Name == name {
			return &CommonProps[i], true
		}
	}
	for i := range k.Props {
		if k.Props[i].Name == name {
			return &k.Props[i], true
		}
	}
	return nil, false
}

// IsProp reports whether name is a property of some kind (or of every node) in the table.
func IsProp(name string) bool {
	for i := range Kinds {
		if _, ok := Kinds[i].Prop(name); ok {
			return true
		}
	}
	return false
}

// Ref returns the inline reference spec for key.
func (k *KindInfo) Ref(key string) (*Ref, bool) {
	for i := range k.Refs {
		if k.Refs[i].Key == key {
			return &k.Refs[i], true
		}
	}
	return nil, false
}

// LineageTypes lists the lineage relationship types, in table order.
func LineageTypes() []RelType {
	var out []RelType
	for _, r := range Relationships {
		if r.Lineage {
			out = append(out, r.Type)
		}
	}
	return out
}

// IsLineage reports whether t is a lineage edge type.
func IsLineage(t RelType) bool { r, ok := relByType[t]; return ok && r.Lineage }

// NormalizeEnum turns "human-in-the-loop" or "Human In The Loop" into HUMAN_IN_THE_LOOP and
// reports whether the result is one of values.
func NormalizeEnum(s string, values []string) (string, bool) {
	v := strings.ToUpper(strings.TrimSpace(s))
	v = strings.NewReplacer("-", "_", " ", "_").Replace(v)
	for _, want := range values {
		if v == want {
			return v, true
		}
	}
	return v, false
}

// ParseKind accepts a kind in any case, as GraphQL names it (AI_SYSTEM) or as its label (AISystem).
func ParseKind(s string) (Kind, bool) {
	v, _ := NormalizeEnum(s, nil)
	for _, k := range Kinds {
		if string(k.Kind) == v || strings.EqualFold(k.Label, s) {
			return k.Kind, true
		}
	}
	return "", false
}

// ParseRelType accepts a relationship type in any case.
func ParseRelType(s string) (RelType, bool) {
	v, _ := NormalizeEnum(s, nil)
	_, ok := relByType[RelType(v)]
	return RelType(v), ok
}
