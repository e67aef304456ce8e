package export

import (
	"context"
	"strings"

	"github.com/aimsgraph/aimsgraph/governance"
	"github.com/aimsgraph/aimsgraph/graph"
	"github.com/aimsgraph/aimsgraph/importer/register"
)

// SoAColumns are the Statement of Applicability's columns.
var SoAColumns = []string{"annex_a", "topic", "title", "applicable", "justification", "controls", "status", "risks", "applies_to"}

// soaTable is the Statement of Applicability: one row for each of the 38 Annex A controls
// (governance.StatementOfApplicability).
func soaTable(ctx context.Context, r graph.Reader) (*Table, error) {
	rows, err := governance.StatementOfApplicability(ctx, r)
	if err != nil {
		return nil, err
	}
	t := &Table{Sheet: "Statement of Applicability", Header: SoAColumns}
	for _, a := range rows {
		applicable := "undecided"
		if a.Applicable != nil {
			applicable = map[bool]string{true: "yes", false: "no"}[*a.Applicable]
		}
		var controls, statuses, risks []string
		for _, c := range a.Controls {
			status := text(c.Props["status"])
			controls = append(controls, c.ID)
			statuses = append(statuses, c.ID+"="+orDash(status))
		}
		for _, k := range a.Risks {
			risks = append(risks, k.ID+"="+orDash(text(k.Props["status"])))
		}
		t.Rows = append(t.Rows, []string{a.Control.ID, a.Control.Topic, a.Control.Title, applicable, a.Justification(),
			strings.Join(controls, register.ListSep), strings.Join(statuses, register.ListSep),
			strings.Join(risks, register.ListSep), strings.Join(a.AppliesTo, register.ListSep)})
	}
	return t, nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
