package neo4jstore

import (
	"context"
	"fmt"

	"github.com/aimsgraph/aimsgraph/graph"
)

// sameAs on Neo4j (graph/sameas.go): an alias is an (:Alias {id, of}) node, unique on id and not
// labelled :Node, so no graph query sees it. The import code calls in at two points, each marked:
// after a batch of node records (writer.sameAs) and after pruning (writer.dropOrphanAliases).

// aliasSchema is added to the schema applied at open.
const aliasSchema = "CREATE CONSTRAINT aimsgraph_alias_id IF NOT EXISTS FOR (a:Alias) REQUIRE a.id IS UNIQUE"

// Identify implements graph.Identifier in one query.
func (s *Store) Identify(ctx context.Context, ids []string) (map[string]graph.Identity, error) {
	recs, err := s.read(ctx, `UNWIND $ids AS id
OPTIONAL MATCH (n:Node {id: id})
OPTIONAL MATCH (al:Alias {id: id})
OPTIONAL MATCH (c:Node {id: al.of})
WITH id, coalesce(n, c) AS x WHERE x IS NOT NULL
RETURN id, x.id AS node, x.kind AS kind`, map[string]any{"ids": ids})
	if err != nil {
		return nil, err
	}
	out := make(map[string]graph.Identity, len(recs))
	for _, r := range recs {
		id, _ := r.Get("id")
		node, _ := r.Get("node")
		kind, _ := r.Get("kind")
		out[id.(string)] = graph.Identity{ID: node.(string), Kind: graph.Kind(kind.(string))}
	}
	return out, nil
}

// sameAs records the aliases of the written nodes. An alias that is a node of its own is merged
// into the declaring node first: its relationships move over (keyed facts MERGE on their key),
// its sources join the node's, and it goes; what ends is kept as history at the declaring
// source's instant.
func (w *writer) sameAs(ctx context.Context, nodes []graph.NodeRecord) error {
	var rows []any
	for _, n := range nodes {
		if len(n.SameAs) > 0 {
			rows = append(rows, map[string]any{"id": n.ID, "kind": string(n.Kind), "aliases": n.SameAs, "at": w.at(n.Source)})
		}
	}
	if len(rows) == 0 {
		return nil
	}
	res, err := w.tx.Run(ctx, `UNWIND $rows AS row UNWIND row.aliases AS a
WITH row, a WHERE a <> row.id
OPTIONAL MATCH (al:Alias {id: a})
OPTIONAL MATCH (old:Node {id: a})
RETURN row.id AS id, row.kind AS kind, row.at AS at, a AS alias, al.of AS of, old.kind AS oldKind`, map[string]any{"rows": rows})
	if err != nil {
		return wrapErr(err)
	}
	recs, err := res.Collect(ctx)
	if err != nil {
		return wrapErr(err)
	}
	for _, r := range recs {
		get := func(k string) string { v, _ := r.Get(k); s, _ := v.(string); return s }
		id, alias, of, oldKind := get("id"), get("alias"), get("of"), get("oldKind")
		switch {
		case of != "" && of != id:
			return fmt.Errorf("%s: sameAs %q: already another name of %s", id, alias, of)
		case oldKind != "" && oldKind != get("kind"):
			return fmt.Errorf("%s: sameAs %q: a %s cannot be another name of a %s", id, alias, oldKind, get("kind"))
		case oldKind != "":
			at, _ := r.Get("at")
			if err := w.merge(ctx, alias, id, at); err != nil {
				return err
			}
			w.summary.AddNodes(graph.Kind(oldKind), graph.Counts{Removed: 1})
		}
	}
	_, err = w.tx.Run(ctx, `UNWIND $rows AS row UNWIND row.aliases AS a
WITH row, a WHERE a <> row.id
MERGE (al:Alias {id: a}) SET al.of = row.id`, map[string]any{"rows": rows})
	return wrapErr(err)
}

// seenSource is the Cypher of a stamp's source prefix (graph.SeenPrefix).
const seenSource = `split(s, '\u001f')[0] + '\u001f'`

// merge moves node `from` into node `to` at instant at.
func (w *writer) merge(ctx context.Context, from, to string, at any) error {
	params := map[string]any{"from": from, "to": to, "at": at, "run": w.run.ID}
	var qs []string
	for _, info := range graph.Relationships {
		// Types and key properties come from the fixed table, never from input.
		key := ""
		if info.Key != "" {
			key = " {" + info.Key + ": r." + info.Key + "}"
		}
		for _, dir := range []struct{ match, merge string }{
			{`MATCH (old:Node {id: $from})-[r:` + string(info.Type) + `]->(b:Node)`, `MERGE (c)-[x:` + string(info.Type) + key + `]->(b)`},
			{`MATCH (b:Node)-[r:` + string(info.Type) + `]->(old:Node {id: $from})`, `MERGE (b)-[x:` + string(info.Type) + key + `]->(c)`},
		} {
			qs = append(qs, dir.match+`
MATCH (c:Node {id: $to})
WITH r, b, c, r._seen AS held, `+later(sinceOf("r"), "$at")+` AS at
`+dir.merge+`
ON CREATE SET x = properties(r), `+restart("x", "at")+`, x._moved = true
WITH r, held, at, x
CALL (x, at) {
  WITH * WHERE x._moved IS NULL AND `+sinceOf("x")+` < at
  `+versionOf("RelVersion", "x", "x._seen", false)+`
  SET `+restart("x", "at")+`
}
SET x._seen = x._seen + [s IN held WHERE x._moved IS NULL AND NOT any(t IN x._seen WHERE t STARTS WITH `+seenSource+`)]
REMOVE x._moved
WITH r, held, at`+deleteRel+`
RETURN count(*) AS moved`)
		}
	}
	qs = append(qs, `MATCH (old:Node {id: $from}), (c:Node {id: $to})
WITH old, c, c._seen AS held, `+later(sinceOf("c"), "$at")+` AS at
CALL (c, held, at) {
  WITH * WHERE `+sinceOf("c")+` < at
  `+versionOf("NodeVersion", "c", "held", false)+`
  SET `+restart("c", "at")+`
}
SET c._seen = c._seen + [s IN old._seen WHERE NOT any(t IN c._seen WHERE t STARTS WITH `+seenSource+`)]
WITH old, `+later(sinceOf("old"), "$at")+` AS at
CALL (old, at) {
  WITH * WHERE `+sinceOf("old")+` < at
  `+versionOf("NodeVersion", "old", "old._seen", true)+`
}
DETACH DELETE old`,
		`MATCH (al:Alias {of: $from}) SET al.of = $to`)
	for _, q := range qs {
		if _, err := w.tx.Run(ctx, q, params); err != nil {
			return wrapErr(err)
		}
	}
	return nil
}

// dropOrphanAliases deletes the aliases of nodes the run deleted (pruned).
func (w *writer) dropOrphanAliases(ctx context.Context) error {
	_, err := w.tx.Run(ctx, `MATCH (al:Alias) WHERE NOT EXISTS { MATCH (:Node {id: al.of}) } DELETE al`, nil)
	return wrapErr(err)
}
