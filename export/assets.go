package export

import (
	"context"
	"slices"
	"sort"
	"strings"

	"github.com/aimsgraph/aimsgraph/graph"
	"github.com/aimsgraph/aimsgraph/importer/assetregister"
	"github.com/aimsgraph/aimsgraph/importer/cisoassistant"
	"github.com/aimsgraph/aimsgraph/importer/record"
	"github.com/aimsgraph/aimsgraph/importer/register"
)

// assetRow is one row of the asset export: a register asset, or an AI system, model or dataset
// listed in the register (an inventory row, docs/registers.md).
type assetRow struct {
	node   *graph.Node
	linked []string // REPRESENTS: what an asset describes, or the assets describing an inventory node
	owners []string // an inventory node's OWNER (else ACCOUNTABLE) roles, by name
	class  string   // an inventory node's classification
}

func (a assetRow) inventory() bool { return a.node.Kind != graph.Asset }

// assetRows reads every asset, AI system, model and dataset, with their REPRESENTS links and
// owners: four reads whatever the size.
func assetRows(ctx context.Context, r graph.Reader) ([]assetRow, error) {
	nodes, err := all(ctx, r, graph.Asset, graph.AISystem, graph.Model, graph.Dataset)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]*graph.Node, len(nodes))
	for _, n := range nodes {
		byID[n.ID] = n
	}
	rels, err := r.Edges(ctx, ids(nodes), graph.In, []graph.RelType{graph.Represents, graph.ResponsibleFor})
	if err != nil {
		return nil, err
	}
	out, err := r.Edges(ctx, ids(nodes), graph.Out, []graph.RelType{graph.Represents})
	if err != nil {
		return nil, err
	}
	linked := map[string][]string{}
	owners := map[string][]*graph.Relationship{}
	var roleIDs []string
	for _, rel := range append(rels, out...) {
		switch {
		case rel.Type == graph.Represents && byID[rel.From] != nil && byID[rel.From].Kind == graph.Asset:
			linked[rel.From] = append(linked[rel.From], rel.To) // the asset describes rel.To
			if n := byID[rel.To]; n != nil && n.Kind != graph.Asset {
				linked[rel.To] = append(linked[rel.To], rel.From)
			}
		case rel.Type == graph.ResponsibleFor:
			owners[rel.To] = append(owners[rel.To], rel)
			roleIDs = append(roleIDs, rel.From)
		}
	}
	roles, err := r.Nodes(ctx, roleIDs)
	if err != nil {
		return nil, err
	}
	roleName := map[string]string{}
	for _, n := range roles {
		name, _ := n.Props["name"].(string)
		if p, _ := n.Props["person"].(string); p != "" {
			name = p
		}
		roleName[n.ID] = name
	}
	rows := make([]assetRow, 0, len(nodes))
	for _, n := range nodes {
		row := assetRow{node: n, linked: dedupe(linked[n.ID])}
		if row.inventory() {
			row.owners = ownerNames(owners[n.ID], roleName)
			row.class = classification(n, row.linked, byID)
		}
		rows = append(rows, row)
	}
	// Assets first (the register's own), then the inventory it lists, each by id.
	sort.SliceStable(rows, func(i, j int) bool { return !rows[i].inventory() && rows[j].inventory() })
	return rows, nil
}

func dedupe(ss []string) []string {
	slices.Sort(ss)
	return slices.Compact(ss)
}

// ownerNames names the roles RESPONSIBLE_FOR a node as OWNER, else as ACCOUNTABLE.
func ownerNames(rels []*graph.Relationship, names map[string]string) []string {
	for _, as := range []string{"OWNER", "ACCOUNTABLE"} {
		var out []string
		for _, r := range rels {
			if r.Props["as"] == as && names[r.From] != "" {
				out = append(out, names[r.From])
			}
		}
		if len(out) > 0 {
			return dedupe(out)
		}
	}
	return nil
}

// classification of an inventory node: a dataset's own confidentiality, else the classification
// of the register assets that describe it (the strictest first when they differ).
func classification(n *graph.Node, assets []string, byID map[string]*graph.Node) string {
	if c, _ := n.Props["confidentiality"].(string); c != "" {
		return c
	}
	best, rank := "", -1
	for _, id := range assets {
		if a := byID[id]; a != nil {
			c, _ := a.Props["classification"].(string)
			if r := slices.Index(graph.Confidentiality, strings.ToUpper(c)); c != "" && r > rank {
				best, rank = c, r
			} else if c != "" && best == "" {
				best = c
			}
		}
	}
	return best
}

// inventoryType names an inventory node's kind for the register's asset_type column.
var inventoryType = map[graph.Kind]string{graph.AISystem: "AI system", graph.Model: "AI model", graph.Dataset: "Dataset"}

// registerTable is the asset register of docs/registers.md, in the reader's columns (assetregister), so it
// imports again unchanged: an asset's properties the register has no column for are columns of
// their own, named after them; an `id` column appears when an asset's id is not ast:<asset_id>.
func registerTable(rows []assetRow) *Table {
	header := columnsOf(assetregister.Columns)
	known := map[string]bool{"assetId": true}
	for _, c := range assetregister.Columns {
		known[c.Prop] = true
		known[c.Name] = true // a property named as a column would be read as that column
	}
	var extra []string
	needID := false
	for _, r := range rows {
		if r.inventory() {
			continue
		}
		for k := range r.node.Props {
			if !known[k] && !slices.Contains(extra, k) && k != "id" && !record.ReservedKey(k) {
				extra = append(extra, k)
			}
		}
		if assetID(r.node) == "" || assetregister.IDPrefix+assetID(r.node) != r.node.ID {
			needID = true
		}
	}
	sort.Strings(extra)
	header = append(header, extra...)
	if needID {
		header = append(header, assetregister.ID)
	}
	header = append(header, assetregister.LinkedIDs)
	t := &Table{Sheet: "Assets", Header: header}
	for _, r := range rows {
		cells := map[string]string{assetregister.LinkedIDs: strings.Join(r.linked, register.ListSep)}
		if r.inventory() {
			cells[assetregister.AssetID] = r.node.ID
			cells["name"] = text(r.node.Props["name"])
			cells["description"] = text(r.node.Props["description"])
			cells["asset_type"] = inventoryType[r.node.Kind]
			cells["owner"] = strings.Join(r.owners, register.ListSep)
			cells["classification"] = r.class
			cells[assetregister.Labels] = register.InventoryLabel(r.node.Kind)
		} else {
			for _, c := range assetregister.Columns {
				cells[c.Name] = text(r.node.Props[c.Prop])
			}
			for _, k := range extra {
				cells[k] = text(r.node.Props[k])
			}
			cells[assetregister.AssetID] = refOf(r.node)
			if needID {
				cells[assetregister.ID] = r.node.ID
			}
		}
		t.Rows = append(t.Rows, rowOf(header, cells))
	}
	return t
}

func assetID(n *graph.Node) string { s, _ := n.Props["assetId"].(string); return s }

// refOf is the register's id of an asset: its assetId, else its id without ast:.
func refOf(n *graph.Node) string {
	if id := assetID(n); id != "" {
		return id
	}
	return strings.TrimPrefix(n.ID, assetregister.IDPrefix)
}

func rowOf(header []string, cells map[string]string) []string {
	row := make([]string, len(header))
	for i, h := range header {
		row[i] = cells[h]
	}
	return row
}

// cisoTable is CISO Assistant's asset template (its columns exactly, then the optional ones its
// import reads): assets under their assetId, the AI inventory as primary assets labelled
// aimsgraph-<KIND> under their aimsgraph ids, and REPRESENTS as parent_assets, the one link
// between assets CISO Assistant keeps (docs/registers.md).
func cisoTable(rows []assetRow) *Table {
	header := append(slices.Clone(cisoassistant.TemplateColumns), cisoassistant.OptionalColumns...)
	t := &Table{Sheet: "Sheet1", Header: header}
	for _, r := range rows {
		n := r.node
		cells := map[string]string{
			"name":                   text(n.Props["name"]),
			"description":            text(n.Props["description"]),
			cisoassistant.Domain:     text(n.Props["businessUnit"]),
			cisoassistant.AssetClass: text(n.Props["assetClass"]),
		}
		var labels []string
		if r.inventory() {
			cells[cisoassistant.RefID] = n.ID
			cells[cisoassistant.Type] = "PR"
			labels = []string{register.InventoryLabel(n.Kind)}
		} else {
			cells[cisoassistant.RefID] = refOf(n)
			cells[cisoassistant.Type] = cisoassistant.TypeOf(text(n.Props["category"]))
			// Concat, not append: the list is the store's, shared with every other reader.
			cells[cisoassistant.ParentAssets] = strings.Join(slices.Concat(graph.TextList(n.Props["parentAssets"]), r.linked), register.ListSep)
			labels = graph.TextList(n.Props["tags"])
			var objectives []string
			for _, c := range cisoassistant.CIA {
				if v, ok := n.Props[c].(int64); ok {
					objectives = append(objectives, c+": "+text(cisoassistant.RatingToSecurity(v)))
				}
			}
			cells[cisoassistant.SecurityObjectives] = strings.Join(objectives, ",")
		}
		cells[cisoassistant.FilteringLabels] = strings.Join(labels, register.ListSep)
		t.Rows = append(t.Rows, rowOf(header, cells))
	}
	return t
}
