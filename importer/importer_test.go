package importer

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/aimsgraph/aimsgraph/graph"
	"github.com/aimsgraph/aimsgraph/importer/native"
	"github.com/aimsgraph/aimsgraph/importer/record"
)

func testdata(parts ...string) string {
	return filepath.Join(append([]string{"..", "testdata"}, parts...)...)
}

func validate(t *testing.T, paths ...string) []Problem {
	t.Helper()
	_, err := (&Importer{}).Validate(context.Background(), paths)
	if err == nil {
		return nil
	}
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("Validate: %v (want problems or nothing)", err)
	}
	return ve.Problems
}

func TestValidateSampleEstates(t *testing.T) {
	for _, dir := range []string{"estate", "estate-csv"} {
		if ps := validate(t, testdata(dir)); len(ps) > 0 {
			t.Errorf("%s: unexpected problems:\n%v", dir, ps)
		}
	}
}

// Every kind of problem an import reports (README, "How an import behaves"), each found with its file, line and field, all in one run.
func TestValidateReportsEveryProblem(t *testing.T) {
	want := []struct {
		file  string
		line  int
		field string
		msg   string
	}{
		{"broken.json", 5, "", "invalid JSON"},
		{"broken.yaml", 5, "", "invalid YAML"},
		{"datasets.csv", 3, "datasets[1].origin", `unknown value "ELSEWHERE"`},
		{"datasets.csv", 4, "", "row has 3 cells, the header has 4"},
		{"datasets.csv", 5, "datasets[3].id", "missing id"},
		{"relationships.csv", 2, "relationships[0]", `TRAINS cannot run from DATASET "ds:one" to DATASET "ds:two"`},
		{"relationships.csv", 3, "relationships[1]", `unknown id "ds:nowhere"`},
		{"several-problems.yaml", 7, "vendors[0].vendorType", `unknown value "DATA_BROKER"`},
		{"several-problems.yaml", 9, "datasets[0].id", "missing id"},
		{"several-problems.yaml", 13, "datasets[1].personalData", `expected true or false, got "perhaps"`},
		{"several-problems.yaml", 14, "datasets[1].suppliedBy[0]", `unknown id "vnd:nobody"`},
		{"several-problems.yaml", 15, "id", `"vnd:acme" is already a VENDOR`},
		{"several-problems.yaml", 21, "models[0].baseModels[0]", "BASE_OF cannot run from DATASET"},
		{"several-problems.yaml", 26, "risks[0].likelihood", "out of range 1-5"},
		{"several-problems.yaml", 27, "risks[0].reviewDue", "expected a date"},
		{"several-problems.yaml", 31, "decisions[0].informedBy[0]", "INFORMS cannot run from MODEL"},
		{"several-problems.yaml", 33, "relationships[0].type", `unknown relationship type "OWNS"`},
		{"several-problems.yaml", 34, "gadgets", "unknown section"},
	}
	got := validate(t, testdata("invalid"))
	for _, w := range want {
		found := false
		for _, p := range got {
			if filepath.Base(p.File) == w.file && p.Line == w.line && p.Field == w.field && strings.Contains(p.Msg, w.msg) {
				found = true
			}
		}
		if !found {
			t.Errorf("missing problem %s:%d: %s: %s", w.file, w.line, w.field, w.msg)
		}
	}
	if len(got) != len(want) {
		t.Errorf("got %d problems, want %d:", len(got), len(want))
		for _, p := range got {
			t.Log(p)
		}
	}
}

// decodeAll runs the decoder over one in-memory file and returns what it states.
func decodeAll(t *testing.T, name, content string) ([]graph.NodeRecord, []graph.RelRecord, []Problem) {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	var nodes []graph.NodeRecord
	var rels []graph.RelRecord
	probs := decodeFile(t, path, nil, func(n graph.NodeRecord) { nodes = append(nodes, n) },
		func(r graph.RelRecord, _ string) { rels = append(rels, r) })
	return nodes, rels, probs
}

// decodeFile decodes one file as the first pass of an import does, as format or (nil) as the
// native format, and returns the problems found.
func decodeFile(t testing.TB, path string, format record.Format, onNode func(graph.NodeRecord), onRel func(graph.RelRecord, string)) []Problem {
	t.Helper()
	f := &inputFile{path: path, format: format}
	if format == nil {
		f.format, f.why, _ = sniff(record.NewHead(path), families[native.Family])
	}
	if f.format == nil {
		return []Problem{{File: path, Msg: f.why}}
	}
	var probs problems
	if err := (&Importer{}).scan(f, &probs, nil, onNode, onRel, true); err != nil {
		t.Fatalf("scan: %v", err) // input problems must be problems, not errors
	}
	return probs.list
}

func TestDecodeValues(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		content string
		id      string
		prop    string
		want    any
	}{
		{"enum any case and spacing", "a.yaml", "decisions: [{id: d, automation: human in the loop}]", "d", "automation", "HUMAN_IN_THE_LOOP"},
		{"enum with dashes", "a.yaml", "datasets: [{id: d, origin: third-party}]", "d", "origin", "THIRD_PARTY"},
		{"bool yes", "a.yaml", "datasets: [{id: d, personalData: yes}]", "d", "personalData", true},
		{"bool in JSON", "a.json", `{"datasets": [{"id": "d", "personalData": false}]}`, "d", "personalData", false},
		{"int", "a.yaml", "risks: [{id: r, impact: 5}]", "r", "impact", int64(5)},
		{"list in CSV", "datasets.csv", "id,dataCategories\nd,health; location\n", "d", "dataCategories", []string{"health", "location"}},
		{"flags in CSV", "datasets.csv", "id,flags\nd,privacy;FAIRNESS\n", "d", "flags", []string{"PRIVACY", "FAIRNESS"}},
		{"scalar as one-item list", "a.yaml", "datasets: [{id: d, tags: pii}]", "d", "tags", []string{"pii"}},
		{"unknown scalar kept as text", "a.yaml", "datasets: [{id: d, costCentre: 4711}]", "d", "costCentre", "4711"},
		{"unknown mapping kept as JSON", "a.yaml", "datasets: [{id: d, extra: {a: 1}}]", "d", "extra", `{"a":"1"}`},
		{"name defaults to id", "a.yaml", "vendors: [{id: v}]", "v", "name", "v"},
		{"date kept as written", "a.yaml", "risks: [{id: r, reviewDue: 2027-01-31}]", "r", "reviewDue", "2027-01-31"},
		{"anchors and merge keys", "a.yaml", "base: &b {origin: INTERNAL}\ndatasets: [{id: d, <<: *b}]", "d", "origin", "INTERNAL"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			nodes, _, probs := decodeAll(t, tc.file, tc.content)
			if tc.name == "anchors and merge keys" {
				probs = dropSection(probs, "base")
			}
			if len(probs) > 0 {
				t.Fatalf("problems: %v", probs)
			}
			for _, n := range nodes {
				if n.ID == tc.id {
					if got := n.Props[tc.prop]; !reflect.DeepEqual(got, tc.want) {
						t.Errorf("%s = %#v, want %#v", tc.prop, got, tc.want)
					}
					return
				}
			}
			t.Errorf("no node %s in %v", tc.id, nodes)
		})
	}
}

func dropSection(ps []Problem, section string) []Problem {
	var out []Problem
	for _, p := range ps {
		if p.Field != section {
			out = append(out, p)
		}
	}
	return out
}

func TestDecodeRelationships(t *testing.T) {
	type rel struct {
		from string
		typ  graph.RelType
		to   string
		key  string
	}
	tests := []struct {
		name    string
		file    string
		content string
		want    []rel
	}{
		{"trainedOn with purposes", "a.yaml", "models: [{id: m, trainedOn: [d1, {id: d2, purpose: test}]}]",
			[]rel{{"d1", graph.Trains, "m", "TRAINING"}, {"d2", graph.Trains, "m", "TEST"}}},
		{"system inputs and outputs", "a.yaml", "systems: [{id: s, inputs: [d1], outputs: [d2], models: [m]}]",
			[]rel{{"d1", graph.Feeds, "s", ""}, {"s", graph.Feeds, "d2", ""}, {"m", graph.Powers, "s", ""}}},
		{"derivedFrom and baseModels", "a.yaml", "datasets: [{id: b, derivedFrom: [a]}]\nmodels: [{id: m2, baseModels: [m1]}]",
			[]rel{{"a", graph.Feeds, "b", ""}, {"m1", graph.BaseOf, "m2", ""}}},
		{"responsibilities", "a.yaml", "roles: [{id: r, responsibilities: [{for: s, as: owner}, {for: d, as: DPO}]}]",
			[]rel{{"r", graph.ResponsibleFor, "s", "OWNER"}, {"r", graph.ResponsibleFor, "d", "DPO"}}},
		{"responsibilities in CSV", "roles.csv", "id,responsibilities\nr,s=OWNER;d=dpo\n",
			[]rel{{"r", graph.ResponsibleFor, "s", "OWNER"}, {"r", graph.ResponsibleFor, "d", "DPO"}}},
		{"relationships.csv with property column", "relationships.csv", "from,type,to,as\nr,responsible_for,s,HUMAN_OVERSIGHT\n",
			[]rel{{"r", graph.ResponsibleFor, "s", "HUMAN_OVERSIGHT"}}},
		{"governance refs point away", "a.yaml", "risks: [{id: k, affects: [s]}]\ncontrols: [{id: c, mitigates: [k], appliesTo: [s]}]\nassets: [{id: a, represents: [s]}]\ndecisions: [{id: x, informedBy: [s]}]",
			[]rel{{"k", graph.Affects, "s", ""}, {"c", graph.Mitigates, "k", ""}, {"c", graph.AppliesTo, "s", ""}, {"a", graph.Represents, "s", ""}, {"s", graph.Informs, "x", ""}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, rels, probs := decodeAll(t, tc.file, tc.content)
			if len(probs) > 0 {
				t.Fatalf("problems: %v", probs)
			}
			var got []rel
			for _, r := range rels {
				got = append(got, rel{r.From, r.Type, r.To, r.KeyValue()})
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %v\nwant %v", got, tc.want)
			}
		})
	}
}

func TestDecodeProblems(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		content string
		want    string // Problem.String() without the file name
	}{
		{"top level list", "a.yaml", "- a\n- b\n", `:1: expected a mapping of sections`},
		{"section not a list", "a.yaml", "datasets: {id: x}\n", `:1: datasets: expected a list, got a mapping`},
		{"id not text", "a.yaml", "datasets:\n  - id: [a, b]\n", `:2: datasets[0].id: id must be text, got a list`},
		{"reserved key", "a.yaml", "datasets: [{id: d, _seen: x}]", `:1: datasets[0]._seen: key "_seen" is reserved`},
		{"enum list item", "a.yaml", "datasets: [{id: d, flags: [PRIVACY, GREED]}]", `:1: datasets[0].flags[1]: unknown value "GREED"`},
		{"wrong version", "a.yaml", "version: 2\n", `:1: version: unsupported version "2"`},
		{"int not a number", "assets.csv", "id,integrity\na,high\n", `:2: assets[0].integrity: expected a whole number, got "high"`},
		{"relationship missing to", "a.yaml", "relationships:\n  - {from: a, type: FEEDS}\n", `:2: relationships[0].to: missing to`},
		{"impossible date", "a.yaml", "risks: [{id: r, assessedAt: 2026-02-31}]", `:1: risks[0].assessedAt: not a real date`},
		{"alias bomb", "a.yaml", "a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\n", `invalid YAML: document nests or repeats aliases too deeply`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, probs := decodeAll(t, tc.file, tc.content)
			for _, p := range probs {
				if strings.Contains(p.String(), tc.want) {
					return
				}
			}
			t.Errorf("want a problem containing %q, got %v", tc.want, probs)
		})
	}
}

func TestUnknownCSVFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "things.csv"), []byte("id\nx\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ps := validate(t, dir)
	if len(ps) != 1 || !strings.Contains(ps[0].String(), "things.csv: a CSV file is named after its section") {
		t.Errorf("problems = %v", ps)
	}
}

func TestCollect(t *testing.T) {
	files, skipped, err := Collect([]string{testdata("estate")})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		names = append(names, filepath.Base(f))
	}
	if !reflect.DeepEqual(names, []string{"assets.json", "governance.yaml", "inventory.yaml", "ciso-assistant-assets.csv", "isms-asset-register.csv", "records-of-processing.csv"}) || len(skipped) != 0 {
		t.Errorf("files %v skipped %v", names, skipped)
	}
	if _, _, err := Collect([]string{"no/such/place"}); err == nil || !strings.Contains(err.Error(), "no/such/place") {
		t.Errorf("missing path: err = %v", err)
	}
	if _, _, err := Collect([]string{testdata("..", "go.mod")}); err == nil || !strings.Contains(err.Error(), "unsupported file type") {
		t.Errorf("unsupported file: err = %v", err)
	}
}

// TestDecodeSameAs: sameAs lists other ids of a record, in YAML and in a CSV column; its own id
// or an empty one is a problem.
func TestDecodeSameAs(t *testing.T) {
	for _, tc := range []struct{ file, content string }{
		{"a.yaml", "datasets: [{id: d, sameAs: [\"ds:ol:s3://x/y\", hf:z]}]"},
		{"datasets.csv", "id,sameAs\nd,ds:ol:s3://x/y; hf:z\n"},
	} {
		nodes, _, probs := decodeAll(t, tc.file, tc.content)
		if len(probs) > 0 || len(nodes) != 1 || !reflect.DeepEqual(nodes[0].SameAs, []string{"ds:ol:s3://x/y", "hf:z"}) || nodes[0].Props["sameAs"] != nil {
			t.Errorf("%s: %+v %v", tc.file, nodes, probs)
		}
	}
	_, _, probs := decodeAll(t, "a.yaml", "datasets: [{id: d, sameAs: [d, '', {x: 1}]}]")
	var got []string
	for _, p := range probs {
		got = append(got, p.Field+": "+p.Msg)
	}
	want := []string{`datasets[0].sameAs[0]: "d" is the record's own id`, "datasets[0].sameAs[1]: empty id", "datasets[0].sameAs[2]: expected an id, got a mapping"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("problems %v, want %v", got, want)
	}
}
