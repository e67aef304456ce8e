package main

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aimsgraph/aimsgraph/graph/embedded"
	"github.com/aimsgraph/aimsgraph/graph/storetest"
	"github.com/aimsgraph/aimsgraph/internal/estategen"
)

// TestCLIImportEmbedded: without NEO4J_URI the commands work on the embedded store in --data /
// AIMSGRAPH_DATA, with the same behaviour as on Neo4j.
func TestCLIImportEmbedded(t *testing.T) {
	t.Setenv("NEO4J_URI", "")
	data := t.TempDir()
	t.Setenv("AIMSGRAPH_DATA", data)
	estate := storetest.Testdata(t, "estate")

	code, stdout, stderr := runCLI(t, "import", "--dry-run", estate)
	if code != exitOK || !strings.Contains(stdout, "dry run: nothing was written") {
		t.Fatalf("dry run: exit %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, stderr = runCLI(t, "import", estate)
	if code != exitOK || !regexpMatch(t, `(?m)^\s+DATASET\s+17\s+0\s+0\s+0\s*$`, stdout) {
		t.Fatalf("import: exit %d, want 17 datasets created\n%s%s", code, stdout, stderr)
	}
	code, stdout, _ = runCLI(t, "import", estate, "--prune")
	if code != exitOK || !regexpMatch(t, `(?m)^\s+nodes\s+0\s+0\s+77\s+0\s*$`, stdout) {
		t.Errorf("re-import with prune: exit %d, want all 77 nodes unchanged:\n%s", code, stdout)
	}
	// --data wins over AIMSGRAPH_DATA: another directory is another, empty graph.
	other := t.TempDir()
	code, stdout, _ = runCLI(t, "import", "--data", other, estate)
	if code != exitOK || !regexpMatch(t, `(?m)^\s+nodes\s+77\s+0\s+0\s+0\s*$`, stdout) {
		t.Errorf("import into --data: exit %d, want 77 nodes created:\n%s", code, stdout)
	}
	// validate checks references against the graph it finds.
	code, stdout, stderr = runCLI(t, "validate", estate)
	if code != exitOK {
		t.Errorf("validate: exit %d\n%s%s", code, stdout, stderr)
	}

	// While another process (a server) holds the store, import says so and what to do.
	s, err := embedded.Open(data)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())
	code, _, stderr = runCLI(t, "import", estate)
	if code != exitUnavailable || !strings.Contains(stderr, "in use by another aimsgraph process") || !strings.Contains(stderr, data) {
		t.Errorf("import while the store is held: exit %d, want %d with a clear message\n%s", code, exitUnavailable, stderr)
	}
}

// TestCLIKilledImportEmbedded kills an import into the embedded store at points spread over its
// whole run, commit included: every time, the store opens afterwards and holds either the graph
// from before or the whole import, never part of it.
func TestCLIKilledImportEmbedded(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skips building the binary and importing a generated estate")
	}
	bin := buildBinary(t)
	base := t.TempDir()
	big := filepath.Join(base, "big")
	if _, _, err := estategen.Write(big, estategen.ForRelationships(60_000)); err != nil {
		t.Fatal(err)
	}
	// The state before: the sample estate.
	seed := filepath.Join(base, "seed")
	importInto := func(data string, paths ...string) *exec.Cmd {
		cmd := exec.Command(bin, append([]string{"import", "--data", data}, paths...)...)
		cmd.Env = append(os.Environ(), "NEO4J_URI=")
		return cmd
	}
	if out, err := importInto(seed, storetest.Testdata(t, "estate")).CombinedOutput(); err != nil {
		t.Fatalf("seed import: %v\n%s", err, out)
	}
	snapshot := func(data string) storetest.Snapshot {
		s, err := embedded.Open(data)
		if err != nil {
			t.Fatalf("opening the store after the kill: %v", err)
		}
		defer s.Close(context.Background())
		return storetest.Take(t, s)
	}
	before := snapshot(seed)
	copyStore := func() string {
		dir := filepath.Join(t.TempDir(), "data")
		if err := os.MkdirAll(dir, 0o750); err != nil {
			t.Fatal(err)
		}
		copyFile(t, filepath.Join(seed, embedded.FileName), filepath.Join(dir, embedded.FileName))
		return dir
	}
	// One run to the end gives the state after and the duration to spread the kills over.
	full := copyStore()
	started := time.Now()
	if out, err := importInto(full, big).CombinedOutput(); err != nil {
		t.Fatalf("full import: %v\n%s", err, out)
	}
	took := time.Since(started)
	after := snapshot(full)

	// Kill at points spread over the run, the commit included. The duration is re-learned from
	// every run that finishes before its kill (a machine less loaded than during the timed run),
	// and the series goes on until at least four imports were killed while running.
	fractions := []float64{0.1, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99}
	killed, tries := 0, 0
	for ; tries < len(fractions) || killed < 4 && tries < 3*len(fractions); tries++ {
		at := fractions[tries%len(fractions)]
		data := copyStore()
		cmd := importInto(data, big)
		start := time.Now()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("import before the kill: %v", err)
			}
			took = time.Since(start) // finished before the kill: the machine is faster now
			continue
		case <-time.After(time.Duration(at * float64(took))):
			_ = cmd.Process.Kill()
		}
		if err := <-done; err == nil {
			continue // finished as the kill came
		}
		killed++
		got := snapshot(data)
		if before.Diff(got) != "" && after.Diff(got) != "" {
			t.Errorf("killed at %.0f%% of the run: the graph is neither the one before nor the one after (%d nodes, %d relationships)", at*100, len(got.Nodes), len(got.Rels))
		}
	}
	if killed < 4 {
		t.Errorf("only %d of %d imports were still running when killed; the test proves little", killed, tries)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestCLIImportDocuments: BOMs, SPDX documents and cards are told from their content, each
// imported as a run of its own with a line per file; a broken one is rejected with its file and
// line while the others land, and the command then exits 1.
func TestCLIImportDocuments(t *testing.T) {
	t.Setenv("NEO4J_URI", "")
	t.Setenv("AIMSGRAPH_DATA", t.TempDir())
	// A dry run checks the documents and the native file that names their nodes as one run.
	code, stdout, stderr := runCLI(t, "import", "--dry-run", storetest.Testdata(t, "bom"))
	if code != exitOK || !strings.Contains(stdout, "dry run: nothing was written") {
		t.Fatalf("dry run: exit %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, stderr = runCLI(t, "import", storetest.Testdata(t, "bom"))
	if code != exitOK || !strings.Contains(stdout, "8 runs imported, 0 rejected") ||
		!regexpMatch(t, `(?m)^imported  \S+credit-scorer\.cdx\.json \(cyclonedx\): nodes 8 created`, stdout) ||
		!regexpMatch(t, `(?m)^imported  \S+bert\.spdx3\.json \(spdx3\)`, stdout) ||
		!regexpMatch(t, `(?m)^imported  \S+decisions\.yaml \(yaml\)`, stdout) {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}

	dir := t.TempDir()
	broken := filepath.Join(dir, "broken.cdx.json")
	if err := os.WriteFile(broken, []byte("{\n  \"bomFormat\": \"CycloneDX\",\n  \"components\": [,]\n}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	card, _ := os.ReadFile(storetest.Testdata(t, "bom", "chain", "models--acme--base", "README.md"))
	if err := os.MkdirAll(filepath.Join(dir, "models--acme--solo"), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "models--acme--solo", "README.md"), card, 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = runCLI(t, "import", dir)
	if code != exitInvalid || !strings.Contains(stdout, "rejected  "+broken+" (cyclonedx): 1 problem, nothing written") ||
		!strings.Contains(stdout, broken+":3: invalid JSON") || !strings.Contains(stdout, "1 run imported, 1 rejected") ||
		!strings.Contains(stderr, "1 file was rejected") {
		t.Errorf("exit %d\n%s%s", code, stdout, stderr)
	}
}

// TestCLIImportWarnings: what a document from another tool gets wrong is a warning on its line
// of the report and the rest lands; --strict rejects the document instead. A folder's files that
// no format recognises are listed as skipped, and do not fail the command.
func TestCLIImportWarnings(t *testing.T) {
	t.Setenv("NEO4J_URI", "")
	t.Setenv("AIMSGRAPH_DATA", t.TempDir())
	dir := t.TempDir()
	bom := filepath.Join(dir, "fraud-inference.aibom.json")
	copyFile(t, storetest.Testdata(t, "bom-app", "fraud-inference.aibom.json"), bom)
	notes := filepath.Join(dir, "NOTES.md")
	if err := os.WriteFile(notes, []byte("# Notes\n\nNot a model card.\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	code, stdout, stderr := runCLI(t, "import", "--strict", dir)
	if code != exitInvalid || !strings.Contains(stdout, "rejected  "+bom+" (cyclonedx): 1 problem, nothing written") ||
		!strings.Contains(stdout, bom+":25: components.tags: is a JSON string") {
		t.Errorf("--strict: exit %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, stderr = runCLI(t, "import", dir)
	if code != exitOK || !regexpMatch(t, `(?m)^imported  \S+fraud-inference\.aibom\.json \(cyclonedx\): nodes 4 created.*; 1 warning, left out$`, stdout) ||
		!strings.Contains(stdout, "    warning: "+bom+":25: components.tags: is a JSON string; the CycloneDX schema wants []string here: left out") ||
		!strings.Contains(stdout, "skipped   "+notes+": not a recognised format") ||
		!strings.Contains(stdout, "1 run imported, 0 rejected, 1 file skipped") {
		t.Errorf("lenient: exit %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, stderr = runCLI(t, "validate", dir)
	if code != exitOK || !strings.Contains(stdout, "ok: 1 files, no problems, 1 warning (left out on import)") {
		t.Errorf("validate: exit %d\n%s%s", code, stdout, stderr)
	}
	// Nothing any format reads: nothing imported, and the command says so.
	code, stdout, stderr = runCLI(t, "import", filepath.Dir(notes)+"/NOTES.md")
	if code != exitInvalid {
		t.Errorf("an unrecognised file named explicitly: exit %d\n%s%s", code, stdout, stderr)
	}
}

// TestCLIImportOpenLineage: each event is a run reported on its own line; an event older than
// what its job last stated is reported as superseded and does not fail the command.
func TestCLIImportOpenLineage(t *testing.T) {
	t.Setenv("NEO4J_URI", "")
	t.Setenv("AIMSGRAPH_DATA", t.TempDir())
	dir := storetest.Testdata(t, "openlineage")
	code, stdout, stderr := runCLI(t, "import", dir)
	if code != exitOK || !regexpMatch(t, `(?m)^imported  \S+2-complete\.json \(openlineage: COMPLETE job:ol:airflow-risk/credit_features\.build\): nodes 1 created, 0 updated, 3 unchanged, 1 removed`, stdout) ||
		!regexpMatch(t, `(?m)^imported  \S+train-scorer\.ndjson:2 \(openlineage: COMPLETE job:ol:airflow-risk/weekly_retrain\.train_scorer\)`, stdout) ||
		!strings.Contains(stdout, "4 runs imported, 0 rejected") {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, stderr = runCLI(t, "import", filepath.Join(dir, "runs", "1-complete.json"))
	if code != exitOK || !strings.Contains(stdout, "superseded "+filepath.Join(dir, "runs", "1-complete.json")+" (openlineage: COMPLETE job:ol:airflow-risk/credit_features.build): older (2026-03-01T02:10:00Z)") ||
		!strings.Contains(stdout, "0 runs imported, 0 rejected, 1 superseded") {
		t.Errorf("late event: exit %d\n%s%s", code, stdout, stderr)
	}
}
