package evidence_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aimsgraph/aimsgraph/evidence"
	"github.com/aimsgraph/aimsgraph/governance"
	"github.com/aimsgraph/aimsgraph/graph"
	"github.com/aimsgraph/aimsgraph/graph/storetest"
	"github.com/aimsgraph/aimsgraph/importer"
	"github.com/aimsgraph/aimsgraph/internal/embeddedtest"
	"github.com/aimsgraph/aimsgraph/internal/teststores"
)

var allStores = teststores.Both

// TestPackVerifies builds the pack of two sample decisions after two import runs of the estate
// (so first and last seen differ) and checks it as an auditor would: every file's SHA-256
// against the manifest, every trace row against the store's own relationship and its provenance
// (sources, file:line, run, first and last seen), every run named with the SHA-256 of the file
// it read as that file is on disk, and the same bytes when built again.
func TestPackVerifies(t *testing.T) {
	for _, st := range allStores {
		t.Run(st.Name, func(t *testing.T) {
			ctx := context.Background()
			s := st.Open(t)
			first := storetest.Import(t, s, importer.Options{}, storetest.Testdata(t, "estate"))
			second := storetest.Import(t, s, importer.Options{}, storetest.Testdata(t, "estate"))
			ids := []string{"dec:loan-approval", "dec:card-block"}

			var pack bytes.Buffer
			m, err := evidence.Write(ctx, s, evidence.Options{IDs: ids, Version: "test"}, &pack)
			if err != nil {
				t.Fatal(err)
			}
			files := unzip(t, pack.Bytes())

			// The manifest: every other file with its SHA-256, the ids, the as-of instant, the version.
			var manifest evidence.Manifest
			if err := json.Unmarshal(files["manifest.json"], &manifest); err != nil {
				t.Fatalf("manifest.json: %v", err)
			}
			if strings.Join(manifest.IDs, ",") != strings.Join(ids, ",") || manifest.Version != "test" || manifest.Program != "aimsgraph" {
				t.Errorf("manifest ids/version: %+v", manifest)
			}
			if len(manifest.Files) != len(files)-1 {
				t.Errorf("manifest lists %d files, the pack has %d besides it", len(manifest.Files), len(files)-1)
			}
			for _, f := range manifest.Files {
				data, ok := files[f.Path]
				if !ok {
					t.Errorf("manifest lists %s, the pack lacks it", f.Path)
					continue
				}
				if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != f.SHA256 {
					t.Errorf("%s: SHA-256 differs from the manifest", f.Path)
				}
			}
			runs, err := s.Runs(ctx, graph.RunQuery{IDs: []string{first.RunID, second.RunID}})
			if err != nil || len(runs) != 2 {
				t.Fatalf("runs: %v %v", runs, err)
			}
			runByID := map[string]*graph.RunRecord{runs[0].ID: runs[0], runs[1].ID: runs[1]}
			if want := runByID[second.RunID].FinishedAt.UTC().Format(time.RFC3339Nano); manifest.AsOf != want {
				t.Errorf("as of %s, want the newest run's finish %s", manifest.AsOf, want)
			}

			for _, id := range ids {
				folder := manifest.Folders[id]
				if folder == "" || strings.ContainsAny(folder, ":/\\") {
					t.Fatalf("folder of %s: %q", id, folder)
				}
				rows := readCSV(t, files[folder+"/trace.csv"])
				if got := strings.Join(rows[0], ","); got != "from,type,to,sources,file,line,run,firstSeen,lastSeen" {
					t.Fatalf("trace.csv header %s", got)
				}
				sub, err := s.Lineage(ctx, graph.LineageQuery{ID: id, Direction: graph.In, MaxDepth: 25, Limit: 1000})
				if err != nil {
					t.Fatal(err)
				}
				if len(rows)-1 != len(sub.Relationships) || len(sub.Relationships) < 10 {
					t.Errorf("%s: %d trace rows, the store has %d upstream lineage edges", id, len(rows)-1, len(sub.Relationships))
				}
				for _, row := range rows[1:] {
					rel := storedRel(t, s, row[0], row[1], row[2], row[4], row[5])
					p := rel.Provenance
					if row[3] != strings.Join(p.Sources, ";") || row[6] != p.LastRun {
						t.Errorf("%s: row %v, store says sources %v, run %s", id, row, p.Sources, p.LastRun)
					}
					if row[6] != second.RunID || p.FirstRun != first.RunID {
						t.Errorf("%s: row %v: last run should be the second import, first the first", id, row)
					}
					if row[7] != runByID[first.RunID].FinishedAt.UTC().Format(time.RFC3339Nano) || row[8] != runByID[second.RunID].FinishedAt.UTC().Format(time.RFC3339Nano) {
						t.Errorf("%s: row %v: first/last seen are not the runs' finish times", id, row)
					}
				}
				svg := string(files[folder+"/lineage.svg"])
				for _, n := range sub.Nodes {
					if !strings.Contains(svg, `data-node-id="`+n.ID+`"`) {
						t.Errorf("%s: lineage.svg does not draw %s", id, n.ID)
					}
				}
				if strings.Count(svg, `class="edge"`) != len(sub.Relationships) {
					t.Errorf("%s: lineage.svg draws %d edges, want %d", id, strings.Count(svg, `class="edge"`), len(sub.Relationships))
				}
			}
			// The flagged third-party feed behind the loan decision is marked in its picture.
			if svg := string(files[manifest.Folders["dec:loan-approval"]+"/lineage.svg"]); !strings.Contains(svg, `data-node-id="ds:bureau-feed" data-kind="DATASET" data-flags="PRIVACY"`) {
				t.Errorf("ds:bureau-feed is not drawn as flagged for PRIVACY")
			}

			// runs.csv: both runs, each file with the SHA-256 the file has on disk.
			runRows := readCSV(t, files["runs.csv"])
			seen := map[string]bool{}
			for _, r := range runRows[1:] {
				seen[r[0]] = true
				data, err := os.ReadFile(r[5])
				if err != nil {
					t.Fatalf("runs.csv names %s: %v", r[5], err)
				}
				if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != r[6] {
					t.Errorf("runs.csv: %s has SHA-256 %s, the file %x", r[5], r[6], sum)
				}
			}
			if !seen[first.RunID] || !seen[second.RunID] {
				t.Errorf("runs.csv lists %v, want both import runs", seen)
			}
			// gaps.csv: the gap rules' findings on the traced nodes, as of the pack's instant.
			traced := map[string]bool{}
			for _, id := range ids {
				sub, err := s.Lineage(ctx, graph.LineageQuery{ID: id, Direction: graph.In, MaxDepth: 25, Limit: 1000})
				if err != nil {
					t.Fatal(err)
				}
				for _, n := range sub.Nodes {
					traced[n.ID] = true
				}
			}
			at, _ := time.Parse(time.RFC3339Nano, manifest.AsOf)
			all, err := governance.Gaps(ctx, s, at, governance.Rules)
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, f := range all {
				if traced[f.Node.ID] {
					want = append(want, f.Rule.ID+" "+f.Node.ID)
				}
			}
			var got []string
			for _, r := range readCSV(t, files["gaps.csv"])[1:] {
				got = append(got, r[0]+" "+r[2])
			}
			if strings.Join(got, ",") != strings.Join(want, ",") || !slices.Contains(got, "AUTOMATED_DECISION_WITHOUT_OVERSIGHT dec:card-block") {
				t.Errorf("gaps.csv %v\nwant %v", got, want)
			}
			if !strings.Contains(string(files["index.html"]), "dec:card-block") || !strings.Contains(string(files["index.html"]), "<svg") {
				t.Errorf("index.html does not show the traces")
			}

			// Deterministic: the same graph gives the same bytes.
			var again bytes.Buffer
			if _, err := evidence.Write(ctx, s, evidence.Options{IDs: ids, Version: "test"}, &again); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(pack.Bytes(), again.Bytes()) {
				t.Errorf("two packs of the same graph differ")
			}
			// And rebuilt as of the instant the manifest records, it is the same pack.
			recorded, err := time.Parse(time.RFC3339Nano, manifest.AsOf)
			if err != nil {
				t.Fatal(err)
			}
			var asOf bytes.Buffer
			if _, err := evidence.Write(ctx, s, evidence.Options{IDs: ids, Version: "test", AsOf: recorded}, &asOf); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(pack.Bytes(), asOf.Bytes()) {
				t.Errorf("the pack rebuilt --as-of %s differs", manifest.AsOf)
			}
			if len(m.Files) != len(manifest.Files) {
				t.Errorf("returned manifest differs from the packed one")
			}
		})
	}
}

// TestPackRefuses: what cannot be answered as asked is an error before anything is written.
func TestPackRefuses(t *testing.T) {
	ctx := context.Background()
	s := embeddedtest.Fresh(t)
	storetest.Import(t, s, importer.Options{}, storetest.Testdata(t, "estate"))
	for name, opts := range map[string]evidence.Options{
		"no ids":     {},
		"unknown id": {IDs: []string{"dec:loan-approval", "dec:nope"}},
		"too many":   {IDs: strings.Split(strings.Repeat("x,", evidence.MaxIDs)+"y", ",")},
		"truncated":  {IDs: []string{"dec:card-block"}, Limit: 3},
	} {
		var out bytes.Buffer
		_, err := evidence.Write(ctx, s, opts, &out)
		if !errors.Is(err, evidence.ErrInput) || out.Len() > 0 || (name == "truncated") != errors.Is(err, evidence.ErrTooLarge) {
			t.Errorf("%s: err %v, %d bytes written; want ErrInput and nothing", name, err, out.Len())
		}
	}
	var out bytes.Buffer
	if _, err := evidence.Write(ctx, s, evidence.Options{IDs: []string{"dec:loan-approval"}, AsOf: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)}, &out); !errors.Is(err, evidence.ErrNotFound) {
		t.Errorf("as of a time before any import: %v, want not found", err)
	}
}

// TestPackAsOf: a pack as of an instant traces the graph as it stood then (docs/history.md): the
// loan decision before and after the 2027 estate added the open-banking feed, each matching the
// store's own answer as of that instant.
func TestPackAsOf(t *testing.T) {
	for _, st := range allStores {
		t.Run(st.Name, func(t *testing.T) {
			ctx := context.Background()
			s := st.Open(t)
			first := storetest.Import(t, s, importer.Options{}, storetest.Testdata(t, "estate"))
			storetest.Import(t, s, importer.Options{}, storetest.Testdata(t, "estate-2027"))
			runs, err := s.Runs(ctx, graph.RunQuery{IDs: []string{first.RunID}})
			if err != nil || len(runs) != 1 {
				t.Fatal(runs, err)
			}
			then := runs[0].FinishedAt
			trace := func(asOf time.Time) (string, [][]string) {
				var pack bytes.Buffer
				m, err := evidence.Write(ctx, s, evidence.Options{IDs: []string{"dec:loan-approval"}, AsOf: asOf}, &pack)
				if err != nil {
					t.Fatal(err)
				}
				return m.AsOf, readCSV(t, unzip(t, pack.Bytes())["dec%3Aloan-approval/trace.csv"])[1:]
			}
			asOf, before := trace(then)
			_, now := trace(time.Time{})
			if asOf != then.UTC().Format(time.RFC3339Nano) {
				t.Errorf("manifest as of %s, asked %s", asOf, then)
			}
			has := func(rows [][]string, from string) bool {
				return slices.ContainsFunc(rows, func(r []string) bool { return r[0] == from })
			}
			if has(before, "ds:open-banking") || !has(now, "ds:open-banking") || len(now) <= len(before) {
				t.Errorf("open-banking feed: in the pack as of the first run %v, now %v", has(before, "ds:open-banking"), has(now, "ds:open-banking"))
			}
			past, err := s.At(ctx, then)
			if err != nil {
				t.Fatal(err)
			}
			sub, err := past.Lineage(ctx, graph.LineageQuery{ID: "dec:loan-approval", Direction: graph.In, MaxDepth: 25, Limit: 1000})
			if err != nil {
				t.Fatal(err)
			}
			if len(sub.Relationships) != len(before) {
				t.Errorf("as of %s: %d rows, the store has %d edges", then, len(before), len(sub.Relationships))
			}
		})
	}
}

// storedRel finds the relationship a trace row names, by its ends, type and file:line.
func storedRel(t *testing.T, s graph.Store, from, typ, to, file, line string) *graph.Relationship {
	t.Helper()
	rels, err := s.Edges(context.Background(), []string{from}, graph.Out, []graph.RelType{graph.RelType(typ)})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rels {
		if r.To == to && r.Provenance.File == file && strconv.Itoa(r.Provenance.Line) == line {
			return r
		}
	}
	t.Fatalf("the store has no %s -%s-> %s stated at %s:%s", from, typ, to, file, line)
	return nil
}

func unzip(t *testing.T, data []byte) map[string][]byte {
	t.Helper()
	z, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, f := range z.File {
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		out[f.Name], _ = io.ReadAll(r)
		r.Close()
	}
	return out
}

func readCSV(t *testing.T, data []byte) [][]string {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil || len(rows) == 0 {
		t.Fatalf("CSV: %v (%d rows)", err, len(rows))
	}
	return rows
}
