package main

import (
	"archive/zip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aimsgraph/aimsgraph/graph/storetest"
)

// TestCLIEvidence: `aimsgraph evidence --out PACK.zip ID...` writes the pack; what it cannot do
// is a usage error (exit 2) or invalid input (exit 1), and leaves no file behind.
func TestCLIEvidence(t *testing.T) {
	t.Setenv("NEO4J_URI", "")
	t.Setenv("AIMSGRAPH_DATA", t.TempDir())
	if code, stdout, stderr := runCLI(t, "import", storetest.Testdata(t, "estate")); code != exitOK {
		t.Fatalf("import: exit %d\n%s%s", code, stdout, stderr)
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "pack.zip")
	code, stdout, stderr := runCLI(t, "evidence", "--out", out, "dec:loan-approval", "dec:credit-limit")
	if code != exitOK || !strings.Contains(stdout, "wrote "+out+": 8 files for 2 ids") {
		t.Fatalf("evidence: exit %d\n%s%s", code, stdout, stderr)
	}
	z, err := zip.OpenReader(out)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	if len(z.File) != 8 || z.File[0].Name != "manifest.json" {
		t.Errorf("pack: %d files, first %s", len(z.File), z.File[0].Name)
	}

	for _, c := range []struct {
		args []string
		code int
		says string
	}{
		{[]string{"dec:loan-approval"}, exitUsage, "needs --out"},
		{[]string{"--out", filepath.Join(dir, "x.zip")}, exitUsage, "at least one node id"},
		{[]string{"--out", filepath.Join(dir, "x.zip"), "--as-of", "last week", "dec:loan-approval"}, exitUsage, "RFC 3339"},
		{[]string{"--out", filepath.Join(dir, "x.zip"), "dec:nope"}, exitInvalid, `no node with id "dec:nope"`},
		{[]string{"--out", filepath.Join(dir, "x.zip"), "--as-of", "2001-01-01T00:00:00Z", "dec:loan-approval"}, exitInvalid, `no node with id "dec:loan-approval"`}, // before any import
	} {
		code, _, stderr := runCLI(t, append([]string{"evidence"}, c.args...)...)
		if code != c.code || !strings.Contains(stderr, c.says) {
			t.Errorf("evidence %v: exit %d, want %d saying %q\n%s", c.args, code, c.code, c.says, stderr)
		}
	}
	// --as-of reads as every other command's: an instant, or a date (its midnight UTC).
	tomorrow := time.Now().UTC().AddDate(0, 0, 1).Format(time.DateOnly)
	dated := filepath.Join(dir, "dated.zip")
	if code, stdout, stderr := runCLI(t, "evidence", "--out", dated, "--as-of", tomorrow, "dec:loan-approval"); code != exitOK || !strings.Contains(stdout, "as of "+tomorrow+"T00:00:00Z") {
		t.Errorf("evidence --as-of %s: exit %d\n%s%s", tomorrow, code, stdout, stderr)
	}
	os.Remove(dated)
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("failed runs left files behind: %v", entries)
	}
}
