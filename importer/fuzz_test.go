package importer

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/aimsgraph/aimsgraph/graph"
	"github.com/aimsgraph/aimsgraph/importer/cyclonedx"
	"github.com/aimsgraph/aimsgraph/importer/hfcard"
	"github.com/aimsgraph/aimsgraph/importer/openlineage"
	"github.com/aimsgraph/aimsgraph/importer/record"
	"github.com/aimsgraph/aimsgraph/importer/spdx"
)

// decodeBytes runs a whole file's bytes through detection and decoding, as an import would.
func decodeBytes(t *testing.T, name string, data []byte) { decodeAs(t, name, nil, data) }

// decodeAs is decodeBytes with the format given (one of the document formats) or told by name
// and content.
func decodeAs(t *testing.T, name string, format record.Format, data []byte) {
	if name == "in.csv" { // CSV files are named after their section
		name = "relationships.csv"
		if bytes.HasPrefix(data, []byte("id")) {
			name = "datasets.csv"
		}
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	probs := decodeFile(t, path, format, func(n graph.NodeRecord) {
		if n.ID == "" {
			t.Fatalf("node without id from %q", data)
		}
	}, func(r graph.RelRecord, _ string) {
		if r.From == "" || r.To == "" {
			t.Fatalf("relationship without an end from %q", data)
		}
	})
	for _, p := range probs {
		if p.File != path {
			t.Fatalf("problem not located in the file: %v", p)
		}
	}
}

func seeds(f *testing.F, dirs ...string) {
	for _, dir := range dirs {
		entries, _ := os.ReadDir(testdata(dir))
		for _, e := range entries {
			if data, err := os.ReadFile(testdata(dir, e.Name())); err == nil && !e.IsDir() {
				f.Add(data)
			}
		}
	}
}

func FuzzYAML(f *testing.F) {
	seeds(f, "estate", "invalid")
	f.Fuzz(func(t *testing.T, data []byte) { decodeBytes(t, "in.yaml", data) })
}

func FuzzJSON(f *testing.F) {
	seeds(f, "estate", "invalid")
	f.Fuzz(func(t *testing.T, data []byte) {
		decodeBytes(t, "in.json", data)
		// Our line-keeping reader accepts exactly what encoding/json accepts.
		_, err := record.ReadJSON(data)
		if json.Valid(data) != (err == nil) {
			t.Fatalf("json.Valid=%v but readJSON err=%v for %q", json.Valid(data), err, data)
		}
	})
}

func FuzzCSV(f *testing.F) {
	seeds(f, "estate-csv", filepath.Join("invalid", "csv"))
	f.Fuzz(func(t *testing.T, data []byte) { decodeBytes(t, "in.csv", data) })
}

// seedFiles adds files under the repository's testdata and the shared corpus as seeds.
func seedFiles(f *testing.F, paths ...string) {
	for _, p := range paths {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
}

func FuzzCycloneDX(f *testing.F) {
	seedFiles(f, testdata("bom", "lineage", "credit-scorer.cdx.json"), testdata("bom", "identity", "bert.cdx.json"),
		corpusFile("cyclonedx-specification/1.6/valid-machine-learning-1.6.json"),
		corpusFile("cyclonedx-bom-examples/MLBOM/Model/OpenSource/bom.json"))
	f.Fuzz(func(t *testing.T, data []byte) { decodeAs(t, "bom.json", cyclonedx.Format, data) })
}

func FuzzSPDX(f *testing.F) {
	seedFiles(f, testdata("bom", "identity", "bert.spdx3.json"),
		corpusFile("spdx-examples/ai/example01/spdx3.0/simplehtr-example.json"),
		corpusFile("aibom-goldenset/aibom-generator/spdx/google-bert_bert-base-uncased_spdx_3_0_1.json"))
	f.Fuzz(func(t *testing.T, data []byte) { decodeAs(t, "doc.spdx3.json", spdx.Format, data) })
}

func FuzzCard(f *testing.F) {
	seedFiles(f, testdata("bom", "chain", "models--acme--mid", "README.md"),
		corpusFile("leliuga-cohere-configurations/models/zephyr-7B-beta/README.md"),
		corpusFile("huggingface_hub/sample_invalid_card_data.md"), corpusFile("huggingface_hub/sample_windows_line_breaks.md"))
	f.Add([]byte("---\nbase_model: [a/b, c/d]\ndatasets: x\n---\n"))
	f.Fuzz(func(t *testing.T, data []byte) { decodeAs(t, "README.md", hfcard.Format, data) })
}

func FuzzOpenLineage(f *testing.F) {
	seedFiles(f, testdata("openlineage", "runs", "1-complete.json"), testdata("openlineage", "facets", "train-scorer.ndjson"),
		corpusFile("marquez/open_lineage/event_full.json"), corpusFile("marquez/open_lineage/event_dataset_event.json"),
		corpusFile("openlineage/proxy/fluentd/events/event_no_run_id.json"))
	f.Add([]byte(`[{"eventTime": "x", "job": {"namespace": "n", "name": "j"}, "run": {}, "inputs": [{}, 1]}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		decodeAs(t, "events.json", openlineage.Format, data)
		// Split into documents, as an import of the file or a POST to the lineage endpoint does.
		docs, err := (&Importer{}).DecodeDocuments("events.json", openlineage.Format, data)
		if err != nil {
			t.Fatalf("DecodeDocuments: %v", err)
		}
		for _, d := range docs {
			for _, p := range append(d.Problems, d.Warnings...) {
				if p.File != "events.json" {
					t.Fatalf("problem not located in the data: %v", p)
				}
			}
		}
	})
}

// corpusFile names a file of the shared corpus of real-world examples (../shared/corpus from the
// repository root, or $AIMSGRAPH_CORPUS).
func corpusFile(rel string) string {
	return filepath.Join(corpusDir(), filepath.FromSlash(rel))
}

func corpusDir() string {
	if d := os.Getenv("AIMSGRAPH_CORPUS"); d != "" {
		return d
	}
	return testdata("..", "..", "shared", "corpus")
}
