// Package redact is the one rule for what a caller who is not an admin sees of where the graph's
// facts came from (docs/api.md, "Authentication"): nothing of the importing machine. An import
// run's user is an OS account name when the run came from the command line, and an absolute file
// path names a home folder or an account; both tell about the machine, nothing about the
// evidence, whose file names and SHA-256 stay. Whatever a caller can fetch applies it: the
// GraphQL answers (resolvers/model), the evidence pack (package evidence, for the server's
// download). The command line, run by the machine's own user, shows everything.
package redact

import (
	"context"
	"path"
	"slices"
	"strings"

	"github.com/aimsgraph/aimsgraph/auth"
	"github.com/aimsgraph/aimsgraph/graph"
)

// Whole reports whether the caller of ctx sees provenance whole: admins only. A context without
// a caller (not a request) sees none of it whole either; the command line does not ask.
func Whole(ctx context.Context) bool { return auth.Allowed(ctx, auth.Admin) }

// Path returns a file path as a caller who does not see it whole sees it: an absolute path (Unix,
// Windows or UNC) cut to its file name; a relative one (as given to the importer, or "request"
// for an ingested event) as it is.
func Path(p string) string {
	if !absolute(p) {
		return p
	}
	return path.Base(strings.ReplaceAll(p, `\`, "/"))
}

// absolute reports whether p is absolute on any system an import ran on: /home/..., \\server\share,
// C:\... or C:/..., whatever the system this server runs on.
func absolute(p string) bool {
	if strings.HasPrefix(p, "/") || strings.HasPrefix(p, `\`) || strings.Contains(p, `:\`) {
		return true
	}
	return len(p) >= 3 && p[1] == ':' && p[2] == '/' && (p[0]|0x20 >= 'a' && p[0]|0x20 <= 'z')
}

// User returns the user of an import run as a caller who does not see it whole sees it: none.
func User(string) string { return "" }

// Provenance returns p as a caller who does not see it whole sees it: its file by Path.
func Provenance(p graph.Provenance) graph.Provenance {
	p.File = Path(p.File)
	return p
}

// Run returns a copy of r as a caller who does not see it whole sees it: without its user, each
// file's path by Path. r itself is not changed (stores may hand out records they keep).
func Run(r *graph.RunRecord) *graph.RunRecord {
	if r == nil {
		return nil
	}
	c := *r
	c.User = User(r.User)
	c.Files = slices.Clone(r.Files)
	for i := range c.Files {
		c.Files[i].Path = Path(c.Files[i].Path)
	}
	return &c
}
