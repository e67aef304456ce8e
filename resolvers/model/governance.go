package model

import (
	"context"

	"github.com/aimsgraph/aimsgraph/governance"
)

// Rule is a gap rule.
type Rule struct{ r governance.Rule }

// WrapRules wraps the rules.
func WrapRules(rs []governance.Rule) []*Rule {
	out := make([]*Rule, len(rs))
	for i, r := range rs {
		out[i] = &Rule{r}
	}
	return out
}

func (r *Rule) ID() string          { return r.r.ID }
func (r *Rule) Severity() string    { return r.r.Severity.String() }
func (r *Rule) Description() string { return r.r.Description }

// Finding is a node a rule reports, read from the graph the question was about.
type Finding struct {
	f governance.Finding
	l *Loaders
}

// WrapFindings wraps findings read through l.
func (l *Loaders) WrapFindings(fs []governance.Finding) []*Finding {
	out := make([]*Finding, len(fs))
	for i, f := range fs {
		out[i] = &Finding{f, l}
	}
	return out
}

func (f *Finding) Rule() string     { return f.f.Rule.ID }
func (f *Finding) Severity() string { return f.f.Severity.String() }
func (f *Finding) Node() Node       { return f.l.Wrap(f.f.Node) }
func (f *Finding) Message() string  { return f.f.Message }

// Exposure is a category a node inherits.
type Exposure struct {
	Category string
	Sources  []*ExposureSource
}

// ExposureSource is an upstream node flagged for the category.
type ExposureSource struct {
	Node     Node
	Reason   *FlagReason
	Distance int
	Path     *Path
}

// WrapExposure wraps an exposure answer read through l; risks named as reasons are wrapped from
// risks (loaded by the caller in one batch).
func (l *Loaders) WrapExposure(es []governance.Exposure, risks map[string]*Risk) []*Exposure {
	out := make([]*Exposure, len(es))
	for i, e := range es {
		x := &Exposure{Category: e.Category}
		for _, s := range e.Sources {
			reason := &FlagReason{Category: s.Reason.Category, Via: "FLAGS"}
			if s.Reason.Risk != "" {
				reason.Via, reason.Risk = "RISK", risks[s.Reason.Risk]
			}
			l.Prime(s.Path.Nodes...)
			x.Sources = append(x.Sources, &ExposureSource{Node: l.Wrap(s.Node), Reason: reason, Distance: s.Distance, Path: l.WrapPath(s.Path)})
		}
		out[i] = x
	}
	return out
}

// Risks loads the risks with these ids, by id.
func (l *Loaders) Risks(ctx context.Context, ids []string) (map[string]*Risk, error) {
	rs, err := loadTyped[*Risk](ctx, l, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[string]*Risk, len(rs))
	for _, r := range rs {
		out[r.ID()] = r
	}
	return out, nil
}
