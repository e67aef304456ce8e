package neo4jstore

import (
	"context"
	"fmt"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/aimsgraph/aimsgraph/auth"
)

// API tokens are :ApiToken nodes, never labelled :Node, so no graph query (all of which match
// :Node) sees them; uniqueness constraints on name and hash are in the schema list. Their queries
// go straight to the driver, not through s.query: they are not graph questions, and tests count
// those.

var _ auth.TokenStore = (*Store)(nil)

func (s *Store) tokenQuery(ctx context.Context, q string, params map[string]any, write bool) ([]*neo4j.Record, error) {
	routing := neo4j.ExecuteQueryWithReadersRouting()
	if write {
		routing = neo4j.ExecuteQueryWithWritersRouting()
	}
	var res *neo4j.EagerResult
	err := retryTransient(ctx, func() (err error) {
		res, err = neo4j.ExecuteQuery(ctx, s.driver, q, params, neo4j.EagerResultTransformer, routing, neo4j.ExecuteQueryWithDatabase(s.db))
		return err
	})
	if err != nil {
		return nil, wrapErr(err)
	}
	return res.Records, nil
}

// CreateToken implements auth.TokenStore. MERGE on the name makes a taken name visible without
// racing another creator: the constraint decides.
func (s *Store) CreateToken(ctx context.Context, t auth.Token) error {
	recs, err := s.tokenQuery(ctx, `MERGE (t:ApiToken {name: $name})
ON CREATE SET t.role = $role, t.hash = $hash, t.createdAt = $created, t._new = true
WITH t, coalesce(t._new, false) AS created REMOVE t._new RETURN created`,
		map[string]any{"name": t.Name, "role": t.Role.String(), "hash": t.Hash, "created": t.CreatedAt.UTC()}, true)
	if err != nil {
		return err
	}
	if created, _ := recs[0].Get("created"); created != true {
		return fmt.Errorf("%w: %q", auth.ErrTokenExists, t.Name)
	}
	return nil
}

// Tokens implements auth.TokenStore.
func (s *Store) Tokens(ctx context.Context) ([]auth.Token, error) {
	recs, err := s.tokenQuery(ctx, `MATCH (t:ApiToken) RETURN t ORDER BY t.name`, nil, false)
	if err != nil {
		return nil, err
	}
	out := make([]auth.Token, 0, len(recs))
	for _, r := range recs {
		n, _ := r.Get("t")
		t, err := toToken(n.(neo4j.Node).Props)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

func toToken(props map[string]any) (auth.Token, error) {
	name, _ := props["name"].(string)
	roleName, _ := props["role"].(string)
	role, err := auth.ParseRole(roleName)
	if err != nil {
		return auth.Token{}, fmt.Errorf("token %q: %w", name, err)
	}
	hash, _ := props["hash"].(string)
	return auth.Token{Name: name, Role: role, Hash: hash, CreatedAt: asTime(props["createdAt"]), LastUsed: asTime(props["lastUsed"])}, nil
}

// RevokeToken implements auth.TokenStore.
func (s *Store) RevokeToken(ctx context.Context, name string) error {
	recs, err := s.tokenQuery(ctx, `MATCH (t:ApiToken {name: $name}) DELETE t RETURN count(*) AS n`, map[string]any{"name": name}, true)
	if err != nil {
		return err
	}
	if n, _ := recs[0].Get("n"); n == int64(0) {
		return fmt.Errorf("%w: %q", auth.ErrNoToken, name)
	}
	return nil
}

// TokenByHash implements auth.TokenStore.
func (s *Store) TokenByHash(ctx context.Context, hash string) (*auth.Token, error) {
	recs, err := s.tokenQuery(ctx, `MATCH (t:ApiToken {hash: $hash}) RETURN t`, map[string]any{"hash": hash}, false)
	if err != nil || len(recs) == 0 {
		return nil, err
	}
	n, _ := recs[0].Get("t")
	t, err := toToken(n.(neo4j.Node).Props)
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// TouchToken implements auth.TokenStore.
func (s *Store) TouchToken(ctx context.Context, name string, at time.Time) error {
	_, err := s.tokenQuery(ctx, `MATCH (t:ApiToken {name: $name}) SET t.lastUsed = $at`, map[string]any{"name": name, "at": at.UTC()}, true)
	return err
}
