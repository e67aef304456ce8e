package resolvers

import "time"

// Limits are the server's caps. Arguments above a cap are BAD_USER_INPUT errors, not silently
// lowered: an auditor must know when an answer was not the one asked for.
type Limits struct {
	DefaultDepth    int           // maxDepth when not given (docs/api.md: at least 10)
	MaxDepth        int           // largest maxDepth
	DefaultPageSize int           // first of nodes when not given
	MaxPageSize     int           // largest first of nodes and paths
	MaxResults      int           // largest limit of lineage and impact, and their default
	MaxPathsPerItem int           // largest pathsPerItem of impact
	MaxChanges      int           // largest limit of changes
	MaxComplexity   int           // largest query complexity (gqlgen's measure)
	MaxQueryDepth   int           // deepest selection nesting
	Timeout         time.Duration // per request; passed to Neo4j as the transaction timeout
}

// Defaults of arguments that are not limits: the server's complexity measure weighs a field
// whose argument is not given as the resolver answers it.
const (
	DefaultPathsPerItem = 3  // pathsPerItem of impact, reaches and exposes
	DefaultRuns         = 20 // last of importRuns
)

// DefaultLimits are the limits `aimsgraph serve` starts with.
func DefaultLimits() Limits {
	return Limits{
		DefaultDepth: 10, MaxDepth: 25,
		DefaultPageSize: 50, MaxPageSize: 500,
		MaxResults: 1000, MaxPathsPerItem: 20, MaxChanges: 10000,
		MaxComplexity: 50000, MaxQueryDepth: 15,
		Timeout: 30 * time.Second,
	}
}
