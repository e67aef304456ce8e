// Package web holds aimsgraph's web UI: the TypeScript sources in src/ and their build in dist/,
// which is committed and embedded here so the binary serves the UI with nothing else installed
// and no network (no CDN, fonts or remote assets). `make ui` rebuilds dist/ (npm ci + vite
// build); CI rebuilds it and fails when the committed build differs. See docs/ui.md.
package web

import (
	"embed"
	"io/fs"
)

//go:embed dist
var dist embed.FS

// Dist returns the built UI: index.html, favicon.svg and assets/ (content-hashed names).
func Dist() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // the embed pattern above guarantees dist exists
	}
	return sub
}
