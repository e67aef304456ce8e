package neo4jstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/aimsgraph/aimsgraph/graph"
	"github.com/aimsgraph/aimsgraph/graph/walk"
)

// History on Neo4j (docs/history.md): the current graph keeps `_since`/`_sinceRun` on every node
// and relationship; ended versions are `NodeVersion` and `RelVersion` nodes that no current
// query can reach (they are not `:Node` and have no relationships).

// historySchema is applied at open with the rest of the schema.
var historySchema = func() []string {
	out := []string{
		"CREATE INDEX aimsgraph_node_changed IF NOT EXISTS FOR (n:Node) ON (n._changedAt)",
		"CREATE INDEX aimsgraph_nodeversion_id IF NOT EXISTS FOR (v:NodeVersion) ON (v.id)",
		"CREATE INDEX aimsgraph_nodeversion_changed IF NOT EXISTS FOR (v:NodeVersion) ON (v._changedAt)",
		"CREATE INDEX aimsgraph_nodeversion_to IF NOT EXISTS FOR (v:NodeVersion) ON (v._to)",
		"CREATE INDEX aimsgraph_relversion_rfrom IF NOT EXISTS FOR (v:RelVersion) ON (v._rfrom)",
		"CREATE INDEX aimsgraph_relversion_rto IF NOT EXISTS FOR (v:RelVersion) ON (v._rto)",
		"CREATE INDEX aimsgraph_relversion_changed IF NOT EXISTS FOR (v:RelVersion) ON (v._changedAt)",
		"CREATE INDEX aimsgraph_relversion_to IF NOT EXISTS FOR (v:RelVersion) ON (v._to)",
		"CREATE INDEX aimsgraph_run_finished IF NOT EXISTS FOR (r:ImportRun) ON (r.finishedAt)",
	}
	// Relationship property indexes are per type; the types come from the fixed table.
	for _, r := range graph.Relationships {
		out = append(out, fmt.Sprintf("CREATE INDEX aimsgraph_rel_changed_%s IF NOT EXISTS FOR ()-[r:%s]-() ON (r._changedAt)", strings.ToLower(string(r.Type)), r.Type))
	}
	return out
}()

// migrateHistory gives facts written before history existed a start at the beginning of time,
// once: a marker node records that the graph has the history layout.
func (s *Store) migrateHistory(ctx context.Context) error {
	recs, err := s.read(ctx, `OPTIONAL MATCH (m:AimsgraphSchema {id: 'schema'}) RETURN m.version AS v`, nil)
	if err != nil {
		return err
	}
	if v, _ := recs[0].Get("v"); v != nil && v.(int64) >= 2 {
		return nil
	}
	session := s.driver.NewSession(ctx, neo4j.SessionConfig{AccessMode: neo4j.AccessModeWrite, DatabaseName: s.db})
	defer session.Close(ctx)
	for _, q := range []string{
		`MATCH (n:Node) WHERE n._since IS NULL AND n._changedAt IS NULL CALL (n) { SET n._since = datetime({epochMillis: 0}), n._changedAt = datetime({epochMillis: 0}) } IN TRANSACTIONS OF 10000 ROWS`,
		`MATCH ()-[r]->() WHERE r._since IS NULL AND r._changedAt IS NULL CALL (r) { SET r._since = datetime({epochMillis: 0}), r._changedAt = datetime({epochMillis: 0}) } IN TRANSACTIONS OF 10000 ROWS`,
		`MERGE (m:AimsgraphSchema {id: 'schema'}) SET m.version = 2`,
	} {
		res, err := session.Run(ctx, q, nil) // CALL IN TRANSACTIONS needs an implicit transaction
		if err == nil {
			_, err = res.Consume(ctx)
		}
		if err != nil {
			return fmt.Errorf("upgrading the graph to the history layout: %w", wrapErr(err))
		}
	}
	return nil
}

// horizonAndRuns reads what At needs to know about t: the earliest effective instant of a run
// still writing at t, the latest finish, and the history horizon.
func (s *Store) horizonAndRuns(ctx context.Context, t time.Time) (writing, latest, horizon time.Time, err error) {
	recs, err := s.read(ctx, `OPTIONAL MATCH (r:ImportRun) WHERE r.effectiveAt <= $t AND r.finishedAt > $t
WITH min(r.effectiveAt) AS writing
OPTIONAL MATCH (l:ImportRun) WITH writing, max(l.finishedAt) AS latest
OPTIONAL MATCH (h:HistoryHorizon {id: 'horizon'})
RETURN writing, latest, h.before AS horizon`, map[string]any{"t": t})
	if err != nil {
		return
	}
	get := func(k string) time.Time { v, _ := recs[0].Get(k); return asTime(v) }
	return get("writing"), get("latest"), get("horizon"), nil
}

func compactedError(horizon time.Time) error {
	return fmt.Errorf("%w: history before %s was compacted; ask about %s or later", graph.ErrCompacted,
		horizon.Format(time.RFC3339Nano), horizon.Format(time.RFC3339))
}

// visible is graph.VisibleInstant with what the store knows of runs writing at t.
func visible(t, writing time.Time) time.Time {
	if !writing.IsZero() && !writing.After(t) {
		return writing.Add(-time.Nanosecond)
	}
	return t
}

// At implements graph.Store.
func (s *Store) At(ctx context.Context, t time.Time) (graph.Reader, error) {
	t = t.UTC() // the driver sends a time's zone by name, and Neo4j knows no zone "Local"
	writing, latest, horizon, err := s.horizonAndRuns(ctx, t)
	if err != nil {
		return nil, err
	}
	if !horizon.IsZero() && t.Before(horizon) {
		return nil, compactedError(horizon)
	}
	if !t.Before(latest) {
		return s, nil // nothing changed after t: the current graph is the answer
	}
	return walk.Reader(&asOf{s: s, t: visible(t, writing)}), nil
}

// asOf is the graph as it stood at t: the walk primitives over current facts whose properties
// held since t or earlier, and over the versions that held at t. Each is one query.
type asOf struct {
	s *Store
	t time.Time
}

var _ walk.Source = (*asOf)(nil)

// nodesAt is the part of a query that finds, for each id in $ids, the node as it stood at $t.
var nodesAt = `UNWIND $ids AS id
OPTIONAL MATCH (n:Node {id: id}) WHERE ` + sinceOf("n") + ` <= $t
OPTIONAL MATCH (v:NodeVersion {id: id}) WHERE v._from <= $t AND v._to > $t
WITH DISTINCT coalesce(n, v) AS x WHERE x IS NOT NULL `

func (a *asOf) KindsOf(ctx context.Context, ids []string) (map[string]graph.Kind, error) {
	recs, err := a.s.read(ctx, nodesAt+`RETURN x.id AS id, x.kind AS kind`, map[string]any{"ids": ids, "t": a.t})
	if err != nil {
		return nil, err
	}
	out := make(map[string]graph.Kind, len(recs))
	for _, r := range recs {
		id, _ := r.Get("id")
		k, _ := r.Get("kind")
		out[id.(string)] = graph.Kind(k.(string))
	}
	return out, nil
}

func (a *asOf) Nodes(ctx context.Context, ids []string) ([]*graph.Node, error) {
	recs, err := a.s.read(ctx, nodesAt+`RETURN x`, map[string]any{"ids": ids, "t": a.t})
	if err != nil {
		return nil, err
	}
	out := make([]*graph.Node, 0, len(recs))
	for _, r := range recs {
		x, _ := r.Get("x")
		out = append(out, a.node(x.(neo4j.Node)))
	}
	return out, nil
}

// node and rel read a current fact or a version as of a.t: as the embedded store does
// (provenanceAt), the last run is never one that took effect after a.t; the run that began the
// version is named instead.
func (a *asOf) node(x neo4j.Node) *graph.Node {
	n := toNode(x)
	n.Provenance = a.clip(n.Provenance, x.Props)
	return n
}

func (a *asOf) clip(p graph.Provenance, props map[string]any) graph.Provenance {
	// No _lastAt: last stated when its version began (sinceOf, import.go), which was by a.t.
	if last, ok := props["_lastAt"].(time.Time); ok && last.After(a.t) {
		began := stringOr(props["_fromRun"]) // a version
		if _, ok := props["_fromRun"]; !ok {
			began = stringOr(props["_sinceRun"])
			if _, ok := props["_firstRun"]; !ok && began == "" {
				_, _, began = evidenceOf(props) // runOf (import.go)
			}
		}
		if began != "" {
			p.LastRun = began
		}
	}
	return p
}

func (a *asOf) Edges(ctx context.Context, ids []string, dir graph.Direction, types []graph.RelType) ([]*graph.Relationship, error) {
	recs, err := a.edges(ctx, ids, dir, types, "r AS cur, null AS old", "null AS cur, v AS old")
	if err != nil {
		return nil, err
	}
	out := make([]*graph.Relationship, 0, len(recs))
	seen := map[string]bool{}
	for _, rec := range recs {
		from, _ := rec.Get("from")
		to, _ := rec.Get("to")
		var r *graph.Relationship
		if cur, _ := rec.Get("cur"); cur != nil {
			rel := cur.(neo4j.Relationship)
			r = toRelationship(from.(string), to.(string), rel)
			r.Provenance = a.clip(r.Provenance, rel.Props)
		} else {
			old, _ := rec.Get("old")
			v := old.(neo4j.Node)
			r = versionRelationship(v)
			r.Provenance = a.clip(r.Provenance, v.Props)
		}
		if k := r.Key(); !seen[k] { // Both: a relationship between two of ids is found twice
			seen[k] = true
			out = append(out, r)
		}
	}
	return out, nil
}

// keyOf is the Cypher expression of a relationship's identifying property (graph.RelInfo.Key),
// from the fixed table: typ is its type, x the relationship or version holding the property.
func keyOf(typ, x string) string {
	var b strings.Builder
	b.WriteString("CASE " + typ)
	for _, r := range graph.Relationships {
		if r.Key != "" {
			b.WriteString(" WHEN '" + string(r.Type) + "' THEN " + prop(x, r.Key))
		}
	}
	b.WriteString(" ELSE '' END")
	return b.String()
}

func (a *asOf) Links(ctx context.Context, ids []string, dir graph.Direction, types []graph.RelType) ([]graph.Link, error) {
	recs, err := a.edges(ctx, ids, dir, types,
		"type(r) AS type, "+keyOf("type(r)", "r")+" AS key",
		"v._type AS type, "+keyOf("v._type", "v")+" AS key")
	if err != nil {
		return nil, err
	}
	out := make([]graph.Link, 0, len(recs))
	seen := map[graph.Link]bool{}
	for _, rec := range recs {
		get := func(k string) string { v, _ := rec.Get(k); return stringOr(v) }
		l := graph.Link{From: get("from"), To: get("to"), Type: graph.RelType(get("type")), KeyValue: get("key")}
		if !seen[l] {
			seen[l] = true
			out = append(out, l)
		}
	}
	return out, nil
}

// edges runs the as-of relationship query: for each id, the current relationships of types in
// direction dir that held at a.t, returning cur, and the versions that held then, returning old.
// Current relationships and versions are parts of one UNION, each unwinding the ids once (a
// subquery per id costs more than the index seeks it makes).
func (a *asOf) edges(ctx context.Context, ids []string, dir graph.Direction, types []graph.RelType, cur, old string) ([]*neo4j.Record, error) {
	var ts any
	if len(types) > 0 {
		l := make([]string, len(types))
		for i, t := range types {
			l[i] = string(t)
		}
		ts = l
	}
	var parts []string
	if dir == graph.Out || dir == graph.Both {
		parts = append(parts, `UNWIND $ids AS id MATCH (a:Node {id: id})-[r]->(b:Node) WHERE `+sinceOf("r")+` <= $t AND ($types IS NULL OR type(r) IN $types)
  RETURN a.id AS from, b.id AS to, `+cur,
			`UNWIND $ids AS id MATCH (v:RelVersion {_rfrom: id}) WHERE v._from <= $t AND v._to > $t AND ($types IS NULL OR v._type IN $types)
  RETURN v._rfrom AS from, v._rto AS to, `+old)
	}
	if dir == graph.In || dir == graph.Both {
		parts = append(parts, `UNWIND $ids AS id MATCH (a:Node)-[r]->(b:Node {id: id}) WHERE `+sinceOf("r")+` <= $t AND ($types IS NULL OR type(r) IN $types)
  RETURN a.id AS from, b.id AS to, `+cur,
			`UNWIND $ids AS id MATCH (v:RelVersion {_rto: id}) WHERE v._from <= $t AND v._to > $t AND ($types IS NULL OR v._type IN $types)
  RETURN v._rfrom AS from, v._rto AS to, `+old)
	}
	return a.s.read(ctx, strings.Join(parts, "\nUNION ALL\n"), map[string]any{"ids": ids, "t": a.t, "types": ts})
}

// versionRelationship reads a RelVersion node back as the relationship it was.
func versionRelationship(v neo4j.Node) *graph.Relationship {
	from, _ := v.Props["_rfrom"].(string)
	to, _ := v.Props["_rto"].(string)
	t, _ := v.Props["_type"].(string)
	out := &graph.Relationship{Type: graph.RelType(t), From: from, To: to, Props: map[string]any{}}
	for k, val := range v.Props {
		if !strings.HasPrefix(k, "_") {
			out.Props[k] = plain(val)
		}
	}
	out.Provenance = provenance(v.Props)
	return out
}

func (a *asOf) Candidates(ctx context.Context, f graph.NodeFilter, after string, limit int) ([]*graph.Node, error) {
	params := map[string]any{"t": a.t, "after": after, "limit": int64(limit)}
	base := graph.NodeFilter{IDs: f.IDs, Kinds: f.Kinds, Text: f.Text}
	c := newCompiler(params, "c")
	curWhere := c.compile(base.Cond(), "n")
	verWhere := c.compile(base.Cond(), "v")
	q := `CALL () {
  MATCH (n:Node) WHERE n.id > $after AND ` + sinceOf("n") + ` <= $t AND ` + curWhere + ` RETURN n AS x
  UNION ALL
  MATCH (v:NodeVersion) WHERE v._to > $t AND v._from <= $t AND v.id > $after AND ` + verWhere + ` RETURN v AS x
}
RETURN x ORDER BY x.id LIMIT $limit`
	recs, err := a.s.read(ctx, q, params)
	if err != nil {
		return nil, err
	}
	out := make([]*graph.Node, 0, len(recs))
	for _, r := range recs {
		x, _ := r.Get("x")
		out = append(out, a.node(x.(neo4j.Node)))
	}
	return out, nil
}

// Changes implements graph.Store: the facts with a transition in the window (index range scans
// on _since, _from and _to), compared as they stood at both ends.
func (s *Store) Changes(ctx context.Context, q graph.ChangeQuery) (*graph.ChangeSet, error) {
	if q.Run != "" {
		runs, err := s.Runs(ctx, graph.RunQuery{IDs: []string{q.Run}})
		if err != nil || len(runs) == 0 {
			return &graph.ChangeSet{}, err
		}
		out := &graph.ChangeSet{Since: runs[0].EffectiveAt, Until: runs[0].FinishedAt}
		for _, at := range graph.RunInstants(runs[0]) {
			if err := s.changesIn(ctx, out, at.Add(-time.Nanosecond), at, q.Run); err != nil {
				return nil, err
			}
		}
		out.Sort()
		return out, nil
	}
	var ends [2]time.Time
	for i, t := range []time.Time{q.Since.UTC(), q.Until.UTC()} {
		writing, _, horizon, err := s.horizonAndRuns(ctx, t)
		if err != nil {
			return nil, err
		}
		if !horizon.IsZero() && t.Before(horizon) {
			return nil, compactedError(horizon)
		}
		ends[i] = visible(t, writing)
	}
	out := &graph.ChangeSet{Since: q.Since, Until: q.Until}
	if ends[0].Before(ends[1]) {
		if err := s.changesIn(ctx, out, ends[0], ends[1], ""); err != nil {
			return nil, err
		}
	}
	out.Sort()
	return out, nil
}

type transition struct {
	at  time.Time
	run string
}

// changesIn adds to out the facts that differ between since and until; only, when run is set,
// those whose last transition in the window that run made.
func (s *Store) changesIn(ctx context.Context, out *graph.ChangeSet, since, until time.Time, run string) error {
	params := map[string]any{"a": since, "b": until}
	// Content transitions only (docs/history.md): property changes and creations (_changedAt),
	// and removals (the _to of a version marked _removed).
	nodes, err := s.transitions(ctx, `CALL () {
  MATCH (n:Node) WHERE n._changedAt > $a AND n._changedAt <= $b RETURN n.id AS key, n._changedAt AS at, `+runOf("n", "_changedRun")+` AS run
  UNION ALL
  MATCH (v:NodeVersion) WHERE v._changedAt > $a AND v._changedAt <= $b RETURN v.id AS key, v._changedAt AS at, `+runOf("v", "_changedRun")+` AS run
  UNION ALL
  MATCH (v:NodeVersion) WHERE v._to > $a AND v._to <= $b AND v._removed RETURN v.id AS key, v._to AS at, v._toRun AS run
}
RETURN key, at, run`, params, run)
	if err != nil {
		return err
	}
	var rel []string
	for _, r := range graph.Relationships {
		rel = append(rel, `MATCH (x)-[r:`+string(r.Type)+`]->(y) WHERE r._changedAt > $a AND r._changedAt <= $b
  RETURN x.id AS from, type(r) AS type, y.id AS to, r AS props, r._changedAt AS at, `+runOf("r", "_changedRun")+` AS run`)
	}
	rel = append(rel, `MATCH (v:RelVersion) WHERE v._changedAt > $a AND v._changedAt <= $b
  RETURN v._rfrom AS from, v._type AS type, v._rto AS to, v AS props, v._changedAt AS at, `+runOf("v", "_changedRun")+` AS run`,
		`MATCH (v:RelVersion) WHERE v._to > $a AND v._to <= $b AND v._removed
  RETURN v._rfrom AS from, v._type AS type, v._rto AS to, v AS props, v._to AS at, v._toRun AS run`)
	recs, err := s.read(ctx, "CALL () {\n  "+strings.Join(rel, "\n  UNION ALL\n  ")+"\n}\nRETURN from, type, to, props, at, run", params)
	if err != nil {
		return err
	}
	rels := map[string]transition{}
	relFrom := map[string]string{}
	for _, rec := range recs {
		get := func(k string) any { v, _ := rec.Get(k); return v }
		props := map[string]any{}
		switch p := get("props").(type) {
		case neo4j.Relationship:
			props = p.Props
		case neo4j.Node:
			props = p.Props
		}
		r := graph.Relationship{Type: graph.RelType(get("type").(string)), From: get("from").(string), To: get("to").(string), Props: props}
		key := r.Key()
		tr := transition{asTime(get("at")), stringOr(get("run"))}
		if old, ok := rels[key]; !ok || !tr.at.Before(old.at) {
			rels[key] = tr
		}
		relFrom[key] = r.From
	}
	// The two states: one round trip per end for nodes, one per end for relationships.
	var ids, froms []string
	for id, tr := range nodes {
		if run == "" || tr.run == run {
			ids = append(ids, id)
		}
	}
	for key, tr := range rels {
		if run == "" || tr.run == run {
			froms = append(froms, relFrom[key])
		}
	}
	var nodeStates [2]map[string]*graph.Node
	var relStates [2]map[string]*graph.Relationship
	for i, t := range []time.Time{since, until} {
		a := &asOf{s: s, t: t}
		ns, err := a.Nodes(ctx, ids)
		if err != nil {
			return err
		}
		nodeStates[i] = map[string]*graph.Node{}
		for _, n := range ns {
			nodeStates[i][n.ID] = n
		}
		rs, err := a.Edges(ctx, froms, graph.Out, nil)
		if err != nil {
			return err
		}
		relStates[i] = map[string]*graph.Relationship{}
		for _, r := range rs {
			relStates[i][r.Key()] = r
		}
	}
	for _, id := range ids {
		before, after := nodeStates[0][id], nodeStates[1][id]
		if c, ok := graph.NodeDiff(before, after); ok {
			n := after
			if n == nil {
				n = before
			}
			tr := nodes[id]
			out.Nodes = append(out.Nodes, graph.NodeChange{Change: c, ID: id, Kind: n.Kind, Before: before, After: after, Run: tr.run, At: tr.at})
		}
	}
	for key, tr := range rels {
		if run != "" && tr.run != run {
			continue
		}
		before, after := relStates[0][key], relStates[1][key]
		if c, ok := graph.RelDiff(before, after); ok {
			r := after
			if r == nil {
				r = before
			}
			out.Relationships = append(out.Relationships, graph.RelChange{Change: c, Type: r.Type, From: r.From, To: r.To, Before: before, After: after, Run: tr.run, At: tr.at})
		}
	}
	return nil
}

// transitions runs a query returning (key, at, run) rows and keeps each key's latest transition.
func (s *Store) transitions(ctx context.Context, q string, params map[string]any, run string) (map[string]transition, error) {
	recs, err := s.read(ctx, q, params)
	if err != nil {
		return nil, err
	}
	out := map[string]transition{}
	for _, rec := range recs {
		k, _ := rec.Get("key")
		at, _ := rec.Get("at")
		r, _ := rec.Get("run")
		tr := transition{asTime(at), stringOr(r)}
		if old, ok := out[k.(string)]; !ok || !tr.at.Before(old.at) {
			out[k.(string)] = tr
		}
	}
	return out, nil
}

func stringOr(v any) string { s, _ := v.(string); return s }

// Compact implements graph.Store in one transaction, under the import lock.
func (s *Store) Compact(ctx context.Context, before time.Time) (*graph.CompactSummary, error) {
	before = before.UTC()
	session := s.driver.NewSession(ctx, neo4j.SessionConfig{AccessMode: neo4j.AccessModeWrite, DatabaseName: s.db})
	defer session.Close(ctx)
	res, err := session.ExecuteWrite(ctx, func(tx neo4j.ManagedTransaction) (any, error) {
		sum := &graph.CompactSummary{Before: before}
		steps := []struct {
			q   string
			out *int
		}{
			{`MERGE (l:ImportLock {id: 'import'}) SET l.run = 'compact' RETURN 0 AS n`, nil},
			{`MATCH (v:NodeVersion) WHERE v._to <= $before DELETE v RETURN count(*) AS n`, &sum.NodeVersions},
			{`MATCH (v:RelVersion) WHERE v._to <= $before DELETE v RETURN count(*) AS n`, &sum.RelVersions},
		}
		for _, st := range steps {
			r, err := tx.Run(ctx, st.q, map[string]any{"before": before})
			if err != nil {
				return nil, err
			}
			rec, err := r.Single(ctx)
			if err != nil {
				return nil, err
			}
			if st.out != nil {
				n, _ := rec.Get("n")
				*st.out = int(n.(int64))
			}
		}
		r, err := tx.Run(ctx, `MERGE (h:HistoryHorizon {id: 'horizon'})
WITH h, h.before AS previous
SET h.before = CASE WHEN previous IS NULL OR previous < $before THEN $before ELSE previous END
RETURN previous`, map[string]any{"before": before})
		if err != nil {
			return nil, err
		}
		rec, err := r.Single(ctx)
		if err != nil {
			return nil, err
		}
		prev, _ := rec.Get("previous")
		sum.PreviousLimit = asTime(prev)
		return sum, nil
	})
	if err != nil {
		return nil, wrapErr(err)
	}
	return res.(*graph.CompactSummary), nil
}
