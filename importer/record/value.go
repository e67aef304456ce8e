package record

import (
	"encoding/json"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Value is one value of the input, whatever its format: a YAML/JSON node or a CSV cell, with
// the line it starts on. Decoders work on values only, so a rule is written once for every
// syntax.
type Value struct {
	Line int
	// exactly one of the following describes the value
	Null     bool
	Scalar   string
	IsScalar bool
	List     []Value
	Fields   []Field // a mapping, in input order
	CSVCell  bool    // a CSV cell: a list is written as items separated by ';'
	// Literal marks a scalar that JSON wrote as a number, true or false rather than a string
	// (ReadJSON only), so JSON() gives the document back with its types.
	Literal bool
}

// Field is one key of a mapping, with the line of the key.
type Field struct {
	Key  string
	Line int
	Val  Value
}

// Items returns the value as a list: a sequence's items, a CSV cell split on ';', a lone scalar
// as a list of one, null as empty.
func (v Value) Items() []Value {
	switch {
	case v.Null:
		return nil
	case v.List != nil:
		return v.List
	case v.IsScalar && v.CSVCell:
		if strings.TrimSpace(v.Scalar) == "" {
			return nil
		}
		parts := strings.Split(v.Scalar, ";")
		out := make([]Value, 0, len(parts))
		for _, p := range parts {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, Value{Line: v.Line, Scalar: p, IsScalar: true, CSVCell: true})
			}
		}
		return out
	case v.IsScalar:
		return []Value{v}
	}
	return []Value{v} // a mapping: callers report it as the wrong shape
}

// Shape names what the value is, for messages: "null", "a scalar", "a mapping" or "a list".
func (v Value) Shape() string {
	switch {
	case v.Null:
		return "null"
	case v.IsScalar:
		return "a scalar"
	case v.Fields != nil:
		return "a mapping"
	default:
		return "a list"
	}
}

// Text renders any value as a string, for unknown keys that are kept as string properties:
// scalars as written, lists and mappings as JSON.
func (v Value) Text() string {
	if v.IsScalar {
		return v.Scalar
	}
	b, _ := json.Marshal(v.Plain())
	return string(b)
}

// Plain returns the value as Go values: nil, string, map[string]any or []any.
func (v Value) Plain() any {
	switch {
	case v.Null:
		return nil
	case v.IsScalar:
		return v.Scalar
	case v.Fields != nil:
		m := make(map[string]any, len(v.Fields))
		for _, f := range v.Fields {
			m[f.Key] = f.Val.Plain()
		}
		return m
	default:
		l := make([]any, len(v.List))
		for i, e := range v.List {
			l[i] = e.Plain()
		}
		return l
	}
}

// JSON returns the value as Go values that encoding/json writes back as the JSON it was read
// from: numbers as json.Number, true and false as bool (see Literal).
func (v Value) JSON() any {
	switch {
	case v.Null:
		return nil
	case v.IsScalar && v.Literal && (v.Scalar == "true" || v.Scalar == "false"):
		return v.Scalar == "true"
	case v.IsScalar && v.Literal:
		return json.Number(v.Scalar)
	case v.IsScalar:
		return v.Scalar
	case v.Fields != nil:
		m := make(map[string]any, len(v.Fields))
		for _, f := range v.Fields {
			m[f.Key] = f.Val.JSON()
		}
		return m
	default:
		l := make([]any, len(v.List))
		for i, e := range v.List {
			l[i] = e.JSON()
		}
		return l
	}
}

// JSONShape names the value as encoding/json's type errors do: "string", "number", "bool",
// "array", "object" or "null".
func (v Value) JSONShape() string {
	switch {
	case v.Null:
		return "null"
	case v.IsScalar && v.Literal && (v.Scalar == "true" || v.Scalar == "false"):
		return "bool"
	case v.IsScalar && v.Literal:
		return "number"
	case v.IsScalar:
		return "string"
	case v.Fields != nil:
		return "object"
	}
	return "array"
}

// Find returns the values at a dotted path of keys ("components.data.owners"), looking into
// every item of the lists on the way, in document order; each is a pointer into v, so a caller
// may replace it.
func (v *Value) Find(path string) []*Value {
	cur := []*Value{v}
	for _, key := range strings.Split(path, ".") {
		var next []*Value
		for _, c := range cur {
			for _, item := range c.elements() {
				for i := range item.Fields {
					if item.Fields[i].Key == key {
						next = append(next, &item.Fields[i].Val)
					}
				}
			}
		}
		cur = next
	}
	var out []*Value
	for _, c := range cur {
		if c.List != nil {
			for i := range c.List { // a list's items at the path's end are candidates too
				out = append(out, &c.List[i])
			}
		}
		out = append(out, c)
	}
	return out
}

// elements returns a list's items (recursively flattened), or the value itself.
func (v *Value) elements() []*Value {
	if v.List == nil {
		return []*Value{v}
	}
	var out []*Value
	for i := range v.List {
		out = append(out, v.List[i].elements()...)
	}
	return out
}

// Get returns a mapping's value for key.
func (v Value) Get(key string) (Value, bool) {
	for _, f := range v.Fields {
		if f.Key == key {
			return f.Val, true
		}
	}
	return Value{}, false
}

// Str returns a scalar field's text, or "".
func (v Value) Str(key string) string {
	f, ok := v.Get(key)
	if !ok || !f.IsScalar {
		return ""
	}
	return f.Scalar
}

// At returns the value at a path of keys (string) and indexes (int), or a null value with the
// line of the deepest value found.
func (v Value) At(path ...any) Value {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			next, ok := v.Get(k)
			if !ok {
				return Value{Null: true, Line: v.Line}
			}
			v = next
		case int:
			if k < 0 || k >= len(v.List) {
				return Value{Null: true, Line: v.Line}
			}
			v = v.List[k]
		}
	}
	return v
}

// TextItems returns a key's value as text items: a list's scalars or a lone scalar, trimmed,
// empty ones left out.
func (v Value) TextItems(key string) []string {
	f, ok := v.Get(key)
	if !ok {
		return nil
	}
	var out []string
	for _, e := range f.Items() {
		if e.IsScalar && strings.TrimSpace(e.Scalar) != "" {
			out = append(out, strings.TrimSpace(e.Scalar))
		}
	}
	return out
}

// yamlConverter turns a parsed YAML (or JSON) node into a Value. Aliases are resolved against
// a budget, so a document of nested aliases ("billion laughs") is refused instead of eating memory.
type yamlConverter struct {
	budget int
	err    error
}

func (c *yamlConverter) convert(n *yaml.Node, depth int) Value {
	c.budget--
	if c.budget < 0 || depth > 200 {
		if c.err == nil {
			c.err = fmt.Errorf("document nests or repeats aliases too deeply (line %d)", n.Line)
		}
		return Value{Null: true}
	}
	if n == nil {
		return Value{Null: true}
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return Value{Null: true, Line: n.Line}
		}
		return c.convert(n.Content[0], depth+1)
	case yaml.AliasNode:
		return c.convert(n.Alias, depth+1)
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return Value{Null: true, Line: n.Line}
		}
		return Value{Line: n.Line, Scalar: n.Value, IsScalar: true}
	case yaml.SequenceNode:
		l := make([]Value, 0, len(n.Content))
		for _, e := range n.Content {
			l = append(l, c.convert(e, depth+1))
		}
		return Value{Line: n.Line, List: l}
	case yaml.MappingNode:
		fs := make([]Field, 0, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
				fs = append(fs, c.convert(v, depth+1).Fields...)
				continue
			}
			fs = append(fs, Field{Key: k.Value, Line: k.Line, Val: c.convert(v, depth+1)})
		}
		return Value{Line: n.Line, Fields: fs}
	}
	return Value{Null: true, Line: n.Line}
}
