// Package cyclonedx maps CycloneDX 1.5-1.7 JSON ML-BOMs onto the graph (docs/formats.md has the
// table). Each BOM is a self-contained document, imported as a run of its own.
package cyclonedx

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/aimsgraph/aimsgraph/graph"
	"github.com/aimsgraph/aimsgraph/importer/record"
)

// Format is CycloneDX JSON, registered in importer.Formats.
var Format record.Format = format{}

// Name is the format's name (--format, reports).
const Name = "cyclonedx"

type format struct{}

func (format) Name() string              { return Name }
func (format) Grouping() record.Grouping { return record.EachDocument }

// Sniff: a JSON object with a bomFormat key; a BOM too broken to parse is told by that key's
// text, so the error comes from this reader, with a line.
func (format) Sniff(h *record.Head) record.Match {
	if !h.ExtIn(".json", ".yaml", ".yml") || !h.StartsWith('{') {
		return record.No
	}
	keys, ok := h.JSONKeys()
	if keys["bomFormat"] || (!ok && h.Contains(`"bomFormat"`)) {
		return record.Yes
	}
	return record.Lacks("a CycloneDX BOM (a bomFormat key)")
}

func (format) Decode(r io.Reader, out *record.Emitter) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	decode(data, out)
	return nil
}

// decode maps one BOM. The document is read twice: by the CycloneDX library for its typed model,
// and by the line-keeping JSON reader for syntax errors with a line and for the line of each
// component.
func decode(data []byte, out *record.Emitter) {
	tree, err := record.ReadJSON(data)
	if err != nil {
		out.ParseFailed(err)
		return
	}
	bom, ok := decodeBOM(data, &tree, out)
	if !ok {
		return
	}
	if bom.BOMFormat != "CycloneDX" {
		out.Problem(tree.Line, "bomFormat", "is %q, not CycloneDX", bom.BOMFormat)
		return
	}
	m := &cdxMapper{out: out, b: record.NewBuilder(out), lines: map[string]int{}, ids: map[string]string{}}
	m.indexLines(tree)
	// The BOM's own subject: a model, or a system, described in metadata.component.
	var subject string
	var all []cdxAt
	if bom.Metadata != nil && bom.Metadata.Component != nil {
		subject = bom.Metadata.Component.Name
		all = append(all, flattenComponents(bom.Metadata.Component, "metadata.component", tree.At("metadata", "component"))...)
	}
	if bom.Components != nil {
		for i := range *bom.Components {
			all = append(all, flattenComponents(&(*bom.Components)[i], fmt.Sprintf("components[%d]", i), tree.At("components", i))...)
		}
	}
	// First learn every component's node id, so references resolve whatever their order.
	for _, c := range all {
		m.learn(c)
	}
	for _, c := range all {
		m.component(c)
	}
	if bom.Services != nil {
		for i, s := range *bom.Services {
			m.ids[s.BOMRef] = "sys:" + record.Slug(record.FirstNonEmpty(s.Name, s.BOMRef))
			m.services = append(m.services, cdxService{s, fmt.Sprintf("services[%d]", i), tree.At("services", i).Line})
		}
	}
	m.dependencies(bom, tree)
	if len(all) > 0 && all[0].field == "metadata.component" && all[0].c.Type == cdx.ComponentTypeApplication {
		m.subjectSystem(all[0])
	}
	out.SetDocumentSubject(subject)
	m.b.Emit()
}

// maxLeftOut bounds the wrong-typed values a BOM may have before it is rejected: each costs a
// decode of the whole BOM.
const maxLeftOut = 50

// decodeBOM decodes the BOM with the CycloneDX library. A value of the wrong type for the schema
// (a string where it wants a list of URLs) is left out of tree with a warning, and the BOM decoded
// again without it, so the rest lands; tree keeps the lines of the document as written.
func decodeBOM(data []byte, tree *record.Value, out *record.Emitter) (*cdx.BOM, bool) {
	doc := data
	for left := 0; ; left++ {
		bom := new(cdx.BOM)
		err := cdx.NewBOMDecoder(bytes.NewReader(doc), cdx.BOMFileFormatJSON).Decode(bom)
		if err == nil {
			return bom, true
		}
		var te *json.UnmarshalTypeError
		if !errors.As(err, &te) {
			out.Problem(tree.Line, "", "not a CycloneDX BOM the CycloneDX library can read: %v", err)
			return nil, false
		}
		wrong := wrongTyped(tree, te)
		if wrong == nil || left == maxLeftOut {
			line := tree.Line
			if left == 0 {
				line = record.NewLineIndex(data).At(te.Offset)
			}
			out.Problem(line, te.Field, "is a JSON %s; the CycloneDX schema wants %s here", te.Value, te.Type)
			return nil, false
		}
		out.Warn(wrong.Line, te.Field, "is a JSON %s; the CycloneDX schema wants %s here: left out", te.Value, te.Type)
		*wrong = record.Value{Null: true, Line: wrong.Line}
		if doc, err = json.Marshal(tree.JSON()); err != nil {
			out.Problem(tree.Line, "", "%v", err)
			return nil, false
		}
	}
}

// wrongTyped finds the value a type error is about: the first, in document order, at the
// error's field path with the JSON type it names (encoding/json reports the earliest one).
func wrongTyped(tree *record.Value, te *json.UnmarshalTypeError) *record.Value {
	if te.Field == "" {
		return nil // the document as a whole: not a BOM
	}
	shape, _, _ := strings.Cut(te.Value, " ") // "number -5" is a number
	for _, v := range tree.Find(te.Field) {
		if v.JSONShape() == shape {
			return v
		}
	}
	return nil
}

type cdxAt struct {
	c     *cdx.Component
	field string
	line  int
	tree  record.Value // the component as written, for keys the library does not model
}

type cdxService struct {
	s     cdx.Service
	field string
	line  int
}

type cdxMapper struct {
	out      *record.Emitter
	b        *record.Builder
	models   []string          // the BOM's models, in order
	lines    map[string]int    // bom-ref -> line
	ids      map[string]string // bom-ref -> node id
	services []cdxService
}

// flattenComponents lists a component and its nested components.
func flattenComponents(c *cdx.Component, field string, tree record.Value) []cdxAt {
	out := []cdxAt{{c, field, tree.Line, tree}}
	if c.Components != nil {
		for i := range *c.Components {
			out = append(out, flattenComponents(&(*c.Components)[i], fmt.Sprintf("%s.components[%d]", field, i), tree.At("components", i))...)
		}
	}
	return out
}

// cardProperties reads modelCard.properties, which CycloneDX 1.6 added and the library does not
// model yet: name/value pairs such as library_name or base_model.
func cardProperties(component record.Value) *[]cdx.Property {
	var out []cdx.Property
	for _, p := range component.At("modelCard", "properties").List {
		out = append(out, cdx.Property{Name: p.Str("name"), Value: p.Str("value")})
	}
	return &out
}

// indexLines remembers the line of every object with a bom-ref.
func (m *cdxMapper) indexLines(v record.Value) {
	if ref, ok := v.Get("bom-ref"); ok && ref.IsScalar {
		if _, seen := m.lines[ref.Scalar]; !seen {
			m.lines[ref.Scalar] = v.Line
		}
	}
	for _, f := range v.Fields {
		m.indexLines(f.Val)
	}
	for _, e := range v.List {
		m.indexLines(e)
	}
}

func componentIdentity(c *cdx.Component) record.Identity {
	id := record.Identity{Purl: c.PackageURL, Name: c.Name, Version: c.Version}
	if c.Group != "" && !strings.Contains(c.Name, "/") {
		id.Name = c.Group + "/" + c.Name
	}
	if c.ExternalReferences != nil {
		for _, r := range *c.ExternalReferences {
			id.URLs = append(id.URLs, r.URL)
		}
	}
	return id
}

func (m *cdxMapper) learn(c cdxAt) {
	var id string
	switch c.c.Type {
	case cdx.ComponentTypeMachineLearningModel:
		id = componentIdentity(c.c).ID("mdl")
	case cdx.ComponentTypeData:
		id = componentIdentity(c.c).ID("ds")
	case cdx.ComponentTypeApplication:
		id = "sys:" + record.Slug(record.FirstNonEmpty(c.c.Name, c.c.BOMRef)) // an AI system only if it uses a model
	default:
		return
	}
	if c.c.BOMRef != "" {
		m.ids[c.c.BOMRef] = id
	}
	if c.c.Data != nil { // data entries carry their own bom-refs, which model cards point at
		for _, cd := range *c.c.Data {
			if cd.BOMRef != "" && m.ids[cd.BOMRef] == "" {
				m.ids[cd.BOMRef] = id
			}
		}
	}
}

func (m *cdxMapper) component(c cdxAt) {
	switch c.c.Type {
	case cdx.ComponentTypeMachineLearningModel:
		m.model(c)
	case cdx.ComponentTypeData:
		m.dataset(c)
	}
}

// common returns a component's node id and the properties every mapped component has.
func (m *cdxMapper) common(c cdxAt, prefix string) (string, map[string]any) {
	id := m.ids[c.c.BOMRef]
	if id == "" {
		id = componentIdentity(c.c).ID(prefix)
	}
	return id, map[string]any{"name": c.c.Name, "version": c.c.Version, "description": c.c.Description,
		"license": licenseText(c.c.Licenses), "purl": c.c.PackageURL}
}

func (m *cdxMapper) model(c cdxAt) {
	id, props := m.common(c, "mdl")
	m.models = append(m.models, id)
	if c.c.Tags != nil {
		props["tags"] = *c.c.Tags
	}
	var baseModels []string
	if mc := c.c.ModelCard; mc != nil {
		if p := mc.ModelParameters; p != nil {
			props["task"] = p.Task
			props["modelType"] = record.FirstNonEmpty(p.ModelArchitecture, p.ArchitectureFamily)
			props["architectureFamily"] = p.ArchitectureFamily
			if p.Approach != nil {
				props["approach"] = string(p.Approach.Type)
			}
		}
		baseModels = append(baseModels, propertyValues(cardProperties(c.tree), "base_model", "baseModel")...)
	}
	baseModels = append(baseModels, propertyValues(c.c.Properties, "base_model", "baseModel")...)
	props["framework"] = record.FirstNonEmpty(propertyValues(c.c.Properties, "library_name")...)
	if mc := c.c.ModelCard; mc != nil {
		props["framework"] = record.FirstNonEmpty(append(propertyValues(cardProperties(c.tree), "library_name"), props["framework"].(string))...)
	}
	if m.supplier(c.c, id, c) {
		props["origin"] = "THIRD_PARTY"
	}
	m.b.Node(graph.Model, id, c.line, false, props)

	for _, base := range baseModels {
		baseID := record.Identity{HFRepo: base}.ID("mdl")
		m.b.Node(graph.Model, baseID, c.line, true, map[string]any{"name": base})
		m.b.Rel(graph.BaseOf, baseID, id, nil, c.line, c.field+".modelCard.properties.base_model")
	}
	if mc := c.c.ModelCard; mc != nil {
		if p := mc.ModelParameters; p != nil && p.Datasets != nil {
			for i, ds := range *p.Datasets {
				field := fmt.Sprintf("%s.modelCard.modelParameters.datasets[%d]", c.field, i)
				var dsID string
				switch {
				case ds.Ref != "":
					dsID = m.ids[ds.Ref]
					if dsID == "" {
						m.out.Warn(c.line, field+".ref", "%q matches no data component's bom-ref in this BOM: left out", ds.Ref)
						continue
					}
				case ds.ComponentData != nil:
					dsID = m.inlineDataset(ds.ComponentData, c.line)
				default:
					continue
				}
				m.b.Rel(graph.Trains, dsID, id, map[string]any{"purpose": "TRAINING"}, c.line, field)
			}
		}
		m.considerations(mc.Considerations, id, c)
	}
}

// supplier records the component's supplier (or manufacturer) as a Vendor that SUPPLIES id, and
// reports whether there was one.
func (m *cdxMapper) supplier(c *cdx.Component, id string, at cdxAt) bool {
	org := c.Supplier
	if org == nil || org.Name == "" {
		org = c.Manufacturer
	}
	if org == nil || org.Name == "" {
		return false
	}
	vid := "vnd:" + record.Slug(org.Name)
	props := map[string]any{"name": org.Name}
	if org.URL != nil && len(*org.URL) > 0 {
		props["url"] = (*org.URL)[0]
	}
	m.b.Node(graph.Vendor, vid, at.line, false, props)
	m.b.Rel(graph.Supplies, vid, id, nil, at.line, at.field+".supplier")
	return true
}

// considerations turns ethical considerations and fairness assessments into risks that AFFECT
// the model: OPEN without a mitigation strategy, MITIGATED with one.
func (m *cdxMapper) considerations(cons *cdx.MLModelCardConsiderations, modelID string, at cdxAt) {
	if cons == nil {
		return
	}
	status := func(mitigation string) string {
		if strings.TrimSpace(mitigation) != "" {
			return "MITIGATED"
		}
		return "OPEN"
	}
	add := func(i int, kind, category, name, description, mitigation string) {
		rid := fmt.Sprintf("risk:%s:%s-%d", strings.TrimPrefix(modelID, "mdl:"), kind, i+1)
		m.b.Node(graph.Risk, rid, at.line, false, map[string]any{"name": name, "description": description,
			"category": category, "status": status(mitigation), "mitigationStrategy": mitigation})
		m.b.Rel(graph.Affects, rid, modelID, nil, at.line, fmt.Sprintf("%s.modelCard.considerations", at.field))
	}
	if cons.EthicalConsiderations != nil {
		for i, e := range *cons.EthicalConsiderations {
			add(i, "ethical", "OTHER", record.FirstNonEmpty(e.Name, "Ethical consideration"), e.Name, e.MitigationStrategy)
		}
	}
	if cons.FairnessAssessments != nil {
		for i, f := range *cons.FairnessAssessments {
			name := "Fairness: " + record.FirstNonEmpty(f.GroupAtRisk, "unnamed group")
			add(i, "fairness", "FAIRNESS", name, strings.TrimSpace(f.Harms+" "+f.Benefits), f.MitigationStrategy)
		}
	}
}

func (m *cdxMapper) dataset(c cdxAt) {
	id, props := m.common(c, "ds")
	if m.supplier(c.c, id, c) {
		props["origin"] = "THIRD_PARTY"
	}
	m.b.Node(graph.Dataset, id, c.line, false, props)
	if c.c.Data != nil {
		for _, cd := range *c.c.Data {
			m.componentData(&cd, id, c.line)
		}
	}
}

// inlineDataset maps a dataset written inside a model card; it returns the dataset's id.
func (m *cdxMapper) inlineDataset(cd *cdx.ComponentData, line int) string {
	id := record.Identity{Name: record.FirstNonEmpty(cd.Name, cd.BOMRef)}
	if cd.Contents != nil {
		id.URLs = []string{cd.Contents.URL}
	}
	dsID := id.ID("ds")
	m.b.Node(graph.Dataset, dsID, line, false, map[string]any{"name": record.FirstNonEmpty(cd.Name, cd.BOMRef)})
	m.componentData(cd, dsID, line)
	return dsID
}

// componentData maps a data entry's classification, sensitive data and governance onto dataset id.
func (m *cdxMapper) componentData(cd *cdx.ComponentData, id string, line int) {
	props := map[string]any{"description": cd.Description, "dataType": string(cd.Type)}
	if cd.Contents != nil {
		props["url"] = cd.Contents.URL
	}
	if c, ok := graph.NormalizeEnum(cd.Classification, graph.Confidentiality); ok {
		props["confidentiality"] = c
	} else {
		props["classification"] = cd.Classification
	}
	sensitive := cd.SensitiveData != nil && len(*cd.SensitiveData) > 0
	if sensitive {
		props["personalData"] = true
		props["dataCategories"] = *cd.SensitiveData
	}
	m.b.Node(graph.Dataset, id, line, false, props)
	if sensitive {
		m.b.Flag(id, "PRIVACY")
	}
	if g := cd.Governance; g != nil {
		for _, set := range []struct {
			parties *[]cdx.ComponentDataGovernanceResponsibleParty
			as      string
		}{{g.Owners, "OWNER"}, {g.Stewards, "DATA_STEWARD"}, {g.Custodians, "RESPONSIBLE"}} {
			if set.parties == nil {
				continue
			}
			for _, p := range *set.parties {
				m.party(p, set.as, id, line)
			}
		}
	}
}

// party maps a governance party to a Role RESPONSIBLE_FOR the dataset.
func (m *cdxMapper) party(p cdx.ComponentDataGovernanceResponsibleParty, as, target string, line int) {
	props := map[string]any{}
	var key string
	if p.Contact != nil {
		props["person"], props["email"] = p.Contact.Name, p.Contact.Email
		key = record.FirstNonEmpty(p.Contact.Email, p.Contact.Name)
	}
	if p.Organization != nil {
		props["team"] = p.Organization.Name
		key = record.FirstNonEmpty(key, p.Organization.Name)
	}
	if key == "" {
		return
	}
	props["name"] = record.FirstNonEmpty(asString(props["person"]), asString(props["team"]), key)
	rid := "role:" + record.Slug(key)
	m.b.Node(graph.Role, rid, line, false, props)
	m.b.Rel(graph.ResponsibleFor, rid, target, map[string]any{"as": as}, line, "governance")
}

// dependencies maps what dependencies express in lineage terms: an application or service
// that depends on a model is an AI system the model POWERS; data it depends on FEEDS it; a model
// depending on a model is derived from it (BASE_OF). Other dependencies say nothing about lineage.
func (m *cdxMapper) dependencies(bom *cdx.BOM, tree record.Value) {
	if bom.Dependencies == nil {
		return
	}
	kindOf := func(id string) string { return strings.SplitN(id, ":", 2)[0] }
	for i, dep := range *bom.Dependencies {
		field := fmt.Sprintf("dependencies[%d]", i)
		line := tree.At("dependencies", i).Line
		from, ok := m.resolve(dep.Ref, line, field+".ref")
		if !ok || dep.Dependencies == nil {
			continue
		}
		for j, ref := range *dep.Dependencies {
			to, ok := m.resolve(ref, line, fmt.Sprintf("%s.dependsOn[%d]", field, j))
			if !ok {
				continue
			}
			switch fk, tk := kindOf(from), kindOf(to); {
			case fk == "sys" && tk == "mdl":
				m.system(dep.Ref, from, line)
				m.b.Rel(graph.Powers, to, from, nil, line, field)
			case fk == "sys" && tk == "ds":
				m.system(dep.Ref, from, line)
				m.b.Rel(graph.Feeds, to, from, nil, line, field)
			case fk == "mdl" && tk == "mdl":
				m.b.Rel(graph.BaseOf, to, from, nil, line, field)
			case fk == "mdl" && tk == "ds":
				m.b.Rel(graph.Trains, to, from, map[string]any{"purpose": "TRAINING"}, line, field)
			}
		}
	}
}

// resolve returns the node id of a dependency's bom-ref. A ref that names nothing in the BOM is
// a problem; one that names a component aimsgraph does not map (a library) is simply not lineage.
func (m *cdxMapper) resolve(ref string, line int, field string) (string, bool) {
	if id, ok := m.ids[ref]; ok {
		return id, true
	}
	if _, known := m.lines[ref]; !known {
		m.out.Warn(line, field, "%q matches no bom-ref in this BOM: left out", ref)
	}
	return "", false
}

// subjectSystem maps a BOM whose subject is an application (an inference service, a Kubernetes
// AIBOM of a Deployment): the application is an AI system that every model of the BOM POWERS.
func (m *cdxMapper) subjectSystem(c cdxAt) {
	id := m.ids[c.c.BOMRef]
	if id == "" {
		id = "sys:" + record.Slug(record.FirstNonEmpty(c.c.Name, c.c.BOMRef))
	}
	m.b.Node(graph.AISystem, id, c.line, false, map[string]any{"name": c.c.Name, "description": c.c.Description,
		"version": c.c.Version, "purl": c.c.PackageURL})
	m.supplier(c.c, id, c)
	for _, model := range m.models {
		m.b.Rel(graph.Powers, model, id, nil, c.line, c.field)
	}
}

// system records the AI system an application or service is, once a dependency shows it uses a
// model or data.
func (m *cdxMapper) system(ref, id string, line int) {
	for _, s := range m.services {
		if s.s.BOMRef == ref {
			m.b.Node(graph.AISystem, id, s.line, false, map[string]any{"name": s.s.Name, "description": s.s.Description})
			return
		}
	}
	m.b.Node(graph.AISystem, id, firstNonZero(m.lines[ref], line), false, map[string]any{"name": strings.TrimPrefix(id, "sys:")})
}

func licenseText(l *cdx.Licenses) string {
	if l == nil {
		return ""
	}
	var out []string
	for _, c := range *l {
		switch {
		case c.Expression != "":
			out = append(out, c.Expression)
		case c.License != nil:
			out = append(out, record.FirstNonEmpty(c.License.ID, c.License.Name))
		}
	}
	return strings.Join(out, " AND ")
}

func propertyValues(ps *[]cdx.Property, names ...string) []string {
	if ps == nil {
		return nil
	}
	var out []string
	for _, p := range *ps {
		for _, n := range names {
			if p.Name == n && strings.TrimSpace(p.Value) != "" {
				for _, v := range strings.Split(p.Value, ",") {
					if v = strings.TrimSpace(v); v != "" {
						out = append(out, v)
					}
				}
			}
		}
	}
	return out
}

func firstNonZero(n ...int) int {
	for _, x := range n {
		if x != 0 {
			return x
		}
	}
	return 0
}

func asString(v any) string { s, _ := v.(string); return s }
