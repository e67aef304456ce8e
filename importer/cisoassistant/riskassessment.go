package cisoassistant

import (
	"strings"

	"github.com/aimsgraph/aimsgraph/graph"
	"github.com/aimsgraph/aimsgraph/importer/record"
	"github.com/aimsgraph/aimsgraph/importer/register"
)

// RiskAssessmentLayout is CISO Assistant's risk assessment table (its CLI's RA_sample.csv, the
// data wizard's risk assessment template): a row per risk scenario, `ref_id;assets;threats;name;
// description;existing_controls;current_impact;current_proba;...;treatment;justification`. Each
// row is a Risk (docs/registers.md).
var RiskAssessmentLayout register.Layout = riskAssessment{}

// RiskAssessmentFormat reads risk assessments kept as CSV.
var RiskAssessmentFormat = register.CSV(RiskAssessmentLayout)

// RiskPrefix makes a scenario's ref_id (else its name) an aimsgraph id: R.1 is risk:R.1.
const RiskPrefix = "risk:"

// Treatments maps CISO Assistant's treatment to the domain's Risk status.
var Treatments = map[string]string{
	"open": "OPEN", "mitigate": "MITIGATED", "accept": "ACCEPTED", "avoid": "CLOSED", "transfer": "MITIGATED",
}

// The labels of CISO Assistant's default 4x4 matrix (EBIOS RM's scales), in order, as its CLI
// sample writes them. A risk assessment's labels are those of the matrix it was made with; other
// labels are kept as written, without a likelihood or impact.
var (
	ProbabilityLabels = []string{"unlikely", "likely", "very likely", "certain"}
	ImpactLabels      = []string{"minor", "significant", "important", "critical"}
)

// notAssessed is how CISO Assistant writes a level that was not assessed.
const notAssessed = "--"

// ListedControls separates the items of list cells (threats, controls, assets): newlines,
// semicolons or commas, as CISO Assistant's import reads them.
const ListedControls = "\n;,"

type riskAssessment struct{}

func (riskAssessment) Name() string   { return "ciso-assistant-risk-assessment" }
func (riskAssessment) Source() string { return "ciso-assistant-risk-assessment" }
func (riskAssessment) Expect() string {
	return "a CISO Assistant risk assessment (ref_id;assets;threats;name;...;current_impact;current_proba;...;treatment)"
}

func (riskAssessment) Knows(header []string) bool {
	return register.Has(header, "name", "treatment") &&
		register.HasAny(header, "current_impact", "current_proba", "residual_impact", "residual_proba", "inherent_impact", "inherent_proba")
}

// riskText are the columns kept as text under a property of their own; riskLists as lists.
var (
	riskText = map[string]string{
		"description": "description", "justification": "justification", "treatment": "treatment",
		"inherent_impact": "inherentImpact", "inherent_proba": "inherentProbability", "inherent_risk": "inherentRisk",
		"current_impact": "currentImpact", "current_proba": "currentProbability", "current_risk": "currentRisk",
		"residual_impact": "residualImpact", "residual_proba": "residualProbability", "residual_risk": "residualRisk",
	}
	riskLists = map[string]string{
		"threats": "threats", "assets": "assets", "existing_controls": "existingControls", "additional_controls": "additionalControls",
	}
	riskKnown = func() map[string]bool {
		m := map[string]bool{RefID: true, "name": true}
		for c := range riskText {
			m[c] = true
		}
		for c := range riskLists {
			m[c] = true
		}
		return m
	}()
)

func (riskAssessment) Row(row register.Row, out *record.Emitter) {
	name, ref := row.Cell("name"), row.Cell(RefID)
	if name == "" {
		out.Problem(row.Line, "name", "missing name")
		return
	}
	id := RiskPrefix + record.FirstNonEmpty(ref, name)
	if !record.ValidID(id) {
		out.Problem(row.Line, RefID, "id %q contains control characters", id)
		return
	}
	props := map[string]any{"name": name}
	if ref != "" {
		props["refId"] = ref
	}
	for col, prop := range riskText {
		if c := row.Cell(col); c != "" && c != notAssessed {
			props[prop] = c
		}
	}
	for col, prop := range riskLists {
		if items := register.Split(row.Cell(col), ListedControls); len(items) > 0 {
			props[prop] = items
		}
	}
	if t := row.Cell("treatment"); t != "" {
		status, ok := Treatments[strings.ToLower(t)]
		if !ok {
			out.Problem(row.Line, "treatment", "unknown treatment %q; expected open, mitigate, accept, avoid or transfer", t)
			return
		}
		props["status"] = status
	}
	// The current assessment is the risk's likelihood and impact, on the domain's 1-5 scale.
	if n, ok := level(row.Cell("current_proba"), ProbabilityLabels); ok {
		props["likelihood"] = n
	}
	if n, ok := level(row.Cell("current_impact"), ImpactLabels); ok {
		props["impact"] = n
	}
	register.KeepOthers(row, riskKnown, props, out)
	out.Node(graph.NodeRecord{ID: id, Kind: graph.Risk, Props: props, Line: row.Line})
}

// level maps a label of the default matrix to the domain's 1-5, stretched as the security
// objectives are (SecurityToRating: 1, 2, 4, 5).
func level(label string, labels []string) (int64, bool) {
	for i, l := range labels {
		if strings.EqualFold(label, l) {
			n, err := SecurityToRating(string(rune('1' + i)))
			return n, err == nil
		}
	}
	return 0, false
}
