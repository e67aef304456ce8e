// Package ropa reads a record of processing activities (GDPR Art. 30, ISO/IEC 27701) kept as a
// table: a header row starting `activity_id,activity_name`, lists
// separated by `|`, each row a ProcessingActivity that COVERS the datasets, models and AI systems
// its `covers` lists.
package ropa

import (
	"github.com/aimsgraph/aimsgraph/graph"
	"github.com/aimsgraph/aimsgraph/importer/record"
	"github.com/aimsgraph/aimsgraph/importer/register"
)

// Column names with a role of their own.
const (
	ActivityID   = "activity_id"
	ActivityName = "activity_name"
	Covers       = "covers"
)

// Columns maps the record's columns to ProcessingActivity properties (graph.Kinds), in the
// order `aimsgraph export ropa` writes them; List columns hold `|`-separated items.
var Columns = []register.Column{
	{Name: ActivityID, Prop: "activityId"},
	{Name: ActivityName, Prop: "name"},
	{Name: "description", Prop: "description"},
	{Name: "role", Prop: "role"},
	{Name: "controller_contact", Prop: "controllerContact"},
	{Name: "dpo_contact", Prop: "dpoContact"},
	{Name: "purposes", Prop: "purposes", List: true},
	{Name: "legal_basis", Prop: "legalBasis"},
	{Name: "art9_condition", Prop: "art9Condition"},
	{Name: "data_subject_categories", Prop: "dataSubjectCategories", List: true},
	{Name: "personal_data_categories", Prop: "personalDataCategories", List: true},
	{Name: "special_category", Prop: "specialCategory"},
	{Name: "recipients", Prop: "recipients", List: true},
	{Name: "third_country_transfers", Prop: "thirdCountryTransfers", List: true},
	{Name: "transfer_mechanism", Prop: "transferMechanism"},
	{Name: "retention", Prop: "retention"},
	{Name: "security_measures", Prop: "securityMeasures", List: true},
	{Name: "dpia_required", Prop: "dpiaRequired"},
	{Name: "dpia_ref", Prop: "dpiaRef"},
	{Name: "labels", Prop: "tags", List: true},
}

// Reached are the columns `aimsgraph export ropa` adds: what the covered data reaches
// downstream. The graph derives them, so an import leaves them out.
var Reached = []string{"reached_systems", "reached_decisions"}

// known are the columns with a meaning of their own; the others are kept as text.
var known = register.Known(Columns, append([]string{Covers}, Reached...)...)

// IDPrefix makes an activity id an aimsgraph id: PA-07 is pa:PA-07.
const IDPrefix = "pa:"

// Layout is the record of processing's table.
var Layout register.Layout = layout{}

// Format reads records of processing kept as CSV; register.Workbook reads them as .xlsx.
var Format = register.CSV(Layout)

type layout struct{}

func (layout) Name() string   { return "ropa" }
func (layout) Source() string { return "records-of-processing" }
func (layout) Expect() string {
	return "a record of processing (a header row starting activity_id,activity_name)"
}

func (layout) Knows(header []string) bool {
	return len(header) >= 2 && header[0] == ActivityID && register.Has(header, ActivityName)
}

func (layout) Row(row register.Row, out *record.Emitter) {
	activity := row.Cell(ActivityID)
	if activity == "" {
		out.Problem(row.Line, ActivityID, "missing activity id")
		return
	}
	id := IDPrefix + activity
	if !record.ValidID(id) {
		out.Problem(row.Line, ActivityID, "id %q contains control characters", id)
		return
	}
	n := graph.NodeRecord{ID: id, Kind: graph.ProcessingActivity, Props: map[string]any{}, Line: row.Line}
	register.Props(row, graph.ProcessingActivity, Columns, n.Props, out)
	if _, ok := n.Props["name"]; !ok {
		out.Problem(row.Line, ActivityName, "missing activity name")
	}
	register.KeepOthers(row, known, n.Props, out)
	out.Node(n)
	rel, _ := graph.RelOf(graph.Covers)
	for _, target := range register.Split(row.Cell(Covers), register.ListSep) {
		out.Rel(rel, id, target, nil, row.Line, Covers)
	}
}
