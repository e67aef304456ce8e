package server

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

func TestQueryCacheIsBoundedByBytes(t *testing.T) {
	c := newQueryCache(64 * 1000)
	ctx := context.Background()
	doc := &ast.QueryDocument{}
	for i := range 1000 {
		c.Add(ctx, fmt.Sprintf("{ a%d }%s", i, strings.Repeat(" ", 900)), doc)
	}
	if docs, bytes := c.Len(); bytes > 64*1000 || docs == 0 {
		t.Errorf("%d documents of %d bytes kept, want at most 64000 bytes", docs, bytes)
	}
	if _, ok := c.Get(ctx, "{ a999 }"+strings.Repeat(" ", 900)); !ok {
		t.Error("the latest document was evicted")
	}
	if _, ok := c.Get(ctx, "{ a0 }"+strings.Repeat(" ", 900)); ok {
		t.Error("the oldest document is still kept")
	}
	big := "{ big }" + strings.Repeat(" ", 2000)
	c.Add(ctx, big, doc)
	if _, ok := c.Get(ctx, big); ok {
		t.Error("a document over 1/64 of the cache was kept")
	}
}

func TestExpandedSize(t *testing.T) {
	for _, tc := range []struct {
		query string
		want  int
	}{
		{`{ a b { c } }`, 3},
		{`{ ...F ...F } fragment F on Q { a b }`, 4},
		{`{ ...A } fragment A on Q { ...B ...B } fragment B on Q { ...C ...C } fragment C on Q { x }`, 4},
		{`{ ...A } fragment A on Q { a ...A }`, 1}, // a cycle counts once, validation refuses it
		{`{ a } fragment Unused on Q { b c }`, 3},  // unused fragments are validated too
		{`{ ... on Q { a ... on Q { b } } }`, 2},   // inline fragments
		{fragmentChain(60), 1001},                  // 2^60 expanded: stops past the limit
	} {
		doc, err := parser.ParseQuery(&ast.Source{Input: tc.query})
		if err != nil {
			t.Fatal(err)
		}
		if got := expandedSize(doc, 1000); got != tc.want {
			t.Errorf("%.60s: %d, want %d", tc.query, got, tc.want)
		}
	}
}

func fragmentChain(n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "{ ...F%d }\nfragment F0 on Q { x }\n", n)
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "fragment F%d on Q { ...F%d ...F%d }\n", i, i-1, i-1)
	}
	return b.String()
}
