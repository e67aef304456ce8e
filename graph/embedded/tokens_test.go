package embedded_test

import (
	"context"
	"testing"
	"time"

	"github.com/aimsgraph/aimsgraph/auth"
	"github.com/aimsgraph/aimsgraph/graph"
	"github.com/aimsgraph/aimsgraph/graph/embedded"
)

// Tokens survive a reopen and stay out of the graph (the conformance suite checks both stores
// without a reopen).
func TestTokensPersistOutsideTheGraph(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := embedded.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	tok, _, _ := auth.NewToken("ops", auth.Admin, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	if err := s.CreateToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	_ = s.Close(ctx)
	s, err = embedded.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	if got, _ := s.TokenByHash(ctx, tok.Hash); got == nil || got.Name != "ops" {
		t.Errorf("after reopen: %+v", got)
	}
	page, err := s.FindNodes(ctx, graph.NodeFilter{}, graph.PageRequest{First: 10, WantTotal: true})
	if err != nil || page.TotalCount != 0 {
		t.Errorf("the graph holds %d nodes (%v), want none", page.TotalCount, err)
	}
}
