package main

import (
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aimsgraph/aimsgraph/graph/storetest"
)

// TestCLICheck: `aimsgraph check` on a freshly imported sample estate, its formats and its exit
// codes, so a pipeline that owns the inventory can gate on it.
func TestCLICheck(t *testing.T) {
	t.Setenv("NEO4J_URI", "")
	t.Setenv("AIMSGRAPH_DATA", t.TempDir())
	if code, _, stderr := runCLI(t, "import", storetest.Testdata(t, "estate")); code != exitOK {
		t.Fatalf("import: %s", stderr)
	}
	tests := []struct {
		name           string
		args           []string
		code           int
		stdout, stderr string
	}{
		{"all rules, report only", []string{"check"}, exitOK, "13 findings", ""},
		{"one rule", []string{"check", "--rules", "HIGH_RISK_SYSTEM_WITHOUT_ASSESSMENT"}, exitOK, `AI system "Graduate CV screening" (sys:cv-screening) is EU AI Act tier HIGH`, ""},
		{"rule ids in any case", []string{"check", "--rules", "unrated_vendor"}, exitOK, "no findings", ""},
		{"fail on HIGH", []string{"check", "--fail-on", "high"}, exitInvalid, "PERSONAL_DATA_WITHOUT_LEGAL_BASIS", "9 findings at or above HIGH"},
		{"nothing CRITICAL", []string{"check", "--fail-on", "CRITICAL"}, exitOK, "", ""},
		{"as of before the import", []string{"check", "--as-of", "2020-01-01", "--fail-on", "LOW"}, exitOK, "no findings", ""},
		{"list", []string{"check", "--list"}, exitOK, "PROHIBITED_SYSTEM_IN_USE                  CRITICAL  An AI system of EU AI Act tier PROHIBITED", ""},
		{"unknown rule", []string{"check", "--rules", "NOPE"}, exitUsage, "", "one of HIGH_RISK_SYSTEM_WITHOUT_ASSESSMENT"},
		{"unknown severity", []string{"check", "--fail-on", "severe"}, exitUsage, "", "one of LOW, MEDIUM, HIGH, CRITICAL"},
		{"paths are not taken", []string{"check", "testdata/estate"}, exitUsage, "", "import the files first"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, tc.args...)
			if code != tc.code || !strings.Contains(stdout, tc.stdout) || !strings.Contains(stderr, tc.stderr) {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, stdout, stderr)
			}
		})
	}
	_, stdout, _ := runCLI(t, "check", "--format", "json")
	var doc struct {
		Findings []struct{ Rule, Severity, Node, Kind, Message string }
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil || len(doc.Findings) != 13 || doc.Findings[0].Severity != "HIGH" {
		t.Errorf("json: %v %+v", err, doc)
	}
	_, stdout, _ = runCLI(t, "check", "--format", "csv")
	rows, err := csv.NewReader(strings.NewReader(stdout)).ReadAll()
	if err != nil || len(rows) != 14 || strings.Join(rows[0], ",") != "severity,rule,node,kind,message" {
		t.Errorf("csv: %v %v", err, rows)
	}
}
