package governance

import (
	"context"
	"sort"
	"time"

	"github.com/aimsgraph/aimsgraph/graph"
)

// Finding is a node a rule selects.
type Finding struct {
	Rule     Rule
	Severity Severity
	Node     *graph.Node
	Message  string
}

// pageSize is how many findings of a rule one store call returns.
const pageSize = 500

// Gaps evaluates rules on r, the graph as of at (the current graph and time.Now(), or a past
// state and its instant): one store call per rule and page, each rule's one condition evaluated
// by the store (compiled to Cypher on Neo4j). Findings come gravest first, then by rule and id.
func Gaps(ctx context.Context, r graph.Reader, at time.Time, rules []Rule) ([]Finding, error) {
	var out []Finding
	for _, rule := range rules {
		page := graph.PageRequest{First: pageSize}
		for {
			res, err := r.FindNodes(ctx, rule.Filter(at), page)
			if err != nil {
				return nil, err
			}
			for _, n := range res.Nodes {
				out = append(out, Finding{Rule: rule, Severity: rule.Severity, Node: n, Message: rule.Message(n)})
			}
			if !res.HasNext {
				break
			}
			page.After = res.Nodes[len(res.Nodes)-1].ID
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Severity != b.Severity {
			return a.Severity > b.Severity
		}
		if a.Rule.ID != b.Rule.ID {
			return a.Rule.ID < b.Rule.ID
		}
		return a.Node.ID < b.Node.ID
	})
	return out, nil
}

// AtLeast reports whether any finding is at or above severity min.
func AtLeast(findings []Finding, min Severity) bool {
	for _, f := range findings {
		if f.Severity >= min {
			return true
		}
	}
	return false
}
