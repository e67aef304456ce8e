package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aimsgraph/aimsgraph/graph/storetest"
	"github.com/aimsgraph/aimsgraph/importer"
	"github.com/aimsgraph/aimsgraph/internal/estategen"
	"github.com/aimsgraph/aimsgraph/internal/neo4jtest"
)

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestCLIWithoutStore(t *testing.T) {
	t.Setenv("NEO4J_URI", "")
	t.Setenv("AIMSGRAPH_DATA", t.TempDir())
	invalid := storetest.Testdata(t, "invalid")
	tests := []struct {
		name       string
		args       []string
		code       int
		wantStdout string
		wantStderr string
	}{
		{"no command", nil, exitUsage, "", "Usage:"},
		{"unknown command", []string{"frobnicate"}, exitUsage, "", `unknown command "frobnicate"`},
		{"help", []string{"help"}, exitOK, "aimsgraph import", ""},
		{"import help", []string{"help", "import"}, exitOK, "", "--dry-run"},
		{"validate without paths", []string{"validate"}, exitUsage, "", "validate needs at least one file or folder"},
		{"unknown flag", []string{"import", "--frob", "x"}, exitUsage, "", "flag provided but not defined: -frob"},
		{"validate sample estate", []string{"validate", storetest.Testdata(t, "estate")}, exitOK, "ok: 6 files, no problems", ""},
		{"validate bad files", []string{"validate", invalid}, exitInvalid, "", "several-problems.yaml:13: datasets[1].personalData: expected true or false"},
		{"validate counts problems", []string{"validate", invalid}, exitInvalid, "", "18 problems; nothing was written"},
		{"validate missing path", []string{"validate", "no/such/dir"}, exitInvalid, "", "no/such/dir: no such file or directory"},
		{"import bad files into the embedded store", []string{"import", invalid}, exitInvalid, "", "18 problems; nothing was written"},
		{"unreachable Neo4j", []string{"import", "--neo4j-uri", "bolt://127.0.0.1:1", invalid}, exitUnavailable, "", "cannot reach Neo4j at bolt://127.0.0.1:1"},
		{"bad URI", []string{"import", "--neo4j-uri", "http://x", invalid}, exitUnavailable, "", `Neo4j URI "http://x"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, tc.args...)
			if code != tc.code || !strings.Contains(stdout, tc.wantStdout) || !strings.Contains(stderr, tc.wantStderr) {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, stdout, stderr)
			}
			if strings.Contains(stderr, "goroutine ") {
				t.Errorf("a stack trace reached the user:\n%s", stderr)
			}
		})
	}
}

func TestCLIImportOnNeo4j(t *testing.T) {
	neo4jtest.Fresh(t)
	estate := storetest.Testdata(t, "estate")

	code, stdout, stderr := runCLI(t, "import", "--dry-run", estate)
	if code != exitOK || !strings.Contains(stdout, "dry run: nothing was written") {
		t.Fatalf("dry run: exit %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, stderr = runCLI(t, "import", estate)
	if code != exitOK || !strings.Contains(stdout, "imported as run ") {
		t.Fatalf("import: exit %d\n%s%s", code, stdout, stderr)
	}
	if !regexpMatch(t, `(?m)^\s+DATASET\s+17\s+0\s+0\s+0\s*$`, stdout) {
		t.Errorf("summary does not show 17 datasets created:\n%s", stdout)
	}
	code, stdout, _ = runCLI(t, "import", estate, "--prune") // flags after paths work too
	if code != exitOK || !regexpMatch(t, `(?m)^\s+nodes\s+0\s+0\s+77\s+0\s*$`, stdout) {
		t.Errorf("re-import with prune: exit %d, want all 77 nodes unchanged:\n%s", code, stdout)
	}
	code, _, stderr = runCLI(t, "import", storetest.Testdata(t, "invalid"))
	if code != exitInvalid || !strings.Contains(stderr, "nothing was written") {
		t.Errorf("invalid import: exit %d\n%s", code, stderr)
	}
}

// A killed import leaves the graph as it was: the run is one transaction, rolled back by the
// server when the connection drops.
func TestCLIKilledImportChangesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skips building the binary and importing a generated estate")
	}
	store := neo4jtest.Fresh(t)
	storetest.Import(t, store, importer.Options{}, storetest.Testdata(t, "estate"))
	before := storetest.Take(t, store)

	dir := t.TempDir()
	bin := buildBinary(t)
	big := filepath.Join(dir, "big")
	if _, _, err := estategen.Write(big, estategen.ForRelationships(150_000)); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "import", "--batch-size", "500", big)
	cmd.Env = append(os.Environ(), "NEO4J_URI="+neo4jtest.Config(t).URI)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Kill it once it is writing relationships, i.e. after the nodes went in.
	deadline := time.Now().Add(2 * time.Minute)
	for !neo4jtest.WritingRelationships(t) {
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			t.Fatalf("the import never started writing relationships\n%s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	_ = cmd.Wait()
	// The server notices the dropped connection and rolls back.
	var d string
	for i := 0; i < 100; i++ {
		if d = before.Diff(storetest.Take(t, store)); d == "" {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Errorf("the graph changed after a killed import:\n%s", d)
}

// buildBinary builds the command into a temporary directory.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "aimsgraph")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func regexpMatch(t *testing.T, pattern, s string) bool {
	t.Helper()
	return regexp.MustCompile(pattern).MatchString(s)
}
