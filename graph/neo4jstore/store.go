// Package neo4jstore is the production store: aimsgraph's graph in Neo4j (README.md). Every node
// carries the label Node plus its kind's label from the fixed table in package graph; the id is
// unique across kinds. Cypher takes values only as parameters; the only text spliced into a
// query is a label or relationship type read from that fixed table.
package neo4jstore

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/aimsgraph/aimsgraph/graph"
)

// Config says where the Neo4j server is. The names follow Neo4j's own tools (NEO4J_URI, ...).
type Config struct {
	URI      string
	Username string // empty: no authentication
	Password string
	Database string // empty: the server's default database
}

// Store is a graph.Store on Neo4j.
type Store struct {
	driver  neo4j.DriverWithContext
	db      string
	uri     string
	queries atomic.Int64
}

var _ graph.Store = (*Store)(nil)

// Open connects, checks the server answers, and makes sure the constraints exist.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	auth := neo4j.NoAuth()
	if cfg.Username != "" {
		auth = neo4j.BasicAuth(cfg.Username, cfg.Password, "")
	}
	driver, err := neo4j.NewDriverWithContext(cfg.URI, auth, configureDriver)
	if err != nil {
		return nil, fmt.Errorf("%w: Neo4j URI %q: %v", graph.ErrUnavailable, cfg.URI, err)
	}
	s := &Store{driver: driver, db: cfg.Database, uri: cfg.URI}
	if err := s.Ping(ctx); err != nil {
		_ = driver.Close(ctx)
		return nil, err
	}
	if err := s.ensureSchema(ctx); err != nil {
		_ = driver.Close(ctx)
		return nil, err
	}
	return s, nil
}

// schema is applied at open; IF NOT EXISTS makes it idempotent. The uniqueness constraint is
// what makes MERGE on id both correct under concurrency and fast (it is backed by an index).
var schema = []string{
	"CREATE CONSTRAINT aimsgraph_node_id IF NOT EXISTS FOR (n:Node) REQUIRE n.id IS UNIQUE",
	"CREATE CONSTRAINT aimsgraph_run_id IF NOT EXISTS FOR (r:ImportRun) REQUIRE r.id IS UNIQUE",
	"CREATE INDEX aimsgraph_node_kind IF NOT EXISTS FOR (n:Node) ON (n.kind)",
	"CREATE CONSTRAINT aimsgraph_token_name IF NOT EXISTS FOR (t:ApiToken) REQUIRE t.name IS UNIQUE", // tokens.go
	"CREATE CONSTRAINT aimsgraph_token_hash IF NOT EXISTS FOR (t:ApiToken) REQUIRE t.hash IS UNIQUE",
	aliasSchema, // sameas.go
}

func (s *Store) ensureSchema(ctx context.Context) error {
	for _, q := range append(schema, historySchema...) {
		if _, err := s.query(ctx, q, nil, neo4j.ExecuteQueryWithWritersRouting()); err != nil {
			return fmt.Errorf("creating Neo4j schema: %w", err)
		}
	}
	if err := s.migrateHistory(ctx); err != nil {
		return err
	}
	return s.migrateHelpers(ctx)
}

// Ping checks the server answers, with an error a newcomer can act on.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.driver.VerifyConnectivity(ctx); err != nil {
		return fmt.Errorf("%w: cannot reach Neo4j at %s: %v\n(is it running? `make neo4j-start` starts a local one; check NEO4J_URI, NEO4J_USERNAME and NEO4J_PASSWORD)",
			graph.ErrUnavailable, s.uri, err)
	}
	return nil
}

// Close closes the driver.
func (s *Store) Close(ctx context.Context) error { return s.driver.Close(ctx) }

// Queries returns how many queries the store has sent outside import runs: what tests count to
// show that a question costs one round trip.
func (s *Store) Queries() int64 { return s.queries.Load() }

func (s *Store) query(ctx context.Context, q string, params map[string]any, opts ...neo4j.ExecuteQueryConfigurationOption) (*neo4j.EagerResult, error) {
	s.queries.Add(1)
	opts = append(opts, neo4j.ExecuteQueryWithDatabase(s.db))
	// The caller's deadline becomes the server's transaction timeout, so a query the client gave
	// up on stops using the database too.
	if deadline, ok := ctx.Deadline(); ok {
		opts = append(opts, neo4j.ExecuteQueryWithTransactionConfig(neo4j.WithTxTimeout(max(time.Until(deadline), time.Millisecond))))
	}
	var res *neo4j.EagerResult
	err := retryTransient(ctx, func() (err error) {
		res, err = neo4j.ExecuteQuery(ctx, s.driver, q, params, neo4j.EagerResultTransformer, opts...)
		return err
	})
	if err != nil {
		return nil, wrapErr(err)
	}
	return res, nil
}

func (s *Store) read(ctx context.Context, q string, params map[string]any) ([]*neo4j.Record, error) {
	res, err := s.query(ctx, q, params, neo4j.ExecuteQueryWithReadersRouting())
	if err != nil {
		return nil, err
	}
	return res.Records, nil
}

// KindsOf implements graph.Store.
func (s *Store) KindsOf(ctx context.Context, ids []string) (map[string]graph.Kind, error) {
	recs, err := s.read(ctx, `UNWIND $ids AS id MATCH (n:Node {id: id}) RETURN n.id AS id, n.kind AS kind`, map[string]any{"ids": ids})
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

// toNode converts a Neo4j node into a graph.Node: properties starting with "_" are provenance.
func toNode(n neo4j.Node) *graph.Node {
	out := &graph.Node{Props: map[string]any{}}
	for k, v := range n.Props {
		switch {
		case k == "id":
			out.ID, _ = v.(string)
		case k == "kind":
			s, _ := v.(string)
			out.Kind = graph.Kind(s)
		case strings.HasPrefix(k, "_"):
		default:
			out.Props[k] = plain(v)
		}
	}
	out.Provenance = provenance(n.Props)
	return out
}

func toRelationship(from, to string, r neo4j.Relationship) *graph.Relationship {
	out := &graph.Relationship{Type: graph.RelType(r.Type), From: from, To: to, Props: map[string]any{}}
	for k, v := range r.Props {
		if !strings.HasPrefix(k, "_") {
			out.Props[k] = plain(v)
		}
	}
	out.Provenance = provenance(r.Props)
	return out
}

// plain turns Neo4j's []any lists into []string (all list properties are lists of text).
func plain(v any) any {
	if l, ok := v.([]any); ok {
		return graph.TextList(l)
	}
	return v
}

func provenance(props map[string]any) graph.Provenance {
	var p graph.Provenance
	seen, _ := plain(props["_seen"]).([]string)
	p.Sources = graph.SourcesOf(seen)
	p.FirstRun, _ = props["_firstRun"].(string)
	p.File, p.Line, p.LastRun = evidenceOf(props)
	if _, ok := props["_firstRun"]; !ok {
		p.FirstRun = p.LastRun // first stated in its last run (runOf, import.go)
	}
	return p
}

// evidenceOf reads a fact's file, line and last run from its `_ev` (evidence, import.go), or
// from the properties a graph written before has.
func evidenceOf(props map[string]any) (file string, line int, lastRun string) {
	if ev, ok := plain(props["_ev"]).([]string); ok && len(ev) == 4 {
		line, _ = strconv.Atoi(ev[2])
		return ev[1], line, ev[3]
	}
	file, _ = props["_file"].(string)
	if l, ok := props["_line"].(int64); ok {
		line = int(l)
	}
	lastRun, _ = props["_lastRun"].(string)
	return file, line, lastRun
}

// Nodes implements graph.Store.
func (s *Store) Nodes(ctx context.Context, ids []string) ([]*graph.Node, error) {
	recs, err := s.read(ctx, `UNWIND $ids AS id MATCH (n:Node {id: id}) RETURN n`, map[string]any{"ids": ids})
	if err != nil {
		return nil, err
	}
	out := make([]*graph.Node, 0, len(recs))
	for _, r := range recs {
		n, _ := r.Get("n")
		out = append(out, toNode(n.(neo4j.Node)))
	}
	return out, nil
}

// FindNodes implements graph.Store with keyset pagination on id, so pages stay stable and cheap
// however deep the client pages.
func (s *Store) FindNodes(ctx context.Context, f graph.NodeFilter, page graph.PageRequest) (*graph.NodePage, error) {
	params := map[string]any{"after": page.After, "limit": int64(page.First + 1)}
	sel := selectNodes(f, params)
	recs, err := s.read(ctx, sel+` AND n.id > $after RETURN n ORDER BY n.id LIMIT $limit`, params)
	if err != nil {
		return nil, err
	}
	out := &graph.NodePage{}
	for i, r := range recs {
		if i == page.First {
			out.HasNext = true
			break
		}
		n, _ := r.Get("n")
		out.Nodes = append(out.Nodes, toNode(n.(neo4j.Node)))
	}
	if page.WantTotal {
		recs, err := s.read(ctx, sel+` RETURN count(n) AS c`, params)
		if err != nil {
			return nil, err
		}
		c, _ := recs[0].Get("c")
		out.TotalCount = int(c.(int64))
	}
	return out, nil
}

// Edges implements graph.Store.
func (s *Store) Edges(ctx context.Context, ids []string, dir graph.Direction, types []graph.RelType) ([]*graph.Relationship, error) {
	q, params := edgesQuery(ids, dir, types, `a.id AS from, b.id AS to, r`)
	recs, err := s.read(ctx, q, params)
	if err != nil {
		return nil, err
	}
	out := make([]*graph.Relationship, 0, len(recs))
	for _, rec := range recs {
		from, _ := rec.Get("from")
		to, _ := rec.Get("to")
		r, _ := rec.Get("r")
		out = append(out, toRelationship(from.(string), to.(string), r.(neo4j.Relationship)))
	}
	return out, nil
}

// edgesQuery is the query of the relationships of ids in direction dir of types (any when
// none), binding a, r and b for ret, what each returns; with both directions a relationship
// between two of ids comes from both parts, and UNION keeps it once.
func edgesQuery(ids []string, dir graph.Direction, types []graph.RelType, ret string) (string, map[string]any) {
	params := map[string]any{"ids": ids}
	typeCond := "true"
	if len(types) > 0 {
		ts := make([]string, len(types))
		for i, t := range types {
			ts[i] = string(t)
		}
		params["types"] = ts
		typeCond = "type(r) IN $types"
	}
	var parts []string
	if dir == graph.Out || dir == graph.Both {
		parts = append(parts, `UNWIND $ids AS id MATCH (a:Node {id: id})-[r]->(b:Node) WHERE `+typeCond+` RETURN `+ret)
	}
	if dir == graph.In || dir == graph.Both {
		parts = append(parts, `UNWIND $ids AS id MATCH (a:Node)-[r]->(b:Node {id: id}) WHERE `+typeCond+` RETURN `+ret)
	}
	return strings.Join(parts, " UNION "), params
}

// Runs implements graph.Store.
func (s *Store) Runs(ctx context.Context, q graph.RunQuery) ([]*graph.RunRecord, error) {
	params := map[string]any{"limit": int64(q.Limit)}
	cond := "true"
	switch {
	case len(q.IDs) > 0:
		params["ids"] = q.IDs
		cond = "r.id IN $ids"
	case len(q.Sources) > 0:
		params["sources"] = q.Sources
		cond = "any(s IN r.sources WHERE s IN $sources)"
	}
	limit := ""
	if q.Limit > 0 {
		limit = " LIMIT $limit"
	}
	recs, err := s.read(ctx, `MATCH (r:ImportRun) WHERE `+cond+` RETURN r ORDER BY r.startedAt DESC, r.id DESC`+limit, params)
	if err != nil {
		return nil, err
	}
	out := make([]*graph.RunRecord, 0, len(recs))
	for _, rec := range recs {
		n, _ := rec.Get("r")
		run, err := decodeRun(n.(neo4j.Node).Props)
		if err != nil {
			return nil, err
		}
		out = append(out, run)
	}
	return out, nil
}

func asTime(v any) time.Time {
	t, _ := v.(time.Time)
	return t.UTC()
}
