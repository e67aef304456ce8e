package importer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/aimsgraph/aimsgraph/graph"
)

// cyclonedx maps a CycloneDX 1.5-1.7 JSON BOM (docs/formats.md has the table). The document is
// read twice: by the CycloneDX library for its typed model, and by the line-keeping JSON reader
// for syntax errors with a line and for the line of each component.
func (d *decoder) cyclonedx(data []byte) (subject string) {
	tree, err := readJSON(data)
	if err != nil {
		if pe, ok := err.(*parseError); ok {
			d.problem(pe.line, "", "%s", pe.msg)
			return ""
		}
		d.problem(0, "", "%v", err)
		return ""
	}
	bom := new(cdx.BOM)
	if err := cdx.NewBOMDecoder(bytes.NewReader(data), cdx.BOMFileFormatJSON).Decode(bom); err != nil {
		// A value of the wrong type (a string where the schema has a list): name it and its line.
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			d.problem(newlineIndex(data).at(te.Offset), te.Field, "is a JSON %s; the CycloneDX schema wants %s here", te.Value, te.Type)
			return ""
		}
		d.problem(tree.line, "", "not a CycloneDX BOM the CycloneDX library can read: %v", err)
		return ""
	}
	if bom.BOMFormat != "CycloneDX" {
		d.problem(tree.line, "bomFormat", "is %q, not CycloneDX", bom.BOMFormat)
		return ""
	}
	m := &cdxMapper{d: d, b: newDocBuilder(d), lines: map[string]int{}, ids: map[string]string{}}
	m.indexLines(tree)
	// The BOM's own subject: a model or system described in metadata.component.
	var all []cdxAt
	if bom.Metadata != nil && bom.Metadata.Component != nil {
		subject = bom.Metadata.Component.Name
		all = append(all, cdxAt{bom.Metadata.Component, "metadata.component", lineAt(tree, "metadata", "component"), valueAt(tree, "metadata", "component")})
	}
	if bom.Components != nil {
		for i := range *bom.Components {
			all = append(all, flattenComponents(&(*bom.Components)[i], fmt.Sprintf("components[%d]", i), valueAt(tree, "components", i))...)
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
			m.ids[s.BOMRef] = "sys:" + slug(firstNonEmpty(s.Name, s.BOMRef))
			m.services = append(m.services, cdxService{s, fmt.Sprintf("services[%d]", i), lineAt(tree, "services", i)})
		}
	}
	m.dependencies(bom, tree)
	d.setSource(subject)
	m.b.emit()
	return subject
}

type cdxAt struct {
	c     *cdx.Component
	field string
	line  int
	tree  value // the component as written, for keys the library does not model
}

type cdxService struct {
	s     cdx.Service
	field string
	line  int
}

type cdxMapper struct {
	d        *decoder
	b        *docBuilder
	lines    map[string]int    // bom-ref -> line
	ids      map[string]string // bom-ref -> node id
	services []cdxService
}

// flattenComponents lists a component and its nested components.
func flattenComponents(c *cdx.Component, field string, tree value) []cdxAt {
	out := []cdxAt{{c, field, tree.line, tree}}
	if c.Components != nil {
		for i := range *c.Components {
			out = append(out, flattenComponents(&(*c.Components)[i], fmt.Sprintf("%s.components[%d]", field, i), valueAt(tree, "components", i))...)
		}
	}
	return out
}

// valueAt returns the value at a path of keys and indexes, or a null value.
func valueAt(v value, path ...any) value {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			next, ok := v.get(k)
			if !ok {
				return value{null: true, line: v.line}
			}
			v = next
		case int:
			if k >= len(v.list) {
				return value{null: true, line: v.line}
			}
			v = v.list[k]
		}
	}
	return v
}

// cardProperties reads modelCard.properties, which CycloneDX 1.6 added and the library does not
// model yet: name/value pairs such as library_name or base_model.
func cardProperties(component value) *[]cdx.Property {
	var out []cdx.Property
	for _, p := range valueAt(component, "modelCard", "properties").list {
		out = append(out, cdx.Property{Name: p.str("name"), Value: p.str("value")})
	}
	return &out
}

// indexLines remembers the line of every object with a bom-ref.
func (m *cdxMapper) indexLines(v value) {
	if ref, ok := v.get("bom-ref"); ok && ref.isScal {
		if _, seen := m.lines[ref.scalar]; !seen {
			m.lines[ref.scalar] = v.line
		}
	}
	for _, f := range v.fields {
		m.indexLines(f.val)
	}
	for _, e := range v.list {
		m.indexLines(e)
	}
}

// lineAt returns the line of the value at a path of keys and indexes, or the nearest parent's.
func lineAt(v value, path ...any) int {
	line := v.line
	for _, p := range path {
		switch k := p.(type) {
		case string:
			next, ok := v.get(k)
			if !ok {
				return line
			}
			v = next
		case int:
			if k >= len(v.list) {
				return line
			}
			v = v.list[k]
		}
		line = v.line
	}
	return line
}

func componentIdentity(c *cdx.Component) identity {
	id := identity{purl: c.PackageURL, name: c.Name, version: c.Version}
	if c.Group != "" && !strings.Contains(c.Name, "/") {
		id.name = c.Group + "/" + c.Name
	}
	if c.ExternalReferences != nil {
		for _, r := range *c.ExternalReferences {
			id.urls = append(id.urls, r.URL)
		}
	}
	return id
}

func (m *cdxMapper) learn(c cdxAt) {
	var id string
	switch c.c.Type {
	case cdx.ComponentTypeMachineLearningModel:
		id = componentIdentity(c.c).id("mdl")
	case cdx.ComponentTypeData:
		id = componentIdentity(c.c).id("ds")
	case cdx.ComponentTypeApplication:
		id = "sys:" + slug(firstNonEmpty(c.c.Name, c.c.BOMRef)) // an AI system only if it uses a model
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
		id = componentIdentity(c.c).id(prefix)
	}
	return id, map[string]any{"name": c.c.Name, "version": c.c.Version, "description": c.c.Description,
		"license": licenseText(c.c.Licenses), "purl": c.c.PackageURL}
}

func (m *cdxMapper) model(c cdxAt) {
	id, props := m.common(c, "mdl")
	if c.c.Tags != nil {
		props["tags"] = *c.c.Tags
	}
	var baseModels []string
	if mc := c.c.ModelCard; mc != nil {
		if p := mc.ModelParameters; p != nil {
			props["task"] = p.Task
			props["modelType"] = firstNonEmpty(p.ModelArchitecture, p.ArchitectureFamily)
			props["architectureFamily"] = p.ArchitectureFamily
			if p.Approach != nil {
				props["approach"] = string(p.Approach.Type)
			}
		}
		baseModels = append(baseModels, propertyValues(cardProperties(c.tree), "base_model", "baseModel")...)
	}
	baseModels = append(baseModels, propertyValues(c.c.Properties, "base_model", "baseModel")...)
	props["framework"] = firstNonEmpty(propertyValues(c.c.Properties, "library_name")...)
	if mc := c.c.ModelCard; mc != nil {
		props["framework"] = firstNonEmpty(append(propertyValues(cardProperties(c.tree), "library_name"), props["framework"].(string))...)
	}
	if m.supplier(c.c, id, c) {
		props["origin"] = "THIRD_PARTY"
	}
	m.b.node(graph.Model, id, c.line, false, props)

	for _, base := range baseModels {
		baseID := identity{hfRepo: base}.id("mdl")
		m.b.node(graph.Model, baseID, c.line, true, map[string]any{"name": base})
		m.b.rel(graph.BaseOf, baseID, id, nil, c.line, c.field+".modelCard.properties.base_model")
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
						m.d.problem(c.line, field+".ref", "%q matches no data component's bom-ref in this BOM", ds.Ref)
						continue
					}
				case ds.ComponentData != nil:
					dsID = m.inlineDataset(ds.ComponentData, c.line)
				default:
					continue
				}
				m.b.rel(graph.Trains, dsID, id, map[string]any{"purpose": "TRAINING"}, c.line, field)
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
	vid := "vnd:" + slug(org.Name)
	props := map[string]any{"name": org.Name}
	if org.URL != nil && len(*org.URL) > 0 {
		props["url"] = (*org.URL)[0]
	}
	m.b.node(graph.Vendor, vid, at.line, false, props)
	m.b.rel(graph.Supplies, vid, id, nil, at.line, at.field+".supplier")
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
		m.b.node(graph.Risk, rid, at.line, false, map[string]any{"name": name, "description": description,
			"category": category, "status": status(mitigation), "mitigationStrategy": mitigation})
		m.b.rel(graph.Affects, rid, modelID, nil, at.line, fmt.Sprintf("%s.modelCard.considerations", at.field))
	}
	if cons.EthicalConsiderations != nil {
		for i, e := range *cons.EthicalConsiderations {
			add(i, "ethical", "OTHER", firstNonEmpty(e.Name, "Ethical consideration"), e.Name, e.MitigationStrategy)
		}
	}
	if cons.FairnessAssessments != nil {
		for i, f := range *cons.FairnessAssessments {
			name := "Fairness: " + firstNonEmpty(f.GroupAtRisk, "unnamed group")
			add(i, "fairness", "FAIRNESS", name, strings.TrimSpace(f.Harms+" "+f.Benefits), f.MitigationStrategy)
		}
	}
}

func (m *cdxMapper) dataset(c cdxAt) {
	id, props := m.common(c, "ds")
	if m.supplier(c.c, id, c) {
		props["origin"] = "THIRD_PARTY"
	}
	m.b.node(graph.Dataset, id, c.line, false, props)
	if c.c.Data != nil {
		for _, cd := range *c.c.Data {
			m.componentData(&cd, id, c.line)
		}
	}
}

// inlineDataset maps a dataset written inside a model card; it returns the dataset's id.
func (m *cdxMapper) inlineDataset(cd *cdx.ComponentData, line int) string {
	id := identity{name: firstNonEmpty(cd.Name, cd.BOMRef)}
	if cd.Contents != nil {
		id.urls = []string{cd.Contents.URL}
	}
	dsID := id.id("ds")
	m.b.node(graph.Dataset, dsID, line, false, map[string]any{"name": firstNonEmpty(cd.Name, cd.BOMRef)})
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
	m.b.node(graph.Dataset, id, line, false, props)
	if sensitive {
		m.b.flag(id, "PRIVACY")
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
		key = firstNonEmpty(p.Contact.Email, p.Contact.Name)
	}
	if p.Organization != nil {
		props["team"] = p.Organization.Name
		key = firstNonEmpty(key, p.Organization.Name)
	}
	if key == "" {
		return
	}
	props["name"] = firstNonEmpty(asString(props["person"]), asString(props["team"]), key)
	rid := "role:" + slug(key)
	m.b.node(graph.Role, rid, line, false, props)
	m.b.rel(graph.ResponsibleFor, rid, target, map[string]any{"as": as}, line, "governance")
}

// dependencies maps what dependencies express in lineage terms: an application or service
// that depends on a model is an AI system the model POWERS; data it depends on FEEDS it; a model
// depending on a model is derived from it (BASE_OF). Other dependencies say nothing about lineage.
func (m *cdxMapper) dependencies(bom *cdx.BOM, tree value) {
	if bom.Dependencies == nil {
		return
	}
	kindOf := func(id string) string { return strings.SplitN(id, ":", 2)[0] }
	for i, dep := range *bom.Dependencies {
		field := fmt.Sprintf("dependencies[%d]", i)
		line := lineAt(tree, "dependencies", i)
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
				m.b.rel(graph.Powers, to, from, nil, line, field)
			case fk == "sys" && tk == "ds":
				m.system(dep.Ref, from, line)
				m.b.rel(graph.Feeds, to, from, nil, line, field)
			case fk == "mdl" && tk == "mdl":
				m.b.rel(graph.BaseOf, to, from, nil, line, field)
			case fk == "mdl" && tk == "ds":
				m.b.rel(graph.Trains, to, from, map[string]any{"purpose": "TRAINING"}, line, field)
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
		m.d.problem(line, field, "%q matches no bom-ref in this BOM", ref)
	}
	return "", false
}

// system records the AI system an application or service is, once a dependency shows it uses a
// model or data.
func (m *cdxMapper) system(ref, id string, line int) {
	for _, s := range m.services {
		if s.s.BOMRef == ref {
			m.b.node(graph.AISystem, id, s.line, false, map[string]any{"name": s.s.Name, "description": s.s.Description})
			return
		}
	}
	m.b.node(graph.AISystem, id, firstNonZero(m.lines[ref], line), false, map[string]any{"name": strings.TrimPrefix(id, "sys:")})
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
			out = append(out, firstNonEmpty(c.License.ID, c.License.Name))
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

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if strings.TrimSpace(x) != "" {
			return strings.TrimSpace(x)
		}
	}
	return ""
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
