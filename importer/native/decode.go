package native

import (
	"fmt"
	"strings"

	"github.com/aimsgraph/aimsgraph/graph"
	"github.com/aimsgraph/aimsgraph/importer/record"
)

// decoder turns the values of one native file into records, reporting every problem it finds.
type decoder struct {
	out *record.Emitter
}

func (d *decoder) problem(line int, field, format string, args ...any) {
	d.out.Problem(line, field, format, args...)
}

// decodeNode reads one record of a kind's section.
func (d *decoder) decodeNode(info *graph.KindInfo, section string, idx int, rec record.Value) {
	where := fmt.Sprintf("%s[%d]", section, idx)
	if rec.Fields == nil {
		d.problem(rec.Line, where, "expected a mapping with an id, got %s", rec.Shape())
		return
	}
	idVal, ok := rec.Get("id")
	id := strings.TrimSpace(idVal.Scalar)
	switch {
	case !ok || idVal.Null || (idVal.IsScalar && id == ""):
		d.problem(rec.Line, where+".id", "missing id")
		return
	case !idVal.IsScalar:
		d.problem(idVal.Line, where+".id", "id must be text, got %s", idVal.Shape())
		return
	case !record.ValidID(id):
		d.problem(idVal.Line, where+".id", "id %q contains control characters", id)
		return
	}
	n := graph.NodeRecord{ID: id, Kind: info.Kind, Props: map[string]any{}, Line: rec.Line}
	for _, f := range rec.Fields {
		path := where + "." + f.Key
		switch {
		case f.Key == "id":
		case f.Key == "kind":
			if k, ok := graph.ParseKind(f.Val.Scalar); !ok || k != info.Kind {
				d.problem(f.Line, path, "kind %q does not match section %s (%s)", f.Val.Scalar, section, info.Kind)
			}
		case info.Kind == graph.Role && f.Key == "responsibilities":
			d.responsibilities(id, path, f.Val)
		case f.Key == "sameAs":
			n.SameAs = d.sameAs(id, path, f.Val)
		default:
			if ref, ok := info.Ref(f.Key); ok {
				d.reference(id, ref, path, f.Val)
			} else if p, ok := info.Prop(f.Key); ok {
				if v, ok := d.out.Typed(p, path, f.Val); ok && v != nil {
					n.Props[p.Name] = v
				}
			} else if record.ReservedKey(f.Key) || strings.TrimSpace(f.Key) == "" {
				d.problem(f.Line, path, "key %q is reserved", f.Key)
			} else if !f.Val.Null {
				n.Props[f.Key] = f.Val.Text() // unknown keys are kept, as text
			}
		}
	}
	if _, ok := n.Props["name"]; !ok {
		n.Props["name"] = id
	}
	d.out.Node(n)
}

// sameAs reads the other ids a record names itself by (a list, or `;`-separated in CSV): the
// graph keeps one node that each of them finds (docs/formats.md, "sameAs").
func (d *decoder) sameAs(self, path string, v record.Value) []string {
	var out []string
	for i, item := range v.Items() {
		ipath := fmt.Sprintf("%s[%d]", path, i)
		id := strings.TrimSpace(item.Scalar)
		switch {
		case !item.IsScalar:
			d.problem(item.Line, ipath, "expected an id, got %s", item.Shape())
		case id == "":
			d.problem(item.Line, ipath, "empty id")
		case !record.ValidID(id):
			d.problem(item.Line, ipath, "id %q contains control characters", id)
		case id == self:
			d.problem(item.Line, ipath, "%q is the record's own id", id)
		default:
			out = append(out, id)
		}
	}
	return out
}

// reference turns an inline reference list into relationships. Items are ids; a TRAINS item may
// also be a mapping {id, purpose} to say the dataset was used for validation or testing.
func (d *decoder) reference(self string, ref *graph.Ref, path string, v record.Value) {
	info, _ := graph.RelOf(ref.Type)
	for i, item := range v.Items() {
		ipath := fmt.Sprintf("%s[%d]", path, i)
		props := map[string]any{}
		var other string
		switch {
		case item.IsScalar:
			other = strings.TrimSpace(item.Scalar)
		case item.Fields != nil:
			idv, _ := item.Get("id")
			other = strings.TrimSpace(idv.Scalar)
			for _, f := range item.Fields {
				if f.Key == "id" {
					continue
				}
				d.out.RelProp(info, props, ipath+"."+f.Key, f)
			}
		default:
			d.problem(item.Line, ipath, "expected an id, got %s", item.Shape())
			continue
		}
		if other == "" {
			d.problem(item.Line, ipath, "empty reference")
			continue
		}
		from, to := self, other
		if ref.Inbound {
			from, to = other, self
		}
		d.out.Rel(info, from, to, props, item.Line, ipath)
	}
}

// responsibilities reads a role's [{for: id, as: OWNER}]; in CSV, cells read "id=OWNER".
func (d *decoder) responsibilities(role, path string, v record.Value) {
	info, _ := graph.RelOf(graph.ResponsibleFor)
	for i, item := range v.Items() {
		ipath := fmt.Sprintf("%s[%d]", path, i)
		props := map[string]any{}
		var target string
		switch {
		case item.Fields != nil:
			forv, _ := item.Get("for")
			target = strings.TrimSpace(forv.Scalar)
			for _, f := range item.Fields {
				if f.Key != "for" {
					d.out.RelProp(info, props, ipath+"."+f.Key, f)
				}
			}
		case item.IsScalar:
			id, as, found := strings.Cut(item.Scalar, "=")
			target = strings.TrimSpace(id)
			if found {
				d.out.RelProp(info, props, ipath+".as", record.Field{Key: "as", Line: item.Line, Val: record.Value{Line: item.Line, Scalar: as, IsScalar: true}})
			}
		default:
			d.problem(item.Line, ipath, "expected {for: id, as: ROLE}, got %s", item.Shape())
			continue
		}
		if target == "" {
			d.problem(item.Line, ipath+".for", "missing the id the role is responsible for")
			continue
		}
		d.out.Rel(info, role, target, props, item.Line, ipath)
	}
}

// decodeRelationship reads one entry of the relationships section.
func (d *decoder) decodeRelationship(idx int, rec record.Value) {
	where := fmt.Sprintf("relationships[%d]", idx)
	if rec.Fields == nil {
		d.problem(rec.Line, where, "expected a mapping {from, type, to}, got %s", rec.Shape())
		return
	}
	get := func(k string) string {
		v, ok := rec.Get(k)
		if !ok || v.Null || strings.TrimSpace(v.Scalar) == "" {
			d.problem(rec.Line, where+"."+k, "missing %s", k)
			return ""
		}
		return strings.TrimSpace(v.Scalar)
	}
	from, typ, to := get("from"), get("type"), get("to")
	if typ == "" {
		return
	}
	t, ok := graph.ParseRelType(typ)
	if !ok {
		d.problem(rec.Line, where+".type", "unknown relationship type %q; expected one of %s", typ, relTypeNames())
		return
	}
	info, _ := graph.RelOf(t)
	props := map[string]any{}
	for _, f := range rec.Fields {
		switch f.Key {
		case "from", "type", "to":
		case "properties":
			for _, pf := range f.Val.Fields {
				d.out.RelProp(info, props, where+".properties."+pf.Key, pf)
			}
			if f.Val.Fields == nil && !f.Val.Null {
				d.problem(f.Line, where+".properties", "expected a mapping, got %s", f.Val.Shape())
			}
		default:
			d.out.RelProp(info, props, where+"."+f.Key, f)
		}
	}
	if from == "" || to == "" {
		return
	}
	d.out.Rel(info, from, to, props, rec.Line, where)
}

func relTypeNames() string {
	names := make([]string, len(graph.Relationships))
	for i, r := range graph.Relationships {
		names[i] = string(r.Type)
	}
	return strings.Join(names, ", ")
}

// decodeDocument reads a whole native document (a YAML or JSON file's top-level mapping).
func (d *decoder) decodeDocument(doc record.Value) {
	if doc.Null {
		return // an empty file states nothing
	}
	if doc.Fields == nil {
		d.problem(doc.Line, "", "expected a mapping of sections (vendors, datasets, ...), got %s", doc.Shape())
		return
	}
	for _, f := range doc.Fields {
		switch f.Key {
		case "version":
			if f.Val.Scalar != "1" {
				d.problem(f.Line, "version", "unsupported version %q; this aimsgraph reads version 1", f.Val.Scalar)
			}
		case "source":
		case "relationships":
			d.eachItem(f, d.decodeRelationship)
		default:
			info, ok := graph.KindOfSection(f.Key)
			if !ok {
				d.problem(f.Line, f.Key, "unknown section; expected one of %s", sectionNames())
				continue
			}
			d.eachItem(f, func(i int, rec record.Value) { d.decodeNode(info, f.Key, i, rec) })
		}
	}
}

func (d *decoder) eachItem(f record.Field, fn func(int, record.Value)) {
	if f.Val.Null {
		return
	}
	if f.Val.List == nil {
		d.problem(f.Line, f.Key, "expected a list, got %s", f.Val.Shape())
		return
	}
	for i, rec := range f.Val.List {
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
