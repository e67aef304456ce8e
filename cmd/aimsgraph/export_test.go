package main

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aimsgraph/aimsgraph/graph/storetest"
)

// TestCLIExport: `aimsgraph export` writes each register to standard output or a file, as of
// an instant too, and refuses what it cannot write with a usage error.
func TestCLIExport(t *testing.T) {
	t.Setenv("NEO4J_URI", "")
	t.Setenv("AIMSGRAPH_DATA", t.TempDir())
	if code, _, stderr := runCLI(t, "import", storetest.Testdata(t, "estate")); code != exitOK {
		t.Fatalf("import: %s", stderr)
	}
	code, stdout, stderr := runCLI(t, "export", "soa")
	rows, err := csv.NewReader(strings.NewReader(stdout)).ReadAll()
	if code != exitOK || err != nil || len(rows) != 39 || rows[0][0] != "annex_a" {
		t.Errorf("export soa: exit %d, %d rows (%v)\n%s", code, len(rows), err, stderr)
	}
	out := filepath.Join(t.TempDir(), "ciso.xlsx")
	if code, _, stderr := runCLI(t, "export", "assets", "--format", "ciso-assistant", "--out", out); code != exitOK {
		t.Errorf("export to a workbook: exit %d: %s", code, stderr)
	}
	if b, err := os.ReadFile(out); err != nil || !strings.HasPrefix(string(b), "PK") {
		t.Errorf("%s is no workbook (%v)", out, err)
	}
	if code, stdout, _ := runCLI(t, "export", "ropa", "--as-of", "2020-01-01"); code != exitOK || strings.Count(stdout, "\n") != 1 {
		t.Errorf("ropa before the import: exit %d, %q", code, stdout)
	}
	for _, args := range [][]string{{"export"}, {"export", "risks"}, {"export", "soa", "--format", "ciso-assistant"}, {"export", "soa", "--format", "xlsx"}} {
		if code, _, stderr := runCLI(t, args...); code != exitUsage || stderr == "" {
			t.Errorf("%v: exit %d, want %d", args, code, exitUsage)
		}
	}
	entries, _ := os.ReadDir(filepath.Dir(out))
	if len(entries) != 1 {
		t.Errorf("the export left %d files beside its output", len(entries))
	}
}
