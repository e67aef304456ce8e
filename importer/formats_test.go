package importer_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aimsgraph/aimsgraph/graph"
	"github.com/aimsgraph/aimsgraph/graph/storetest"
	"github.com/aimsgraph/aimsgraph/importer"
	"github.com/aimsgraph/aimsgraph/importer/cyclonedx"
	"github.com/aimsgraph/aimsgraph/importer/hfcard"
	"github.com/aimsgraph/aimsgraph/importer/openlineage"
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

// TestCorpus imports the whole shared corpus as `aimsgraph import ../shared/corpus` does: every
// document another tool wrote imports, with warnings for what it gets wrong, unless it is not
// JSON or YAML at all; files no format recognises (READMEs, facet fragments) are skipped. The
// table pins the outcome of the documents whose flaws are known.
func TestCorpus(t *testing.T) {
	root := corpus(t, ".")
	outcomes := importEach(t, emptyStore(t), root)
	byFile := map[string]importer.FileOutcome{}
	for _, o := range outcomes {
		for _, f := range o.Files {
			rel, _ := filepath.Rel(root, f)
			byFile[filepath.ToSlash(rel)] = o
		}
	}
	tests := []struct {
		file   string
		format string // "" when skipped
		warn   string // text some warning must contain; "" for none
		reject string // text every rejection must contain; "" when it must import
	}{
		{"cyclonedx-specification/1.5/valid-machine-learning-1.5.json", cyclonedx.Name, "", ""},
		{"cyclonedx-specification/1.6/valid-machine-learning-1.6.json", cyclonedx.Name, "", ""},
		{"cyclonedx-specification/1.6/valid-machine-learning-considerations-env-1.6.json", cyclonedx.Name, "", ""},
		{"cyclonedx-bom-examples/MLBOM/Model/FoundationModels/bom.json", cyclonedx.Name, "", ""},
		{"aibom-goldenset/aloha/cyclonedx-1.6/Qwen_Qwen2.5-7B-Instruct.json", cyclonedx.Name, "", ""},
		// Trailing commas: not JSON.
		{"cyclonedx-bom-examples/MLBOM/Dataset/bom.json", cyclonedx.Name, "", "bom.json:9: invalid JSON"},
		{"cyclonedx-bom-examples/MLBOM/Model/OpenSource/bom.json", cyclonedx.Name, "", "bom.json:9: invalid JSON"},
		// dependencies[].ref names no bom-ref of the BOM: that dependency is left out.
		{"aibom-goldenset/aibom-generator/cyclonedx-1.6/google-bert_bert-base-uncased_ai_sbom_1_6.json", cyclonedx.Name,
			`:142: dependencies[0].ref: "pkg:generic/google-bert/bert-base-uncased@86b5e093" matches no bom-ref in this BOM: left out`, ""},
		// A string where the schema has a list of URLs: that value is left out.
		{"aibom-goldenset/aloha/cyclonedx-1.6/google-bert_bert-base-uncased.json", cyclonedx.Name,
			":139: components.data.governance.owners.organization.url: is a JSON string; the CycloneDX schema wants []string here: left out", ""},
		{"spdx-examples/ai/example01/spdx3.0/simplehtr-example.json", spdx.Name, "", ""},
		{"spdx-examples/ai/example02/spdx3.0/sbom.spdx3.json", spdx.Name, "", ""},
		{"spdx-examples/dataset/example01/spdx3.0/example01.spdx3.json", spdx.Name, "", ""},
		{"aibom-goldenset/aloha/spdx/Qwen_Qwen2.5-7B-Instruct.json", spdx.Name, "", ""},
		// trainedOn names datasets by plain names that are no elements of the document.
		{"aibom-goldenset/aibom-generator/spdx/google-bert_bert-base-uncased_spdx_3_0_1.json", spdx.Name, `trainedOn: "bookcorpus" is no element of this document: left out`, ""},
		{"leliuga-cohere-configurations/models/zephyr-7B-beta/README.md", hfcard.Name, "", ""},
		{"hf-datasets-cards/datasets/bookcorpus/README.md", hfcard.Name, "", ""},
		{"huggingface_hub/sample_windows_line_breaks.md", hfcard.Name, "", ""},
		// The card format's own documentation: {placeholders} are YAML mappings, not text.
		{"hub-docs/modelcard.md", hfcard.Name, "modelcard.md:21: base_model[0]: expected text, got a mapping: left out", ""},
		// Markdown without card metadata is no card.
		{"huggingface_hub/sample_no_metadata.md", "", "", ""},
		{"huggingface_hub/sample_invalid_card_data.md", "", "", ""},
		{"spdx-examples/ai/README.md", "", "", ""},
		{"SOURCES.md", "", "", ""},
		// Another tool's YAML that happens to have a `version:` key.
		{"ciso-assistant/libraries/iso42001-2023.yaml", "", "", ""},
		// CISO Assistant's registers, told by their header rows and read together as one run.
		{"ciso-assistant/cli/sample_assets.csv", "ciso-assistant-cli", "", ""},
		{"ciso-assistant/cli/RA_sample.csv", "ciso-assistant-risk-assessment", "", ""},
		{"ciso-assistant/import_templates/assets_template.xlsx.csv", "ciso-assistant", "", ""},
		{"ciso-assistant/import_templates/third_parties_template.xlsx.Entities.csv", "ciso-assistant-entities", "", ""},
		{"ciso-assistant/import_templates/third_parties_template.xlsx.Solutions.csv", "ciso-assistant-solutions", "", ""},
		{"ciso-assistant/import_templates/third_parties_template.xlsx.Contracts.csv", "ciso-assistant-contracts", "", ""},
		{"ciso-assistant/import_templates/third_parties_template.xlsx.Representatives.csv", "ciso-assistant-representatives", "", ""},
		// OpenLineage events: Marquez's seed has template placeholders for eventTime.
		{"marquez/docker/metadata.template.json", openlineage.Name, `eventTime: "{{RUN_END_TIME_AFTER_6_MINUTES}}" is not an RFC 3339 time`, ""},
		{"marquez/open_lineage/event_full.json", openlineage.Name, "", ""},
		{"marquez/open_lineage/event_simple.json", openlineage.Name, "", ""},
		{"marquez/open_lineage/event_required_only.json", openlineage.Name, "", ""},
		{"marquez/open_lineage/event_unicode.json", openlineage.Name, "", ""},
		{"marquez/open_lineage/event_dataset_event.json", openlineage.Name, "", ""},
		{"marquez/open_lineage/event_job_event.json", openlineage.Name, "", ""},
		{"openlineage/proxy/fluentd/events/event_no_run_id.json", openlineage.Name, "event_no_run_id.json:4: run.runId: missing", ""},
		// Facet fragments of the OpenLineage spec's tests: no events.
		{"openlineage/spec/tests/OwnershipDatasetFacet/1.json", "", "", ""},
		{"openlineage/spec/tests/ColumnLineageDatasetFacet/1.json", "", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			o, ok := byFile[tc.file]
			if !ok {
				t.Fatalf("no outcome for %s", tc.file)
			}
			if tc.format == "" {
				if o.Skipped == "" || !strings.Contains(o.Skipped, "not a recognised format") {
					t.Errorf("not skipped: %+v", o)
				}
				return
			}
			if !slices.Contains(o.Formats, tc.format) || (len(o.Formats) > 1 && !strings.HasPrefix(tc.file, "ciso-assistant/")) {
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
			warned := false
			for _, w := range o.Warnings {
				warned = warned || strings.Contains(w.String(), tc.warn)
			}
			if (tc.warn != "") != warned || (tc.warn == "" && len(o.Warnings) > 0) {
				t.Errorf("warnings %v, want one containing %q", o.Warnings, tc.warn)
			}
		})
	}
	// Whatever the outcome, a rejection is made of located problems; a document from another
	// tool is rejected only when it is not JSON or YAML at all: the two broken BOMs.
	rejected := 0
	for _, o := range outcomes {
		var ve *importer.ValidationError
		if o.Err != nil && !errors.As(o.Err, &ve) {
			t.Errorf("%v: not a validation error: %v", o.Files, o.Err)
		}
		if ve == nil {
			continue
		}
		rejected++
		for _, p := range ve.Problems {
			if !strings.HasPrefix(p.File, root) {
				t.Errorf("problem not naming a corpus file: %v", p)
			}
			rel, _ := filepath.Rel(root, p.File)
			if !strings.Contains(p.Msg, "invalid JSON") && !strings.Contains(p.Msg, "invalid YAML") {
				t.Errorf("a well-formed document rejected: %v (%s)", p, rel)
			}
		}
	}
	if rejected != 2 {
		t.Errorf("%d rejections, want the 2 broken-JSON BOMs", rejected)
	}
}

// TestCorpusStrict: --strict rejects the documents that otherwise land with warnings, with
// the warnings as their problems.
func TestCorpusStrict(t *testing.T) {
	for file, want := range map[string]string{
		"aibom-goldenset/aloha/cyclonedx-1.6/google-bert_bert-base-uncased.json":                       "components.data.governance.owners.organization.url: is a JSON string",
		"aibom-goldenset/aibom-generator/cyclonedx-1.6/google-bert_bert-base-uncased_ai_sbom_1_6.json": `dependencies[0].ref: "pkg:generic/google-bert/bert-base-uncased@86b5e093" matches no bom-ref`,
		"aibom-goldenset/aibom-generator/spdx/google-bert_bert-base-uncased_spdx_3_0_1.json":           `trainedOn: "bookcorpus" is no element of this document`,
	} {
		im := &importer.Importer{Store: emptyStore(t), Opts: importer.Options{Strict: true}}
		out, err := im.ImportEach(context.Background(), []string{corpus(t, file)})
		if err != nil || len(out) != 1 {
			t.Fatalf("%s: %v %v", file, out, err)
		}
		if out[0].Err == nil || !strings.Contains(out[0].Err.Error(), want) || len(out[0].Warnings) > 0 {
			t.Errorf("%s --strict: %v (warnings %v), want a rejection containing %q", file, out[0].Err, out[0].Warnings, want)
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

// TestApplicationSubject: a BOM whose subject is an application (a Kubernetes AIBOM of an
// inference Deployment) is an AI system that the BOM's models POWER; a value of the wrong type
// (tags as one string) is left out with a warning and the rest lands.
func TestApplicationSubject(t *testing.T) { onEachStore(t, testApplicationSubject) }

func testApplicationSubject(t *testing.T, s graph.Store) {
	out := importEach(t, s, storetest.Testdata(t, "bom-app"))
	if len(out) != 1 || out[0].Err != nil {
		t.Fatalf("import: %+v", out)
	}
	if len(out[0].Warnings) != 1 || !strings.Contains(out[0].Warnings[0].String(), "fraud-inference.aibom.json:25: components.tags: is a JSON string") {
		t.Errorf("warnings %v, want the string tags left out", out[0].Warnings)
	}
	sys := node(t, s, "sys:fraud-inference")
	if sys.Kind != graph.AISystem || sys.Props["description"] == nil {
		t.Errorf("the subject: %+v", sys)
	}
	if got := edges(t, s, sys.ID, graph.In); !reflect.DeepEqual(got, []string{"POWERS mdl:hf:acme/fraud-detector"}) {
		t.Errorf("the system is powered by %v", got)
	}
	model := node(t, s, "mdl:hf:acme/fraud-detector")
	if model.Props["task"] != "tabular-classification" || model.Props["tags"] != nil {
		t.Errorf("the model lands without its wrong-typed tags: %v", model.Props)
	}
	if got := edges(t, s, model.ID, graph.In); !reflect.DeepEqual(got, []string{"SUPPLIES vnd:acme-models", "TRAINS ds:card-payments-2025 TRAINING"}) {
		t.Errorf("the model comes from %v", got)
	}
}

// TestCISOAssistantCorpus imports CISO Assistant's registers of the corpus in place: the CLI's
// assets and risk assessment, the asset template and the four third-party tables, one run, the
// same on both stores.
func TestCISOAssistantCorpus(t *testing.T) { onEachStore(t, testCISOAssistantCorpus) }

func testCISOAssistantCorpus(t *testing.T, s graph.Store) {
	for _, o := range importEach(t, s, corpus(t, "ciso-assistant")) {
		if o.Err != nil {
			t.Fatalf("%v: %v", o.Files, o.Err)
		}
	}
	props := func(id string, kind graph.Kind, want map[string]any) {
		t.Helper()
		n := node(t, s, id)
		if n.Kind != kind {
			t.Errorf("%s is a %s, want %s", id, n.Kind, kind)
		}
		for k, v := range want {
			if !reflect.DeepEqual(n.Props[k], v) {
				t.Errorf("%s.%s = %#v, want %#v", id, k, n.Props[k], v)
			}
		}
	}
	// The CLI's assets have no ids: the name is the asset id.
	props("ast:asset1", graph.Asset, map[string]any{"assetId": "asset1", "name": "asset1", "category": "primary", "businessUnit": "Global"})
	props("ast:asset2", graph.Asset, map[string]any{"category": "supporting", "description": "relevant information"})
	props("ast:A.005", graph.Asset, map[string]any{"name": "hypervisor", "category": "supporting", "assetClass": "assetClassServers"})
	// The risk assessment: treatment gives the status, the default matrix's labels the levels.
	props("risk:R.1", graph.Risk, map[string]any{"name": "Ransomware", "status": "OPEN", "likelihood": int64(2), "impact": int64(2),
		"threats": []string{"Data Encrypted for Impact"}, "currentRisk": "Low", "residualImpact": "Critical", "residualProbability": "Very likely",
		"existingControls": []string{"ISMS Scope document", "Statement of Applicability document"}, "treatment": "open"})
	props("risk:R.2", graph.Risk, map[string]any{"name": "Unavailability", "status": "MITIGATED", "likelihood": int64(4), "impact": int64(2)})
	props("risk:R.3", graph.Risk, map[string]any{"status": "ACCEPTED", "impact": int64(4), "threats": []string{"Scheduled Task", "Cloud Administration Command"},
		"residualImpact": nil, "residualRisk": nil})
	// Third parties: an entity is a vendor, its solutions and contracts fold into it.
	props("vnd:ENT-003", graph.Vendor, map[string]any{"name": "TechVendor Inc", "description": "External ICT provider", "country": "US",
		"mission": "Cloud services provider", "currency": "USD", "refId": "ENT-003",
		"solutions": []string{"Cloud Storage Service (SOL-001, criticality 3)", "Email Service (SOL-002, criticality 4)"},
		"contracts": []string{"CON-001 Cloud Storage Contract: active, 2024-01-01 to 2024-12-31, solution SOL-001",
			"CON-002 Email Services SLA: active, 2024-01-01 to 2025-12-31, solution SOL-002"}})
	props("vnd:ENT-002", graph.Vendor, map[string]any{"name": "ACME Europe", "country": "FR", "parentEntity": "ENT-001", "solutions": nil})
	props("vnd:ENT-001", graph.Vendor, map[string]any{"solutions": []string{"Internal CRM (SOL-003, criticality 3)"}})
	// Representatives: a role by its title, responsible for the vendor; no name, e-mail or phone.
	props("role:ENT-003:ciso", graph.Role, map[string]any{"title": "CISO", "name": "CISO (ENT-003)",
		"description": "Main security contact for vendor communications", "email": nil, "person": nil, "phone": nil, "first_name": nil})
	if got := edges(t, s, "vnd:ENT-001", graph.In); !reflect.DeepEqual(got, []string{"RESPONSIBLE_FOR role:ENT-001:compliance-manager",
		"RESPONSIBLE_FOR role:ENT-001:security-coordinator"}) {
		t.Errorf("ENT-001's representatives: %v", got)
	}
}
