package importer_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/aimsgraph/aimsgraph/graph"
	"github.com/aimsgraph/aimsgraph/graph/storetest"
	"github.com/aimsgraph/aimsgraph/importer"
	"github.com/aimsgraph/aimsgraph/importer/cyclonedx"
	"github.com/aimsgraph/aimsgraph/importer/hfcard"
	"github.com/aimsgraph/aimsgraph/importer/spdx"
	"github.com/aimsgraph/aimsgraph/internal/embeddedtest"
	"github.com/aimsgraph/aimsgraph/internal/neo4jtest"
)

// The external formats are tested on the real documents of the shared corpus (read in place,
// never copied) and on small fixtures in testdata/bom that show one rule each.

func corpus(t *testing.T, rel string) string {
	t.Helper()
	dir := os.Getenv("AIMSGRAPH_CORPUS")
	if dir == "" {
		dir = filepath.Join(filepath.Dir(storetest.Testdata(t)), "..", "shared", "corpus")
	}
	path := filepath.Join(dir, filepath.FromSlash(rel))
	if _, err := os.Stat(path); err != nil {
		t.Skipf("the shared corpus is not at %s (set AIMSGRAPH_CORPUS): %v", dir, err)
	}
	return path
}

func emptyStore(t *testing.T) graph.Store { return embeddedtest.Fresh(t) }

// onEachStore runs test on an empty embedded store and on an empty Neo4j (skipped without one,
// failed without one in CI): the document mappings must give the same graph on both.
func onEachStore(t *testing.T, test func(t *testing.T, s graph.Store)) {
	t.Run("embedded", func(t *testing.T) { test(t, emptyStore(t)) })
	t.Run("neo4j", func(t *testing.T) { test(t, neo4jtest.Fresh(t)) })
}

func importEach(t *testing.T, s graph.Store, paths ...string) []importer.FileOutcome {
	t.Helper()
	out, err := (&importer.Importer{Store: s}).ImportEach(context.Background(), paths)
	if err != nil {
		t.Fatalf("ImportEach(%v): %v", paths, err)
	}
	return out
}

// TestCorpus: every CycloneDX, SPDX and card file of the corpus either imports or is rejected
// with problems that name the file, a line and what is wrong; the table pins the outcome of the
// ones whose flaws are known.
func TestCorpus(t *testing.T) {
	root := corpus(t, ".")
	s := emptyStore(t)
	var paths []string
	for _, dir := range []string{"cyclonedx-bom-examples", "cyclonedx-specification", "aibom-goldenset", "spdx-examples", "huggingface_hub", "hf-datasets-cards", "leliuga-cohere-configurations", "hub-docs"} {
		paths = append(paths, filepath.Join(root, dir))
	}
	outcomes := importEach(t, s, paths...)
	byFile := map[string]importer.FileOutcome{}
	for _, o := range outcomes {
		for _, f := range o.Files {
			rel, _ := filepath.Rel(root, f)
			byFile[filepath.ToSlash(rel)] = o
		}
	}
	tests := []struct {
		file   string
		format string
		reject string // "" when it must import; else text every rejection must contain
	}{
		{"cyclonedx-specification/1.5/valid-machine-learning-1.5.json", cyclonedx.Name, ""},
		{"cyclonedx-specification/1.6/valid-machine-learning-1.6.json", cyclonedx.Name, ""},
		{"cyclonedx-specification/1.6/valid-machine-learning-considerations-env-1.6.json", cyclonedx.Name, ""},
		{"cyclonedx-bom-examples/MLBOM/Model/FoundationModels/bom.json", cyclonedx.Name, ""},
		{"aibom-goldenset/aloha/cyclonedx-1.6/Qwen_Qwen2.5-7B-Instruct.json", cyclonedx.Name, ""},
		// Trailing commas: not JSON.
		{"cyclonedx-bom-examples/MLBOM/Dataset/bom.json", cyclonedx.Name, "bom.json:9: invalid JSON"},
		{"cyclonedx-bom-examples/MLBOM/Model/OpenSource/bom.json", cyclonedx.Name, "bom.json:9: invalid JSON"},
		// dependencies[].ref names no bom-ref of the BOM.
		{"aibom-goldenset/aibom-generator/cyclonedx-1.6/google-bert_bert-base-uncased_ai_sbom_1_6.json", cyclonedx.Name, `dependencies[0].ref: "pkg:generic/google-bert/bert-base-uncased@86b5e093" matches no bom-ref`},
		// A string where the schema has a list of URLs.
		{"aibom-goldenset/aloha/cyclonedx-1.6/google-bert_bert-base-uncased.json", cyclonedx.Name, "components.data.governance.owners.organization.url: is a JSON string"},
		{"spdx-examples/ai/example01/spdx3.0/simplehtr-example.json", spdx.Name, ""},
		{"spdx-examples/ai/example02/spdx3.0/sbom.spdx3.json", spdx.Name, ""},
		{"spdx-examples/dataset/example01/spdx3.0/example01.spdx3.json", spdx.Name, ""},
		{"aibom-goldenset/aloha/spdx/Qwen_Qwen2.5-7B-Instruct.json", spdx.Name, ""},
		// trainedOn names datasets by plain names that are no elements of the document.
		{"aibom-goldenset/aibom-generator/spdx/google-bert_bert-base-uncased_spdx_3_0_1.json", spdx.Name, `trainedOn: "bookcorpus" is no element of this document`},
		{"leliuga-cohere-configurations/models/zephyr-7B-beta/README.md", hfcard.Name, ""},
		{"hf-datasets-cards/datasets/bookcorpus/README.md", hfcard.Name, ""},
		{"huggingface_hub/sample_windows_line_breaks.md", hfcard.Name, ""},
		{"huggingface_hub/sample_no_metadata.md", hfcard.Name, "sample_no_metadata.md:1: no YAML front matter"},
		{"huggingface_hub/sample_invalid_card_data.md", hfcard.Name, "front matter is a list, not a mapping"},
		{"spdx-examples/ai/README.md", hfcard.Name, "none of the keys of a Hugging Face card"},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			o, ok := byFile[tc.file]
			if !ok {
				t.Fatalf("no outcome for %s", tc.file)
			}
			if !reflect.DeepEqual(o.Formats, []string{tc.format}) {
				t.Errorf("read as %v, want %s", o.Formats, tc.format)
			}
			switch {
			case tc.reject == "" && o.Err != nil:
				t.Errorf("rejected: %v", o.Err)
			case tc.reject == "" && o.Summary == nil:
				t.Errorf("no summary")
			case tc.reject != "" && (o.Err == nil || !strings.Contains(o.Err.Error(), tc.reject)):
				t.Errorf("error %v, want one containing %q", o.Err, tc.reject)
			}
		})
	}
	// Whatever the outcome, a rejection is made of located problems; nothing else escapes.
	for _, o := range outcomes {
		var ve *importer.ValidationError
		if o.Err != nil && !errors.As(o.Err, &ve) {
			t.Errorf("%v: not a validation error: %v", o.Files, o.Err)
		}
		if ve != nil {
			for _, p := range ve.Problems {
				if !strings.HasPrefix(p.File, root) {
					t.Errorf("problem not naming a corpus file: %v", p)
				}
			}
		}
	}
}

func node(t *testing.T, s graph.Store, id string) *graph.Node {
	t.Helper()
	ns, err := s.Nodes(context.Background(), []string{id})
	if err != nil || len(ns) != 1 {
		t.Fatalf("node %s: %v (%d found)", id, err, len(ns))
	}
	return ns[0]
}

// edges lists a node's relationships in one direction as "TYPE other-end [key]".
func edges(t *testing.T, s graph.Store, id string, dir graph.Direction) []string {
	t.Helper()
	rs, err := s.Edges(context.Background(), []string{id}, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rs {
		end := r.To
		if dir == graph.In {
			end = r.From
		}
		e := string(r.Type) + " " + end
		if p, ok := r.Props["purpose"].(string); ok {
			e += " " + p
		}
		out = append(out, e)
	}
	sort.Strings(out)
	return out
}

// TestSPDXSimpleHTR: the SPDX AI example gives two models trained and tested on one dataset,
// with the EU AI Act safety assessment as a risk and the supplier as a vendor.
func TestSPDXSimpleHTR(t *testing.T) {
	s := emptyStore(t)
	for _, o := range importEach(t, s, corpus(t, "spdx-examples/ai/example01/spdx3.0/simplehtr-example.json")) {
		if o.Err != nil {
			t.Fatal(o.Err)
		}
	}
	got := edges(t, s, "ds:iamdataset", graph.Out)
	want := []string{"TRAINS mdl:line-model@0.0 TEST", "TRAINS mdl:line-model@0.0 TRAINING", "TRAINS mdl:word-model@0.0 TEST", "TRAINS mdl:word-model@0.0 TRAINING"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ds:iamdataset feeds %v\nwant %v", got, want)
	}
	m := node(t, s, "mdl:word-model@0.0")
	if m.Props["name"] != "word-model" || m.Provenance.File == "" || m.Provenance.Line == 0 || !reflect.DeepEqual(m.Provenance.Sources, []string{"simplehtr-example"}) {
		t.Errorf("word-model: %+v", m)
	}
	in := edges(t, s, "mdl:word-model@0.0", graph.In)
	if !contains(in, "AFFECTS risk:word-model@0.0:safety-assessment") || !contains(in, "SUPPLIES vnd:harald-scheidl") {
		t.Errorf("word-model has %v; want its safety assessment and supplier", in)
	}
}

// TestCardChain: base_model, card by card, gives BASE_OF edges in order, whatever the order of
// import; a base named before its own card is described by it later without losing edges.
func TestCardChain(t *testing.T) { onEachStore(t, testCardChain) }

func testCardChain(t *testing.T, s graph.Store) {
	dir := storetest.Testdata(t, "bom", "chain")
	// Top first: it names acme/mid, which its own card describes afterwards.
	for _, card := range []string{"models--acme--top", "models--acme--mid", "models--acme--base"} {
		for _, o := range importEach(t, s, filepath.Join(dir, card, "README.md")) {
			if o.Err != nil {
				t.Fatal(o.Err)
			}
		}
	}
	paths, err := s.Paths(context.Background(), graph.PathQuery{From: "mdl:hf:acme/base", To: "mdl:hf:acme/top", MaxDepth: 5, First: 5})
	if err != nil || len(paths) != 1 {
		t.Fatalf("paths base -> top: %v, %v", paths, err)
	}
	var chain []string
	for _, n := range paths[0].Nodes {
		chain = append(chain, n.ID)
	}
	if want := []string{"mdl:hf:acme/base", "mdl:hf:acme/mid", "mdl:hf:acme/top"}; !reflect.DeepEqual(chain, want) {
		t.Errorf("chain %v, want %v", chain, want)
	}
	mid := node(t, s, "mdl:hf:acme/mid")
	if mid.Props["license"] != "apache-2.0" || !reflect.DeepEqual(mid.Provenance.Sources, []string{"acme/mid", "acme/top"}) {
		t.Errorf("acme/mid after its own card: %+v", mid)
	}
	if got := edges(t, s, "mdl:hf:acme/mid", graph.In); !reflect.DeepEqual(got, []string{"BASE_OF mdl:hf:acme/base", "TRAINS ds:hf:acme/instructions TRAINING"}) {
		t.Errorf("acme/mid comes from %v", got)
	}
}

// TestIdentityAcrossFormats: a CycloneDX BOM, an SPDX document and a model card of the same
// Hugging Face model meet in one node with the three documents as its sources.
func TestIdentityAcrossFormats(t *testing.T) { onEachStore(t, testIdentityAcrossFormats) }

func testIdentityAcrossFormats(t *testing.T, s graph.Store) {
	for _, o := range importEach(t, s, storetest.Testdata(t, "bom", "identity")) {
		if o.Err != nil {
			t.Fatal(o.Err)
		}
	}
	bert := node(t, s, "mdl:hf:google-bert/bert-base-uncased")
	want := []string{"AI BOM for google-bert/bert-base-uncased", "bert.cdx", "google-bert/bert-base-uncased"}
	if !reflect.DeepEqual(bert.Provenance.Sources, want) {
		t.Errorf("sources %v, want %v", bert.Provenance.Sources, want)
	}
	page, err := s.FindNodes(context.Background(), graph.NodeFilter{Kinds: []graph.Kind{graph.Model}}, graph.PageRequest{First: 10})
	if err != nil || len(page.Nodes) != 1 {
		t.Errorf("models: %d, want the one bert (%v)", len(page.Nodes), err)
	}
	if got := edges(t, s, bert.ID, graph.In); !reflect.DeepEqual(got, []string{
		"AFFECTS risk:hf:google-bert/bert-base-uncased:safety-assessment", "SUPPLIES vnd:google",
		"TRAINS ds:hf:bookcorpus TRAINING", "TRAINS ds:hf:wikipedia TRAINING"}) {
		t.Errorf("bert's upstream: %v", got)
	}
	book := node(t, s, "ds:hf:bookcorpus")
	if book.Props["confidentiality"] != "PUBLIC" || !reflect.DeepEqual(graph.TextList(book.Props["flags"]), []string{"FAIRNESS"}) {
		t.Errorf("bookcorpus from SPDX: %+v", book.Props)
	}
}

// TestCanonicalThroughBOM: the canonical question reaches a decision from a privacy-flagged,
// third-party dataset that only a CycloneDX BOM describes (sensitiveData gives PRIVACY, the
// supplier makes it third-party), through the model the BOM says it trains and the service
// the BOM says uses the model.
func TestCanonicalThroughBOM(t *testing.T) { onEachStore(t, testCanonicalThroughBOM) }

func testCanonicalThroughBOM(t *testing.T, s graph.Store) {
	for _, o := range importEach(t, s, storetest.Testdata(t, "bom", "lineage")) {
		if o.Err != nil {
			t.Fatalf("%v: %v", o.Files, o.Err)
		}
	}
	res, err := s.Impact(context.Background(), storetest.CanonicalQuery(10))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Items) != 1 || res.Items[0].Node.ID != "dec:instant-credit" || res.Items[0].Distance != 3 {
		t.Fatalf("impact: %+v", res.Items)
	}
	var path []string
	for _, n := range res.Items[0].Paths[0].Nodes {
		path = append(path, n.ID)
	}
	want := []string{"ds:bureau-2026@2026.1", "mdl:hf:acme/credit-scorer", "sys:scoring-api", "dec:instant-credit"}
	if !reflect.DeepEqual(path, want) {
		t.Errorf("evidence %v, want %v", path, want)
	}
	ds := node(t, s, "ds:bureau-2026@2026.1")
	if ds.Props["confidentiality"] != "CONFIDENTIAL" || ds.Props["personalData"] != true {
		t.Errorf("dataset properties from the BOM: %v", ds.Props)
	}
	if got := edges(t, s, ds.ID, graph.In); !reflect.DeepEqual(got, []string{
		"RESPONSIBLE_FOR role:credit-data-office", "RESPONSIBLE_FOR role:dana.steward@acme.example", "SUPPLIES vnd:meridian-data-services"}) {
		t.Errorf("dataset's governance and supplier: %v", got)
	}
	if got := edges(t, s, "mdl:hf:acme/credit-scorer", graph.In); !contains(got, "AFFECTS risk:hf:acme/credit-scorer:fairness-1") {
		t.Errorf("the fairness assessment is no risk on the model: %v", got)
	}
}

// TestFormatOverride: --format reads a file as the format given.
func TestFormatOverride(t *testing.T) {
	dir := t.TempDir()
	src, _ := os.ReadFile(storetest.Testdata(t, "bom", "chain", "models--acme--mid", "README.md"))
	path := filepath.Join(dir, "notes.yaml") // a card with a name that says YAML
	if err := os.WriteFile(path, src, 0o600); err != nil {
		t.Fatal(err)
	}
	im := &importer.Importer{Store: emptyStore(t), Opts: importer.Options{Format: hfcard.Name}}
	out, err := im.ImportEach(context.Background(), []string{path})
	if err != nil || len(out) != 1 || out[0].Err != nil || out[0].Formats[0] != hfcard.Name {
		t.Fatalf("import as card: %+v %v", out, err)
	}
	im.Opts.Format = "pdf"
	if _, err := im.ImportEach(context.Background(), []string{path}); err == nil || !strings.Contains(err.Error(), `unknown format "pdf"`) {
		t.Errorf("unknown format: %v", err)
	}
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}
