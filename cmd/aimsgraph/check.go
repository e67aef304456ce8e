package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aimsgraph/aimsgraph/governance"
	"github.com/aimsgraph/aimsgraph/graph"
	"github.com/aimsgraph/aimsgraph/internal/csvsafe"
)

// findingsError says findings reached --fail-on (already printed); exit code 1, so a pipeline
// that owns the inventory can gate on it.
type findingsError struct {
	n   int
	min governance.Severity
}

func (e *findingsError) Error() string {
	return fmt.Sprintf("%d %s at or above %s", e.n, plural(e.n, "finding", "findings"), e.min)
}

// cmdCheck evaluates the gap rules (docs/governance.md).
func cmdCheck(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("check", "check [--rules ID,...] [--format text|json|csv] [--fail-on SEVERITY] [--as-of T] [--list]", stderr)
	rules := fs.String("rules", "", "comma-separated rule ids to evaluate (default: all; see --list)")
	format := fs.String("format", "text", "output: text, json or csv")
	failOn := fs.String("fail-on", "", "exit 1 when a finding is at or above this severity: LOW, MEDIUM, HIGH or CRITICAL")
	list := fs.Bool("list", false, "list the rules and exit")
	var asOf time.Time
	fs.Var(instantFlag{&asOf}, "as-of", "check the graph as it stood at this instant (RFC 3339 or a date)")
	var sf storeFlags
	sf.register(fs)
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return &usageError{fmt.Sprintf("check takes no arguments, got %q (import the files first)", rest)}
	}
	if *format != "text" && *format != "json" && *format != "csv" {
		return &usageError{fmt.Sprintf("unknown --format %q: text, json or csv", *format)}
	}
	var ids []string
	if *rules != "" {
		ids = strings.Split(*rules, ",")
	}
	selected, err := governance.Select(ids)
	if err != nil {
		return &usageError{err.Error()}
	}
	var min governance.Severity
	if *failOn != "" {
		if min, err = governance.ParseSeverity(*failOn); err != nil {
			return &usageError{err.Error()}
		}
	}
	if *list {
		return writeRules(stdout, selected, *format)
	}
	store, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer store.Close(context.WithoutCancel(ctx))
	var r graph.Reader = store
	at := time.Now()
	if !asOf.IsZero() {
		at = asOf
		if r, err = store.At(ctx, asOf); err != nil {
			return err
		}
	}
	findings, err := governance.Gaps(ctx, r, at, selected)
	if err != nil {
		return err
	}
	if err := writeFindings(stdout, findings, *format); err != nil {
		return err
	}
	if min > 0 && governance.AtLeast(findings, min) {
		n := 0
		for _, f := range findings {
			if f.Severity >= min {
				n++
			}
		}
		return &findingsError{n, min}
	}
	return nil
}

func writeRules(w io.Writer, rules []governance.Rule, format string) error {
	switch format {
	case "json":
		type rule struct{ ID, Severity, Description string }
		out := make([]rule, len(rules))
		for i, r := range rules {
			out[i] = rule{r.ID, r.Severity.String(), r.Description}
		}
		return json.NewEncoder(w).Encode(out)
	case "csv":
		cw := csv.NewWriter(w)
		_ = cw.Write([]string{"rule", "severity", "description"})
		for _, r := range rules {
			_ = cw.Write(csvsafe.Row([]string{r.ID, r.Severity.String(), r.Description}))
		}
		cw.Flush()
		return cw.Error()
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, r := range rules {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", r.ID, r.Severity, r.Description)
	}
	return tw.Flush()
}

func writeFindings(w io.Writer, findings []governance.Finding, format string) error {
	switch format {
	case "json":
		type finding struct {
			Rule     string `json:"rule"`
			Severity string `json:"severity"`
			Node     string `json:"node"`
			Kind     string `json:"kind"`
			Message  string `json:"message"`
		}
		out := make([]finding, len(findings))
		for i, f := range findings {
			out[i] = finding{f.Rule.ID, f.Severity.String(), f.Node.ID, string(f.Node.Kind), f.Message}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"findings": out})
	case "csv":
		cw := csv.NewWriter(w)
		_ = cw.Write([]string{"severity", "rule", "node", "kind", "message"})
		for _, f := range findings {
			_ = cw.Write(csvsafe.Row([]string{f.Severity.String(), f.Rule.ID, f.Node.ID, string(f.Node.Kind), f.Message}))
		}
		cw.Flush()
		return cw.Error()
	}
	if len(findings) == 0 {
		_, err := fmt.Fprintln(w, "no findings")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, f := range findings {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", f.Severity, f.Rule.ID, f.Message)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "%d %s\n", len(findings), plural(len(findings), "finding", "findings"))
	return err
}
