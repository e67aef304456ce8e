package graph

// The derived semantics of the domain (docs/domain.md), each written once as a Cond.

// ThirdParty holds for a vendor, a node of origin THIRD_PARTY, or one a vendor SUPPLIES.
var ThirdParty = AnyOf(
	KindIn(Vendor),
	Equals("origin", "THIRD_PARTY"),
	Incoming(Supplies, True),
)

// LiveRisk holds for a risk that still counts: any status but CLOSED (a risk without a status
// is open).
var LiveRisk = Not(Equals("status", "CLOSED"))

// ownFlag holds for a node whose own flags name one of categories.
func ownFlag(categories ...string) Cond { return HasAny("flags", categories...) }

// flaggingRisk holds for a risk that flags what it affects for one of categories.
func flaggingRisk(categories ...string) Cond {
	return All(Equals("category", anys(categories)...), LiveRisk)
}

// FlaggedFor holds for a node flagged for any of categories: one of them is in its own flags, or
// a live risk of one of those categories AFFECTS it.
func FlaggedFor(categories ...string) Cond {
	return AnyOf(ownFlag(categories...), Incoming(Affects, flaggingRisk(categories...)))
}

// FlagReason says why a node is flagged for a category: its own flags (Risk empty), or the live
// risk with that id.
type FlagReason struct {
	Category string
	Risk     string
}

// FlagReasons lists every category n is flagged for, with the reason: its own flags first, then
// each risk that affects it, each tested with the parts FlaggedFor is made of, so the reasons
// are exactly what FlaggedFor holds for.
func FlagReasons(n NodeView) []FlagReason {
	var out []FlagReason
	for _, f := range TextList(n.Prop("flags")) {
		if ownFlag(f).Match(n) {
			out = append(out, FlagReason{Category: f})
		}
	}
	n.Edges(Affects, In, func(_ map[string]any, risk NodeView) bool {
		if cat, _ := risk.Prop("category").(string); flaggingRisk(cat).Match(risk) {
			out = append(out, FlagReason{Category: cat, Risk: risk.NodeID()})
		}
		return true
	})
	return out
}

// Cond returns the filter as one condition (fields combine with AND).
func (f NodeFilter) Cond() Cond {
	var cs []Cond
	if f.IDs != nil {
		cs = append(cs, IDIn(f.IDs...))
	}
	if f.Kinds != nil {
		cs = append(cs, KindIn(f.Kinds...))
	}
	cs = append(cs, f.Derived())
	if f.Text != "" {
		cs = append(cs, TextContains(f.Text))
	}
	return All(cs...)
}

// Derived returns the part of the filter that may need more than the node itself: its flags,
// third-party and Where conditions (True when it has none).
func (f NodeFilter) Derived() Cond {
	var cs []Cond
	if f.Where != nil {
		cs = append(cs, *f.Where)
	}
	if f.Flags != nil {
		cs = append(cs, FlaggedFor(f.Flags...))
	}
	if f.ThirdParty != nil {
		if *f.ThirdParty {
			cs = append(cs, ThirdParty)
		} else {
			cs = append(cs, Not(ThirdParty))
		}
	}
	if len(cs) == 0 {
		return True
	}
	return All(cs...)
}
