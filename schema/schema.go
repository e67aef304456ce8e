// Package schema holds the GraphQL schema of aimsgraph, one .graphqls file per concern, and
// runnable example queries in examples/. gqlgen reads the .graphqls files (see gqlgen.yml); the
// server serves the examples to its web UI (/examples.json).
package schema

import "embed"

// Files holds the schema files and the examples.
//
//go:embed *.graphqls examples/*.graphql
var Files embed.FS
