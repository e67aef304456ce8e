package auth

import (
	"strings"
	"testing"
)

// FuzzBearer reads any Authorization header: a secret comes out only of a Bearer header, without
// surrounding space, and never the scheme itself.
func FuzzBearer(f *testing.F) {
	for _, s := range []string{"Bearer agt_abc", "bearer  agt_x ", "Basic dXNlcjpwYXNz", "Bearer", "", "BEARER\tx"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		s := bearer(header)
		if s == "" {
			return
		}
		if !strings.EqualFold(header[:7], "bearer ") || s != strings.TrimSpace(s) || !strings.Contains(header, s) {
			t.Fatalf("bearer(%q) = %q", header, s)
		}
	})
}
