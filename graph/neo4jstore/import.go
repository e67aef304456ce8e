package neo4jstore

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/aimsgraph/aimsgraph/graph"
)

// Import implements graph.Store. The whole run is one Neo4j transaction: if the process dies,
// the connection drops and the server rolls the transaction back, so a killed import leaves the
// graph as it was. The client holds one batch at a time; the server holds the transaction's
// changes until commit (size its heap for the largest run: docs/performance.md, README).
func (s *Store) Import(ctx context.Context, run graph.ImportRun, fill func(context.Context, graph.Writer) error) (*graph.ImportSummary, error) {
	session := s.driver.NewSession(ctx, neo4j.SessionConfig{AccessMode: neo4j.AccessModeWrite, DatabaseName: s.db})
	defer session.Close(ctx)
	tx, err := session.BeginTransaction(ctx)
	if err != nil {
		return nil, wrapErr(err)
	}
	defer tx.Close(ctx) // rolls back unless committed
	// One import at a time (docs/history.md): every run locks the same node first, so a second
	// run waits here until the first commits or rolls back, and runs' instants follow the order
	// in which they write. The lock goes with the transaction, also when the process dies.
	if _, err := tx.Run(ctx, `MERGE (l:ImportLock {id: 'import'}) SET l.run = $run`, map[string]any{"run": run.ID}); err != nil {
		return nil, wrapErr(err)
	}
	w := &writer{tx: tx, run: run, writeAt: time.Now().UTC(), summary: graph.NewImportSummary(run.ID)}
	if err := fill(ctx, w); err != nil {
		return nil, err
	}
	if err := w.pruneAround(ctx); err != nil { // the sources pruned around one node, at once (pipelines.go)
		return nil, err
	}
	for _, src := range run.Sources {
		if _, scoped := run.PruneAround[src]; run.Prunes(src) && !scoped { // Prune, narrowed by PruneOnly (OpenLineage events)
			if err := w.prune(ctx, src); err != nil {
				return nil, err
			}
		}
	}
	if run.Prune {
		if err := w.dropOrphanAliases(ctx); err != nil { // sameas.go
			return nil, err
		}
	}
	w.summary.DryRun = run.DryRun
	w.summary.FinishedAt = time.Now().UTC()
	if run.DryRun {
		return w.summary, wrapErr(tx.Rollback(ctx))
	}
	if err := w.refreshHelpers(ctx); err != nil {
		return nil, err
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
	writeAt time.Time // the run's effective instant
	summary *graph.ImportSummary
	touched map[string]bool // nodes whose helper labels the run may change (helpers.go)
}

// at is when what source states in this run takes effect.
func (w *writer) at(source string) time.Time { return graph.EffectiveInstant(w.run, source, w.writeAt) }

// The bookkeeping shared by node and relationship writes (docs/history.md): x is the written
// fact, old* its values before this statement, row.at the instant the row's source speaks for
// (never before the current version's start). When the content or the evidence (the stating
// sources or file; a line moving within the file is updated in place) changes, x's current state becomes a version before `SET x = row.props`
// replaces its properties with what the source states now (so a property the source dropped is
// dropped too). A fact stated again unchanged, from the same place, keeps its version.
var captureOld = `
WITH x, row, ` + hashOf("x") + ` AS oldHash, coalesce(x._seen, []) AS oldSeen, ` + runOf("x", "_firstRun") + ` AS oldFirst,
     ` + sinceOf("x") + ` AS oldSince, ` + runOf("x", "_sinceRun") + ` AS oldSinceRun, x._changedAt AS oldChanged, ` + runOf("x", "_changedRun") + ` AS oldChangedRun,
     coalesce(` + fileOf("x") + ` <> row.props._ev[1], true) AS moved
WITH x, row, oldHash, oldSeen, oldFirst, oldSince, oldSinceRun, oldChanged, oldChangedRun,
     coalesce(oldHash <> row.props._ev[0], true) AS contentChanged,
     moved OR NOT any(s IN oldSeen WHERE s STARTS WITH row.prefix) AS evidenceChanged,
     ` + later("oldSince", "row.at") + ` AS at` // a fact not in the graph yet: oldSince is null, at is row.at

var provenanceSet = `
WITH *, CASE WHEN contentChanged OR evidenceChanged THEN at ELSE oldSince END AS newSince,
     CASE WHEN contentChanged THEN at ELSE oldChanged END AS newChanged
SET x = row.props
SET x._seen = [s IN oldSeen WHERE NOT s STARTS WITH row.prefix] + row.stamp,
    ` + setInstants("x", "newChanged", "newSince", "at") + `,
    ` + setRuns("x", "coalesce(oldFirst, $run)",
	"CASE WHEN contentChanged OR evidenceChanged THEN $run ELSE oldSinceRun END",
	"CASE WHEN contentChanged THEN $run ELSE oldChangedRun END") + `
RETURN count(*) AS total,
       sum(CASE WHEN oldHash IS NULL THEN 1 ELSE 0 END) AS created,
       sum(CASE WHEN oldHash = row.props._ev[0] THEN 1 ELSE 0 END) AS unchanged`

// A fact's evidence (docs/history.md): the fingerprint of its domain properties, the file and
// line of its latest statement and the run that made it, stored as one list property `_ev`,
// [hash, file, line, run], rather than as four properties: Neo4j's import cost grows with the
// properties it sets and commits, and these four cost it about as much as one list
// (docs/performance.md). Graphs written before have `_hash`, `_file`, `_line` and `_lastRun`;
// the readers below, and evidenceOf in Go (store.go), take either.

// evidence is the `_ev` of a statement made in run.
func evidence(domain map[string]any, file string, line int, run string) []string {
	return []string{graph.ContentHash(domain), file, strconv.Itoa(line), run}
}

// hashOf, fileOf, lineOf and lastRunOf are the Cypher of fact x's evidence.
func hashOf(x string) string    { return "coalesce(" + x + "._ev[0], " + x + "._hash)" }
func fileOf(x string) string    { return "coalesce(" + x + "._ev[1], " + x + "._file)" }
func lineOf(x string) string    { return "coalesce(" + x + "._ev[2], toString(" + x + "._line))" }
func lastRunOf(x string) string { return "coalesce(" + x + "._ev[3], " + x + "._lastRun)" }

// The runs of a fact's life (docs/history.md): the first run that stated it, the run that began
// its current version and the one that last changed its properties. A fact stated for the first
// time (or whose three runs are its last run, as all are after a first import) stores none of
// them: their absence, with `_firstRun` absent, means "the last run" (lastRunOf). That spares
// three run ids per fact, most of what a first import writes besides the domain properties.
// Graphs written before have them all, and a fact written before history existed has
// `_firstRun` but no `_sinceRun` or `_changedRun`: those stay unknown.

// runOf is the Cypher of run property prop (_firstRun, _sinceRun or _changedRun) of fact x.
func runOf(x, prop string) string {
	return "coalesce(" + x + "." + prop + ", CASE WHEN " + x + "._firstRun IS NULL THEN " + lastRunOf(x) + " END)"
}

// setRuns is the SET items that give fact x, stated by this run ($run, its new last run), the
// runs first, since and changed (expressions evaluated before the SET): none when all three
// are $run.
func setRuns(x, first, since, changed string) string {
	all := "coalesce((" + first + ") = $run AND (" + since + ") = $run AND (" + changed + ") = $run, false)"
	item := func(prop, v string) string {
		return x + "." + prop + " = CASE WHEN " + all + " THEN null ELSE " + v + " END"
	}
	return item("_firstRun", first) + ",\n    " + item("_sinceRun", since) + ",\n    " + item("_changedRun", changed)
}

// The instants of a fact's life (docs/history.md): when its properties last changed
// (`_changedAt`, indexed: the changes question finds facts by it), when its current version began
// (`_since`) and when it was last stated (`_lastAt`). Most facts have one instant for all three
// (every fact after a first import, and any fact stated once), so each is stored only when it
// differs from the one before it: no `_since` means `_changedAt`, no `_lastAt` means the start.
// Properties are most of what an import costs Neo4j, both to set and to commit
// (docs/performance.md); this spares two per fact.

// sinceOf is the Cypher of when fact x's current version began.
func sinceOf(x string) string { return "coalesce(" + x + "._since, " + x + "._changedAt)" }

// lastAtOf is the Cypher of when fact x was last stated.
func lastAtOf(x string) string { return "coalesce(" + x + "._lastAt, " + sinceOf(x) + ")" }

// setInstants is the SET items that give fact x the instants changed, since and lastAt
// (expressions evaluated before the SET), each stored only when it differs from the one before.
func setInstants(x, changed, since, lastAt string) string {
	return x + "._changedAt = " + changed + ",\n    " +
		x + "._since = CASE WHEN " + since + " = " + changed + " THEN null ELSE " + since + " END,\n    " +
		x + "._lastAt = CASE WHEN " + lastAt + " = " + since + " THEN null ELSE " + lastAt + " END"
}

// later is the Cypher of the later of instants a and b: a fact's new version never begins
// before its current one. A null a (no current version) gives b.
func later(a, b string) string {
	return "CASE WHEN " + a + " > " + b + " THEN " + a + " ELSE " + b + " END"
}

// restart is the SET items that begin a new version of fact x at `at` in this run (its evidence
// changed): its last statement, implied by the old start until now, is kept.
func restart(x, at string) string {
	return x + "._lastAt = " + lastAtOf(x) + ", " + x + "._since = " + at + ", " + x + "._sinceRun = $run"
}

// endVersion keeps x's current state as a version ending at `at`, when the content or the
// evidence changes and the state held for some time.
func endVersion(label string) string {
	return `
CALL (x, oldHash, oldSeen, contentChanged, evidenceChanged, at) {
  WITH * WHERE oldHash IS NOT NULL AND (contentChanged OR evidenceChanged) AND ` + sinceOf("x") + ` < at
  ` + versionOf(label, "x", "oldSeen", false) + `
}`
}

// versionOf renders the CREATE of the version fact x held until `at` (a variable in scope),
// with the stamps it held (an expression); removed marks the end of the fact's life. Its own
// bookkeeping (_from, _to, ...) replaces _since.
func versionOf(label, x, stamps string, removed bool) string {
	ends := ""
	if label == "RelVersion" {
		ends = `, v._rfrom = startNode(x).id, v._rto = endNode(x).id, v._type = type(x)`
	}
	return strings.NewReplacer("x.", x+".", "(x)", "("+x+")").Replace(
		`CREATE (v:` + label + `) SET v = properties(x), v._seen = ` + stamps + ends + `,
    v._from = ` + sinceOf("x") + `, v._to = at, v._fromRun = ` + runOf("x", "_sinceRun") + `, v._toRun = $run, v._removed = ` + fmt.Sprint(removed) + `
  REMOVE v._since, v._sinceRun, v._held`)
}

// storedProps is what a node or relationship stores: its domain properties and its evidence,
// stated in run.
func storedProps(domain map[string]any, file string, line int, run string) map[string]any {
	props := make(map[string]any, len(domain)+3)
	for k, v := range domain {
		props[k] = v
	}
	props["_ev"] = evidence(domain, file, line, run)
	return props
}

// stubProvenance is provenanceSet for stubs: the domain properties are set only on creation.
// A stub from a source that did not state the node yet changes its evidence: a new version.
var stubProvenance = `
WITH x, row, coalesce(x._seen, []) AS oldSeen, ` + runOf("x", "_firstRun") + ` AS oldFirst, x._stubCreated AS created,
     ` + later(sinceOf("x"), "row.at") + ` AS at
CALL (x, row, oldSeen, created, at) {
  WITH * WHERE created IS NULL AND NOT any(s IN oldSeen WHERE s STARTS WITH row.prefix) AND ` + sinceOf("x") + ` < at
  ` + versionOf("NodeVersion", "x", "oldSeen", false) + `
  SET ` + restart("x", "at") + `
}
WITH x, row, oldSeen, oldFirst, created, at, ` + runOf("x", "_sinceRun") + ` AS sinceRun, ` + runOf("x", "_changedRun") + ` AS changedRun
REMOVE x._stubCreated
SET x._ev = [` + hashOf("x") + `, ` + fileOf("x") + `, ` + lineOf("x") + `, $run],
    x._lastAt = CASE WHEN at = ` + sinceOf("x") + ` THEN null ELSE at END,
    x._seen = [s IN oldSeen WHERE NOT s STARTS WITH row.prefix] + row.stamp,
    ` + setRuns("x", "coalesce(oldFirst, $run)", "sinceRun", "changedRun") + `
REMOVE x._hash, x._file, x._line, x._lastRun
RETURN count(*) AS total,
       sum(CASE WHEN created THEN 1 ELSE 0 END) AS created,
       sum(CASE WHEN created THEN 0 ELSE 1 END) AS unchanged`

// kindConflict is the first column of a node write's answer: a node among the rows whose kind in
// the graph (stored, an expression) is not the row's, as [id, stored, written], or null. The
// importer checked ids before the run; a run that committed since can have named one first
// (graph.KindConflictError), and the write then fails, rolling the run back.
func kindConflict(stored string) string {
	return `head(collect(CASE WHEN ` + stored + ` <> row.props.kind THEN [x.id, ` + stored + `, row.props.kind] END)) AS conflict,
       `
}

type kindGroup struct {
	kind graph.Kind
	stub bool
}

func (w *writer) WriteNodes(ctx context.Context, nodes []graph.NodeRecord) error {
	byKind := map[kindGroup][]any{}
	var order []kindGroup
	for _, n := range nodes {
		props := storedProps(n.Props, n.File, n.Line, w.run.ID)
		props["id"] = n.ID
		props["kind"] = string(n.Kind)
		w.touch(n.ID)
		g := kindGroup{n.Kind, n.Stub}
		if _, ok := byKind[g]; !ok {
			order = append(order, g)
		}
		byKind[g] = append(byKind[g], map[string]any{
			"id": n.ID, "props": props, "at": w.at(n.Source),
			"prefix": graph.SeenPrefix(n.Source), "stamp": graph.SeenStamp(n.Source, w.run.ID),
		})
	}
	for _, g := range order {
		info, ok := graph.KindOf(g.kind)
		if !ok {
			return fmt.Errorf("unknown kind %q", g.kind)
		}
		rows := byKind[g]
		if !g.stub {
			// Nodes the graph does not have yet are created with their whole state at once
			// (fresh); only the others go through the comparison with what they were.
			var c graph.Counts
			var err error
			if rows, c, err = w.writeFresh(ctx, rows, `UNWIND $ids AS id MATCH (x:Node {id: id}) RETURN collect(id) AS existing`,
				func(r map[string]any) any { return r["id"] },
				`UNWIND $rows AS row CREATE (x:Node:`+info.Label+`) SET x = row.props RETURN count(*) AS total, count(*) AS created, 0 AS unchanged`); err != nil {
				return err
			}
			w.summary.AddNodes(g.kind, c)
			if len(rows) == 0 {
				continue
			}
		}
		// The label comes from the fixed kind table, never from input.
		q := `UNWIND $rows AS row MERGE (x:Node {id: row.id}) WITH x, row, x.kind AS oldKind SET x:` + info.Label +
			strings.ReplaceAll(captureOld, "WITH x, row,", "WITH x, row, oldKind,") + endVersion("NodeVersion") +
			strings.Replace(provenanceSet, "RETURN ", "RETURN "+kindConflict("oldKind"), 1)
		if g.stub {
			q = `UNWIND $rows AS row MERGE (x:Node {id: row.id})
ON CREATE SET x = row.props, x._stubCreated = true, x._sinceRun = $run,
  x._changedAt = row.at, x._changedRun = $run
SET x:` + info.Label + strings.Replace(stubProvenance, "RETURN ", "RETURN "+kindConflict("x.kind"), 1)
		}
		c, err := w.write(ctx, q, rows)
		if err != nil {
			return err
		}
		w.summary.AddNodes(g.kind, c)
	}
	return w.sameAs(ctx, nodes) // other ids of the nodes: aliases, merged when they are nodes (sameas.go)
}

func (w *writer) WriteRelationships(ctx context.Context, rels []graph.RelRecord) error {
	byType := map[graph.RelType][]any{}
	var order []graph.RelType
	for _, r := range rels {
		props := storedProps(r.Props, r.File, r.Line, w.run.ID)
		if slices.Contains(helperTypes, r.Type) {
			w.touch(r.From, r.To)
		}
		if _, ok := byType[r.Type]; !ok {
			order = append(order, r.Type)
		}
		byType[r.Type] = append(byType[r.Type], map[string]any{
			"from": r.From, "to": r.To, "key": r.KeyValue(), "props": props, "at": w.at(r.Source),
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
		rows, fresh, err := w.createRels(ctx, info.Type, key, byType[t])
		if err != nil {
			return err
		}
		c := fresh
		if len(rows) > 0 {
			q := `UNWIND $rows AS row MATCH (a:Node {id: row.from}) MATCH (b:Node {id: row.to})
MERGE (a)-[x:` + string(info.Type) + key + `]->(b)` + captureOld + endVersion("RelVersion") + provenanceSet
			if c, err = w.write(ctx, q, rows); err != nil {
				return err
			}
			c.Created += fresh.Created
		}
		if want := len(byType[t]); c.Created+c.Updated+c.Unchanged != want {
			return fmt.Errorf("wrote %d of %d %s relationships: an endpoint is missing", c.Created+c.Updated+c.Unchanged, want, t)
		}
		w.summary.AddRelationships(t, c)
	}
	return nil
}

// writeFresh writes the rows whose fact the graph does not have yet in one statement, create,
// and returns the others. A fresh fact's state is its first statement's: the row's properties,
// stamped by this run from the row's instant (what provenanceSet gives a fact with no old state,
// without reading one), so create needs no comparison and no history (versions end states that
// held). existing answers which of $ids (ident of each row, in order) the graph has; a fact
// stated twice in rows is created once and compared the second time, in order.
func (w *writer) writeFresh(ctx context.Context, rows []any, existing string, ident func(map[string]any) any, create string) ([]any, graph.Counts, error) {
	ids := make([]any, len(rows))
	for i, r := range rows {
		ids[i] = ident(r.(map[string]any))
	}
	params := map[string]any{"ids": ids}
	defer clear(params) // the driver keeps it until the transaction ends (write)
	res, err := w.tx.Run(ctx, existing, params)
	if err != nil {
		return nil, graph.Counts{}, wrapErr(err)
	}
	rec, err := res.Single(ctx)
	if err != nil {
		return nil, graph.Counts{}, wrapErr(err)
	}
	v, _ := rec.Get("existing")
	old := map[string]bool{}
	for _, id := range v.([]any) {
		old[identKey(id)] = true
	}
	var fresh, rest []any
	for i, r := range rows {
		k := identKey(ids[i])
		if old[k] {
			rest = append(rest, r)
			continue
		}
		old[k] = true // a second statement of the fact compares with the first
		row := r.(map[string]any)
		props := row["props"].(map[string]any)
		props["_changedAt"] = row["at"] // the start and last statement are the same instant (sinceOf)
		props["_seen"] = []string{row["stamp"].(string)}
		fresh = append(fresh, row)
	}
	if len(fresh) == 0 {
		return rest, graph.Counts{}, nil
	}
	c, err := w.write(ctx, create, fresh)
	return rest, c, err
}

// createRels creates the relationships of rows the graph does not have yet, with their whole
// state at once, as writeFresh does, and returns the others (the rows of relationships that
// exist, and later statements of one already in rows), in order. Whether it exists is asked in
// the same statement, so a new relationship costs one statement and one lookup of its ends.
func (w *writer) createRels(ctx context.Context, t graph.RelType, key string, rows []any) ([]any, graph.Counts, error) {
	seen := make(map[string]bool, len(rows))
	later := make([]bool, len(rows))
	first := make([]any, 0, len(rows))
	for i, r := range rows {
		row := r.(map[string]any)
		k := identKey(row)
		if seen[k] {
			later[i] = true
			continue
		}
		seen[k] = true
		row["i"] = int64(i)
		first = append(first, row)
	}
	// The type and key property come from the fixed relationship table, never from input.
	params := map[string]any{"rows": first, "run": w.run.ID}
	defer clear(params) // the driver keeps it until the transaction ends (write)
	res, err := w.tx.Run(ctx, `UNWIND $rows AS row MATCH (a:Node {id: row.from}) MATCH (b:Node {id: row.to})
WITH a, b, row, EXISTS { (a)-[:`+string(t)+key+`]->(b) } AS found
CALL (a, b, row, found) {
  WITH * WHERE NOT found
  CREATE (a)-[x:`+string(t)+`]->(b)
  SET x = row.props, x._changedAt = row.at, x._seen = [row.stamp]
}
RETURN count(*) AS total, collect(CASE WHEN found THEN row.i END) AS existing`, params)
	if err != nil {
		return nil, graph.Counts{}, wrapErr(err)
	}
	rec, err := res.Single(ctx)
	if err != nil {
		return nil, graph.Counts{}, wrapErr(err)
	}
	total, _ := rec.Get("total")
	found, _ := rec.Get("existing")
	for _, i := range found.([]any) {
		later[i.(int64)] = true
	}
	var rest []any
	for i, r := range rows {
		if later[i] {
			rest = append(rest, r)
		}
	}
	return rest, graph.Counts{Created: int(total.(int64)) - len(found.([]any))}, nil
}

// identKey is a comparable form of an ident (an id, or a relationship's ends and key).
func identKey(v any) string {
	if m, ok := v.(map[string]any); ok {
		return fmt.Sprint(m["from"], "\x00", m["to"], "\x00", m["key"])
	}
	return fmt.Sprint(v)
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
	if v, _ := rec.Get("conflict"); v != nil {
		if c, ok := v.([]any); ok && len(c) == 3 {
			id, _ := c[0].(string)
			stored, _ := c[1].(string)
			written, _ := c[2].(string)
			return graph.Counts{}, &graph.KindConflictError{ID: id, Stored: graph.Kind(stored), Written: graph.Kind(written)}
		}
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
// source states any more is deleted, its current version kept as history (ending at the
// source's instant). Relationships first, so their counts are exact; then the nodes, marked
// first so that the relationships they take with them are versioned once each.
func (w *writer) prune(ctx context.Context, source string) error {
	params := map[string]any{"prefix": graph.SeenPrefix(source), "stamp": graph.SeenStamp(source, w.run.ID), "at": w.at(source), "run": w.run.ID}
	// A version keeps the stamps the fact had while it held, so they are read before this
	// source's stamp goes. A fact other sources still state gets a new version (its evidence
	// changed); one no source states any more is deleted, its last version marked removed.
	relQ := `MATCH ()-[r]->() WHERE any(s IN r._seen WHERE s STARTS WITH $prefix) AND NOT $stamp IN r._seen
WITH r, r._seen AS held
SET r._seen = [s IN r._seen WHERE NOT s STARTS WITH $prefix]
WITH r, held, ` + later(sinceOf("r"), "$at") + ` AS at
CALL (r, held, at) {
  WITH * WHERE size(r._seen) > 0 AND ` + sinceOf("r") + ` < at
  ` + versionOf("RelVersion", "r", "held", false) + `
  SET ` + restart("r", "at") + `
}
WITH r, held, at WHERE size(r._seen) = 0` + deleteRel + `
RETURN t AS name, count(*) AS removed`
	markQ := `MATCH (n:Node) WHERE any(s IN n._seen WHERE s STARTS WITH $prefix) AND NOT $stamp IN n._seen
WITH n, n._seen AS held
SET n._seen = [s IN n._seen WHERE NOT s STARTS WITH $prefix]
WITH n, held, ` + later(sinceOf("n"), "$at") + ` AS at
CALL (n, held, at) {
  WITH * WHERE size(n._seen) > 0 AND ` + sinceOf("n") + ` < at
  ` + versionOf("NodeVersion", "n", "held", false) + `
  SET ` + restart("n", "at") + `
}
WITH n, held WHERE size(n._seen) = 0 SET n:Pruned, n._held = held`
	outQ := `MATCH (:Pruned)-[r]->() WITH r, r._seen AS held, ` + later(sinceOf("r"), "$at") + ` AS at` + deleteRel
	inQ := `MATCH ()-[r]->(:Pruned) WITH r, r._seen AS held, ` + later(sinceOf("r"), "$at") + ` AS at` + deleteRel
	nodeQ := `MATCH (n:Pruned)
WITH n, ` + later(sinceOf("n"), "$at") + ` AS at
CALL (n, at) {
  WITH * WHERE ` + sinceOf("n") + ` < at
  ` + versionOf("NodeVersion", "n", "n._held", true) + `
}
WITH n, n.kind AS k DELETE n RETURN k AS name, count(*) AS removed`
	return w.runCounting(ctx, params, 0, 4, relQ, markQ, outQ, inQ, nodeQ)
}

// runCounting runs prune statements in order in the run's transaction; the (name, removed) rows
// of statement relsAt count removed relationships, those of nodesAt removed nodes.
func (w *writer) runCounting(ctx context.Context, params map[string]any, relsAt, nodesAt int, queries ...string) error {
	for i, q := range queries {
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
			switch i {
			case relsAt:
				w.summary.AddRelationships(graph.RelType(name.(string)), c)
			case nodesAt:
				w.summary.AddNodes(graph.Kind(name.(string)), c)
			}
		}
	}
	return nil
}

// deleteRel deletes r, keeping its last version, with the stamps `held`, as history ending at
// `at` (unless it began at `at`, later in this run: then it held for no time).
var deleteRel = `
CALL (r, held, at) {
  WITH * WHERE ` + sinceOf("r") + ` < at
  ` + versionOf("RelVersion", "r", "held", true) + `
}
WITH r, type(r) AS t ` + markStale + ` DELETE r`

func (w *writer) recordRun(ctx context.Context) error {
	files, err := json.Marshal(w.run.Files)
	if err != nil {
		return err
	}
	summary, err := json.Marshal(w.summary)
	if err != nil {
		return err
	}
	sourceTimes, err := json.Marshal(w.run.SourceTimes)
	if err != nil {
		return err
	}
	_, err = w.tx.Run(ctx, `CREATE (r:ImportRun {id: $id, sources: $sources, files: $files, user: $user,
startedAt: $startedAt, effectiveAt: $effectiveAt, finishedAt: $finishedAt, sourceTimes: $sourceTimes, summary: $summary})`, map[string]any{
		"id": w.run.ID, "sources": w.run.Sources, "files": string(files), "user": w.run.User,
		"startedAt": w.run.StartedAt, "effectiveAt": w.writeAt, "finishedAt": w.summary.FinishedAt,
		"sourceTimes": string(sourceTimes), "summary": string(summary),
	})
	return wrapErr(err)
}

func decodeRun(props map[string]any) (*graph.RunRecord, error) {
	r := &graph.RunRecord{StartedAt: asTime(props["startedAt"]), EffectiveAt: asTime(props["effectiveAt"]), FinishedAt: asTime(props["finishedAt"])}
	if s, _ := props["sourceTimes"].(string); s != "" && s != "null" {
		if err := json.Unmarshal([]byte(s), &r.SourceTimes); err != nil {
			return nil, fmt.Errorf("import run %s: sourceTimes: %w", r.ID, err)
		}
	}
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
