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

	"github.com/aimsgraph/aimsgraph/graph/storetest"
	"github.com/aimsgraph/aimsgraph/importer"
	"github.com/aimsgraph/aimsgraph/resolvers"
	"github.com/aimsgraph/aimsgraph/server"
)

// TestExportDownloads: serve's downloads are `aimsgraph export`'s (the reader role they need is
// in TestRolesAgainstEndpoints).
func TestExportDownloads(t *testing.T) {
	for _, st := range allStores {
		t.Run(st.Name, func(t *testing.T) {
			s := st.Open(t)
			storetest.Import(t, s, importer.Options{}, storetest.Testdata(t, "estate"))
			h := server.New(s, server.Options{Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
			get := func(path string) *http.Response {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
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
			r := get("/api/v1/export/soa")
			rows, err := csv.NewReader(r.Body).ReadAll()
			if r.StatusCode != http.StatusOK || err != nil || len(rows) != 39 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") {
				t.Errorf("soa: HTTP %d, %d rows (%v)", r.StatusCode, len(rows), err)
			}
			r = get("/api/v1/export/assets?format=xlsx&asOf=2020-01-01")
			if b, _ := io.ReadAll(r.Body); r.StatusCode != http.StatusOK || !strings.HasPrefix(string(b), "PK") ||
				!strings.Contains(r.Header.Get("Content-Disposition"), "assets.xlsx") {
				t.Errorf("assets as a workbook: HTTP %d %v", r.StatusCode, r.Header)
			}
			for _, bad := range []string{"/api/v1/export/risks", "/api/v1/export/ropa?format=ciso-assistant", "/api/v1/export/ropa?asOf=yesterday"} {
				if r := get(bad); r.StatusCode != http.StatusBadRequest || code(r) != resolvers.CodeBadInput {
					t.Errorf("%s: HTTP %d", bad, r.StatusCode)
				}
			}
		})
	}
}
