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

	"github.com/aimsgraph/aimsgraph/graph"
	"github.com/aimsgraph/aimsgraph/internal/csvsafe"
	"github.com/aimsgraph/aimsgraph/resolvers/model"
)

// instantFlag is a flag holding an instant (RFC 3339 or a date), as the API's DateTime.
type instantFlag struct{ t *time.Time }

func (f instantFlag) String() string {
	if f.t == nil || f.t.IsZero() {
		return ""
	}
	return f.t.Format(time.RFC3339Nano)
}

func (f instantFlag) Set(s string) error {
	t, err := model.ParseInstant(s)
	if err != nil {
		return err
	}
	*f.t = t
	return nil
}

// cmdDiff prints what changed between two instants (docs/history.md).
func cmdDiff(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("diff", "diff --since T [--until T] [--format text|json|csv]", stderr)
	var since, until time.Time
	fs.Var(instantFlag{&since}, "since", "the earlier instant: RFC 3339 (2026-11-27T09:30:00Z) or a date (2026-11-27); required")
	fs.Var(instantFlag{&until}, "until", "the later instant (default: now)")
	format := fs.String("format", "text", "output: text, json or csv")
	var sf storeFlags
	sf.register(fs)
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(rest) > 0:
		return &usageError{fmt.Sprintf("diff takes no arguments, got %q", rest)}
	case since.IsZero():
		return &usageError{"diff needs --since, e.g. --since 2026-01-01"}
	case *format != "text" && *format != "json" && *format != "csv":
		return &usageError{fmt.Sprintf("unknown --format %q: text, json or csv", *format)}
	}
	if until.IsZero() {
		until = time.Now().UTC()
	}
	if until.Before(since) {
		return &usageError{"--until is before --since"}
	}
	store, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer store.Close(context.WithoutCancel(ctx))
	cs, err := store.Changes(ctx, graph.ChangeQuery{Since: since, Until: until})
	if err != nil {
		return err
	}
	switch *format {
	case "json":
		return writeChangesJSON(stdout, cs)
	case "csv":
		return writeChangesCSV(stdout, cs)
	}
	return writeChangesText(stdout, cs)
}

// changeRow is one node or relationship change, as the three formats print it.
type changeRow struct {
	Change     graph.Change           `json:"change"`
	What       string                 `json:"what"` // node or relationship
	ID         string                 `json:"id,omitempty"`
	Kind       graph.Kind             `json:"kind,omitempty"`
	Name       string                 `json:"name,omitempty"`
	Type       graph.RelType          `json:"type,omitempty"`
	FromID     string                 `json:"fromId,omitempty"`
	ToID       string                 `json:"toId,omitempty"`
	Properties []graph.PropertyChange `json:"properties"`
	Run        string                 `json:"run"`
	At         time.Time              `json:"at"`
}

func changeRows(cs *graph.ChangeSet) []changeRow {
	var out []changeRow
	for _, c := range cs.Nodes {
		var before, after map[string]any
		name := c.ID
		if c.Before != nil {
			before = c.Before.Props
			name, _ = c.Before.Props["name"].(string)
		}
		if c.After != nil {
			after = c.After.Props
			name, _ = c.After.Props["name"].(string)
		}
		out = append(out, changeRow{Change: c.Change, What: "node", ID: c.ID, Kind: c.Kind, Name: name,
			Properties: graph.DiffProps(before, after), Run: c.Run, At: c.At})
	}
	for _, c := range cs.Relationships {
		var before, after map[string]any
		if c.Before != nil {
			before = c.Before.Props
		}
		if c.After != nil {
			after = c.After.Props
		}
		out = append(out, changeRow{Change: c.Change, What: "relationship", Type: c.Type, FromID: c.From, ToID: c.To,
			Properties: graph.DiffProps(before, after), Run: c.Run, At: c.At})
	}
	return out
}

// propertiesText renders property changes as `key: before -> after; ...` (absent is "-").
func propertiesText(ps []graph.PropertyChange) string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = p.Key + ": " + orDash(p.Before) + " -> " + orDash(p.After)
	}
	return strings.Join(parts, "; ")
}

func orDash(s *string) string {
	if s == nil {
		return "-"
	}
	return *s
}

func writeChangesText(w io.Writer, cs *graph.ChangeSet) error {
	rows := changeRows(cs)
	fmt.Fprintf(w, "Changes between %s and %s: %d nodes, %d relationships\n", cs.Since.UTC().Format(time.RFC3339), cs.Until.UTC().Format(time.RFC3339), len(cs.Nodes), len(cs.Relationships))
	if len(rows) == 0 {
		return nil
	}
	var buf strings.Builder
	tw := tabwriter.NewWriter(&buf, 0, 0, 2, ' ', 0)
	for _, r := range rows {
		what := r.ID + "\t" + string(r.Kind)
		if r.What == "relationship" {
			what = r.FromID + " -[" + string(r.Type) + "]-> " + r.ToID + "\t"
		}
		detail := propertiesText(r.Properties)
		if r.Change != graph.Changed {
			detail = r.Name
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", r.Change, what, detail)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, line := range strings.SplitAfter(buf.String(), "\n") {
		if _, err := io.WriteString(w, strings.TrimRight(line, " \n")+strings.Repeat("\n", strings.Count(line, "\n"))); err != nil {
			return err
		}
	}
	return nil
}

func writeChangesJSON(w io.Writer, cs *graph.ChangeSet) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	rows := changeRows(cs)
	if rows == nil {
		rows = []changeRow{}
	}
	return enc.Encode(map[string]any{"since": cs.Since.UTC(), "until": cs.Until.UTC(), "changes": rows})
}

func writeChangesCSV(w io.Writer, cs *graph.ChangeSet) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"change", "what", "id", "kind", "name", "type", "from", "to", "properties", "run", "at"})
	for _, r := range changeRows(cs) {
		_ = cw.Write(csvsafe.Row([]string{string(r.Change), r.What, r.ID, string(r.Kind), r.Name, string(r.Type), r.FromID, r.ToID,
			propertiesText(r.Properties), r.Run, r.At.UTC().Format(time.RFC3339Nano)}))
	}
	cw.Flush()
	return cw.Error()
}

// cmdCompact drops history older than an instant (docs/history.md).
func cmdCompact(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("compact", "compact --before T", stderr)
	var before time.Time
	fs.Var(instantFlag{&before}, "before", "drop the versions that ended before this instant (RFC 3339 or a date); required")
	var sf storeFlags
	sf.register(fs)
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(rest) > 0:
		return &usageError{fmt.Sprintf("compact takes no arguments, got %q", rest)}
	case before.IsZero():
		return &usageError{"compact needs --before, e.g. --before 2024-01-01"}
	case before.After(time.Now()):
		return &usageError{"--before is in the future: compacting would make the present unanswerable"}
	}
	store, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer store.Close(context.WithoutCancel(ctx))
	sum, err := store.Compact(ctx, before)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "dropped %d node and %d relationship versions that ended before %s\nquestions about earlier instants are now refused; the current graph and the import runs are kept\n",
		sum.NodeVersions, sum.RelVersions, before.UTC().Format(time.RFC3339))
	return nil
}
