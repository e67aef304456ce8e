package resolvers_test

import (
	"io/fs"
	"slices"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/aimsgraph/aimsgraph/graph"
	"github.com/aimsgraph/aimsgraph/schema"
)

// TestSchemaMatchesDomainTable: the GraphQL schema and the domain table of package graph say the
// same thing: every kind is a type implementing Node with a field per property, every enum
// value of the table is in the schema's enum, and every type and field has a docstring.
func TestSchemaMatchesDomainTable(t *testing.T) {
	var sources []*ast.Source
	names, _ := fs.Glob(schema.Files, "*.graphqls")
	for _, n := range names {
		b, _ := fs.ReadFile(schema.Files, n)
		sources = append(sources, &ast.Source{Name: n, Input: string(b)})
	}
	s, err := gqlparser.LoadSchema(sources...)
	if err != nil {
		t.Fatal(err)
	}
	enumValues := func(name string) []string {
		var out []string
		for _, v := range s.Types[name].EnumValues {
			out = append(out, v.Name)
		}
		return out
	}
	for _, k := range graph.Kinds {
		def := s.Types[k.Label]
		if def == nil || !slices.Contains(def.Interfaces, "Node") {
			t.Errorf("kind %s: no type %s implementing Node", k.Kind, k.Label)
			continue
		}
		if !slices.Contains(enumValues("NodeKind"), string(k.Kind)) {
			t.Errorf("NodeKind lacks %s", k.Kind)
		}
		for _, p := range append(slices.Clone(graph.CommonProps), k.Props...) {
			f := def.Fields.ForName(p.Name)
			if f == nil {
				t.Errorf("%s.%s: in the domain table, not in the schema", k.Label, p.Name)
				continue
			}
			if p.Type == graph.Enum || p.Type == graph.EnumList {
				enum := f.Type.Name()
				for _, v := range p.Values {
					if !slices.Contains(enumValues(enum), v) {
						t.Errorf("%s.%s: enum %s lacks %s", k.Label, p.Name, enum, v)
					}
				}
			}
		}
	}
	for _, r := range graph.Relationships {
		if !slices.Contains(enumValues("RelationshipType"), string(r.Type)) {
			t.Errorf("RelationshipType lacks %s", r.Type)
		}
	}
	for name, def := range s.Types {
		if def.BuiltIn {
			continue
		}
		if def.Description == "" && name != "Query" {
			t.Errorf("type %s has no docstring", name)
		}
		for _, f := range def.Fields {
			if f.Description == "" && !def.BuiltIn && !slices.Contains([]string{"__schema", "__type", "__typename"}, f.Name) {
				t.Errorf("%s.%s has no docstring", name, f.Name)
			}
		}
		for _, v := range def.EnumValues {
			if v.Description == "" {
				t.Errorf("%s.%s has no docstring", name, v.Name)
			}
		}
	}
}
