package server

import (
	"container/list"
	"context"
	"crypto/sha256"
	"strings"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/aimsgraph/aimsgraph/resolvers"
)

// The limits of this file keep one request from taking the server down before a resolver runs
// (docs/api.md, "Limits"). gqlparser's validation has rules whose work grows with the document
// expanded through its fragments, which can be exponential in the document's size (each fragment
// spreading the previous one twice); none of it looks at the request's deadline. So a document is
// measured first, in time linear in its size, and refused before validation when its parse needs
// more than MaxTokens tokens or its expansion more than MaxSelections selections.

// preflight measures a document before gqlgen parses and validates it.
type preflight struct {
	maxTokens, maxSelections int
	cache                    *queryCache // documents in it passed already
}

func (p *preflight) ExtensionName() string                   { return "Preflight" }
func (p *preflight) Validate(graphql.ExecutableSchema) error { return nil }

func (p *preflight) MutateOperationParameters(ctx context.Context, params *graphql.RawParams) *gqlerror.Error {
	if p.cache.has(params.Query) {
		return nil
	}
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: params.Query}, p.maxTokens)
	if err != nil {
		gerr, ok := err.(*gqlerror.Error)
		if !ok {
			gerr = gqlerror.Errorf("%s", err)
		}
		if strings.Contains(gerr.Message, "token limit") {
			return coded(gqlerror.Errorf("the query has more than %d tokens, the most this server parses; split it", p.maxTokens), resolvers.CodeTooComplex)
		}
		return coded(gerr, codeParseFailed)
	}
	if n := expandedSize(doc, p.maxSelections); n > p.maxSelections {
		return coded(gqlerror.Errorf("the query expands through its fragments to more than %d selections, the most this server accepts", p.maxSelections),
			resolvers.CodeTooComplex)
	}
	return nil
}

// codeParseFailed is gqlgen's code for a document that does not parse.
const codeParseFailed = "GRAPHQL_PARSE_FAILED"

func coded(e *gqlerror.Error, code string) *gqlerror.Error {
	e.Extensions = map[string]any{"code": code}
	return e
}

// expandedSize counts the selections of the document's operations with every fragment spread
// replaced by its fragment, stopping once past limit. Each fragment is measured once (memo), so
// the count costs time linear in the document even when its expansion is exponential; a fragment
// cycle counts as nothing (validation reports it).
func expandedSize(doc *ast.QueryDocument, limit int) int {
	memo := map[string]int{}
	inProgress := map[string]bool{}
	var size func(ast.SelectionSet) int
	size = func(set ast.SelectionSet) int {
		n := 0
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				n = saturatingAdd(n, 1+size(s.SelectionSet), limit)
			case *ast.InlineFragment:
				n = saturatingAdd(n, size(s.SelectionSet), limit)
			case *ast.FragmentSpread:
				m, done := memo[s.Name]
				if !done && !inProgress[s.Name] {
					if f := doc.Fragments.ForName(s.Name); f != nil {
						inProgress[s.Name] = true
						m = size(f.SelectionSet)
						inProgress[s.Name] = false
					}
					memo[s.Name] = m
				}
				n = saturatingAdd(n, m, limit)
			}
		}
		return n
	}
	total := 0
	for _, op := range doc.Operations {
		total = saturatingAdd(total, size(op.SelectionSet), limit)
	}
	for _, f := range doc.Fragments {
		// Unused fragments are validated too.
		if _, done := memo[f.Name]; !done {
			total = saturatingAdd(total, size(f.SelectionSet), limit)
		}
	}
	return total
}

func saturatingAdd(a, b, limit int) int {
	if a+b > limit {
		return limit + 1
	}
	return a + b
}

// traversalFields are the root fields that walk or scan the graph; a request may ask for a few
// only, whatever its complexity (each can cost seconds of store work).
var traversalFields = map[string]bool{"lineage": true, "paths": true, "impact": true, "exposure": true, "gaps": true, "changes": true}

// traversalLimit refuses operations with more than max traversal fields at their root.
type traversalLimit struct{ max int }

func (t *traversalLimit) ExtensionName() string                   { return "TraversalLimit" }
func (t *traversalLimit) Validate(graphql.ExecutableSchema) error { return nil }
func (t *traversalLimit) MutateOperationContext(ctx context.Context, op *graphql.OperationContext) *gqlerror.Error {
	if op.Operation == nil || t.max <= 0 {
		return nil
	}
	if n := countTraversals(op.Operation.SelectionSet, op.Doc.Fragments); n > t.max {
		return coded(gqlerror.Errorf("the query asks for %d traversals (lineage, paths, impact, exposure, gaps, changes); this server runs at most %d per request", n, t.max), resolvers.CodeTooComplex)
	}
	return nil
}

func countTraversals(set ast.SelectionSet, frags ast.FragmentDefinitionList) int {
	n := 0
	levelFields(set, frags, func(f *ast.Field) {
		if traversalFields[f.Name] {
			n++
		}
	})
	return n
}

// levelFields calls visit with each field set asks at its own level: the fields of its inline
// fragments and fragment spreads too, expanded. Fragment cycles are a validation error; the
// expansion stops 100 fragments deep regardless.
func levelFields(set ast.SelectionSet, frags ast.FragmentDefinitionList, visit func(*ast.Field)) {
	var walk func(ast.SelectionSet, int)
	walk = func(set ast.SelectionSet, nested int) {
		if nested > 100 {
			return
		}
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				visit(s)
			case *ast.InlineFragment:
				walk(s.SelectionSet, nested+1)
			case *ast.FragmentSpread:
				if f := frags.ForName(s.Name); f != nil {
					walk(f.SelectionSet, nested+1)
				}
			}
		}
	}
	walk(set, 0)
}

// depthLimit rejects operations nested deeper than max selections (introspection fields, whose
// standard query is deep, do not count).
func depthLimit(max int) graphql.HandlerExtension { return &queryDepth{max: max} }

type queryDepth struct{ max int }

func (q *queryDepth) ExtensionName() string                   { return "QueryDepthLimit" }
func (q *queryDepth) Validate(graphql.ExecutableSchema) error { return nil }
func (q *queryDepth) MutateOperationContext(ctx context.Context, op *graphql.OperationContext) *gqlerror.Error {
	if op.Operation == nil || q.max <= 0 {
		return nil
	}
	if d := depth(op.Operation.SelectionSet, op.Doc.Fragments, 0); d > q.max {
		return coded(gqlerror.Errorf("the query nests %d levels deep; this server allows %d", d, q.max), resolvers.CodeTooDeep)
	}
	return nil
}

// depth walks the expanded document; preflight has bounded its size.
func depth(set ast.SelectionSet, frags ast.FragmentDefinitionList, level int) int {
	if level > 100 {
		return level
	}
	deepest := 0
	levelFields(set, frags, func(f *ast.Field) {
		if !strings.HasPrefix(f.Name, "__") {
			deepest = max(deepest, 1+depth(f.SelectionSet, frags, level+1))
		}
	})
	return deepest
}

// queryCache keeps parsed and validated documents, keyed by the SHA-256 of their text, up to a
// total of maxBytes of query text (a parsed document holds its source). Documents larger than
// maxBytes/64 are not kept: a cache of a few large bodies would hold memory and save little.
type queryCache struct {
	maxBytes int
	mu       sync.Mutex
	bytes    int
	order    *list.List // of *cacheEntry, most recent first
	byKey    map[[32]byte]*list.Element
}

type cacheEntry struct {
	key  [32]byte
	doc  *ast.QueryDocument
	size int
}

func newQueryCache(maxBytes int) *queryCache {
	return &queryCache{maxBytes: maxBytes, order: list.New(), byKey: map[[32]byte]*list.Element{}}
}

// Get implements graphql.Cache.
func (c *queryCache) Get(ctx context.Context, query string) (*ast.QueryDocument, bool) {
	if c == nil || len(query) > c.maxBytes/64 { // never kept: no need to hash it
		return nil, false
	}
	key := sha256.Sum256([]byte(query))
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.byKey[key]; ok {
		c.order.MoveToFront(e)
		return e.Value.(*cacheEntry).doc, true
	}
	return nil, false
}

func (c *queryCache) has(query string) bool {
	_, ok := c.Get(context.Background(), query)
	return ok
}

// Add implements graphql.Cache.
func (c *queryCache) Add(ctx context.Context, query string, doc *ast.QueryDocument) {
	if c == nil || len(query) > c.maxBytes/64 {
		return
	}
	key := sha256.Sum256([]byte(query))
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.byKey[key]; ok {
		return
	}
	c.byKey[key] = c.order.PushFront(&cacheEntry{key: key, doc: doc, size: len(query)})
	c.bytes += len(query)
	for c.bytes > c.maxBytes {
		last := c.order.Back()
		e := last.Value.(*cacheEntry)
		c.order.Remove(last)
		delete(c.byKey, e.key)
		c.bytes -= e.size
	}
}

// Len returns the number of documents kept.
func (c *queryCache) Len() (docs, bytes int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.byKey), c.bytes
}
