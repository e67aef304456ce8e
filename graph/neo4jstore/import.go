package neo4jstore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/aimsgraph/aimsgraph/graph"
)

// Import implements graph.Store. The whole run is one Neo4j transaction: if the process dies,
// the connection drops and the server rolls the transaction back, so a killed import leaves the
// graph as it was. The client holds one batch at a time; the server holds the transaction's
// changes until commit (size its heap for the largest run, see docs/neo4j.md).
func (s *Store) Import(ctx context.Context, run graph.ImportRun, fill func(context.Context, graph.Writer) error) (*graph.ImportSummary, error) {
	session := s.driver.NewSession(ctx, neo4j.SessionConfig{AccessMode: neo4j.AccessModeWrite, DatabaseName: s.db})
	defer session.Close(ctx)
	tx, err := session.BeginTransaction(ctx)
	if err != nil {
		return nil, wrapErr(err)
	}
	defer tx.Close(ctx) // rolls back unless committed
	w := &writer{tx: tx, run: run, summary: graph.NewImportSummary(run.ID)}
	if err := fill(ctx, w); err != nil {
		return nil, err
	}
	for _, src := range run.Sources {
		if run.Prunes(src) { // Prune, narrowed by PruneOnly (OpenLineage events)
			if err := w.prune(ctx, src); err != nil {
				return nil, err
			}
		}
	}
	w.summary.DryRun = run.DryRun
	w.summary.FinishedAt = time.Now().UTC()
	if run.DryRun {
		return w.summary, wrapErr(tx.Rollback(ctx))
	}
	if err := w.recordRun(ctx); err != nil {
		return nil, err
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, wrapErr(err)
	}
	return w.summary, nil
}

type writer struct {
	tx      neo4j.ExplicitTransaction
	run     graph.ImportRun
	summary *graph.ImportSummary
}

// The provenance bookkeeping shared by node and relationship writes: x is the written entity,
// old* its values before this statement. `SET x = row.props` replaces the domain properties with
// what the source states now, so a property the source dropped is dropped too.
const provenanceSet = `
SET x = row.props
SET x._firstRun = coalesce(oldFirst, $run), x._lastRun = $run,
    x._seen = [s IN oldSeen WHERE NOT s STARTS WITH row.prefix] + row.stamp
RETURN count(*) AS total,
       sum(CASE WHEN oldHash IS NULL THEN 1 ELSE 0 END) AS created,
       sum(CASE WHEN oldHash = row.props._hash THEN 1 ELSE 0 END) AS unchanged`

const captureOld = `
WITH x, row, x._hash AS oldHash, coalesce(x._seen, []) AS oldSeen, x._firstRun AS oldFirst`

// storedProps is what a node or relationship stores: its domain properties, their fingerprint,
// and where they were stated.
func storedProps(domain map[string]any, file string, line int) map[string]any {
	props := make(map[string]any, len(domain)+5)
	for k, v := range domain {
		props[k] = v
	}
	props["_hash"] = graph.ContentHash(domain)
	props["_file"] = file
	props["_line"] = int64(line)
	return props
}

// stubProvenance is provenanceSet for stubs: the domain properties are set only on creation.
const stubProvenance = `
WITH x, row, coalesce(x._seen, []) AS oldSeen, x._firstRun AS oldFirst, x._stubCreated AS created
REMOVE x._stubCreated
SET x._firstRun = coalesce(oldFirst, $run), x._lastRun = $run,
    x._seen = [s IN oldSeen WHERE NOT s STARTS WITH row.prefix] + row.stamp
RETURN count(*) AS total,
       sum(CASE WHEN created THEN 1 ELSE 0 END) AS created,
       sum(CASE WHEN created THEN 0 ELSE 1 END) AS unchanged`

type kindGroup struct {
	kind graph.Kind
	stub bool
}

func (w *writer) WriteNodes(ctx context.Context, nodes []graph.NodeRecord) error {
	byKind := map[kindGroup][]any{}
	var order []kindGroup
	for _, n := range nodes {
		props := storedProps(n.Props, n.File, n.Line)
		props["id"] = n.ID
		props["kind"] = string(n.Kind)
		g := kindGroup{n.Kind, n.Stub}
		if _, ok := byKind[g]; !ok {
			order = append(order, g)
		}
		byKind[g] = append(byKind[g], map[string]any{
			"id": n.ID, "props": props,
			"prefix": graph.SeenPrefix(n.Source), "stamp": graph.SeenStamp(n.Source, w.run.ID),
		})
	}
	for _, g := range order {
		info, ok := graph.KindOf(g.kind)
		if !ok {
			return fmt.Errorf("unknown kind %q", g.kind)
		}
		// The label comes from the fixed kind table, never from input.
		q := `UNWIND $rows AS row MERGE (x:Node {id: row.id}) SET x:` + info.Label + captureOld + provenanceSet
		if g.stub {
			q = `UNWIND $rows AS row MERGE (x:Node {id: row.id}) ON CREATE SET x = row.props, x._stubCreated = true
SET x:` + info.Label + stubProvenance
		}
		c, err := w.write(ctx, q, byKind[g])
		if err != nil {
			return err
		}
		w.summary.AddNodes(g.kind, c)
	}
	return nil
}

func (w *writer) WriteRelationships(ctx context.Context, rels []graph.RelRecord) error {
	byType := map[graph.RelType][]any{}
	var order []graph.RelType
	for _, r := range rels {
		props := storedProps(r.Props, r.File, r.Line)
		if _, ok := byType[r.Type]; !ok {
			order = append(order, r.Type)
		}
		byType[r.Type] = append(byType[r.Type], map[string]any{
			"from": r.From, "to": r.To, "key": r.KeyValue(), "props": props,
			"prefix": graph.SeenPrefix(r.Source), "stamp": graph.SeenStamp(r.Source, w.run.ID),
		})
	}
	for _, t := range order {
		info, ok := graph.RelOf(t)
		if !ok {
			return fmt.Errorf("unknown relationship type %q", t)
		}
		// The type and key property come from the fixed relationship table, never from input.
		key := ""
		if info.Key != "" {
			key = ` {` + info.Key + `: row.key}`
		}
		q := `UNWIND $rows AS row MATCH (a:Node {id: row.from}) MATCH (b:Node {id: row.to})
MERGE (a)-[x:` + string(info.Type) + key + `]->(b)` + captureOld + provenanceSet
		c, err := w.write(ctx, q, byType[t])
		if err != nil {
			return err
		}
		if want := len(byType[t]); c.Created+c.Updated+c.Unchanged != want {
			return fmt.Errorf("wrote %d of %d %s relationships: an endpoint is missing", c.Created+c.Updated+c.Unchanged, want, t)
		}
		w.summary.AddRelationships(t, c)
	}
	return nil
}

func (w *writer) write(ctx context.Context, q string, rows []any) (graph.Counts, error) {
	params := map[string]any{"rows": rows, "run": w.run.ID}
	// The driver keeps every result of an explicit transaction, and each result its parameters,
	// until the transaction ends. Emptying the map once the batch is done keeps client memory
	// bounded by one batch instead of growing with the whole import.
	defer clear(params)
	res, err := w.tx.Run(ctx, q, params)
	if err != nil {
		return graph.Counts{}, wrapErr(err)
	}
	rec, err := res.Single(ctx)
	if err != nil {
		return graph.Counts{}, wrapErr(err)
	}
	get := func(k string) int {
		v, _ := rec.Get(k)
		n, _ := v.(int64)
		return int(n)
	}
	total, created, unchanged := get("total"), get("created"), get("unchanged")
	return graph.Counts{Created: created, Unchanged: unchanged, Updated: total - created - unchanged}, nil
}

// prune removes what source stated before this run and not in it: its stamp goes, and what no
// source states any more is deleted. Relationships first, so their counts are exact.
func (w *writer) prune(ctx context.Context, source string) error {
	params := map[string]any{"prefix": graph.SeenPrefix(source), "stamp": graph.SeenStamp(source, w.run.ID)}
	const relQ = `MATCH ()-[r]->() WHERE any(s IN r._seen WHERE s STARTS WITH $prefix) AND NOT $stamp IN r._seen
SET r._seen = [s IN r._seen WHERE NOT s STARTS WITH $prefix]
WITH r WHERE size(r._seen) = 0
WITH r, type(r) AS t DELETE r RETURN t AS name, count(*) AS removed`
	const nodeQ = `MATCH (n:Node) WHERE any(s IN n._seen WHERE s STARTS WITH $prefix) AND NOT $stamp IN n._seen
SET n._seen = [s IN n._seen WHERE NOT s STARTS WITH $prefix]
WITH n WHERE size(n._seen) = 0
WITH n, n.kind AS k DETACH DELETE n RETURN k AS name, count(*) AS removed`
	for i, q := range []string{relQ, nodeQ} {
		res, err := w.tx.Run(ctx, q, params)
		if err != nil {
			return wrapErr(err)
		}
		recs, err := res.Collect(ctx)
		if err != nil {
			return wrapErr(err)
		}
		for _, rec := range recs {
			name, _ := rec.Get("name")
			n, _ := rec.Get("removed")
			c := graph.Counts{Removed: int(n.(int64))}
			if i == 0 {
				w.summary.AddRelationships(graph.RelType(name.(string)), c)
			} else {
				w.summary.AddNodes(graph.Kind(name.(string)), c)
			}
		}
	}
	return nil
}

func (w *writer) recordRun(ctx context.Context) error {
	files, err := json.Marshal(w.run.Files)
	if err != nil {
		return err
	}
	summary, err := json.Marshal(w.summary)
	if err != nil {
		return err
	}
	_, err = w.tx.Run(ctx, `CREATE (r:ImportRun {id: $id, sources: $sources, files: $files, user: $user,
startedAt: $startedAt, finishedAt: $finishedAt, summary: $summary})`, map[string]any{
		"id": w.run.ID, "sources": w.run.Sources, "files": string(files), "user": w.run.User,
		"startedAt": w.run.StartedAt, "finishedAt": w.summary.FinishedAt, "summary": string(summary),
	})
	return wrapErr(err)
}

func decodeRun(props map[string]any) (*graph.RunRecord, error) {
	r := &graph.RunRecord{StartedAt: asTime(props["startedAt"]), FinishedAt: asTime(props["finishedAt"])}
	r.ID, _ = props["id"].(string)
	r.User, _ = props["user"].(string)
	r.Sources, _ = plain(props["sources"]).([]string)
	if s, _ := props["files"].(string); s != "" {
		if err := json.Unmarshal([]byte(s), &r.Files); err != nil {
			return nil, fmt.Errorf("import run %s: files: %w", r.ID, err)
		}
	}
	if s, _ := props["summary"].(string); s != "" {
		r.Summary = &graph.ImportSummary{}
		if err := json.Unmarshal([]byte(s), r.Summary); err != nil {
			return nil, fmt.Errorf("import run %s: summary: %w", r.ID, err)
		}
	}
	return r, nil
}
