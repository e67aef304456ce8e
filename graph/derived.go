package graph

import "slices"

// The derived semantics of SPEC §2 (docs/domain.md), written once for every layer that needs
// them: the GraphQL resolvers and the evidence pack.

// RiskFlag returns the category a risk flags the nodes it AFFECTS with: its category, while its
// status is not CLOSED. ok is false for a risk that flags nothing.
func RiskFlag(risk *Node) (category string, ok bool) {
	category, _ = risk.Props["category"].(string)
	status, _ := risk.Props["status"].(string)
	return category, category != "" && status != "CLOSED"
}

// IsThirdParty reports whether n is third-party: a vendor, of origin THIRD_PARTY, or supplied
// by a vendor. inbound are n's incoming relationships (only SUPPLIES matters).
func IsThirdParty(n *Node, inbound []*Relationship) bool {
	if n.Kind == Vendor || n.Props["origin"] == "THIRD_PARTY" {
		return true
	}
	return slices.ContainsFunc(inbound, func(r *Relationship) bool { return r.Type == Supplies && r.To == n.ID })
}
