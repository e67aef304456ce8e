package model

import "github.com/aimsgraph/aimsgraph/governance"

// AnnexAControl is a row of the Statement of Applicability: an Annex A control of the built-in
// catalogue and the CONTROL nodes that implement it, read from the graph the question was about.
type AnnexAControl struct {
	a governance.Applicability
	l *Loaders
}

// WrapApplicability wraps the Statement of Applicability's rows, read through l.
func (l *Loaders) WrapApplicability(rows []governance.Applicability) []*AnnexAControl {
	out := make([]*AnnexAControl, len(rows))
	for i, a := range rows {
		l.Prime(a.Controls...)
		out[i] = &AnnexAControl{a, l}
	}
	return out
}

func (c *AnnexAControl) ID() string        { return c.a.Control.ID }
func (c *AnnexAControl) Topic() string     { return c.a.Control.Topic }
func (c *AnnexAControl) Title() string     { return c.a.Control.Title }
func (c *AnnexAControl) Applicable() *bool { return c.a.Applicable }
func (c *AnnexAControl) Controls() []*Control {
	out := make([]*Control, 0, len(c.a.Controls))
	for _, n := range c.a.Controls {
		if ctl, ok := c.l.Wrap(n).(*Control); ok {
			out = append(out, ctl)
		}
	}
	return out
}
