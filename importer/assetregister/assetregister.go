// Package assetregister reads an ISO/IEC 27001 asset register kept as a table
// (docs/registers.md): a header row starting `asset_id,name` and any of the register columns,
// lists separated by `|`, each row an Asset whose linked_ids it REPRESENTS. Rows labelled
// aimsgraph-AI_SYSTEM (MODEL, DATASET) list an inventory node instead (register.InventoryKind).
package assetregister

import (
	"github.com/aimsgraph/aimsgraph/graph"
	"github.com/aimsgraph/aimsgraph/importer/record"
	"github.com/aimsgraph/aimsgraph/importer/register"
)

// The register's own columns, in the order `aimsgraph export assets` writes them. Any other
// column is kept as a text property named as the column, as the native format keeps unknown
// keys.
const (
	AssetID   = "asset_id"
	ID        = "id" // optional: the aimsgraph id of the row's node, when it is not ast:<asset_id>
	LinkedIDs = "linked_ids"
	Labels    = "labels"
)

// Columns maps the register columns to Asset properties (graph.Kinds, ASSET).
var Columns = []register.Column{
	{Name: AssetID, Prop: "assetId"},
	{Name: "name", Prop: "name"},
	{Name: "description", Prop: "description"},
	{Name: "asset_type", Prop: "category"},
	{Name: "asset_class", Prop: "assetClass"},
	{Name: "status", Prop: "status"},
	{Name: "owner", Prop: "owner"},
	{Name: "custodian", Prop: "custodian"},
	{Name: "business_unit", Prop: "businessUnit"},
	{Name: "location", Prop: "location"},
	{Name: "classification", Prop: "classification"},
	{Name: "confidentiality", Prop: "confidentiality"},
	{Name: "integrity", Prop: "integrity"},
	{Name: "availability", Prop: "availability"},
	{Name: "business_value", Prop: "businessValue"},
	{Name: "parent_assets", Prop: "parentAssets", List: true},
	{Name: Labels, Prop: "tags", List: true},
	{Name: "review_next", Prop: "reviewNext"},
	{Name: "flags", Prop: "flags", List: true}, // aimsgraph's risk flags, so an export imports again unchanged
}

// known are the columns with a meaning of their own; the others are kept as text.
var known = register.Known(Columns, ID, LinkedIDs)

// IDPrefix makes a register's asset id an aimsgraph id: A-0042 is ast:A-0042.
const IDPrefix = "ast:"

// Layout is the asset register's table.
var Layout register.Layout = layout{}

// Format reads asset registers kept as CSV; register.Workbook reads them as .xlsx.
var Format = register.CSV(Layout)

type layout struct{}

func (layout) Name() string   { return "asset-register" }
func (layout) Source() string { return "asset-register" }
func (layout) Expect() string {
	return "an asset register (a header row starting asset_id,name)"
}

// Knows: the header starts with asset_id and has name, as docs/registers.md writes it.
func (layout) Knows(header []string) bool {
	return len(header) >= 2 && header[0] == AssetID && register.Has(header, "name")
}

func (layout) Row(row register.Row, out *record.Emitter) {
	assetID := row.Cell(AssetID)
	if assetID == "" {
		out.Problem(row.Line, AssetID, "missing asset id")
		return
	}
	labels := register.Split(row.Cell(Labels), register.ListSep)
	kind, _ := register.InventoryKind(labels, row.Line, Labels, out)
	if kind != "" {
		inventoryRow(row, kind, assetID, out)
		return
	}
	id := IDPrefix + assetID
	if explicit := row.Cell(ID); explicit != "" {
		id = explicit
	}
	if !record.ValidID(id) {
		out.Problem(row.Line, AssetID, "id %q contains control characters", id)
		return
	}
	n := graph.NodeRecord{ID: id, Kind: graph.Asset, Props: map[string]any{}, Line: row.Line}
	register.Props(row, graph.Asset, Columns, n.Props, out)
	if _, ok := n.Props["name"]; !ok {
		out.Problem(row.Line, "name", "missing name")
	}
	register.KeepOthers(row, known, n.Props, out)
	out.Node(n)
	rel, _ := graph.RelOf(graph.Represents)
	for _, target := range register.Split(row.Cell(LinkedIDs), register.ListSep) {
		out.Rel(rel, id, target, nil, row.Line, LinkedIDs)
	}
}

// inventoryRow reads a row that lists an AI inventory node: the row names the node (a stub:
// created with its name when the graph lacks it, never overwriting what the inventory says) and
// the register assets its linked_ids lists REPRESENT it.
func inventoryRow(row register.Row, kind graph.Kind, id string, out *record.Emitter) {
	if !record.ValidID(id) {
		out.Problem(row.Line, AssetID, "id %q contains control characters", id)
		return
	}
	out.Node(register.InventoryNode(row, kind, id))
	rel, _ := graph.RelOf(graph.Represents)
	for _, asset := range register.Split(row.Cell(LinkedIDs), register.ListSep) {
		out.Rel(rel, asset, id, nil, row.Line, LinkedIDs)
	}
}
