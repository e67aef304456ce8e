package embedded

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/aimsgraph/aimsgraph/auth"
	"github.com/aimsgraph/aimsgraph/graph"
)

// API tokens live in a bucket of their own, keyed by name, beside the graph but never loaded into
// it. They are read from bbolt on each lookup (the authenticator caches them): there are few, and
// a token created or revoked by another process is seen without a restart.
var bucketTokens = []byte("tokens")

var _ auth.TokenStore = (*Store)(nil)

// tokenRec is a token as stored.
type tokenRec struct {
	Name      string    `json:"name"`
	Role      string    `json:"role"`
	Hash      string    `json:"hash"`
	CreatedAt time.Time `json:"createdAt"`
	LastUsed  time.Time `json:"lastUsed,omitzero"`
}

func (r tokenRec) token() (auth.Token, error) {
	role, err := auth.ParseRole(r.Role)
	if err != nil {
		return auth.Token{}, fmt.Errorf("token %q: %w", r.Name, err)
	}
	return auth.Token{Name: r.Name, Role: role, Hash: r.Hash, CreatedAt: r.CreatedAt, LastUsed: r.LastUsed}, nil
}

func unavailable(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%w: %v", graph.ErrUnavailable, err)
}

// CreateToken implements auth.TokenStore.
func (s *Store) CreateToken(ctx context.Context, t auth.Token) error {
	rec, err := json.Marshal(tokenRec{Name: t.Name, Role: t.Role.String(), Hash: t.Hash, CreatedAt: t.CreatedAt, LastUsed: t.LastUsed})
	if err != nil {
		return err
	}
	exists := false
	err = s.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketTokens)
		if err != nil {
			return err
		}
		if b.Get([]byte(t.Name)) != nil {
			exists = true
			return nil
		}
		return b.Put([]byte(t.Name), rec)
	})
	if err != nil {
		return unavailable(err)
	}
	if exists {
		return fmt.Errorf("%w: %q", auth.ErrTokenExists, t.Name)
	}
	return nil
}

// Tokens implements auth.TokenStore.
func (s *Store) Tokens(ctx context.Context) ([]auth.Token, error) {
	var out []auth.Token
	err := s.eachToken(func(r tokenRec) (bool, error) {
		t, err := r.token()
		out = append(out, t)
		return false, err
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, err
}

// eachToken calls fn with every stored token until fn says stop.
func (s *Store) eachToken(fn func(tokenRec) (stop bool, err error)) error {
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketTokens)
		if b == nil {
			return nil
		}
		c := b.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			var r tokenRec
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("token %q: %w", k, err)
			}
			if stop, err := fn(r); stop || err != nil {
				return err
			}
		}
		return nil
	})
	return unavailable(err)
}

// RevokeToken implements auth.TokenStore.
func (s *Store) RevokeToken(ctx context.Context, name string) error {
	found := false
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketTokens)
		if b == nil || b.Get([]byte(name)) == nil {
			return nil
		}
		found = true
		return b.Delete([]byte(name))
	})
	if err != nil {
		return unavailable(err)
	}
	if !found {
		return fmt.Errorf("%w: %q", auth.ErrNoToken, name)
	}
	return nil
}

// TokenByHash implements auth.TokenStore.
func (s *Store) TokenByHash(ctx context.Context, hash string) (*auth.Token, error) {
	var found *auth.Token
	err := s.eachToken(func(r tokenRec) (bool, error) {
		if r.Hash != hash {
			return false, nil
		}
		t, err := r.token()
		found = &t
		return true, err
	})
	if err != nil {
		return nil, err
	}
	return found, nil
}

// TouchToken implements auth.TokenStore.
func (s *Store) TouchToken(ctx context.Context, name string, at time.Time) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketTokens)
		if b == nil {
			return nil
		}
		v := b.Get([]byte(name))
		if v == nil {
			return nil
		}
		var r tokenRec
		if err := json.Unmarshal(v, &r); err != nil {
			return err
		}
		r.LastUsed = at.UTC()
		rec, err := json.Marshal(r)
		if err != nil {
			return err
		}
		return b.Put([]byte(name), rec)
	})
	return unavailable(err)
}
