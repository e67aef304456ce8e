// Package aimsgraph holds what the whole module shares at its root: the sample estate that
// `aimsgraph serve --demo` loads, and the code generation step.
package aimsgraph

import "embed"

//go:generate go tool gqlgen generate --config gqlgen.yml

// SampleEstate is testdata/estate, the Northbridge Bank sample estate, built into the binary so
// `serve --demo` works from any directory.
//
//go:embed testdata/estate
var SampleEstate embed.FS
