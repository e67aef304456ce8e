// Package governance answers what an ISO/IEC 42001 auditor and a risk analyst ask besides
// lineage (docs/governance.md): the gaps in the management system (rules, each a condition in
// the domain's condition language, so every store evaluates the one definition and Neo4j
// compiles it to Cypher), and the risk categories a node inherits from upstream (exposure, built
// on the stores' primitive reads, one round trip per level).
package governance

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aimsgraph/aimsgraph/graph"
)

// Severity orders findings.
type Severity int

// The severities of a finding, lowest first.
const (
	Low Severity = iota + 1
	Medium
	High
	Critical
)

var severityNames = []string{"", "LOW", "MEDIUM", "HIGH", "CRITICAL"}

func (s Severity) String() string {
	if s < Low || s > Critical {
		return fmt.Sprintf("severity(%d)", int(s))
	}
	return severityNames[s]
}

// ParseSeverity reads a severity in any case.
func ParseSeverity(s string) (Severity, error) {
	v, ok := graph.NormalizeEnum(s, severityNames[1:])
	if !ok {
		return 0, fmt.Errorf("unknown severity %q: one of LOW, MEDIUM, HIGH, CRITICAL", s)
	}
	return Severity(slices.Index(severityNames, v)), nil
}

// Rule is one gap rule: what it selects, how grave a hit is, and what to tell the reader.
type Rule struct {
	ID          string
	Severity    Severity
	Description string // one line: what the rule finds
	// Kinds are the kinds the rule looks at; Select the condition a node of those kinds meets to
	// be a finding. Select takes the instant the question is about: "overdue" is relative.
	Kinds   []graph.Kind
	Select  func(at time.Time) graph.Cond
	Message func(n *graph.Node) string // names the node and what is missing
}

// Filter is the node filter that selects the rule's findings as of at.
func (r Rule) Filter(at time.Time) graph.NodeFilter {
	c := r.Select(at)
	return graph.NodeFilter{Kinds: r.Kinds, Where: &c}
}

// Rules is the catalogue, in the order `aimsgraph check --list` prints it. The first six are
// the minimum the product promises; the rest are what a 42001 auditor looks for next.
var Rules = []Rule{
	{
		ID: "HIGH_RISK_SYSTEM_WITHOUT_ASSESSMENT", Severity: High, Kinds: []graph.Kind{graph.AISystem},
		Description: "An AI system of EU AI Act tier HIGH or PROHIBITED that no risk or impact assessment AFFECTS (42001 6.1.2, 6.1.4).",
		Select: fixed(graph.All(
			graph.Equals("euAiActTier", "HIGH", "PROHIBITED"),
			graph.Not(graph.Incoming(graph.Affects, graph.KindIn(graph.Risk))),
		)),
		Message: func(n *graph.Node) string {
			return fmt.Sprintf("%s is EU AI Act tier %s, but no risk or impact assessment affects it", label(n), n.Props["euAiActTier"])
		},
	},
	{
		ID: "SYSTEM_WITHOUT_OWNER", Severity: Medium, Kinds: []graph.Kind{graph.AISystem},
		Description: "An AI system in the AIMS scope (not inAimsScope: false) with no role RESPONSIBLE_FOR it as OWNER or ACCOUNTABLE (42001 5.3, A.3.2).",
		Select: fixed(graph.All(
			graph.Not(graph.Equals("inAimsScope", false)),
			graph.Not(graph.Incoming(graph.ResponsibleFor, graph.KindIn(graph.Role)).Where(graph.Equals("as", "OWNER", "ACCOUNTABLE"))),
		)),
		Message: func(n *graph.Node) string {
			return label(n) + " has no role responsible for it as OWNER or ACCOUNTABLE"
		},
	},
	{
		ID: "AUTOMATED_DECISION_WITHOUT_OVERSIGHT", Severity: High, Kinds: []graph.Kind{graph.Decision},
		Description: "A FULLY_AUTOMATED decision with no role RESPONSIBLE_FOR it as HUMAN_OVERSIGHT (42001 A.9.2, EU AI Act Art. 14).",
		Select: fixed(graph.All(
			graph.Equals("automation", "FULLY_AUTOMATED"),
			graph.Not(graph.Incoming(graph.ResponsibleFor, graph.KindIn(graph.Role)).Where(graph.Equals("as", "HUMAN_OVERSIGHT"))),
		)),
		Message: func(n *graph.Node) string {
			return label(n) + " is fully automated, but no role is responsible for it as HUMAN_OVERSIGHT"
		},
	},
	{
		ID: "PERSONAL_DATA_WITHOUT_LEGAL_BASIS", Severity: High, Kinds: []graph.Kind{graph.Dataset},
		Description: "A dataset with personal or special-category data, no legalBasis of its own, and no processing activity with a legal basis COVERING it (GDPR Art. 6, ISO 27701).",
		Select:      fixed(personalDataWithoutLegalBasis),
		Message: func(n *graph.Node) string {
			return label(n) + " holds personal data, but neither it nor a processing activity covering it states a legal basis"
		},
	},
	{
		ID: "OPEN_RISK_WITHOUT_CONTROL", Severity: Medium, Kinds: []graph.Kind{graph.Risk},
		Description: "An OPEN risk (or one without a status) that no control MITIGATES (42001 6.1.3).",
		Select: fixed(graph.All(
			graph.AnyOf(graph.Equals("status", "OPEN"), graph.Not(graph.IsSet("status"))),
			graph.Not(graph.Incoming(graph.Mitigates, graph.KindIn(graph.Control))),
		)),
		Message: func(n *graph.Node) string { return label(n) + " is open, and no control mitigates it" },
	},
	{
		ID: "UNRATED_VENDOR", Severity: Medium, Kinds: []graph.Kind{graph.Vendor},
		Description: "A vendor without a riskRating that SUPPLIES something (42001 A.10.3).",
		Select: fixed(graph.All(
			graph.Not(graph.IsSet("riskRating")),
			graph.Outgoing(graph.Supplies, graph.True),
		)),
		Message: func(n *graph.Node) string { return label(n) + " supplies the AI estate but has no risk rating" },
	},
	{
		ID: "PROHIBITED_SYSTEM_IN_USE", Severity: Critical, Kinds: []graph.Kind{graph.AISystem},
		Description: "An AI system of EU AI Act tier PROHIBITED that is not RETIRED (EU AI Act Art. 5).",
		Select: fixed(graph.All(
			graph.Equals("euAiActTier", "PROHIBITED"),
			graph.Not(graph.Equals("lifecycleStage", "RETIRED")),
		)),
		Message: func(n *graph.Node) string {
			return fmt.Sprintf("%s is a prohibited practice and is in %s, not retired", label(n), orUnknown(n.Props["lifecycleStage"]))
		},
	},
	{
		ID: "AUTOMATED_LEGAL_EFFECT_WITHOUT_SAFEGUARD", Severity: High, Kinds: []graph.Kind{graph.Decision},
		Description: "A FULLY_AUTOMATED decision with legalEffect that no control APPLIES_TO: solely automated decisions with legal effect need safeguards (GDPR Art. 22, 42001 A.9).",
		Select: fixed(graph.All(
			graph.Equals("automation", "FULLY_AUTOMATED"),
			graph.Equals("legalEffect", true),
			graph.Not(graph.Incoming(graph.AppliesTo, graph.KindIn(graph.Control))),
		)),
		Message: func(n *graph.Node) string {
			return label(n) + " is fully automated with legal effect on people, and no control applies to it"
		},
	},
	{
		ID: "HIGH_RISK_SYSTEM_WITH_RISKY_VENDOR", Severity: High, Kinds: []graph.Kind{graph.AISystem},
		Description: "An AI system of tier HIGH or PROHIBITED supplied by a vendor rated HIGH or CRITICAL (directly, or through a model it runs or a dataset it takes in), with no control applying to the system (42001 A.10.2, A.10.3).",
		Select: fixed(graph.All(
			graph.Equals("euAiActTier", "HIGH", "PROHIBITED"),
			graph.AnyOf(
				suppliedByRiskyVendor,
				graph.Incoming(graph.Powers, suppliedByRiskyVendor),
				graph.Incoming(graph.Feeds, suppliedByRiskyVendor),
			),
			graph.Not(graph.Incoming(graph.AppliesTo, graph.KindIn(graph.Control))),
		)),
		Message: func(n *graph.Node) string {
			return label(n) + " depends on a vendor rated HIGH or CRITICAL, and no control applies to the system"
		},
	},
	{
		ID: "PLANNED_CONTROL_FOR_HIGH_RISK_SYSTEM", Severity: Medium, Kinds: []graph.Kind{graph.Control},
		Description: "An Annex A control still PLANNED that applies to an AI system of tier HIGH or PROHIBITED: the system runs without it (42001 6.1.3 d).",
		Select: fixed(graph.All(
			graph.Equals("status", "PLANNED"),
			graph.IsSet("annexA"),
			graph.Outgoing(graph.AppliesTo, graph.All(graph.KindIn(graph.AISystem), graph.Equals("euAiActTier", "HIGH", "PROHIBITED"))),
		)),
		Message: func(n *graph.Node) string {
			return fmt.Sprintf("%s (Annex A %s) is only PLANNED but applies to a high-risk AI system", label(n), n.Props["annexA"])
		},
	},
	{
		ID: "RISK_REVIEW_OVERDUE", Severity: Medium, Kinds: []graph.Kind{graph.Risk},
		Description: "A risk that is not CLOSED whose reviewDue date has passed (42001 6.1.2 d, 8.2).",
		Select: func(at time.Time) graph.Cond {
			return graph.All(graph.Not(graph.Equals("status", "CLOSED")), graph.DayBefore("reviewDue", at.UTC().Format(time.DateOnly)))
		},
		Message: func(n *graph.Node) string {
			return fmt.Sprintf("%s was due for review on %s", label(n), n.Props["reviewDue"])
		},
	},
	{
		ID: "THIRD_PARTY_MODEL_WITHOUT_SUPPLIER", Severity: Low, Kinds: []graph.Kind{graph.Model},
		Description: "A model of origin THIRD_PARTY that no vendor SUPPLIES: the supplier A.10 asks to manage is not recorded.",
		Select: fixed(graph.All(
			graph.Equals("origin", "THIRD_PARTY"),
			graph.Not(graph.Incoming(graph.Supplies, graph.True)),
		)),
		Message: func(n *graph.Node) string {
			return label(n) + " is a third-party model, but no vendor is recorded as its supplier"
		},
	},
}

// suppliedByRiskyVendor holds for a node a vendor rated HIGH or CRITICAL supplies.
var suppliedByRiskyVendor = graph.Incoming(graph.Supplies, graph.All(graph.KindIn(graph.Vendor), graph.Equals("riskRating", "HIGH", "CRITICAL")))

// personalDataWithoutLegalBasis: personal or special-category data, no legal basis of its own,
// and no entry of the record of processing that covers it states one (docs/registers.md).
var personalDataWithoutLegalBasis = graph.All(
	graph.AnyOf(graph.Equals("personalData", true), graph.Equals("specialCategoryData", true)),
	graph.Not(graph.IsSet("legalBasis")),
	graph.Not(graph.Incoming(graph.Covers, graph.All(graph.KindIn(graph.ProcessingActivity), graph.IsSet("legalBasis")))),
)

func fixed(c graph.Cond) func(time.Time) graph.Cond { return func(time.Time) graph.Cond { return c } }

// label names a node for a message: kind, name and id.
func label(n *graph.Node) string {
	kind := strings.ToLower(strings.ReplaceAll(string(n.Kind), "_", " "))
	if kind == "ai system" {
		kind = "AI system"
	}
	name, _ := n.Props["name"].(string)
	if name == "" || name == n.ID {
		return fmt.Sprintf("%s %s", kind, n.ID)
	}
	return fmt.Sprintf("%s %q (%s)", kind, name, n.ID)
}

func orUnknown(v any) any {
	if v == nil {
		return "an unknown stage"
	}
	return v
}

// RuleByID returns the rule with this id.
func RuleByID(id string) (Rule, bool) {
	i := slices.IndexFunc(Rules, func(r Rule) bool { return r.ID == id })
	if i < 0 {
		return Rule{}, false
	}
	return Rules[i], true
}

// Select returns the rules with these ids (all when ids is empty), or an error naming the
// valid ones.
func Select(ids []string) ([]Rule, error) {
	if len(ids) == 0 {
		return Rules, nil
	}
	var out []Rule
	for _, id := range ids {
		r, ok := RuleByID(strings.ToUpper(strings.TrimSpace(id)))
		if !ok {
			var valid []string
			for _, r := range Rules {
				valid = append(valid, r.ID)
			}
			return nil, fmt.Errorf("unknown rule %q: one of %s", id, strings.Join(valid, ", "))
		}
		out = append(out, r)
	}
	return out, nil
}
