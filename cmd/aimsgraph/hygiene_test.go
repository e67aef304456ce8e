package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aimsgraph/aimsgraph/graph/storetest"
)

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// A property value over the cap is a file:line problem, and nothing is written.
func TestImportValueCap(t *testing.T) {
	t.Setenv("NEO4J_URI", "")
	t.Setenv("AIMSGRAPH_DATA", t.TempDir())
	file := filepath.Join(t.TempDir(), "big.yaml")
	write(t, file, "version: 1\ndatasets:\n  - id: ds:small\n    name: Small\n  - id: ds:big\n    name: Big\n    description: "+strings.Repeat("x", 70_000)+"\n")
	code, _, stderr := runCLI(t, "import", file)
	if code != exitInvalid || !strings.Contains(stderr, "big.yaml:5: description: DATASET \"ds:big\": value of 70000 bytes is over the 65536-byte cap") || !strings.Contains(stderr, "nothing was written") {
		t.Errorf("exit %d\n%s", code, stderr)
	}
	if code, _, stderr := runCLI(t, "validate", "--max-value-bytes", "100000", file); code != exitOK {
		t.Errorf("with a larger cap: exit %d\n%s", code, stderr)
	}
	if code, stdout, stderr := runCLI(t, "import", "--max-value-bytes", "100000", file); code != exitOK || !strings.Contains(stdout, "imported as run") {
		t.Errorf("import with a larger cap: exit %d\n%s%s", code, stdout, stderr)
	}
}

// Symbolic links are followed, loops are reported, and whatever is skipped is said.
func TestImportFollowsSymlinks(t *testing.T) {
	t.Setenv("NEO4J_URI", "")
	t.Setenv("AIMSGRAPH_DATA", t.TempDir())
	estate := storetest.Testdata(t, "estate")
	abs, _ := filepath.Abs(estate)
	dir := t.TempDir()
	for _, name := range []string{"inventory.yaml", "governance.yaml"} {
		if err := os.Symlink(filepath.Join(abs, name), filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(abs, filepath.Join(dir, "linked-estate")); err != nil { // a linked folder: assets.json is read through it
		t.Fatal(err)
	}
	if err := os.Symlink(dir, filepath.Join(dir, "loop")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "gone"), filepath.Join(dir, "broken.yaml")); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "notes.txt"), "not an inventory")
	code, stdout, stderr := runCLI(t, "import", dir)
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	for _, want := range []string{"loop: a symbolic link loop", "broken.yaml: a broken symbolic link", "notes.txt: not a type any import format reads"} {
		if !strings.Contains(stdout, "skipped   ") || !strings.Contains(stdout, want) {
			t.Errorf("the report does not say %q:\n%s", want, stdout)
		}
	}
	// The linked folder repeats the two linked files: the run sees each record twice, the graph
	// gets the whole estate once.
	if !regexpMatch(t, `(?m)^\s+nodes\s+77\s+0\s+\d+\s+0\s*$`, stdout) {
		t.Errorf("the estate is not imported whole through the links:\n%s", stdout)
	}
}

// Without a terminal, a long import prints progress lines (CI logs show it moving).
func TestImportProgressLinesWithoutTerminal(t *testing.T) {
	t.Setenv("NEO4J_URI", "")
	t.Setenv("AIMSGRAPH_DATA", t.TempDir())
	old := progressEvery
	progressEvery = 0
	defer func() { progressEvery = old }()
	code, _, stderr := runCLI(t, "import", "--batch-size", "20", storetest.Testdata(t, "estate"))
	if code != exitOK || !regexpMatch(t, `importing: \d+ of \d+ records written \(\d+%\)`, stderr) || !strings.Contains(stderr, "(100%)") {
		t.Errorf("exit %d, no progress lines:\n%s", code, stderr)
	}
}
