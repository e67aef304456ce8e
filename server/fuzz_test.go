package server_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aimsgraph/aimsgraph/internal/embeddedtest"
	"github.com/aimsgraph/aimsgraph/server"
)

// FuzzGraphQLRequest sends any body to /graphql: the answer is always a GraphQL-shaped JSON
// body with a status the API documents, never a panic, and never longer than the caps allow.
func FuzzGraphQLRequest(f *testing.F) {
	for _, seed := range []string{
		`{"query": "{ node(id: \"ds:bureau-feed\") { id name } }"}`,
		`{"query": "query($d: Int) { impact(sources: {kinds: [DATASET]}, maxDepth: $d) { truncated } }", "variables": {"d": 3}}`,
		`{"query": "{ ...F } fragment F on Query { ...F }"}`,
		`{"query": "{ a: node(id: 1) { id } a: nodes { totalCount } }"}`,
		`{"query": `, `[]`, `{"variables": "x"}`, `{"query": "{ __schema { types { name } } }"}`,
	} {
		f.Add([]byte(seed))
	}
	h := server.New(embeddedtest.Fresh(f), server.Options{MaxBodyBytes: 64 << 10})
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest("POST", "/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		switch w.Code {
		case http.StatusOK, http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity:
		default:
			t.Fatalf("HTTP %d for %q", w.Code, body)
		}
		var r struct {
			Data   json.RawMessage   `json:"data"`
			Errors []json.RawMessage `json:"errors"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &r); err != nil {
			t.Fatalf("the answer is not JSON: %v\n%s", err, w.Body.Bytes())
		}
		if len(r.Errors) > 21 {
			t.Fatalf("%d errors in one answer", len(r.Errors))
		}
		if w.Code != http.StatusOK && len(body) > 200 && bytes.Contains(w.Body.Bytes(), body[:200]) {
			t.Fatalf("the body was echoed back")
		}
	})
}
