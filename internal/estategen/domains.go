package estategen

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/aimsgraph/aimsgraph/graph"
)

// WriteDomains writes an estate of about rels relationships shaped like an organisation's AI
// estate, in the native CSV form: business domains of 400 nodes per kind with lineage mostly
// inside a domain (1 % crosses), vendors supplying datasets and models, datasets derived from
// earlier datasets of their domain (with a few cycles), models trained on datasets and
// fine-tuned from base models, systems running models and reading and writing datasets,
// decisions informed by systems, and roles, risks, controls and assets around them. A few
// datasets per thousand are third-party and flagged for privacy, so the canonical question is
// selective, as in a real estate.
//
// It is the shape of the project's performance yardstick (genestate.py, beside the hand-tuned
// Neo4j baseline), with controls that name real Annex A controls: the numbers in
// docs/performance.md are measured on it. The same rels and seed give the same files.
func WriteDomains(dir string, rels int, seed uint64) (nodes, relationships int, err error) {
	g := &domains{rng: rand.New(rand.NewPCG(seed, 42)), nodes: map[string][][]string{}}
	g.generate(rels)
	headers := map[string][]string{
		"vendors":   {"id", "name", "country", "vendorType"},
		"datasets":  {"id", "name", "flags", "origin", "personalData"},
		"models":    {"id", "name", "origin"},
		"systems":   {"id", "name", "euAiActTier"},
		"decisions": {"id", "name", "automation", "impactLevel"},
		"roles":     {"id", "name", "person"},
		"risks":     {"id", "name", "category", "impact", "likelihood", "status"},
		"controls":  {"id", "name", "annexA", "status"},
		"assets":    {"id", "name", "assetId", "classification"},
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, 0, err
	}
	for section, rows := range g.nodes {
		if err := writeCSV(filepath.Join(dir, section+".csv"), headers[section], len(rows), func(i int) []string { return rows[i] }); err != nil {
			return 0, 0, err
		}
		nodes += len(rows)
	}
	err = writeCSV(filepath.Join(dir, "relationships.csv"), []string{"from", "type", "to", "as"}, len(g.edges), func(i int) []string {
		e := g.edges[i]
		return []string{e.from, e.typ, e.to, e.as}
	})
	return nodes, len(g.edges), err
}

type domains struct {
	rng   *rand.Rand
	nodes map[string][][]string // section -> rows, in header order
	edges []edge
	seen  map[[3]string]bool
}

type edge struct{ from, typ, to, as string }

// domainSize is the number of nodes of a kind per business domain.
const domainSize = 400

func (g *domains) add(section string, row ...string) string {
	g.nodes[section] = append(g.nodes[section], row)
	return row[0]
}

// link adds a relationship once (a repeated from/type/to is one fact).
func (g *domains) link(from, typ, to, as string) {
	k := [3]string{from, typ, to}
	if g.seen[k] {
		return
	}
	g.seen[k] = true
	g.edges = append(g.edges, edge{from, typ, to, as})
}

func (g *domains) pick(l []string) string { return l[g.rng.IntN(len(l))] }

// sample returns k distinct members of pool.
func (g *domains) sample(pool []string, k int) []string {
	k = min(k, len(pool))
	out := make([]string, 0, k)
	taken := map[int]bool{}
	for len(out) < k {
		if i := g.rng.IntN(len(pool)); !taken[i] {
			taken[i] = true
			out = append(out, pool[i])
		}
	}
	return out
}

// near returns k distinct members of pool from the domain that position i of total falls in;
// 1 % of the time from anywhere.
func (g *domains) near(pool []string, i, total, k int) []string {
	if g.rng.Float64() < 0.01 || len(pool) <= domainSize {
		return g.sample(pool, k)
	}
	ndom := max(len(pool)/domainSize, 1)
	dom := min(int(float64(i)/float64(max(total, 1))*float64(ndom)), ndom-1)
	return g.sample(pool[dom*domainSize:min((dom+1)*domainSize, len(pool))], k)
}

// earlier is one of pool[lo:i] at random: what the i-th item derives from.
func (g *domains) earlier(pool []string, lo, i int) string { return pool[lo+g.rng.IntN(i-lo)] }

func (g *domains) generate(rels int) {
	g.seen = map[[3]string]bool{}
	r := g.rng
	n := max(rels/22, 10) // about 2.3 relationships per node overall
	var V, D, M, S, X, RK []string
	for i := range max(n/20, 2) {
		V = append(V, g.add("vendors", fmt.Sprintf("v:%d", i), fmt.Sprintf("Vendor %d", i),
			g.pick([]string{"DE", "US", "GB", "FR"}), g.pick([]string{"DATA_PROVIDER", "MODEL_PROVIDER"})))
	}
	for i := range n * 4 {
		thirdParty := r.Float64() < 0.05
		flags := ""
		if r.Float64() < 0.05 {
			flags = "PRIVACY"
		}
		origin := "INTERNAL"
		if thirdParty && r.Float64() < 0.5 {
			origin = "THIRD_PARTY"
		}
		id := g.add("datasets", fmt.Sprintf("ds:%d", i), fmt.Sprintf("Dataset %d", i), flags, origin, fmt.Sprint(flags != ""))
		D = append(D, id)
		if thirdParty {
			g.link(g.pick(V), "SUPPLIES", id, "")
		}
		if i > 10 {
			for range []int{0, 1, 1, 2, 3}[r.IntN(5)] {
				lo := i - i%domainSize // derive from an earlier dataset of the same domain
				if i > lo {
					g.link(g.earlier(D, lo, i), "FEEDS", id, "")
				}
			}
		}
	}
	for range max(len(D)/500, 1) { // a few cycles
		ab := g.sample(D, 2)
		g.link(ab[0], "FEEDS", ab[1], "")
		g.link(ab[1], "FEEDS", ab[0], "")
	}
	models := n * 2
	for i := range models {
		id := g.add("models", fmt.Sprintf("m:%d", i), fmt.Sprintf("Model %d", i), g.pick([]string{"IN_HOUSE", "IN_HOUSE", "THIRD_PARTY", "OPEN_SOURCE"}))
		M = append(M, id)
		for _, d := range g.near(D, i, models, 2+r.IntN(4)) {
			g.link(d, "TRAINS", id, "")
		}
		if i > 5 && r.Float64() < 0.2 {
			g.link(g.earlier(M, max(0, i-30), i), "BASE_OF", id, "")
		}
		if r.Float64() < 0.1 {
			g.link(g.pick(V), "SUPPLIES", id, "")
		}
	}
	for i := range n {
		id := g.add("systems", fmt.Sprintf("sys:%d", i), fmt.Sprintf("System %d", i), g.pick([]string{"HIGH", "LIMITED", "MINIMAL", "UNASSESSED"}))
		S = append(S, id)
		for _, m := range g.near(M, i, n, 1+r.IntN(2)) {
			g.link(m, "POWERS", id, "")
		}
		for _, d := range g.near(D, i, n, 1+r.IntN(3)) {
			g.link(d, "FEEDS", id, "")
		}
		if i > 3 && r.Float64() < 0.3 {
			g.link(g.earlier(S, max(0, i-20), i), "FEEDS", id, "")
		}
		if r.Float64() < 0.3 {
			g.link(id, "FEEDS", g.near(D, i, n, 1)[0], "")
		}
	}
	for i := range n {
		id := g.add("decisions", fmt.Sprintf("dec:%d", i), fmt.Sprintf("Decision %d", i),
			g.pick([]string{"FULLY_AUTOMATED", "HUMAN_IN_THE_LOOP"}), g.pick([]string{"LOW", "MEDIUM", "HIGH", "CRITICAL"}))
		X = append(X, id)
		for _, s := range g.near(S, i, n, 1+r.IntN(2)) {
			g.link(s, "INFORMS", id, "")
		}
	}
	lineage := append(append(append(append([]string{}, D...), M...), S...), X...)
	for i := range max(n/5, 2) {
		id := g.add("roles", fmt.Sprintf("role:%d", i), fmt.Sprintf("Role %d", i), fmt.Sprintf("Person %d", i))
		for _, t := range g.sample(lineage, 5) {
			g.link(id, "RESPONSIBLE_FOR", t, g.pick([]string{"OWNER", "ACCOUNTABLE", "DATA_STEWARD"}))
		}
	}
	for i := range max(n/2, 2) {
		id := g.add("risks", fmt.Sprintf("risk:%d", i), fmt.Sprintf("Risk %d", i),
			g.pick([]string{"PRIVACY", "FAIRNESS", "SECURITY", "SAFETY", "ROBUSTNESS"}), fmt.Sprint(1+r.IntN(5)), fmt.Sprint(1+r.IntN(5)),
			g.pick([]string{"OPEN", "OPEN", "MITIGATED", "CLOSED"}))
		RK = append(RK, id)
		g.link(id, "AFFECTS", g.pick(lineage), "")
	}
	for i := range 38 {
		id := g.add("controls", fmt.Sprintf("ctl:%d", i), fmt.Sprintf("Control %d", i), graph.AnnexA[i%len(graph.AnnexA)].ID,
			g.pick([]string{"IMPLEMENTED", "PARTIAL", "PLANNED"}))
		for _, k := range g.sample(RK, 3) {
			g.link(id, "MITIGATES", k, "")
		}
	}
	DS := append(append([]string{}, D...), S...)
	for i := range n/2 + 1 {
		id := g.add("assets", fmt.Sprintf("asset:%d", i), fmt.Sprintf("Asset %d", i), fmt.Sprintf("A-%d", i), g.pick([]string{"INTERNAL", "CONFIDENTIAL"}))
		g.link(id, "REPRESENTS", g.pick(DS), "")
	}
}
