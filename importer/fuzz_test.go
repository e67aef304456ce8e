package importer

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/aimsgraph/aimsgraph/graph"
)

// decodeBytes runs a whole file's bytes through reading and decoding, as an import would.
func decodeBytes(t *testing.T, name string, data []byte) {
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	f := &inputFile{path: path, format: formatOf(path)}
	if f.format == FormatCSV {
		f.section = "relationships"
		if bytes.HasPrefix(data, []byte("id")) {
			f.section = "datasets"
		}
	}
	var probs problems
	err := (&Importer{}).scan(f, &probs, func(n graph.NodeRecord) {
		if n.ID == "" {
			t.Fatalf("node without id from %q", data)
		}
	}, func(r graph.RelRecord, _ string) {
		if r.From == "" || r.To == "" {
			t.Fatalf("relationship without an end from %q", data)
		}
	}, true)
	if err != nil {
		t.Fatalf("scan: %v", err) // input problems must be problems, not errors
	}
	for _, p := range probs.list {
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
		_, err := readJSON(data)
		if json.Valid(data) != (err == nil) {
			t.Fatalf("json.Valid=%v but readJSON err=%v for %q", json.Valid(data), err, data)
		}
	})
}

func FuzzCSV(f *testing.F) {
	seeds(f, "estate-csv", filepath.Join("invalid", "csv"))
	f.Fuzz(func(t *testing.T, data []byte) { decodeBytes(t, "in.csv", data) })
}
