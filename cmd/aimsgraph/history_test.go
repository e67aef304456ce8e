package main

import (
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aimsgraph/aimsgraph/graph/storetest"
)

// TestCLIHistory: diff lists what changed between the sample estate and the estate a year
// later, in each format; compact drops history and diff then refuses the compacted past.
func TestCLIHistory(t *testing.T) {
	t.Setenv("NEO4J_URI", "")
	t.Setenv("AIMSGRAPH_DATA", t.TempDir())
	if code, _, stderr := runCLI(t, "import", storetest.Testdata(t, "estate")); code != exitOK {
		t.Fatalf("import: %s", stderr)
	}
	between := time.Now().UTC().Format(time.RFC3339Nano)
	if code, _, stderr := runCLI(t, "import", "--prune", storetest.Testdata(t, "estate-2027")); code != exitOK {
		t.Fatalf("import: %s", stderr)
	}

	code, stdout, stderr := runCLI(t, "diff", "--since", between)
	if code != exitOK {
		t.Fatalf("diff: exit %d: %s", code, stderr)
	}
	for _, want := range []string{"7 nodes, 6 relationships", "CHANGED  vnd:bureau", "riskRating: MEDIUM -> HIGH",
		"REMOVED  dec:interview-shortlist", "ADDED    ds:open-banking -[FEEDS]-> sys:credit-scoring"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("diff text lacks %q:\n%s", want, stdout)
		}
	}

	_, stdout, _ = runCLI(t, "diff", "--since", between, "--format", "json")
	var doc struct {
		Changes []struct {
			Change, What, ID, Type, FromID, ToID, Run string
			Properties                                []struct{ Key, Before, After *string }
		}
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("diff json: %v\n%s", err, stdout)
	}
	if len(doc.Changes) != 13 || doc.Changes[0].Run == "" {
		t.Errorf("diff json: %d changes (want 13), first %+v", len(doc.Changes), doc.Changes[0])
	}

	_, stdout, _ = runCLI(t, "diff", "--since", between, "--format", "csv")
	rows, err := csv.NewReader(strings.NewReader(stdout)).ReadAll()
	if err != nil || len(rows) != 14 || strings.Join(rows[0], ",") != "change,what,id,kind,name,type,from,to,properties,run,at" {
		t.Errorf("diff csv: %d rows, %v\n%s", len(rows), err, stdout)
	}

	for _, tc := range []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"diff"}, exitUsage, "diff needs --since"},
		{[]string{"diff", "--since", "last week"}, exitUsage, "is not an instant"},
		{[]string{"diff", "--since", "2026-01-02", "--until", "2026-01-01"}, exitUsage, "--until is before --since"},
		{[]string{"diff", "--since", between, "--format", "xml"}, exitUsage, "unknown --format"},
		{[]string{"compact"}, exitUsage, "compact needs --before"},
		{[]string{"compact", "--before", "2999-01-01"}, exitUsage, "in the future"},
	} {
		if code, _, stderr := runCLI(t, tc.args...); code != tc.code || !strings.Contains(stderr, tc.stderr) {
			t.Errorf("%v: exit %d, want %d, stderr %q", tc.args, code, tc.code, stderr)
		}
	}

	code, stdout, stderr = runCLI(t, "compact", "--before", time.Now().UTC().Format(time.RFC3339Nano))
	// Every fact of the first estate has a version that ended: the ones the second estate
	// restates, from other files, ended when their evidence moved; the others when they went.
	if code != exitOK || !strings.Contains(stdout, "dropped 64 node and 90 relationship versions") {
		t.Errorf("compact: exit %d\n%s%s", code, stdout, stderr)
	}
	if code, _, stderr := runCLI(t, "diff", "--since", between); code != exitInvalid || !strings.Contains(stderr, "compacted") {
		t.Errorf("diff over compacted history: exit %d, %s", code, stderr)
	}
}
