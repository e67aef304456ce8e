package governance

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aimsgraph/aimsgraph/graph"
)

// Applicability is one row of the Statement of Applicability (ISO/IEC 42001 6.1.3 d): an Annex
// A control of the built-in catalogue, the CONTROL nodes that implement it (their annexA), the
// risks they mitigate and the nodes they apply to (docs/registers.md).
type Applicability struct {
	Control graph.AnnexAControl
	// Controls implement it, ordered by id.
	Controls []*graph.Node
	// Applicable: true when some implementing control is not NOT_APPLICABLE, false when every
	// one is, nil when none implements it: nobody has decided yet.
	Applicable *bool
	// Risks the implementing controls mitigate and the nodes they apply to, by id, each once.
	Risks     []*graph.Node
	AppliesTo []string
}

// ReachTargets are what a record of processing asks an activity's data reaches downstream (the
// API's ProcessingActivity.reaches, `aimsgraph export ropa`): AI systems and decisions.
var ReachTargets = []graph.Kind{graph.AISystem, graph.Decision}

// StatementOfApplicability draws up the Statement of Applicability from r: one row per control of
// graph.AnnexA, in the catalogue's order. Three reads: the controls, their relationships, the
// risks.
func StatementOfApplicability(ctx context.Context, r graph.Reader) ([]Applicability, error) {
	var controls []*graph.Node
	for after := ""; ; {
		page, err := r.FindNodes(ctx, graph.NodeFilter{Kinds: []graph.Kind{graph.Control}, Where: ptr(graph.IsSet("annexA"))}, graph.PageRequest{First: 1000, After: after})
		if err != nil {
			return nil, err
		}
		controls = append(controls, page.Nodes...)
		if !page.HasNext || len(page.Nodes) == 0 {
			break
		}
		after = page.Nodes[len(page.Nodes)-1].ID
	}
	ids := make([]string, len(controls))
	for i, c := range controls {
		ids[i] = c.ID
	}
	rels, err := r.Edges(ctx, ids, graph.Out, []graph.RelType{graph.Mitigates, graph.AppliesTo})
	if err != nil {
		return nil, err
	}
	var riskIDs []string
	for _, rel := range rels {
		if rel.Type == graph.Mitigates {
			riskIDs = append(riskIDs, rel.To)
		}
	}
	risks, err := r.Nodes(ctx, riskIDs)
	if err != nil {
		return nil, err
	}
	riskByID := make(map[string]*graph.Node, len(risks))
	for _, n := range risks {
		riskByID[n.ID] = n
	}
	rows := make([]Applicability, len(graph.AnnexA))
	index := make(map[string]int, len(graph.AnnexA))
	for i, c := range graph.AnnexA {
		rows[i].Control = c
		index[c.ID] = i
	}
	rowOf := map[string]int{} // control node id -> row
	for _, c := range controls {
		a, _ := c.Props["annexA"].(string)
		entry, ok := graph.AnnexAOf(a)
		if !ok {
			continue // imported before the catalogue was checked; not a row of the statement
		}
		i := index[entry.ID]
		rows[i].Controls = append(rows[i].Controls, c)
		rowOf[c.ID] = i
	}
	for _, rel := range rels {
		i, ok := rowOf[rel.From]
		if !ok {
			continue
		}
		switch rel.Type {
		case graph.Mitigates:
			if n := riskByID[rel.To]; n != nil && !slices.ContainsFunc(rows[i].Risks, func(x *graph.Node) bool { return x.ID == n.ID }) {
				rows[i].Risks = append(rows[i].Risks, n)
			}
		case graph.AppliesTo:
			if !slices.Contains(rows[i].AppliesTo, rel.To) {
				rows[i].AppliesTo = append(rows[i].AppliesTo, rel.To)
			}
		}
	}
	for i := range rows {
		row := &rows[i]
		slices.SortFunc(row.Controls, byID)
		slices.SortFunc(row.Risks, byID)
		slices.Sort(row.AppliesTo)
		if len(row.Controls) > 0 {
			applicable := slices.ContainsFunc(row.Controls, func(n *graph.Node) bool { return n.Props["status"] != "NOT_APPLICABLE" })
			row.Applicable = &applicable
		}
	}
	return rows, nil
}

// Justification says why the control is or is not applicable: what the implementing controls
// state in a `justification` property (kept as text on import), else what the graph shows.
func (a Applicability) Justification() string {
	var stated []string
	for _, c := range a.Controls {
		if j, _ := c.Props["justification"].(string); strings.TrimSpace(j) != "" {
			stated = append(stated, strings.TrimSpace(j))
		}
	}
	switch {
	case len(stated) > 0:
		return strings.Join(stated, "; ")
	case a.Applicable == nil:
		return "no control in the inventory implements it: applicability not yet decided"
	case !*a.Applicable:
		return "every implementing control is NOT_APPLICABLE"
	case len(a.Risks) > 0:
		return fmt.Sprintf("treats %s", strings.Join(nodeIDs(a.Risks), ", "))
	case len(a.AppliesTo) > 0:
		return "applied to " + strings.Join(a.AppliesTo, ", ")
	}
	return "implemented by " + strings.Join(nodeIDs(a.Controls), ", ")
}

func nodeIDs(ns []*graph.Node) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = n.ID
	}
	return out
}

func byID(a, b *graph.Node) int { return strings.Compare(a.ID, b.ID) }

func ptr[T any](v T) *T { return &v }
