package auth

import (
	"net/http/httptest"
	"testing"
)

// CrossOrigin believes the browser's Sec-Fetch-Site first, then compares Origin with Host, ports
// defaulted by scheme; a request with neither header is no browser's and passes.
func TestCrossOrigin(t *testing.T) {
	for _, tc := range []struct {
		host, origin, site string
		cross              bool
	}{
		{"localhost:8080", "", "", false},
		{"localhost:8080", "http://localhost:8080", "", false},
		{"LOCALHOST:8080", "http://localhost:8080", "", false},
		{"localhost", "http://localhost:80", "", false},
		{"localhost:80", "http://localhost", "", false},
		{"aimsgraph.example.org", "https://aimsgraph.example.org:443", "", false},
		{"[::1]:8080", "http://[::1]:8080", "", false},
		{"127.0.0.1:8080", "", "same-origin", false},
		{"127.0.0.1:8080", "https://aimsgraph.example.org", "same-origin", false}, // a proxy set Host
		{"127.0.0.1:8080", "", "none", false},
		{"localhost:8080", "http://localhost:3000", "", true},
		{"localhost:8080", "http://localhost:3000", "same-site", true},
		{"localhost:8080", "", "cross-site", true},
		{"localhost:8080", "http://localhost:8080", "cross-site", true},
		{"localhost:8080", "null", "", true},
		{"localhost:8080", "file://", "", true},
		{"localhost:8080", "http://evil.example", "", true},
		{"localhost:8080", "http://localhost:8080.evil.example", "", true},
	} {
		r := httptest.NewRequest("POST", "/graphql", nil)
		r.Host = tc.host
		if tc.origin != "" {
			r.Header.Set("Origin", tc.origin)
		}
		if tc.site != "" {
			r.Header.Set("Sec-Fetch-Site", tc.site)
		}
		if got := CrossOrigin(r) != ""; got != tc.cross {
			t.Errorf("Host %q, Origin %q, Sec-Fetch-Site %q: cross-origin %v, want %v", tc.host, tc.origin, tc.site, got, tc.cross)
		}
	}
}
