package neo4jstore

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/aimsgraph/aimsgraph/graph"
)

// Helper labels (docs/performance.md): the derived notions a question most often starts from
// are kept as labels on the nodes they hold for, so that selecting the sources of the canonical
// question reads the few labelled datasets instead of every dataset's relationships. Each label
// is computed by the one definition of its notion in package graph, compiled by cond.go, and a
// question still checks that definition on what the label selects: a label only narrows where
// to look. Every import run keeps the labels exact for the nodes it may have changed.
var helperLabels = []struct {
	label string
	cond  graph.Cond
}{
	{"ThirdParty", graph.ThirdParty},
	{"Flagged", graph.FlaggedFor(graph.RiskCategories...)}, // flagged for some category
}

// helperTypes are the relationship types the helper conditions look along: writing or deleting
// one of them may change the labels of both its ends.
var helperTypes = func() []graph.RelType {
	var out []graph.RelType
	for _, h := range helperLabels {
		for _, n := range h.cond.Needs() {
			if !slices.Contains(out, n.Type) {
				out = append(out, n.Type)
			}
		}
	}
	return out
}()

// helperTypeList renders helperTypes for a query: a relationship-type alternation or a list of
// strings, from the fixed table.
func helperTypeList(sep, quote string) string {
	parts := make([]string, len(helperTypes))
	for i, t := range helperTypes {
		parts[i] = quote + string(t) + quote
	}
	return strings.Join(parts, sep)
}

// staleLabel marks a node whose helper labels a deleted relationship may have changed; the run
// recomputes them and removes the mark before it commits.
const staleLabel = "HelperStale"

// markStale is the Cypher, run on a relationship r about to be deleted, that marks its ends.
var markStale = `FOREACH (x IN CASE WHEN type(r) IN [` + helperTypeList(", ", "'") + `] THEN [startNode(r), endNode(r)] ELSE [] END | SET x:` + staleLabel + `)`

// deriveHelpers is the Cypher that sets or removes every helper label on node n. The fixed
// definitions' constants are written into it, so it needs no parameters wherever it is used.
var deriveHelpers = func() string {
	c := &compiler{inline: true, prefix: "h"}
	var holds, sets []string
	for i, h := range helperLabels {
		holds = append(holds, fmt.Sprintf("%s AS h%d", c.compile(h.cond, "n"), i))
		sets = append(sets, fmt.Sprintf("FOREACH (_ IN CASE WHEN h%d THEN [1] ELSE [] END | SET n:%s)\n", i, h.label),
			fmt.Sprintf("FOREACH (_ IN CASE WHEN h%d THEN [] ELSE [1] END | REMOVE n:%s)\n", i, h.label))
	}
	return "WITH n, " + strings.Join(holds, ", ") + "\n" + strings.Join(sets, "")
}()

// cypherLiteral renders a constant of a fixed definition: text, or a list of text.
func cypherLiteral(v any) string {
	switch x := v.(type) {
	case string:
		if strings.ContainsAny(x, `'\`) {
			panic(fmt.Sprintf("neo4jstore: %q in a fixed definition", x))
		}
		return "'" + x + "'"
	case []string:
		parts := make([]any, len(x))
		for i, e := range x {
			parts[i] = e
		}
		return cypherLiteral(parts)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = cypherLiteral(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	panic(fmt.Sprintf("neo4jstore: a %T in a fixed definition", v))
}

// touch notes nodes whose helper labels this run may change: the nodes it writes, and the ends
// of the relationships of helperTypes it writes.
func (w *writer) touch(ids ...string) {
	if w.touched == nil {
		w.touched = map[string]bool{}
	}
	for _, id := range ids {
		w.touched[id] = true
	}
}

// refreshHelpers recomputes the helper labels of the nodes the run touched or marked stale and
// of their neighbours along helperTypes (a risk's status decides whether what it affects is
// flagged), in batches.
func (w *writer) refreshHelpers(ctx context.Context) error {
	ids := make([]string, 0, len(w.touched))
	for id := range w.touched {
		ids = append(ids, id)
	}
	const batch = 10_000
	for i := 0; i == 0 || i < len(ids); i += batch {
		res, err := w.tx.Run(ctx, `CALL () {
  UNWIND $ids AS id MATCH (d:Node {id: id}) RETURN d
  UNION
  MATCH (d:`+staleLabel+`) REMOVE d:`+staleLabel+` RETURN d
}
CALL (d) {
  MATCH (d)-[:`+helperTypeList("|", "")+`]-(m:Node) RETURN m AS n
  UNION
  RETURN d AS n
}
WITH DISTINCT n
`+deriveHelpers+`RETURN count(*) AS n`, map[string]any{"ids": ids[i:min(i+batch, len(ids))]})
		if err != nil {
			return wrapErr(err)
		}
		if _, err := res.Consume(ctx); err != nil {
			return wrapErr(err)
		}
	}
	return nil
}

// migrateHelpers labels a graph written before the helper labels existed, once (schema version
// 3 of the AimsgraphSchema marker).
func (s *Store) migrateHelpers(ctx context.Context) error {
	recs, err := s.read(ctx, `OPTIONAL MATCH (m:AimsgraphSchema {id: 'schema'}) RETURN m.version AS v`, nil)
	if err != nil {
		return err
	}
	if v, _ := recs[0].Get("v"); v != nil && v.(int64) >= 3 {
		return nil
	}
	session := s.driver.NewSession(ctx, neo4j.SessionConfig{AccessMode: neo4j.AccessModeWrite, DatabaseName: s.db})
	defer session.Close(ctx)
	for _, q := range []string{
		`MATCH (n:Node) CALL (n) {
` + deriveHelpers + `} IN TRANSACTIONS OF 10000 ROWS`,
		`MERGE (m:AimsgraphSchema {id: 'schema'}) SET m.version = 3`,
	} {
		res, err := session.Run(ctx, q, nil) // CALL IN TRANSACTIONS needs an implicit transaction
		if err == nil {
			_, err = res.Consume(ctx)
		}
		if err != nil {
			return fmt.Errorf("labelling the graph for faster questions: %w", wrapErr(err))
		}
	}
	return nil
}

// candidates renders the MATCH of the nodes a filter can select at most, binding n: its ids
// (index seeks), else the labels of its kinds and of the helper notions it asks for. The
// filter's condition (selectNodes, cond.go) is still tested; this only says where to look.
func candidates(f graph.NodeFilter, params map[string]any) string {
	if f.IDs != nil {
		ids := slices.Clone(f.IDs)
		slices.Sort(ids)
		ids = slices.Compact(ids)
		if len(ids) == 1 { // one seek of the unique index: the planner then knows n is one node
			params["candidate"] = ids[0]
			return "MATCH (n:Node {id: $candidate})"
		}
		params["candidates"] = ids
		return "UNWIND $candidates AS candidate MATCH (n:Node {id: candidate})"
	}
	var labels []string
	if len(f.Kinds) > 0 {
		labels = append(labels, strings.TrimPrefix(kindLabels(f.Kinds), ":"))
		if len(f.Kinds) > 1 {
			labels[0] = "(" + labels[0] + ")"
		}
	} else {
		labels = append(labels, "Node")
	}
	if f.ThirdParty != nil && *f.ThirdParty {
		labels = append(labels, "ThirdParty")
	}
	if len(f.Flags) > 0 {
		labels = append(labels, "Flagged")
	}
	return "MATCH (n:" + strings.Join(labels, "&") + ")"
}
