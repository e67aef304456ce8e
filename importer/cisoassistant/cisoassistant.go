// Package cisoassistant reads the asset register of CISO Assistant, the open-source GRC tool
// (docs/registers.md): its asset export (semicolon-separated, a UTF-8 BOM, `internal_id;name;
// description;ref_id;...`) and its asset import template (`ref_id,name,description,domain,type,
// asset_class`), as CSV or .xlsx. `ref_id` is the asset's assetId; `security_objectives` such as
// `confidentiality: 3,integrity: 2` give the confidentiality, integrity and availability ratings
// on aimsgraph's 1-5 scale (SecurityToRating). It also reads its CLI's asset file (CLILayout),
// its risk assessment (RiskAssessmentLayout, riskassessment.go) and the four tables of its
// third-party template (thirdparty.go).
package cisoassistant

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/aimsgraph/aimsgraph/graph"
	"github.com/aimsgraph/aimsgraph/importer/assetregister"
	"github.com/aimsgraph/aimsgraph/importer/record"
	"github.com/aimsgraph/aimsgraph/importer/register"
)

// The columns CISO Assistant's asset template has, in its order: `aimsgraph export assets
// --format ciso-assistant` writes exactly these, then the optional columns its import reads.
var (
	TemplateColumns = []string{RefID, "name", "description", Domain, Type, AssetClass}
	OptionalColumns = []string{SecurityObjectives, ParentAssets, FilteringLabels}
)

// Column names.
const (
	InternalID         = "internal_id" // CISO Assistant's UUID of the asset; kept as cisoAssistantId
	RefID              = "ref_id"
	Domain             = "domain"
	Type               = "type" // PR (primary) or SP (supporting)
	AssetClass         = "asset_class"
	SecurityObjectives = "security_objectives"
	ParentAssets       = "parent_assets"
	FilteringLabels    = "filtering_labels"
)

// aliases: the export and the import name some columns differently; each maps to the name this
// package uses.
var aliases = map[string]string{
	"labels": FilteringLabels, "owners": "owner", "folder": Domain, "reference_link": "link",
}

// known are the columns read above; the others are kept as text.
var known = func() map[string]bool {
	m := map[string]bool{}
	for _, c := range append(append([]string{InternalID, "name", "description", "owner", "link"}, TemplateColumns...), OptionalColumns...) {
		m[c] = true
	}
	for alias := range aliases {
		m[alias] = true
	}
	return m
}()

// Listed separates list cells (parent_assets, labels): CISO Assistant accepts commas and pipes.
const Listed = ",|"

// Layout is CISO Assistant's asset table.
var Layout register.Layout = layout{}

// Format reads CISO Assistant's asset CSV files; register.Workbook reads its .xlsx template.
var Format = register.CSV(Layout)

type layout struct{}

func (layout) Name() string   { return "ciso-assistant" }
func (layout) Source() string { return "ciso-assistant" }
func (layout) Expect() string {
	return "a CISO Assistant asset export or template (internal_id;name;...;ref_id or ref_id,name,...,type,asset_class)"
}

// Knows: a name column, CISO Assistant's ids (ref_id or internal_id) and a column only its
// assets have, so its other tables (third parties, controls) are not taken for assets.
func (layout) Knows(header []string) bool {
	return register.Has(header, "name") && register.HasAny(header, RefID, InternalID) &&
		register.HasAny(header, Type, AssetClass, SecurityObjectives, ParentAssets, "disaster_recovery_objectives", "is_business_function") &&
		!register.Has(header, assetregister.AssetID)
}

// column returns a cell by this package's column name, whichever alias the file uses.
func column(row register.Row, name string) string {
	if c := row.Cell(name); c != "" {
		return c
	}
	for alias, canon := range aliases {
		if canon == name {
			if c := row.Cell(alias); c != "" {
				return c
			}
		}
	}
	return ""
}

func (layout) Row(row register.Row, out *record.Emitter) { assetRow(row, false, out) }

// CLILayout is the asset file of CISO Assistant's command-line client (its cli/sample_assets.csv:
// `name,description,domain,type`): the same assets without ids, so the name, which CISO
// Assistant keeps unique within a domain, is the asset's assetId.
var CLILayout register.Layout = cliLayout{}

// CLIFormat reads the CLI's asset CSV files.
var CLIFormat = register.CSV(CLILayout)

type cliLayout struct{}

func (cliLayout) Name() string   { return "ciso-assistant-cli" }
func (cliLayout) Source() string { return "ciso-assistant" }
func (cliLayout) Expect() string {
	return "a CISO Assistant CLI asset file (name,description,domain,type)"
}

// Knows: name and type (PR/SP) beside domain, and no id column of any register, since the name
// is the id.
func (cliLayout) Knows(header []string) bool {
	return register.Has(header, "name", Type) && register.HasAny(header, Domain, "folder") &&
		!register.HasAny(header, RefID, InternalID, assetregister.AssetID, "id")
}

func (cliLayout) Row(row register.Row, out *record.Emitter) { assetRow(row, true, out) }

// assetRow reads one asset; byName: the file has no ids, the name is the asset's id.
func assetRow(row register.Row, byName bool, out *record.Emitter) {
	ref, internal := column(row, RefID), column(row, InternalID)
	if byName {
		ref = column(row, "name")
		if ref == "" {
			out.Problem(row.Line, "name", "missing name: the CLI's asset file identifies an asset by its name")
			return
		}
	}
	if ref == "" && internal == "" {
		out.Problem(row.Line, RefID, "missing ref_id (and internal_id): aimsgraph identifies an asset by one of them")
		return
	}
	labels := register.Split(column(row, FilteringLabels), Listed)
	kind, labels := register.InventoryKind(labels, row.Line, FilteringLabels, out)
	if kind != "" {
		inventoryRow(row, kind, ref, out)
		return
	}
	assetID := ref
	if assetID == "" {
		assetID = internal
	}
	id := assetregister.IDPrefix + assetID
	if !record.ValidID(id) {
		out.Problem(row.Line, RefID, "id %q contains control characters", id)
		return
	}
	n := graph.NodeRecord{ID: id, Kind: graph.Asset, Props: map[string]any{"assetId": assetID}, Line: row.Line}
	text := func(col, prop string) {
		if c := column(row, col); c != "" {
			n.Props[prop] = c
		}
	}
	text("name", "name")
	text("description", "description")
	text(Domain, "businessUnit")
	text(AssetClass, "assetClass")
	text("owner", "owner")
	text(InternalID, "cisoAssistantId")
	if _, ok := n.Props["name"]; !ok {
		out.Problem(row.Line, "name", "missing name")
	}
	if t := column(row, Type); t != "" {
		cat, ok := categoryOf(t)
		if !ok {
			out.Problem(row.Line, Type, "unknown asset type %q; expected PR (primary) or SP (supporting)", t)
		}
		n.Props["category"] = cat
	}
	if len(labels) > 0 {
		n.Props["tags"] = labels
	}
	securityObjectives(row, n.Props, out)
	var parents []string
	rel, _ := graph.RelOf(graph.Represents)
	for _, p := range register.Split(column(row, ParentAssets), Listed) {
		if strings.Contains(p, ":") {
			// A parent that is an aimsgraph id is an inventory row of an aimsgraph export: the
			// asset supports that AI system, model or dataset, which is how CISO Assistant,
			// having no links outside its register, keeps REPRESENTS (docs/registers.md).
			out.Rel(rel, id, p, nil, row.Line, ParentAssets)
			continue
		}
		parents = append(parents, p)
	}
	if len(parents) > 0 {
		n.Props["parentAssets"] = parents
	}
	register.KeepOthers(row, known, n.Props, out)
	if l := column(row, "link"); l != "" {
		n.Props["link"] = l
	}
	out.Node(n)
}

// inventoryRow reads a row an aimsgraph export wrote for an AI inventory node: it names the node
// (a stub), as the asset register's inventory rows do.
func inventoryRow(row register.Row, kind graph.Kind, id string, out *record.Emitter) {
	if id == "" || !record.ValidID(id) {
		out.Problem(row.Line, RefID, "an inventory row needs the node's aimsgraph id as its ref_id")
		return
	}
	out.Node(register.InventoryNode(row, kind, id))
}

// categoryOf reads CISO Assistant's asset type: PR (primary: information and processes the
// business values) or SP (supporting: what they run on), in either spelling.
func categoryOf(t string) (string, bool) {
	switch strings.ToLower(t) {
	case "pr", "primary":
		return "primary", true
	case "sp", "supporting":
		return "supporting", true
	}
	return t, false
}

// TypeOf is the inverse of categoryOf, for the export: an Asset whose category is neither is
// supporting (CISO Assistant's own default), unless it is information.
func TypeOf(category string) string {
	switch strings.ToLower(category) {
	case "primary", "information", "data", "process", "business process":
		return "PR"
	}
	return "SP"
}

// CIA are the objectives CISO Assistant rates that have a property of their own.
var CIA = []string{"confidentiality", "integrity", "availability"}

// securityObjectives reads `confidentiality: 3,integrity: 2,availability: 1,...`: the three
// CIA ratings become properties on aimsgraph's scale; the others (authenticity, proof, ...) are
// kept as written in securityObjectives.
func securityObjectives(row register.Row, props map[string]any, out *record.Emitter) {
	cell := column(row, SecurityObjectives)
	if cell == "" {
		return
	}
	props["securityObjectives"] = cell
	for _, part := range register.Split(cell, ",;") {
		name, value, ok := strings.Cut(part, ":")
		name = strings.ToLower(strings.TrimSpace(name))
		if !ok {
			out.Problem(row.Line, SecurityObjectives, "%q is not objective: value", part)
			continue
		}
		if !isCIA(name) {
			continue
		}
		rating, err := SecurityToRating(strings.TrimSpace(value))
		if err != nil {
			out.Problem(row.Line, SecurityObjectives, "%s: %v", name, err)
			continue
		}
		props[name] = rating
	}
}

func isCIA(name string) bool {
	for _, c := range CIA {
		if c == name {
			return true
		}
	}
	return false
}

// CISO Assistant rates security objectives on a scale of four (its default display is 1-4:
// low, medium, high, very high); aimsgraph rates confidentiality, integrity and availability
// 1-5. The two scales are stretched onto each other end to end, rounding to the nearest:
// 1→1, 2→2, 3→4, 4→5, and back 1→1, 2→2, 3→3, 4→3, 5→4. A value read from CISO Assistant
// comes back unchanged through aimsgraph; a 3 or a 4 of aimsgraph's both become its 3.
var securityWords = map[string]int64{"low": 1, "medium": 2, "moderate": 2, "high": 3, "very high": 4, "critical": 4}

// SecurityToRating maps a CISO Assistant value (1-4, or its words) to aimsgraph's 1-5.
func SecurityToRating(v string) (int64, error) {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		w, ok := securityWords[strings.ToLower(v)]
		if !ok {
			return 0, fmt.Errorf("expected a value 1-4 (or low, medium, high, very high), got %q", v)
		}
		n = w
	}
	if n < 1 || n > 4 {
		return 0, fmt.Errorf("%d is out of CISO Assistant's scale 1-4 (export with the 1-4 display scale)", n)
	}
	return int64(math.Round(1 + float64(n-1)*4/3)), nil
}

// RatingToSecurity maps aimsgraph's 1-5 to CISO Assistant's 1-4 (SecurityToRating's inverse
// on its values).
func RatingToSecurity(r int64) int64 {
	r = min(max(r, 1), 5)
	return int64(math.Floor(1 + float64(r-1)*3/4 + 0.5))
}
