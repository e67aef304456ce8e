package export_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aimsgraph/aimsgraph/export"
	"github.com/aimsgraph/aimsgraph/graph"
	"github.com/aimsgraph/aimsgraph/graph/storetest"
	"github.com/aimsgraph/aimsgraph/importer"
	"github.com/aimsgraph/aimsgraph/importer/cisoassistant"
	"github.com/aimsgraph/aimsgraph/internal/embeddedtest"
	"github.com/aimsgraph/aimsgraph/internal/teststores"
)

var stores = teststores.Both

// estate imports the sample estate (its registers included) into a fresh store.
func estate(t *testing.T, open func(t *testing.T) graph.Store) graph.Store {
	s := open(t)
	storetest.Import(t, s, importer.Options{}, storetest.Testdata(t, "estate"))
	return s
}

// exportTo writes an export to a file of the given name and returns its path.
func exportTo(t *testing.T, r graph.Reader, reg, format, name string) string {
	t.Helper()
	var buf bytes.Buffer
	if err := export.Write(context.Background(), r, reg, format, strings.HasSuffix(name, ".xlsx"), &buf); err != nil {
		t.Fatalf("export %s as %s: %v", reg, format, err)
	}
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func readCSV(t *testing.T, path string) []map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	for _, r := range rows[1:] {
		m := map[string]string{}
		for i, h := range rows[0] {
			m[h] = r[i]
		}
		out = append(out, m)
	}
	return out
}

// TestAssetsRoundTrip: `export assets` imports again unchanged, as CSV and as a workbook: into
// the graph it came from (nothing changes), and beside the inventory alone into an empty store
// (the same graph as the original, every register asset with its properties and links).
func TestAssetsRoundTrip(t *testing.T) {
	dir := storetest.Testdata(t, "estate")
	for _, st := range stores {
		t.Run(st.Name, func(t *testing.T) {
			a := estate(t, st.Open)
			want := storetest.Take(t, a)
			for _, name := range []string{"assets.csv", "assets.xlsx"} {
				format := strings.TrimPrefix(filepath.Ext(name), ".")
				out := exportTo(t, a, "assets", format, name)
				sum := storetest.Import(t, a, importer.Options{}, out)
				if nodes, rels := sum.Total(); nodes.Changed() || rels.Changed() {
					t.Errorf("%s: importing the export into its graph changed nodes %+v, relationships %+v", name, nodes, rels)
				}
				if d := want.Diff(storetest.Take(t, a)); d != "" {
					t.Errorf("%s: the graph changed:\n%s", name, d)
				}
				b := st.Open(t)
				storetest.Import(t, b, importer.Options{}, filepath.Join(dir, "inventory.yaml"), filepath.Join(dir, "governance.yaml"),
					filepath.Join(dir, "registers", "records-of-processing.csv"), out)
				if d := want.Diff(storetest.Take(t, b)); d != "" {
					t.Errorf("%s beside the inventory gives another graph:\n%s", name, d)
				}
			}
		})
	}
}

// TestCISOAssistantExport: the export has CISO Assistant's template columns first, exactly, and
// read back (as CISO Assistant would export it) links the same register assets to the same
// inventory nodes, with the CIA ratings CISO Assistant can hold.
func TestCISOAssistantExport(t *testing.T) {
	a := estate(t, stores[0].Open)
	out := exportTo(t, a, "assets", "ciso-assistant", "ciso.csv")
	head, _ := os.ReadFile(out)
	if !bytes.HasPrefix(head, []byte(strings.Join(cisoassistant.TemplateColumns, ",")+",")) {
		t.Errorf("header %q does not start with the template's columns", strings.SplitN(string(head), "\n", 2)[0])
	}
	represents := func(s graph.Store) []string {
		var out []string
		for id, props := range storetest.Take(t, s).Rels {
			if strings.Contains(id, "\x00REPRESENTS\x00") {
				out = append(out, strings.ReplaceAll(id, "\x00", " ")+props)
			}
		}
		slices.Sort(out)
		return out
	}
	b := stores[0].Open(t)
	dir := storetest.Testdata(t, "estate")
	storetest.Import(t, b, importer.Options{}, filepath.Join(dir, "inventory.yaml"), out)
	if got, want := represents(b), represents(a); !reflect.DeepEqual(got, want) {
		t.Errorf("REPRESENTS through CISO Assistant:\n%v\nwant\n%v", got, want)
	}
	n, err := b.Nodes(context.Background(), []string{"ast:A-0042"})
	if err != nil || len(n) != 1 {
		t.Fatalf("ast:A-0042: %v %v", n, err)
	}
	// 4, 4, 3 on aimsgraph's scale are 3, 3, 3 on CISO Assistant's, which come back as 4, 4, 4.
	for _, c := range cisoassistant.CIA {
		if n[0].Props[c] != int64(4) {
			t.Errorf("%s = %v, want 4", c, n[0].Props[c])
		}
	}
}

// TestRoPAAndSoA: the record of processing names, for each activity, the AI systems and
// decisions its data reaches (the store's impact question); the Statement of Applicability has
// one row per Annex A control, with the implementing controls, their status and the risks.
func TestRoPAAndSoA(t *testing.T) {
	for _, st := range stores {
		t.Run(st.Name, func(t *testing.T) {
			s := estate(t, st.Open)
			reached := map[string][2]string{}
			for _, r := range readCSV(t, exportTo(t, s, "ropa", "csv", "ropa.csv")) {
				reached[r["activity_id"]] = [2]string{r["reached_systems"], r["reached_decisions"]}
			}
			want := map[string][2]string{
				// applications, bureau feed and features reach the scoring system it covers.
				"PA-01": {"sys:credit-scoring", "dec:credit-limit|dec:loan-approval"},
				// card transactions feed fraud detection and AML monitoring (and the fraud labels
				// AML writes train the fraud model).
				"PA-02": {"sys:aml-monitoring|sys:fraud-detection", "dec:card-block|dec:sar-filing"},
				"PA-03": {"sys:aml-monitoring|sys:fraud-detection", "dec:card-block|dec:sar-filing"},
				// transcripts fine-tune the assistant that powers the chatbot.
				"PA-04": {"sys:support-chatbot", "dec:chat-escalation"},
				"PA-05": {"sys:cv-screening", "dec:interview-shortlist"},
				"PA-06": {"sys:marketing-propensity", "dec:marketing-offer"},
			}
			if !reflect.DeepEqual(reached, want) {
				t.Errorf("reached = %v\nwant %v", reached, want)
			}
			soa := readCSV(t, exportTo(t, s, "soa", "csv", "soa.csv"))
			if len(soa) != 38 || len(graph.AnnexA) != 38 {
				t.Fatalf("%d rows, %d controls in the catalogue; want 38", len(soa), len(graph.AnnexA))
			}
			byID := map[string]map[string]string{}
			for _, r := range soa {
				byID[r["annex_a"]] = r
			}
			if r := byID["A.7.5"]; r["applicable"] != "yes" || r["status"] != "ctl:a-7-5-provenance=IMPLEMENTED" || r["risks"] != "risk:bureau-privacy=OPEN" ||
				r["applies_to"] != "ds:bureau-feed|ds:credit-features|ds:sanctions-list" {
				t.Errorf("A.7.5 = %v", r)
			}
			if r := byID["A.2.2"]; r["applicable"] != "undecided" || r["controls"] != "" || r["justification"] == "" {
				t.Errorf("A.2.2 = %v", r)
			}
		})
	}
}

// TestExportAsOf: an export of the graph as it stood before anything was imported is empty.
func TestExportAsOf(t *testing.T) {
	s := estate(t, stores[0].Open)
	before, err := s.At(context.Background(), mustRun(t, s).EffectiveAt.Add(-1))
	if err != nil {
		t.Fatal(err)
	}
	if rows := readCSV(t, exportTo(t, before, "assets", "csv", "a.csv")); len(rows) != 0 {
		t.Errorf("%d asset rows before the first import", len(rows))
	}
	if err := export.Check("ropa", "ciso-assistant"); err == nil {
		t.Errorf("ciso-assistant accepted for ropa")
	}
}

func mustRun(t *testing.T, s graph.Store) *graph.RunRecord {
	runs, err := s.Runs(context.Background(), graph.RunQuery{Limit: 1})
	if err != nil || len(runs) != 1 {
		t.Fatalf("runs: %v %v", runs, err)
	}
	return runs[0]
}

// TestConcurrentCISOExports: exports running at once, in the process that imported the graph,
// share its stored lists read-only (run with -race). The asset's parent_assets holds three
// register parents and a REPRESENTS link; the importer built that list by appending, so a list
// with room to spare would be written into by an export that appends the links to it.
func TestConcurrentCISOExports(t *testing.T) {
	dir := t.TempDir()
	ciso := filepath.Join(dir, "ciso.csv")
	const rows = "internal_id;name;ref_id;type;parent_assets\n" +
		"3b1f0c2e-7d4a-4c5e-9f60-1a2b3c4d5e6f;Scoring host;SRV-099;SP;SRV-001,SRV-002,SRV-003,sys:credit-scoring\n"
	if err := os.WriteFile(ciso, []byte(rows), 0o600); err != nil {
		t.Fatal(err)
	}
	s := stores[0].Open(t)
	storetest.Import(t, s, importer.Options{}, filepath.Join(storetest.Testdata(t, "estate"), "inventory.yaml"), ciso)
	const workers = 8
	outs := make([]string, workers)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for i := range workers {
		wg.Go(func() {
			var buf bytes.Buffer
			errs[i] = export.Write(context.Background(), s, "assets", "ciso-assistant", false, &buf)
			outs[i] = buf.String()
		})
	}
	wg.Wait()
	for i := range workers {
		if errs[i] != nil || outs[i] != outs[0] {
			t.Fatalf("export %d: %v, or another answer than the first:\n%s\n%s", i, errs[i], outs[i], outs[0])
		}
	}
	if !strings.Contains(outs[0], "SRV-001|SRV-002|SRV-003|sys:credit-scoring") {
		t.Errorf("the asset's parents and link are not its parent_assets:\n%s", outs[0])
	}
	// The store's list is as imported: no export wrote into it.
	n, err := s.Nodes(context.Background(), []string{"ast:SRV-099"})
	if err != nil || len(n) != 1 {
		t.Fatalf("ast:SRV-099: %v %v", n, err)
	}
	if got := graph.TextList(n[0].Props["parentAssets"]); !reflect.DeepEqual(got, []string{"SRV-001", "SRV-002", "SRV-003"}) {
		t.Errorf("stored parentAssets = %v", got)
	}
}

// TestFormulaCells: a register cell a spreadsheet would run as a formula is exported with a
// leading apostrophe, and the export imports back as the register was.
func TestFormulaCells(t *testing.T) {
	dir := t.TempDir()
	reg := filepath.Join(dir, "register.csv")
	if err := os.WriteFile(reg, []byte("asset_id,name,description,asset_type\n"+
		"A-1,\"=HYPERLINK(\"\"http://evil.example\"\",\"\"open\"\")\",-1+2,Information\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := embeddedtest.Fresh(t)
	storetest.Import(t, s, importer.Options{}, reg)
	want := storetest.Take(t, s)
	out := exportTo(t, s, "assets", "csv", "assets.csv")
	raw, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, cell := range []string{`"'=HYPERLINK(""http://evil.example"",""open"")"`, "'-1+2"} {
		if !bytes.Contains(raw, []byte(cell)) {
			t.Errorf("the export lacks the defused cell %s:\n%s", cell, raw)
		}
	}
	b := embeddedtest.Fresh(t)
	storetest.Import(t, b, importer.Options{}, out)
	if d := want.Diff(storetest.Take(t, b)); d != "" {
		t.Errorf("the export imports as another graph:\n%s", d)
	}
}
