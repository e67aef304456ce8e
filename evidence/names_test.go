package evidence

import (
	"strings"
	"testing"
)

func TestFolderNames(t *testing.T) {
	ids := []string{"dec:loan-approval", "ds:ol:warehouse/public.loans", "DS:A", "ds:a", "..", ".hidden", strings.Repeat("x", 300)}
	names := FolderNames(ids)
	if names["dec:loan-approval"] != "dec%3Aloan-approval" {
		t.Errorf("dec:loan-approval -> %q", names["dec:loan-approval"])
	}
	checkNames(t, ids, names)
}

// checkNames: every name is safe in a path on any file system, and unique without case.
func checkNames(t *testing.T, ids []string, names map[string]string) {
	t.Helper()
	seen := map[string]string{}
	for _, id := range ids {
		n := names[id]
		if n == "" || len(n) > maxNameLen+9 || strings.HasPrefix(n, ".") || strings.ContainsAny(n, "/\\:*?\"<>|\x00 ") {
			t.Errorf("%q -> unsafe folder name %q", id, n)
		}
		if other, ok := seen[strings.ToLower(n)]; ok && other != id {
			t.Errorf("%q and %q share the folder name %q", id, other, n)
		}
		seen[strings.ToLower(n)] = id
	}
}

// FuzzFolderNames: ids come from outside (files, the API); any set of them gets safe, unique names.
func FuzzFolderNames(f *testing.F) {
	f.Add("dec:loan-approval", "DEC:LOAN-APPROVAL", "ds:ol:ns/name")
	f.Add("..", ".", "%2E")
	f.Fuzz(func(t *testing.T, a, b, c string) {
		ids := []string{a}
		for _, x := range []string{b, c} {
			if x != a && x != ids[len(ids)-1] {
				ids = append(ids, x)
			}
		}
		checkNames(t, dedupe(ids), FolderNames(dedupe(ids)))
	})
}
