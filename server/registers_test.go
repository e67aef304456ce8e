package server_test

import (
	"reflect"
	"slices"
	"testing"

	"github.com/aimsgraph/aimsgraph/resolvers"
	"github.com/aimsgraph/aimsgraph/schema"
)

// TestRegistersAPI: the records of processing, the asset register and the Annex A catalogue
// answer together, on both stores.
func TestRegistersAPI(t *testing.T) {
	for _, st := range allStores {
		t.Run(st.Name, func(t *testing.T) {
			a := newAPI(t, st.Open, resolvers.DefaultLimits())
			q, err := schema.Files.ReadFile("examples/three-registers-third-country.graphql")
			if err != nil {
				t.Fatal(err)
			}
			data := a.ok(string(q), nil)
			acts := list(data, "nodes", "nodes")
			if len(acts) != 1 || get(acts[0], "id") != "pa:PA-04" || get(acts[0], "legalBasis") != "LEGITIMATE_INTERESTS" {
				t.Fatalf("activities with a third-country transfer: %v", acts)
			}
			// The activity covers the chatbot itself, one step from the escalation decision (the
			// transcripts reach it too, through the assistant they fine-tune); the US archive
			// holds the transcripts, the chatbot service asset the system and model.
			if got := ids(acts[0], "reaches", "items", 0, "paths", 0, "nodes"); !reflect.DeepEqual(got, []string{"sys:support-chatbot", "dec:chat-escalation"}) {
				t.Errorf("evidence path %v", got)
			}
			if got := get(acts[0], "reaches", "items", 0, "node", "id"); got != "dec:chat-escalation" || len(list(acts[0], "reaches", "items")) != 1 {
				t.Errorf("decisions reached: %v", list(acts[0], "reaches", "items"))
			}
			assets := map[string][]string{}
			for _, c := range list(acts[0], "covers") {
				assets[get(c, "id").(string)] = ids(c, "assets")
			}
			want := map[string][]string{"ds:chat-transcripts": {"ast:A-0315"}, "mdl:support-assistant": {"ast:A-0230", "ast:A-0311"}, "sys:support-chatbot": {"ast:A-0311"}}
			if !reflect.DeepEqual(assets, want) {
				t.Errorf("register assets holding the data: %v, want %v", assets, want)
			}

			data = a.ok(`{ node(id: "ds:chat-transcripts") { ... on Dataset { processedUnder { id purposes dpiaRequired } } }
				annexA { id title applicable controls { id status } } }`, nil)
			if got := ids(data, "node", "processedUnder"); !reflect.DeepEqual(got, []string{"pa:PA-04"}) {
				t.Errorf("processedUnder = %v", got)
			}
			soa := list(data, "annexA")
			if len(soa) != 38 || get(soa[0], "id") != "A.2.2" || get(soa[0], "applicable") != nil || get(soa[37], "id") != "A.10.4" {
				t.Errorf("annexA: %d rows, first %v", len(soa), soa[0])
			}
			i := slices.IndexFunc(soa, func(r any) bool { return get(r, "id") == "A.9.3" })
			if i < 0 || get(soa[i], "applicable") != true || get(soa[i], "controls", 0, "status") != "PLANNED" {
				t.Errorf("A.9.3 = %v", soa[i])
			}
			r := a.query(`{ nodes(filter: {has: ["no such property"]}) { nodes { id } } }`, nil)
			if len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != resolvers.CodeBadInput {
				t.Errorf("unknown property in has: %+v", r.Errors)
			}
		})
	}
}
