package export

import (
	"context"
	"strings"

	"github.com/aimsgraph/aimsgraph/governance"
	"github.com/aimsgraph/aimsgraph/graph"
	"github.com/aimsgraph/aimsgraph/importer/register"
	"github.com/aimsgraph/aimsgraph/importer/ropa"
)

// reachDepth and reachLimit bound the question each activity asks (the API's caps).
const (
	reachDepth = 25
	reachLimit = 1000
)

// ropaTable is the record of processing in its reader's columns (package ropa), each activity
// with what it covers and, derived from the graph, the AI systems and decisions its data reaches
// downstream: the store's impact question with the covered nodes as sources, one per activity
// (the AI systems it covers itself count as reached: they process the data).
func ropaTable(ctx context.Context, r graph.Reader) (*Table, error) {
	activities, err := all(ctx, r, graph.ProcessingActivity)
	if err != nil {
		return nil, err
	}
	covers, err := r.Edges(ctx, ids(activities), graph.Out, []graph.RelType{graph.Covers})
	if err != nil {
		return nil, err
	}
	covered := map[string][]string{}
	var coveredIDs []string
	for _, rel := range covers {
		covered[rel.From] = append(covered[rel.From], rel.To)
		coveredIDs = append(coveredIDs, rel.To)
	}
	kinds, err := r.KindsOf(ctx, coveredIDs)
	if err != nil {
		return nil, err
	}
	header := append(append(columnsOf(ropa.Columns), ropa.Covers), ropa.Reached...)
	t := &Table{Sheet: "Processing activities", Header: header}
	for _, a := range activities {
		cells := map[string]string{}
		for _, c := range ropa.Columns {
			cells[c.Name] = text(a.Props[c.Prop])
		}
		if cells[ropa.ActivityID] == "" {
			cells[ropa.ActivityID] = strings.TrimPrefix(a.ID, ropa.IDPrefix)
		}
		targets := dedupe(covered[a.ID])
		cells[ropa.Covers] = strings.Join(targets, register.ListSep)
		if len(targets) > 0 {
			res, err := r.Impact(ctx, graph.ImpactQuery{Sources: graph.NodeFilter{IDs: targets}, Targets: governance.ReachTargets,
				MaxDepth: reachDepth, Limit: reachLimit, PathsPerItem: 1})
			if err != nil {
				return nil, err
			}
			var systems, decisions []string
			for _, id := range targets { // a system the activity covers processes its data itself
				if kinds[id] == graph.AISystem {
					systems = append(systems, id)
				}
			}
			for _, it := range res.Items {
				if it.Node.Kind == graph.Decision {
					decisions = append(decisions, it.Node.ID)
				} else {
					systems = append(systems, it.Node.ID)
				}
			}
			if res.Truncated {
				decisions = append(decisions, "... (more than the export lists)")
			}
			cells[ropa.Reached[0]] = strings.Join(dedupe(systems), register.ListSep)
			cells[ropa.Reached[1]] = strings.Join(dedupe(decisions), register.ListSep)
		}
		t.Rows = append(t.Rows, rowOf(header, cells))
	}
	return t, nil
}
