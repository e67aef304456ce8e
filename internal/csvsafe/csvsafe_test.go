package csvsafe_test

import (
	"strings"
	"testing"

	"github.com/aimsgraph/aimsgraph/internal/csvsafe"
)

func TestDefuse(t *testing.T) {
	for _, tc := range []struct{ in, out string }{
		{`=HYPERLINK("http://x","click")`, `'=HYPERLINK("http://x","click")`},
		{"+1", "'+1"},
		{"-2+3", "'-2+3"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\tx", "'\tx"},
		{"\rx", "'\rx"},
		{"'=x", "''=x"}, // an apostrophe the data holds survives the round trip
		{"ds:bureau-feed", "ds:bureau-feed"},
		{"'tis", "'tis"},
		{"", ""},
		{"'", "'"},
	} {
		if got := csvsafe.Defuse(tc.in); got != tc.out {
			t.Errorf("Defuse(%q) = %q, want %q", tc.in, got, tc.out)
		}
		if got := csvsafe.Restore(tc.out); got != tc.in {
			t.Errorf("Restore(%q) = %q, want %q", tc.out, got, tc.in)
		}
	}
}

// FuzzDefuse: any cell comes back from Restore as it was, and no defused cell starts a formula.
func FuzzDefuse(f *testing.F) {
	for _, s := range []string{"=1+1", "'=x", "''-", "plain", "'", "", "\t", "@"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d := csvsafe.Defuse(s)
		if got := csvsafe.Restore(d); got != s {
			t.Fatalf("Restore(Defuse(%q)) = %q", s, got)
		}
		if d != "" && strings.ContainsRune("=+-@\t\r", rune(d[0])) {
			t.Fatalf("Defuse(%q) = %q starts a formula", s, d)
		}
	})
}
