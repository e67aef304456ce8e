package importer

import (
	"encoding/json"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// value is one value of the input, whatever its format: a YAML/JSON node or a CSV cell. The
// decoder works on values only, so the rules of the native format (README) are written once for every format.
type value struct {
	line int
	// exactly one of the following describes the value
	null    bool
	scalar  string
	isScal  bool
	list    []value
	fields  []field // a mapping, in input order
	csvCell bool    // a CSV cell: a list is written as items separated by ';'
}

type field struct {
	key  string
	line int
	val  value
}

// items returns the value as a list: a sequence's items, a CSV cell split on ';', a lone scalar
// as a list of one, null as empty.
func (v value) items() []value {
	switch {
	case v.null:
		return nil
	case v.list != nil:
		return v.list
	case v.isScal && v.csvCell:
		if strings.TrimSpace(v.scalar) == "" {
			return nil
		}
		parts := strings.Split(v.scalar, ";")
		out := make([]value, 0, len(parts))
		for _, p := range parts {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, value{line: v.line, scalar: p, isScal: true, csvCell: true})
			}
		}
		return out
	case v.isScal:
		return []value{v}
	}
	return []value{v} // a mapping: callers report it as the wrong shape
}

func (v value) kind() string {
	switch {
	case v.null:
		return "null"
	case v.isScal:
		return "a scalar"
	case v.fields != nil:
		return "a mapping"
	default:
		return "a list"
	}
}

// text renders any value as a string, for unknown keys that are kept as string properties:
// scalars as written, lists and mappings as JSON.
func (v value) text() string {
	if v.isScal {
		return v.scalar
	}
	b, _ := json.Marshal(v.plain())
	return string(b)
}

func (v value) plain() any {
	switch {
	case v.null:
		return nil
	case v.isScal:
		return v.scalar
	case v.fields != nil:
		m := make(map[string]any, len(v.fields))
		for _, f := range v.fields {
			m[f.key] = f.val.plain()
		}
		return m
	default:
		l := make([]any, len(v.list))
		for i, e := range v.list {
			l[i] = e.plain()
		}
		return l
	}
}

func (v value) get(key string) (value, bool) {
	for _, f := range v.fields {
		if f.key == key {
			return f.val, true
		}
	}
	return value{}, false
}

// yamlConverter turns a parsed YAML (or JSON) node into a value. Aliases are resolved against
// a budget, so a document of nested aliases ("billion laughs") is refused instead of eating memory.
type yamlConverter struct {
	budget int
	err    error
}

func (c *yamlConverter) convert(n *yaml.Node, depth int) value {
	c.budget--
	if c.budget < 0 || depth > 200 {
		if c.err == nil {
			c.err = fmt.Errorf("document nests or repeats aliases too deeply (line %d)", n.Line)
		}
		return value{null: true}
	}
	if n == nil {
		return value{null: true}
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return value{null: true, line: n.Line}
		}
		return c.convert(n.Content[0], depth+1)
	case yaml.AliasNode:
		return c.convert(n.Alias, depth+1)
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return value{null: true, line: n.Line}
		}
		return value{line: n.Line, scalar: n.Value, isScal: true}
	case yaml.SequenceNode:
		l := make([]value, 0, len(n.Content))
		for _, e := range n.Content {
			l = append(l, c.convert(e, depth+1))
		}
		return value{line: n.Line, list: l}
	case yaml.MappingNode:
		fs := make([]field, 0, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
				fs = append(fs, c.convert(v, depth+1).fields...)
				continue
			}
			fs = append(fs, field{key: k.Value, line: k.Line, val: c.convert(v, depth+1)})
		}
		return value{line: n.Line, fields: fs}
	}
	return value{null: true, line: n.Line}
}
