package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/aimsgraph/aimsgraph/auth"
	"github.com/aimsgraph/aimsgraph/graph"
)

// tokenStore is the store as an auth.TokenStore; a store that keeps no tokens skips these cases.
func tokenStore(t *testing.T, s graph.Store) auth.TokenStore {
	ts, ok := s.(auth.TokenStore)
	if !ok {
		t.Skipf("%T keeps no API tokens", s)
	}
	return ts
}

// testTokensOutsideTheGraph: a token is kept beside the graph, never in it, so no graph question
// sees it.
func testTokensOutsideTheGraph(t *testing.T, s graph.Store) {
	ctx := context.Background()
	tok, _, _ := auth.NewToken("ops", auth.Admin, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	if err := tokenStore(t, s).CreateToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	page, err := s.FindNodes(ctx, graph.NodeFilter{}, graph.PageRequest{First: 10, WantTotal: true})
	if err != nil || page.TotalCount != 0 {
		t.Errorf("the graph holds %d nodes (%v), want none", page.TotalCount, err)
	}
	if kinds, _ := s.KindsOf(ctx, []string{"ops"}); len(kinds) != 0 {
		t.Errorf("a token is found as a node: %v", kinds)
	}
}
