package importer

import (
	"fmt"
	"strings"

	"github.com/aimsgraph/aimsgraph/graph"
)

// spdx maps an SPDX 3.0 JSON-LD document with the AI and Dataset profiles (docs/formats.md).
// There is no SPDX 3 library for Go yet, so the document is read with the line-keeping JSON
// reader; property names are accepted with their profile prefix (ai_typeOfModel, as the
// specification's JSON-LD context writes them) and without it (as some generators do).
func (d *decoder) spdx(data []byte) {
	doc, err := readJSON(data)
	if err != nil {
		if pe, ok := err.(*parseError); ok {
			d.problem(pe.line, "", "%s", pe.msg)
		} else {
			d.problem(0, "", "%v", err)
		}
		return
	}
	graphV, ok := doc.get("@graph")
	if !ok || graphV.list == nil {
		d.problem(doc.line, "@graph", "an SPDX 3 JSON-LD document lists its elements in @graph")
		return
	}
	m := &spdxMapper{d: d, b: newDocBuilder(d), elems: map[string]spdxElem{}, ids: map[string]string{}}
	for i, e := range graphV.list {
		id := e.str("spdxId")
		if id == "" {
			id = e.str("@id")
		}
		el := spdxElem{v: e, typ: e.str("type"), field: fmt.Sprintf("@graph[%d]", i)}
		if el.typ == "" {
			el.typ = e.str("@type")
		}
		if id != "" {
			m.elems[id] = el
		}
		m.order = append(m.order, el)
	}
	subject := ""
	for _, el := range m.order {
		switch el.typ {
		case "SpdxDocument":
			subject = firstNonEmpty(subject, el.v.str("name"))
		case "ai_AIPackage", "AIPackage":
			m.ids[el.id()] = m.identity(el).id("mdl")
		case "dataset_DatasetPackage", "DatasetPackage":
			m.ids[el.id()] = m.identity(el).id("ds")
		}
	}
	for _, el := range m.order {
		switch el.typ {
		case "ai_AIPackage", "AIPackage":
			m.model(el)
		case "dataset_DatasetPackage", "DatasetPackage":
			m.dataset(el)
		}
	}
	for _, el := range m.order {
		if el.typ == "Relationship" || el.typ == "LifecycleScopedRelationship" {
			m.relationship(el)
		}
	}
	d.setSource(subject)
	m.b.emit()
}

type spdxElem struct {
	v     value
	typ   string
	field string
}

func (e spdxElem) id() string { return firstNonEmpty(e.v.str("spdxId"), e.v.str("@id")) }

// prop returns a property given with or without its profile prefix.
func (e spdxElem) prop(prefixed string) value {
	if v, ok := e.v.get(prefixed); ok {
		return v
	}
	if _, bare, found := strings.Cut(prefixed, "_"); found {
		if v, ok := e.v.get(bare); ok {
			return v
		}
	}
	return value{null: true}
}

func (e spdxElem) text(prefixed string) string {
	v := e.prop(prefixed)
	if v.isScal {
		return v.scalar
	}
	var parts []string
	for _, item := range v.list {
		if item.isScal {
			parts = append(parts, item.scalar)
		}
	}
	return strings.Join(parts, ", ")
}

type spdxMapper struct {
	d     *decoder
	b     *docBuilder
	elems map[string]spdxElem
	order []spdxElem
	ids   map[string]string // spdxId -> node id, for AI and dataset packages
}

func (m *spdxMapper) identity(el spdxElem) identity {
	id := identity{name: el.v.str("name"), version: el.text("software_packageVersion")}
	for _, k := range []string{"software_packageUrl", "software_downloadLocation", "software_homePage"} {
		u := el.text(k)
		if strings.HasPrefix(u, "pkg:") && id.purl == "" {
			id.purl = u
		} else if u != "" {
			id.urls = append(id.urls, u)
		}
	}
	if id.purl != "" || len(id.urls) > 0 {
		// A versioned download URL is not part of a published model's identity.
		if _, _, hf := hfRepoOf(id.urls); hf {
			id.version = ""
		}
	}
	return id
}

func hfRepoOf(urls []string) (string, bool, bool) {
	for _, u := range urls {
		if repo, ds, ok := hfRepo(u); ok {
			return repo, ds, true
		}
	}
	return "", false, false
}

func (m *spdxMapper) line(el spdxElem) int { return el.v.line }

func (m *spdxMapper) model(el spdxElem) {
	id := m.ids[el.id()]
	props := map[string]any{
		"name": el.v.str("name"), "version": el.text("software_packageVersion"),
		"description": firstNonEmpty(el.v.str("description"), el.v.str("summary")),
		"modelType":   el.text("ai_typeOfModel"), "domain": el.text("ai_domain"),
		"autonomyType": el.text("ai_autonomyType"), "license": m.license(el.id()),
		"informationAboutApplication": el.text("ai_informationAboutApplication"),
		"limitation":                  el.text("ai_limitation"),
	}
	m.b.node(graph.Model, id, m.line(el), false, props)
	if yes(el.text("ai_useSensitivePersonalInformation")) {
		m.b.flag(id, "PRIVACY")
	}
	if level := el.text("ai_safetyRiskAssessment"); level != "" {
		rid := "risk:" + strings.TrimPrefix(id, "mdl:") + ":safety-assessment"
		m.b.node(graph.Risk, rid, m.line(el), false, map[string]any{
			"name": "Safety risk assessment: " + level, "category": "SAFETY", "status": "OPEN",
			"description": "EU AI Act safety risk assessment of " + el.v.str("name") + ", stated in SPDX as " + level,
			"assessment":  level})
		m.b.rel(graph.Affects, rid, id, nil, m.line(el), el.field+".ai_safetyRiskAssessment")
	}
	m.supplier(el, id)
}

func (m *spdxMapper) dataset(el spdxElem) {
	id := m.ids[el.id()]
	props := map[string]any{
		"name": el.v.str("name"), "version": el.text("software_packageVersion"),
		"description": firstNonEmpty(el.v.str("description"), el.v.str("summary")),
		"datasetType": el.text("dataset_datasetType"), "license": m.license(el.id()),
		"knownBias": el.text("dataset_knownBias"), "intendedUse": el.text("dataset_intendedUse"),
	}
	switch strings.ToLower(el.text("dataset_confidentialityLevel")) {
	case "red":
		props["confidentiality"] = "RESTRICTED"
	case "amber":
		props["confidentiality"] = "CONFIDENTIAL"
	case "green":
		props["confidentiality"] = "INTERNAL"
	case "clear":
		props["confidentiality"] = "PUBLIC"
	}
	sensitive := el.text("dataset_hasSensitivePersonalInformation")
	if yes(sensitive) {
		props["personalData"] = true
	} else if strings.EqualFold(sensitive, "no") {
		props["personalData"] = false
	}
	m.b.node(graph.Dataset, id, m.line(el), false, props)
	if yes(sensitive) {
		m.b.flag(id, "PRIVACY")
	}
	if el.text("dataset_knownBias") != "" {
		m.b.flag(id, "FAIRNESS")
	}
	m.supplier(el, id)
}

// supplier maps suppliedBy (an agent's spdxId) to a Vendor that SUPPLIES the package.
func (m *spdxMapper) supplier(el spdxElem, id string) {
	ref := el.text("suppliedBy")
	if ref == "" {
		return
	}
	name := ref
	if agent, ok := m.elems[ref]; ok {
		name = firstNonEmpty(agent.v.str("name"), ref)
	}
	if i := strings.LastIndexAny(strings.TrimRight(name, "/"), "/:"); i >= 0 && name == ref {
		name = strings.TrimRight(name, "/")[i+1:] // an unnamed agent: the last part of its IRI
	}
	vid := "vnd:" + slug(name)
	m.b.node(graph.Vendor, vid, m.line(el), false, map[string]any{"name": name, "spdxId": ref})
	m.b.rel(graph.Supplies, vid, id, nil, m.line(el), el.field+".suppliedBy")
}

// license reads hasDeclaredLicense / hasConcludedLicense relationships from id.
func (m *spdxMapper) license(id string) string {
	var out []string
	for _, el := range m.order {
		if el.typ != "Relationship" || el.v.str("from") != id {
			continue
		}
		if t := el.v.str("relationshipType"); t != "hasDeclaredLicense" && t != "hasConcludedLicense" {
			continue
		}
		for _, to := range textItems(el.v, "to") {
			name := strings.TrimPrefix(to, "https://spdx.org/licenses/")
			if lic, ok := m.elems[to]; ok {
				name = firstNonEmpty(lic.v.str("simplelicensing_licenseExpression"), lic.v.str("name"), lic.v.str("expandedlicensing_licenseText"), to)
			}
			if len(name) > 200 {
				name = name[:200] + "..."
			}
			if !containsString(out, name) {
				out = append(out, name)
			}
		}
		if len(out) > 0 && el.v.str("relationshipType") == "hasDeclaredLicense" {
			break
		}
	}
	return strings.Join(out, " AND ")
}

// relationship maps trainedOn and testedOn (TRAINS) and dependsOn between models (BASE_OF).
// The endpoints of a mapped relationship must be elements of this document.
func (m *spdxMapper) relationship(el spdxElem) {
	typ := el.v.str("relationshipType")
	var purpose string
	switch typ {
	case "trainedOn":
		purpose = "TRAINING"
	case "testedOn":
		purpose = "TEST"
	case "dependsOn":
	default:
		return
	}
	from := el.v.str("from")
	fromID, known := m.ids[from]
	if typ == "dependsOn" {
		if !known || !strings.HasPrefix(fromID, "mdl:") {
			return // a package's dependencies are not lineage
		}
	} else if !known {
		// SPDX lets any artifact be trained: a model file or package that is no AI package
		// is recorded as a model of its own.
		fromID = m.artifact(from, graph.Model, el)
		if fromID == "" {
			return
		}
	}
	for i, to := range textItems(el.v, "to") {
		field := fmt.Sprintf("%s.to[%d]", el.field, i)
		toID, ok := m.ids[to]
		if typ == "dependsOn" {
			if ok && strings.HasPrefix(toID, "mdl:") {
				m.b.rel(graph.BaseOf, toID, fromID, nil, m.line(el), field)
			}
			continue // a model depending on software or data: not lineage aimsgraph records
		}
		if !ok {
			if toID = m.artifact(to, graph.Dataset, el); toID == "" {
				continue
			}
		}
		if !strings.HasPrefix(toID, "ds:") {
			m.d.problem(m.line(el), field, "%s: %q is a model, not data", typ, to)
			continue
		}
		m.b.rel(graph.Trains, toID, fromID, map[string]any{"purpose": purpose}, m.line(el), field)
	}
}

// artifact records an element of the document that a trainedOn or testedOn relationship names
// but that is no AI or dataset package (a model file, a data file) as a node of kind, and
// returns its id; a name that is no element of the document is a problem.
func (m *spdxMapper) artifact(ref string, kind graph.Kind, rel spdxElem) string {
	el, ok := m.elems[ref]
	if !ok {
		m.d.problem(m.line(rel), rel.field, "%s: %q is no element of this document", rel.v.str("relationshipType"), ref)
		return ""
	}
	prefix := "mdl"
	if kind == graph.Dataset {
		prefix = "ds"
	}
	id := m.identity(el).id(prefix)
	m.ids[ref] = id
	m.b.node(kind, id, m.line(el), false, map[string]any{"name": firstNonEmpty(el.v.str("name"), ref),
		"description": el.v.str("description"), "spdxType": el.typ})
	return id
}

func yes(s string) bool { return strings.EqualFold(strings.TrimSpace(s), "yes") }

func containsString(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// str returns a scalar field's text, or "".
func (v value) str(key string) string {
	f, ok := v.get(key)
	if !ok || !f.isScal {
		return ""
	}
	return f.scalar
}
