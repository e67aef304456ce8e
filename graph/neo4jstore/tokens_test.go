package neo4jstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/aimsgraph/aimsgraph/auth"
	"github.com/aimsgraph/aimsgraph/auth/tokentest"
	"github.com/aimsgraph/aimsgraph/graph"
	"github.com/aimsgraph/aimsgraph/internal/neo4jtest"
)

var testTime = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func TestTokens(t *testing.T) { tokentest.Run(t, neo4jtest.Fresh(t)) }

// Tokens are not :Node: no graph question sees them.
func TestTokensOutsideTheGraph(t *testing.T) {
	ctx := context.Background()
	s := neo4jtest.Fresh(t)
	tok, _, _ := auth.NewToken("ops", auth.Admin, testTime)
	if err := s.CreateToken(ctx, tok); err != nil {
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
