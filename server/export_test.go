package server_test

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aimsgraph/aimsgraph/auth"
	"github.com/aimsgraph/aimsgraph/graph/storetest"
	"github.com/aimsgraph/aimsgraph/importer"
	"github.com/aimsgraph/aimsgraph/resolvers"
	"github.com/aimsgraph/aimsgraph/server"
)

// as stands in for the middleware that identifies callers (docs/operations.md): every request
// is p's, or nobody's when p is nil.
func as(p *auth.Principal, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p != nil {
			r = r.WithContext(auth.WithPrincipal(r.Context(), *p))
		}
		h.ServeHTTP(w, r)
	})
}

// TestExportDownloads: serve's downloads are `aimsgraph export`'s, for the reader role.
func TestExportDownloads(t *testing.T) {
	for _, st := range allStores {
		t.Run(st.name, func(t *testing.T) {
			s := st.open(t)
			storetest.Import(t, s, importer.Options{}, storetest.Testdata(t, "estate"))
			h := server.New(s, resolvers.DefaultLimits(), slog.New(slog.NewTextHandler(io.Discard, nil)))
			get := func(p *auth.Principal, path string) *http.Response {
				rec := httptest.NewRecorder()
				as(p, h).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
				return rec.Result()
			}
			code := func(resp *http.Response) string {
				var body struct {
					Errors []struct{ Extensions map[string]string }
				}
				_ = json.NewDecoder(resp.Body).Decode(&body)
				if len(body.Errors) == 0 {
					return ""
				}
				return body.Errors[0].Extensions["code"]
			}
			reader := &auth.Principal{Name: "auditor", Role: auth.Reader}
			if r := get(nil, "/api/v1/export/soa"); r.StatusCode != http.StatusUnauthorized || code(r) != auth.CodeUnauthenticated {
				t.Errorf("no token: HTTP %d", r.StatusCode)
			}
			if r := get(&auth.Principal{Name: "none"}, "/api/v1/export/soa"); r.StatusCode != http.StatusForbidden || code(r) != auth.CodeForbidden {
				t.Errorf("no role: HTTP %d", r.StatusCode)
			}
			r := get(reader, "/api/v1/export/soa")
			rows, err := csv.NewReader(r.Body).ReadAll()
			if r.StatusCode != http.StatusOK || err != nil || len(rows) != 39 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") {
				t.Errorf("soa: HTTP %d, %d rows (%v)", r.StatusCode, len(rows), err)
			}
			r = get(reader, "/api/v1/export/assets?format=xlsx&asOf=2020-01-01")
			if b, _ := io.ReadAll(r.Body); r.StatusCode != http.StatusOK || !strings.HasPrefix(string(b), "PK") ||
				!strings.Contains(r.Header.Get("Content-Disposition"), "assets.xlsx") {
				t.Errorf("assets as a workbook: HTTP %d %v", r.StatusCode, r.Header)
			}
			for _, bad := range []string{"/api/v1/export/risks", "/api/v1/export/ropa?format=ciso-assistant", "/api/v1/export/ropa?asOf=yesterday"} {
				if r := get(reader, bad); r.StatusCode != http.StatusBadRequest || code(r) != resolvers.CodeBadInput {
					t.Errorf("%s: HTTP %d", bad, r.StatusCode)
				}
			}
		})
	}
}
