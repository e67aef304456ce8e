package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/aimsgraph/aimsgraph/graph"
	"github.com/aimsgraph/aimsgraph/graph/neo4jstore"
)

// storeFlags are the flags every command that touches the store takes. Flags win over the
// environment variables of the same name.
type storeFlags struct {
	neo4j neo4jstore.Config
}

func (sf *storeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&sf.neo4j.URI, "neo4j-uri", os.Getenv("NEO4J_URI"), "Neo4j URI, e.g. bolt://127.0.0.1:7687 or neo4j+s://xxxx.databases.neo4j.io (env NEO4J_URI)")
	fs.StringVar(&sf.neo4j.Username, "neo4j-username", os.Getenv("NEO4J_USERNAME"), "Neo4j user; empty for no authentication (env NEO4J_USERNAME)")
	fs.StringVar(&sf.neo4j.Password, "neo4j-password", os.Getenv("NEO4J_PASSWORD"), "Neo4j password (env NEO4J_PASSWORD)")
	fs.StringVar(&sf.neo4j.Database, "neo4j-database", os.Getenv("NEO4J_DATABASE"), "Neo4j database; empty for the server default (env NEO4J_DATABASE)")
}

func (sf *storeFlags) configured() bool { return sf.neo4j.URI != "" }

// open opens the configured store.
func (sf *storeFlags) open(ctx context.Context) (graph.Store, error) {
	if !sf.configured() {
		return nil, fmt.Errorf("%w: no store configured: set NEO4J_URI (e.g. NEO4J_URI=bolt://127.0.0.1:7687 after `make neo4j-start`)", graph.ErrUnavailable)
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return neo4jstore.Open(ctx, sf.neo4j)
}
