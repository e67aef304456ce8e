// Package spdx maps SPDX 3.0 JSON-LD documents with the AI and Dataset profiles onto the graph
// (docs/formats.md has the table). Each document is self-contained, imported as a run of its own.
package spdx

import (
	"fmt"
	"io"
	"strings"

	"github.com/aimsgraph/aimsgraph/graph"
	"github.com/aimsgraph/aimsgraph/importer/record"
)

// Format is SPDX 3 JSON-LD, registered in importer.Formats.
var Format record.Format = format{}

// Name is the format's name (--format, reports).
const Name = "spdx3"

type format struct{}

func (format) Name() string              { return Name }
func (format) Grouping() record.Grouping { return record.EachDocument }

// Sniff: a JSON object with @context or @graph; a document too broken to parse is told by the
// SPDX 3 namespace in its text, so the error comes from this reader, with a line.
func (format) Sniff(h *record.Head) record.Match {
	if !h.ExtIn(".json", ".yaml", ".yml") || !h.StartsWith('{') {
		return record.No
	}
	keys, ok := h.JSONKeys()
	if keys["@context"] || keys["@graph"] || (!ok && h.Contains("spdx.org/rdf/3")) {
		return record.Yes
	}
	return record.Lacks("an SPDX 3 document (@context, @graph)")
}

func (format) Decode(r io.Reader, out *record.Emitter) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	decode(data, out)
	return nil
}

// decode maps one document. There is no SPDX 3 library for Go yet, so the document is read with
// the line-keeping JSON reader; property names are accepted with their profile prefix
// (ai_typeOfModel, as the specification's JSON-LD context writes them) and without it (as some
// generators do).
func decode(data []byte, out *record.Emitter) {
	doc, err := record.ReadJSON(data)
	if err != nil {
		out.ParseFailed(err)
		return
	}
	graphV, ok := doc.Get("@graph")
	if !ok || graphV.List == nil {
		out.Problem(doc.Line, "@graph", "an SPDX 3 JSON-LD document lists its elements in @graph")
		return
	}
	m := &spdxMapper{out: out, b: record.NewBuilder(out), elems: map[string]spdxElem{}, ids: map[string]string{}}
	for i, e := range graphV.List {
		id := e.Str("spdxId")
		if id == "" {
			id = e.Str("@id")
		}
		el := spdxElem{v: e, typ: e.Str("type"), field: fmt.Sprintf("@graph[%d]", i)}
		if el.typ == "" {
			el.typ = e.Str("@type")
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
			subject = record.FirstNonEmpty(subject, el.v.Str("name"))
		case "ai_AIPackage", "AIPackage":
			m.ids[el.id()] = m.identity(el).ID("mdl")
		case "dataset_DatasetPackage", "DatasetPackage":
			m.ids[el.id()] = m.identity(el).ID("ds")
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
	out.SetDocumentSubject(subject)
	m.b.Emit()
}

type spdxElem struct {
	v     record.Value
	typ   string
	field string
}

func (e spdxElem) id() string { return record.FirstNonEmpty(e.v.Str("spdxId"), e.v.Str("@id")) }

// prop returns a property given with or without its profile prefix.
func (e spdxElem) prop(prefixed string) record.Value {
	if v, ok := e.v.Get(prefixed); ok {
		return v
	}
	if _, bare, found := strings.Cut(prefixed, "_"); found {
		if v, ok := e.v.Get(bare); ok {
			return v
		}
	}
	return record.Value{Null: true}
}

func (e spdxElem) text(prefixed string) string {
	v := e.prop(prefixed)
	if v.IsScalar {
		return v.Scalar
	}
	var parts []string
	for _, item := range v.List {
		if item.IsScalar {
			parts = append(parts, item.Scalar)
		}
	}
	return strings.Join(parts, ", ")
}

type spdxMapper struct {
	out   *record.Emitter
	b     *record.Builder
	elems map[string]spdxElem
	order []spdxElem
	ids   map[string]string // spdxId -> node id, for AI and dataset packages
}

func (m *spdxMapper) identity(el spdxElem) record.Identity {
	id := record.Identity{Name: el.v.Str("name"), Version: el.text("software_packageVersion")}
	for _, k := range []string{"software_packageUrl", "software_downloadLocation", "software_homePage"} {
		u := el.text(k)
		if strings.HasPrefix(u, "pkg:") && id.Purl == "" {
			id.Purl = u
		} else if u != "" {
			id.URLs = append(id.URLs, u)
		}
	}
	if id.Purl != "" || len(id.URLs) > 0 {
		// A versioned download URL is not part of a published model's identity.
		if _, _, hf := record.HFRepoOf(id.URLs); hf {
			id.Version = ""
		}
	}
	return id
}

func (m *spdxMapper) line(el spdxElem) int { return el.v.Line }

func (m *spdxMapper) model(el spdxElem) {
	id := m.ids[el.id()]
	props := map[string]any{
		"name": el.v.Str("name"), "version": el.text("software_packageVersion"),
		"description": record.FirstNonEmpty(el.v.Str("description"), el.v.Str("summary")),
		"modelType":   el.text("ai_typeOfModel"), "domain": el.text("ai_domain"),
		"autonomyType": el.text("ai_autonomyType"), "license": m.license(el.id()),
		"informationAboutApplication": el.text("ai_informationAboutApplication"),
		"limitation":                  el.text("ai_limitation"),
	}
	m.b.Node(graph.Model, id, m.line(el), false, props)
	if yes(el.text("ai_useSensitivePersonalInformation")) {
		m.b.Flag(id, "PRIVACY")
	}
	if level := el.text("ai_safetyRiskAssessment"); level != "" {
		rid := "risk:" + strings.TrimPrefix(id, "mdl:") + ":safety-assessment"
		m.b.Node(graph.Risk, rid, m.line(el), false, map[string]any{
			"name": "Safety risk assessment: " + level, "category": "SAFETY", "status": "OPEN",
			"description": "EU AI Act safety risk assessment of " + el.v.Str("name") + ", stated in SPDX as " + level,
			"assessment":  level})
		m.b.Rel(graph.Affects, rid, id, nil, m.line(el), el.field+".ai_safetyRiskAssessment")
	}
	m.supplier(el, id)
}

func (m *spdxMapper) dataset(el spdxElem) {
	id := m.ids[el.id()]
	props := map[string]any{
		"name": el.v.Str("name"), "version": el.text("software_packageVersion"),
		"description": record.FirstNonEmpty(el.v.Str("description"), el.v.Str("summary")),
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
	m.b.Node(graph.Dataset, id, m.line(el), false, props)
	if yes(sensitive) {
		m.b.Flag(id, "PRIVACY")
	}
	if el.text("dataset_knownBias") != "" {
		m.b.Flag(id, "FAIRNESS")
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
		name = record.FirstNonEmpty(agent.v.Str("name"), ref)
	}
	if i := strings.LastIndexAny(strings.TrimRight(name, "/"), "/:"); i >= 0 && name == ref {
		name = strings.TrimRight(name, "/")[i+1:] // an unnamed agent: the last part of its IRI
	}
	vid := "vnd:" + record.Slug(name)
	m.b.Node(graph.Vendor, vid, m.line(el), false, map[string]any{"name": name, "spdxId": ref})
	m.b.Rel(graph.Supplies, vid, id, nil, m.line(el), el.field+".suppliedBy")
}

// license reads hasDeclaredLicense / hasConcludedLicense relationships from id.
func (m *spdxMapper) license(id string) string {
	var out []string
	for _, el := range m.order {
		if el.typ != "Relationship" || el.v.Str("from") != id {
			continue
		}
		if t := el.v.Str("relationshipType"); t != "hasDeclaredLicense" && t != "hasConcludedLicense" {
			continue
		}
		for _, to := range el.v.TextItems("to") {
			name := strings.TrimPrefix(to, "https://spdx.org/licenses/")
			if lic, ok := m.elems[to]; ok {
				name = record.FirstNonEmpty(lic.v.Str("simplelicensing_licenseExpression"), lic.v.Str("name"), lic.v.Str("expandedlicensing_licenseText"), to)
			}
			if len(name) > 200 {
				name = name[:200] + "..."
			}
			if !containsString(out, name) {
				out = append(out, name)
			}
		}
		if len(out) > 0 && el.v.Str("relationshipType") == "hasDeclaredLicense" {
			break
		}
	}
	return strings.Join(out, " AND ")
}

// relationship maps trainedOn and testedOn (TRAINS) and dependsOn between models (BASE_OF).
// The endpoints of a mapped relationship must be elements of this document.
func (m *spdxMapper) relationship(el spdxElem) {
	typ := el.v.Str("relationshipType")
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
	from := el.v.Str("from")
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
	for i, to := range el.v.TextItems("to") {
		field := fmt.Sprintf("%s.to[%d]", el.field, i)
		toID, ok := m.ids[to]
		if typ == "dependsOn" {
			if ok && strings.HasPrefix(toID, "mdl:") {
				m.b.Rel(graph.BaseOf, toID, fromID, nil, m.line(el), field)
			}
			continue // a model depending on software or data: not lineage aimsgraph records
		}
		if !ok {
			if toID = m.artifact(to, graph.Dataset, el); toID == "" {
				continue
			}
		}
		if !strings.HasPrefix(toID, "ds:") {
			m.out.Warn(m.line(el), field, "%s: %q is a model, not data: left out", typ, to)
			continue
		}
		m.b.Rel(graph.Trains, toID, fromID, map[string]any{"purpose": purpose}, m.line(el), field)
	}
}

// artifact records an element of the document that a trainedOn or testedOn relationship names
// but that is no AI or dataset package (a model file, a data file) as a node of kind, and
// returns its id; a name that is no element of the document is a problem.
func (m *spdxMapper) artifact(ref string, kind graph.Kind, rel spdxElem) string {
	el, ok := m.elems[ref]
	if !ok {
		m.out.Warn(m.line(rel), rel.field, "%s: %q is no element of this document: left out", rel.v.Str("relationshipType"), ref)
		return ""
	}
	prefix := "mdl"
	if kind == graph.Dataset {
		prefix = "ds"
	}
	id := m.identity(el).ID(prefix)
	m.ids[ref] = id
	m.b.Node(kind, id, m.line(el), false, map[string]any{"name": record.FirstNonEmpty(el.v.Str("name"), ref),
		"description": el.v.Str("description"), "spdxType": el.typ})
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
