package cisoassistant

import (
	"strconv"
	"strings"
	"time"

	"github.com/aimsgraph/aimsgraph/graph"
	"github.com/aimsgraph/aimsgraph/importer/record"
	"github.com/aimsgraph/aimsgraph/importer/register"
)

// CISO Assistant's third-party risk management (TPRM) import template is a workbook of four
// sheets, kept as four tables (docs/registers.md): Entities (the third parties), Solutions (what
// they provide), Contracts and Representatives. Entities are Vendor nodes; solutions and
// contracts are facts about the vendor providing them, so their rows state parts of that vendor
// (graph.NodeRecord.Part) which the import merges with the entity's row; representatives are
// Role nodes RESPONSIBLE_FOR their vendor, kept by their role title only.

// Third-party column names.
const (
	ParentEntity   = "parent_entity_ref_id"
	ProviderEntity = "provider_entity_ref_id"
	SolutionRef    = "solution_ref_id"
)

// VendorPrefix makes an entity's ref_id an aimsgraph id: ENT-003 is vnd:ENT-003.
const VendorPrefix = "vnd:"

// ThirdPartySource is the default source of the four tables: one register, however many files.
const ThirdPartySource = "ciso-assistant-third-parties"

// TPRMRatings are the entity ratings CISO Assistant's third-party criticality is computed from,
// each a whole number 0-4; kept as text properties named as the column.
var TPRMRatings = []string{"dependency", "penetration", "maturity", "trust"}

// The four layouts and their CSV formats (register.Workbook reads a workbook's first sheet,
// Entities).
var (
	EntitiesLayout        register.Layout = entities{}
	SolutionsLayout       register.Layout = solutions{}
	ContractsLayout       register.Layout = contracts{}
	RepresentativesLayout register.Layout = representatives{}

	EntitiesFormat        = register.CSV(EntitiesLayout)
	SolutionsFormat       = register.CSV(SolutionsLayout)
	ContractsFormat       = register.CSV(ContractsLayout)
	RepresentativesFormat = register.CSV(RepresentativesLayout)
)

// vendorID returns the vendor id of an entity's ref_id, reporting a missing or unusable one.
func vendorID(row register.Row, column string, out *record.Emitter) (string, bool) {
	ref := row.Cell(column)
	if ref == "" {
		out.Problem(row.Line, column, "missing entity ref_id: aimsgraph identifies a third party by it")
		return "", false
	}
	id := VendorPrefix + ref
	if !record.ValidID(id) {
		out.Problem(row.Line, column, "id %q contains control characters", id)
		return "", false
	}
	return id, true
}

type entities struct{}

func (entities) Name() string   { return "ciso-assistant-entities" }
func (entities) Source() string { return ThirdPartySource }
func (entities) Expect() string {
	return "CISO Assistant third-party entities (ref_id,name,description,mission,country,...,parent_entity_ref_id,dependency,...)"
}

// Knows: an entity's own columns; assets have none of them.
func (entities) Knows(header []string) bool {
	return register.Has(header, RefID, "name") &&
		register.HasAny(header, "mission", ParentEntity, "dependency", "penetration", "maturity", "trust") &&
		!register.HasAny(header, ProviderEntity, Type, AssetClass)
}

// entityText are the entity columns kept as text under a property of their own; entityKnown
// those and the ref_id, the columns not kept as named (register.KeepOthers).
var (
	entityText  = map[string]string{"name": "name", "description": "description", "country": "country", ParentEntity: "parentEntity"}
	entityKnown = func() map[string]bool {
		m := map[string]bool{RefID: true}
		for c := range entityText {
			m[c] = true
		}
		return m
	}()
)

func (entities) Row(row register.Row, out *record.Emitter) {
	id, ok := vendorID(row, RefID, out)
	if !ok {
		return
	}
	props := map[string]any{"refId": row.Cell(RefID)}
	for col, prop := range entityText {
		if c := row.Cell(col); c != "" {
			props[prop] = c
		}
	}
	if _, ok := props["name"]; !ok {
		out.Problem(row.Line, "name", "missing name")
	}
	for _, r := range TPRMRatings {
		if c := row.Cell(r); c != "" {
			if n, err := strconv.Atoi(c); err != nil || n < 0 || n > 4 {
				out.Problem(row.Line, r, "expected a whole number 0-4 (CISO Assistant's TPRM scale), got %q", c)
			}
		}
	}
	register.KeepOthers(row, entityKnown, props, out) // mission, currency, domain, the ratings
	out.Node(graph.NodeRecord{ID: id, Kind: graph.Vendor, Props: props, Line: row.Line, Part: true})
}

type solutions struct{}

func (solutions) Name() string   { return "ciso-assistant-solutions" }
func (solutions) Source() string { return ThirdPartySource }
func (solutions) Expect() string {
	return "CISO Assistant third-party solutions (ref_id,name,description,provider_entity_ref_id,criticality)"
}

func (solutions) Knows(header []string) bool {
	return register.Has(header, RefID, "name", ProviderEntity) && !isContract(header)
}

// Row: the solution folds into its provider as an item of the vendor's `solutions`:
// "<name> (<ref_id>, criticality <n>)".
func (solutions) Row(row register.Row, out *record.Emitter) {
	id, ok := vendorID(row, ProviderEntity, out)
	name := row.Cell("name")
	if name == "" {
		out.Problem(row.Line, "name", "missing name")
		ok = false
	}
	var facts []string
	if ref := row.Cell(RefID); ref != "" {
		facts = append(facts, ref)
	}
	if c := row.Cell("criticality"); c != "" {
		if n, err := strconv.Atoi(c); err != nil || n < 0 {
			out.Problem(row.Line, "criticality", "expected a whole number, got %q", c)
			ok = false
		}
		facts = append(facts, "criticality "+c)
	}
	if !ok {
		return
	}
	item := name
	if len(facts) > 0 {
		item += " (" + strings.Join(facts, ", ") + ")"
	}
	out.Node(graph.NodeRecord{ID: id, Kind: graph.Vendor, Props: map[string]any{"refId": row.Cell(ProviderEntity), "solutions": []string{item}},
		Line: row.Line, Part: true})
}

func isContract(header []string) bool {
	return register.HasAny(header, SolutionRef, "start_date", "end_date", "annual_expense")
}

type contracts struct{}

func (contracts) Name() string   { return "ciso-assistant-contracts" }
func (contracts) Source() string { return ThirdPartySource }
func (contracts) Expect() string {
	return "CISO Assistant third-party contracts (ref_id,name,description,provider_entity_ref_id,solution_ref_id,status,start_date,end_date,...)"
}

func (contracts) Knows(header []string) bool {
	return register.Has(header, RefID, "name", ProviderEntity) && isContract(header)
}

// Row: the contract folds into its provider as an item of the vendor's `contracts`:
// "<ref_id> <name>: <status>, <start> to <end>, solution <ref>".
func (contracts) Row(row register.Row, out *record.Emitter) {
	id, ok := vendorID(row, ProviderEntity, out)
	for _, col := range []string{"start_date", "end_date"} {
		if c := row.Cell(col); c != "" {
			if _, err := time.Parse(time.DateOnly, c); err != nil {
				out.Problem(row.Line, col, "expected a date YYYY-MM-DD, got %q", c)
				ok = false
			}
		}
	}
	label := strings.TrimSpace(row.Cell(RefID) + " " + row.Cell("name"))
	if label == "" {
		out.Problem(row.Line, RefID, "missing ref_id and name: a contract needs one")
		ok = false
	}
	if !ok {
		return
	}
	var facts []string
	if s := row.Cell("status"); s != "" {
		facts = append(facts, s)
	}
	start, end := row.Cell("start_date"), row.Cell("end_date")
	switch {
	case start != "" && end != "":
		facts = append(facts, start+" to "+end)
	case start != "":
		facts = append(facts, "from "+start)
	case end != "":
		facts = append(facts, "until "+end)
	}
	if s := row.Cell(SolutionRef); s != "" {
		facts = append(facts, "solution "+s)
	}
	item := label
	if len(facts) > 0 {
		item += ": " + strings.Join(facts, ", ")
	}
	out.Node(graph.NodeRecord{ID: id, Kind: graph.Vendor, Props: map[string]any{"refId": row.Cell(ProviderEntity), "contracts": []string{item}},
		Line: row.Line, Part: true})
}

type representatives struct{}

func (representatives) Name() string   { return "ciso-assistant-representatives" }
func (representatives) Source() string { return ThirdPartySource }
func (representatives) Expect() string {
	return "CISO Assistant third-party representatives (email,first_name,last_name,description,phone,role,provider_entity_ref_id)"
}

func (representatives) Knows(header []string) bool {
	return register.Has(header, ProviderEntity, "role") && register.HasAny(header, "email", "first_name", "last_name") &&
		!register.Has(header, RefID)
}

// RepresentativeDropped are the columns a representative's row is read without: who the person
// is and how to reach them are personal data the inventory does not need; the role stays.
var RepresentativeDropped = []string{"email", "first_name", "last_name", "phone"}

// Row: a Role titled as the representative's role, RESPONSIBLE_FOR the vendor, with the row's
// description; id role:<entity ref_id>:<role slug>, so two contacts in one role are one Role.
func (representatives) Row(row register.Row, out *record.Emitter) {
	vid, ok := vendorID(row, ProviderEntity, out)
	title := row.Cell("role")
	if title == "" {
		out.Problem(row.Line, "role", "missing role: aimsgraph keeps a representative by role title only")
		ok = false
	}
	if !ok {
		return
	}
	ref := row.Cell(ProviderEntity)
	id := "role:" + ref + ":" + record.FirstNonEmpty(record.Slug(title), title)
	props := map[string]any{"name": title + " (" + ref + ")", "title": title}
	if d := row.Cell("description"); d != "" {
		props["description"] = d
	}
	out.Node(graph.NodeRecord{ID: id, Kind: graph.Role, Props: props, Line: row.Line})
	rel, _ := graph.RelOf(graph.ResponsibleFor)
	out.Rel(rel, id, vid, nil, row.Line, ProviderEntity)
}
