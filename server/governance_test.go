package server_test

import (
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/aimsgraph/aimsgraph/governance"
	"github.com/aimsgraph/aimsgraph/resolvers"
)

// TestGovernanceAPI: gaps, rules and exposure over HTTP on both stores, on the sample estate.
func TestGovernanceAPI(t *testing.T) {
	for _, st := range allStores {
		t.Run(st.Name, func(t *testing.T) {
			a := newAPI(t, st.Open, resolvers.DefaultLimits())
			t.Run("Rules", func(t *testing.T) {
				data := a.ok(`{ rules { id severity description } }`, nil)
				if got := list(data, "rules"); len(got) != len(governance.Rules) || get(got[0], "id") != governance.Rules[0].ID || get(got[0], "description") == "" {
					t.Errorf("rules: %v", got)
				}
			})
			t.Run("Gaps", func(t *testing.T) {
				data := a.ok(`{ gaps(rules: ["AUTOMATED_DECISION_WITHOUT_OVERSIGHT", "HIGH_RISK_SYSTEM_WITHOUT_ASSESSMENT"]) {
  rule severity message node { id ... on Decision { automation owners { as } } } } }`, nil)
				var got []string
				for _, f := range list(data, "gaps") {
					got = append(got, get(f, "rule").(string)+" "+get(f, "node", "id").(string))
					if !strings.Contains(get(f, "message").(string), get(f, "node", "id").(string)) || get(f, "severity") != "HIGH" {
						t.Errorf("finding %v", f)
					}
				}
				want := []string{"AUTOMATED_DECISION_WITHOUT_OVERSIGHT dec:card-block", "AUTOMATED_DECISION_WITHOUT_OVERSIGHT dec:credit-limit",
					"AUTOMATED_DECISION_WITHOUT_OVERSIGHT dec:marketing-offer", "HIGH_RISK_SYSTEM_WITHOUT_ASSESSMENT sys:cv-screening"}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("gaps %v\nwant %v", got, want)
				}
				r := a.query(`{ gaps(rules: ["NO_SUCH_RULE"]) { rule } }`, nil)
				if len(r.Errors) == 0 || r.Errors[0].Extensions["code"] != "BAD_USER_INPUT" || !strings.Contains(r.Errors[0].Message, "UNRATED_VENDOR") {
					t.Errorf("unknown rule: %+v, want BAD_USER_INPUT naming the valid rules", r.Errors)
				}
				// Before the estate was imported there was nothing to find.
				if got := list(a.ok(`{ gaps(asOf: "2020-01-01") { rule } }`, nil), "gaps"); len(got) != 0 {
					t.Errorf("gaps as of 2020: %v", got)
				}
			})
			t.Run("Exposure", func(t *testing.T) {
				data := a.ok(`{ exposure(id: "dec:loan-approval") { category sources { node { id } distance
  reason { via category risk { id status } } path { length nodes { id } relationships { type provenance { file line } } } } } }`, nil)
				var got []string
				for _, e := range list(data, "exposure") {
					for _, s := range list(e, "sources") {
						why := get(s, "reason", "via").(string)
						if r := get(s, "reason", "risk", "id"); r != nil {
							why = r.(string)
						}
						got = append(got, get(e, "category").(string)+" "+get(s, "node", "id").(string)+" "+why)
						if get(s, "path", "length") != get(s, "distance") || get(s, "path", "nodes", 0, "id") != get(s, "node", "id") {
							t.Errorf("source %v: path does not start at the source or match the distance", s)
						}
					}
				}
				want := []string{"FAIRNESS sys:credit-scoring risk:credit-fairness", "FAIRNESS mdl:credit-scorecard risk:credit-fairness",
					"PRIVACY ds:bureau-feed FLAGS", "PRIVACY ds:bureau-feed risk:bureau-privacy"}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("exposure %v\nwant %v", got, want)
				}
				r := a.query(`{ exposure(id: "no:such") { category } }`, nil)
				if len(r.Errors) == 0 || r.Errors[0].Extensions["code"] != "NOT_FOUND" {
					t.Errorf("unknown id: %+v", r.Errors)
				}
			})
			t.Run("RiskExposes", func(t *testing.T) {
				// The bureau privacy risk affects the bureau feed: what that feed reaches is what
				// the risk exposes, the same answer impact gives for the feed.
				data := a.ok(`{ node(id: "risk:bureau-privacy") { ... on Risk { exposes { items { node { id } distance } } } }
  impact(sources: {ids: ["ds:bureau-feed"]}) { items { node { id } distance } } }`, nil)
				exposes, impact := list(data, "node", "exposes", "items"), list(data, "impact", "items")
				if len(exposes) == 0 || !reflect.DeepEqual(exposes, impact) {
					t.Errorf("exposes %v\nimpact  %v", exposes, impact)
				}
				var ids []string
				for _, it := range exposes {
					ids = append(ids, get(it, "node", "id").(string))
				}
				sort.Strings(ids)
				if !reflect.DeepEqual(ids, []string{"dec:credit-limit", "dec:loan-approval"}) {
					t.Errorf("the bureau risk exposes %v", ids)
				}
			})
		})
	}
}
