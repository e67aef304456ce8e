package importer

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/aimsgraph/aimsgraph/graph"
)

// decoder turns the values of one file into records, reporting every problem it finds.
type decoder struct {
	file   string
	source string
	probs  *problems
	node   func(graph.NodeRecord)
	rel    func(graph.RelRecord, string) // the record and the field that stated it
	// sourceOf names the source of an external document from its subject, unless the user
	// named it (--source); nil for native files, whose source is in the file or its name.
	sourceOf func(subject string) string
}

// setSource sets an external document's source from what it describes.
func (d *decoder) setSource(subject string) {
	if d.sourceOf != nil {
		d.source = d.sourceOf(subject)
	}
}

func (d *decoder) problem(line int, field, format string, args ...any) {
	d.probs.add(d.file, line, field, format, args...)
}

// reservedKey reports keys that cannot be kept as properties: the store's own bookkeeping
// starts with an underscore, and `kind` is given by the section.
func reservedKey(k string) bool { return strings.HasPrefix(k, "_") || k == "kind" }

// decodeNode reads one record of a kind's section.
func (d *decoder) decodeNode(info *graph.KindInfo, section string, idx int, rec value) {
	where := fmt.Sprintf("%s[%d]", section, idx)
	if rec.fields == nil {
		d.problem(rec.line, where, "expected a mapping with an id, got %s", rec.kind())
		return
	}
	idVal, ok := rec.get("id")
	id := strings.TrimSpace(idVal.scalar)
	switch {
	case !ok || idVal.null || (idVal.isScal && id == ""):
		d.problem(rec.line, where+".id", "missing id")
		return
	case !idVal.isScal:
		d.problem(idVal.line, where+".id", "id must be text, got %s", idVal.kind())
		return
	case !validID(id):
		d.problem(idVal.line, where+".id", "id %q contains control characters", id)
		return
	}
	n := graph.NodeRecord{ID: id, Kind: info.Kind, Props: map[string]any{}, Source: d.source, File: d.file, Line: rec.line}
	for _, f := range rec.fields {
		path := where + "." + f.key
		switch {
		case f.key == "id":
		case f.key == "kind":
			if k, ok := graph.ParseKind(f.val.scalar); !ok || k != info.Kind {
				d.problem(f.line, path, "kind %q does not match section %s (%s)", f.val.scalar, section, info.Kind)
			}
		case info.Kind == graph.Role && f.key == "responsibilities":
			d.responsibilities(id, path, f.val)
		default:
			if ref, ok := info.Ref(f.key); ok {
				d.reference(id, ref, path, f.val)
			} else if p, ok := info.Prop(f.key); ok {
				if v, ok := d.typed(p, path, f.val); ok && v != nil {
					n.Props[p.Name] = v
				}
			} else if reservedKey(f.key) || strings.TrimSpace(f.key) == "" {
				d.problem(f.line, path, "key %q is reserved", f.key)
			} else if !f.val.null {
				n.Props[f.key] = f.val.text() // unknown keys are kept, as text
			}
		}
	}
	if _, ok := n.Props["name"]; !ok {
		n.Props["name"] = id
	}
	d.node(n)
}

func validID(id string) bool {
	for _, r := range id {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

// reference turns an inline reference list into relationships. Items are ids; a TRAINS item may
// also be a mapping {id, purpose} to say the dataset was used for validation or testing.
func (d *decoder) reference(self string, ref *graph.Ref, path string, v value) {
	info, _ := graph.RelOf(ref.Type)
	for i, item := range v.items() {
		ipath := fmt.Sprintf("%s[%d]", path, i)
		props := map[string]any{}
		var other string
		switch {
		case item.isScal:
			other = strings.TrimSpace(item.scalar)
		case item.fields != nil:
			idv, _ := item.get("id")
			other = strings.TrimSpace(idv.scalar)
			for _, f := range item.fields {
				if f.key == "id" {
					continue
				}
				d.relProp(info, props, ipath+"."+f.key, f)
			}
		default:
			d.problem(item.line, ipath, "expected an id, got %s", item.kind())
			continue
		}
		if other == "" {
			d.problem(item.line, ipath, "empty reference")
			continue
		}
		from, to := self, other
		if ref.Inbound {
			from, to = other, self
		}
		d.emitRel(info, from, to, props, item.line, ipath)
	}
}

// responsibilities reads a role's [{for: id, as: OWNER}]; in CSV, cells read "id=OWNER".
func (d *decoder) responsibilities(role, path string, v value) {
	info, _ := graph.RelOf(graph.ResponsibleFor)
	for i, item := range v.items() {
		ipath := fmt.Sprintf("%s[%d]", path, i)
		props := map[string]any{}
		var target string
		switch {
		case item.fields != nil:
			forv, _ := item.get("for")
			target = strings.TrimSpace(forv.scalar)
			for _, f := range item.fields {
				if f.key != "for" {
					d.relProp(info, props, ipath+"."+f.key, f)
				}
			}
		case item.isScal:
			id, as, found := strings.Cut(item.scalar, "=")
			target = strings.TrimSpace(id)
			if found {
				d.relProp(info, props, ipath+".as", field{key: "as", line: item.line, val: value{line: item.line, scalar: as, isScal: true}})
			}
		default:
			d.problem(item.line, ipath, "expected {for: id, as: ROLE}, got %s", item.kind())
			continue
		}
		if target == "" {
			d.problem(item.line, ipath+".for", "missing the id the role is responsible for")
			continue
		}
		d.emitRel(info, role, target, props, item.line, ipath)
	}
}

// decodeRelationship reads one entry of the relationships section.
func (d *decoder) decodeRelationship(idx int, rec value) {
	where := fmt.Sprintf("relationships[%d]", idx)
	if rec.fields == nil {
		d.problem(rec.line, where, "expected a mapping {from, type, to}, got %s", rec.kind())
		return
	}
	get := func(k string) string {
		v, ok := rec.get(k)
		if !ok || v.null || strings.TrimSpace(v.scalar) == "" {
			d.problem(rec.line, where+"."+k, "missing %s", k)
			return ""
		}
		return strings.TrimSpace(v.scalar)
	}
	from, typ, to := get("from"), get("type"), get("to")
	if typ == "" {
		return
	}
	t, ok := graph.ParseRelType(typ)
	if !ok {
		d.problem(rec.line, where+".type", "unknown relationship type %q; expected one of %s", typ, relTypeNames())
		return
	}
	info, _ := graph.RelOf(t)
	props := map[string]any{}
	for _, f := range rec.fields {
		switch f.key {
		case "from", "type", "to":
		case "properties":
			for _, pf := range f.val.fields {
				d.relProp(info, props, where+".properties."+pf.key, pf)
			}
			if f.val.fields == nil && !f.val.null {
				d.problem(f.line, where+".properties", "expected a mapping, got %s", f.val.kind())
			}
		default:
			d.relProp(info, props, where+"."+f.key, f)
		}
	}
	if from == "" || to == "" {
		return
	}
	d.emitRel(info, from, to, props, rec.line, where)
}

func (d *decoder) relProp(info *graph.RelInfo, props map[string]any, path string, f field) {
	if p, ok := info.Prop(f.key); ok {
		if v, ok := d.typed(p, path, f.val); ok && v != nil {
			props[p.Name] = v
		}
		return
	}
	if reservedKey(f.key) || strings.TrimSpace(f.key) == "" {
		d.problem(f.line, path, "key %q is reserved", f.key)
		return
	}
	if !f.val.null {
		props[f.key] = f.val.text()
	}
}

func (d *decoder) emitRel(info *graph.RelInfo, from, to string, props map[string]any, line int, path string) {
	for _, p := range info.Props {
		if _, ok := props[p.Name]; !ok && p.Default != "" {
			props[p.Name] = p.Default
		}
	}
	d.rel(graph.RelRecord{Type: info.Type, From: from, To: to, Props: props, Source: d.source, File: d.file, Line: line}, path)
}

var dateRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}`)

// typed parses a value as property p says. It returns (nil, true) for an absent value.
func (d *decoder) typed(p *graph.Prop, path string, v value) (any, bool) {
	if v.null || (v.csvCell && strings.TrimSpace(v.scalar) == "" && p.Type != graph.String) {
		return nil, true
	}
	switch p.Type {
	case graph.StringList, graph.EnumList:
		items := v.items()
		out := make([]string, 0, len(items))
		ok := true
		for i, it := range items {
			ipath := fmt.Sprintf("%s[%d]", path, i)
			if !it.isScal {
				d.problem(it.line, ipath, "expected text, got %s", it.kind())
				ok = false
				continue
			}
			s := strings.TrimSpace(it.scalar)
			if p.Type == graph.EnumList {
				e, good := graph.NormalizeEnum(s, p.Values)
				if !good {
					d.problem(it.line, ipath, "unknown value %q; expected one of %s", s, strings.Join(p.Values, ", "))
					ok = false
					continue
				}
				s = e
			}
			out = append(out, s)
		}
		return out, ok
	}
	if !v.isScal {
		d.problem(v.line, path, "expected a single value, got %s", v.kind())
		return nil, false
	}
	s := strings.TrimSpace(v.scalar)
	switch p.Type {
	case graph.Bool:
		switch strings.ToLower(s) {
		case "true", "yes", "y", "1":
			return true, true
		case "false", "no", "n", "0":
			return false, true
		}
		d.problem(v.line, path, "expected true or false, got %q", s)
		return nil, false
	case graph.Int:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			d.problem(v.line, path, "expected a whole number, got %q", s)
			return nil, false
		}
		if p.Max > 0 && (n < int64(p.Min) || n > int64(p.Max)) {
			d.problem(v.line, path, "%d is out of range %d-%d", n, p.Min, p.Max)
			return nil, false
		}
		return n, true
	case graph.Enum:
		e, ok := graph.NormalizeEnum(s, p.Values)
		if !ok {
			d.problem(v.line, path, "unknown value %q; expected one of %s", s, strings.Join(p.Values, ", "))
			return nil, false
		}
		return e, true
	case graph.Date:
		if !dateRE.MatchString(s) {
			d.problem(v.line, path, "expected a date like 2026-03-31, got %q", s)
			return nil, false
		}
		if _, err := time.Parse("2006-01-02", s[:10]); err != nil {
			d.problem(v.line, path, "not a real date: %q", s)
			return nil, false
		}
		return s, true
	default:
		return v.scalar, true
	}
}

func relTypeNames() string {
	names := make([]string, len(graph.Relationships))
	for i, r := range graph.Relationships {
		names[i] = string(r.Type)
	}
	return strings.Join(names, ", ")
}

// decodeDocument reads a whole native document (a YAML or JSON file's top-level mapping).
func (d *decoder) decodeDocument(doc value) {
	if doc.null {
		return // an empty file states nothing
	}
	if doc.fields == nil {
		d.problem(doc.line, "", "expected a mapping of sections (vendors, datasets, ...), got %s", doc.kind())
		return
	}
	for _, f := range doc.fields {
		switch f.key {
		case "version":
			if f.val.scalar != "1" {
				d.problem(f.line, "version", "unsupported version %q; this aimsgraph reads version 1", f.val.scalar)
			}
		case "source":
		case "relationships":
			d.eachItem(f, d.decodeRelationship)
		default:
			info, ok := graph.KindOfSection(f.key)
			if !ok {
				d.problem(f.line, f.key, "unknown section; expected one of %s", sectionNames())
				continue
			}
			d.eachItem(f, func(i int, rec value) { d.decodeNode(info, f.key, i, rec) })
		}
	}
}

func (d *decoder) eachItem(f field, fn func(int, value)) {
	if f.val.null {
		return
	}
	if f.val.list == nil {
		d.problem(f.line, f.key, "expected a list, got %s", f.val.kind())
		return
	}
	for i, rec := range f.val.list {
		fn(i, rec)
	}
}

func sectionNames() string {
	names := make([]string, 0, len(graph.Kinds)+1)
	for _, k := range graph.Kinds {
		names = append(names, k.Section)
	}
	return strings.Join(append(names, "relationships"), ", ")
}

// documentSource returns the `source:` a document names, if any.
func documentSource(doc value) string {
	v, _ := doc.get("source")
	return strings.TrimSpace(v.scalar)
}
