// Package tokentest is the conformance suite of auth.TokenStore: both graph stores run it, as
// they run graph/storetest for the graph.
package tokentest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aimsgraph/aimsgraph/auth"
)

// Run checks a TokenStore that starts empty.
func Run(t *testing.T, s auth.TokenStore) {
	ctx := context.Background()
	created := time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)
	if toks, err := s.Tokens(ctx); err != nil || len(toks) != 0 {
		t.Fatalf("a new store holds tokens: %v %v", toks, err)
	}
	reader, readerSecret, err := auth.NewToken("ci-reader", auth.Reader, created)
	if err != nil {
		t.Fatal(err)
	}
	admin, _, _ := auth.NewToken("alice@example.org", auth.Admin, created.Add(time.Hour))
	for _, tok := range []auth.Token{reader, admin} {
		if err := s.CreateToken(ctx, tok); err != nil {
			t.Fatalf("creating %s: %v", tok.Name, err)
		}
	}

	t.Run("a name is taken once", func(t *testing.T) {
		again, _, _ := auth.NewToken("ci-reader", auth.Admin, created)
		if err := s.CreateToken(ctx, again); !errors.Is(err, auth.ErrTokenExists) {
			t.Errorf("second token called ci-reader: %v, want ErrTokenExists", err)
		}
		got, _ := s.TokenByHash(ctx, reader.Hash)
		if got == nil || got.Role != auth.Reader {
			t.Errorf("the first ci-reader changed: %+v", got)
		}
	})

	t.Run("list by name, no secrets", func(t *testing.T) {
		toks, err := s.Tokens(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(toks) != 2 || toks[0].Name != "alice@example.org" || toks[1].Name != "ci-reader" {
			t.Fatalf("tokens: %+v", toks)
		}
		if toks[1].Role != auth.Reader || !toks[1].CreatedAt.Equal(created) || !toks[1].LastUsed.IsZero() {
			t.Errorf("ci-reader listed as %+v", toks[1])
		}
		if toks[1].Hash == readerSecret || toks[1].Hash != auth.HashSecret(readerSecret) {
			t.Errorf("the store keeps %q, want the secret's hash", toks[1].Hash)
		}
	})

	t.Run("look up by hash", func(t *testing.T) {
		got, err := s.TokenByHash(ctx, auth.HashSecret(readerSecret))
		if err != nil || got == nil || got.Name != "ci-reader" || got.Role != auth.Reader {
			t.Errorf("lookup: %+v %v", got, err)
		}
		got, err = s.TokenByHash(ctx, auth.HashSecret("agt_unknown"))
		if err != nil || got != nil {
			t.Errorf("unknown secret: %+v %v, want nil", got, err)
		}
	})

	t.Run("touch records the last use", func(t *testing.T) {
		used := created.Add(48 * time.Hour)
		if err := s.TouchToken(ctx, "ci-reader", used); err != nil {
			t.Fatal(err)
		}
		got, _ := s.TokenByHash(ctx, reader.Hash)
		if got == nil || !got.LastUsed.Equal(used) {
			t.Errorf("after touch: %+v, want last used %v", got, used)
		}
		if err := s.TouchToken(ctx, "no-such-token", used); err != nil {
			t.Errorf("touching a missing token: %v", err)
		}
	})

	t.Run("revoke", func(t *testing.T) {
		if err := s.RevokeToken(ctx, "ci-reader"); err != nil {
			t.Fatal(err)
		}
		if got, err := s.TokenByHash(ctx, reader.Hash); err != nil || got != nil {
			t.Errorf("revoked token still found: %+v %v", got, err)
		}
		if err := s.RevokeToken(ctx, "ci-reader"); !errors.Is(err, auth.ErrNoToken) {
			t.Errorf("revoking twice: %v, want ErrNoToken", err)
		}
		toks, _ := s.Tokens(ctx)
		if len(toks) != 1 || toks[0].Name != "alice@example.org" {
			t.Errorf("after revoke: %+v", toks)
		}
		// The name is free again.
		again, _, _ := auth.NewToken("ci-reader", auth.Ingester, created)
		if err := s.CreateToken(ctx, again); err != nil {
			t.Errorf("re-creating a revoked name: %v", err)
		}
	})
}
