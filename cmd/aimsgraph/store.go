package main

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"time"

	"github.com/aimsgraph/aimsgraph/graph"
	"github.com/aimsgraph/aimsgraph/graph/embedded"
	"github.com/aimsgraph/aimsgraph/graph/neo4jstore"
)

// defaultDataDir is where the embedded store lives when neither AIMSGRAPH_DATA nor --data says.
const defaultDataDir = "./aimsgraph-data"

// storeFlags are the flags every command that touches the store takes. Flags win over the
// environment variables of the same name. Neo4j when a URI is given, the embedded store otherwise
// (README.md).
type storeFlags struct {
	neo4j neo4jstore.Config
	data  string
}

func (sf *storeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&sf.neo4j.URI, "neo4j-uri", os.Getenv("NEO4J_URI"), "Neo4j URI, e.g. bolt://127.0.0.1:7687 or neo4j+s://xxxx.databases.neo4j.io (env NEO4J_URI); empty: the embedded store")
	fs.StringVar(&sf.neo4j.Username, "neo4j-username", os.Getenv("NEO4J_USERNAME"), "Neo4j user; empty for no authentication (env NEO4J_USERNAME)")
	fs.StringVar(&sf.neo4j.Password, "neo4j-password", os.Getenv("NEO4J_PASSWORD"), "Neo4j password (env NEO4J_PASSWORD)")
	fs.StringVar(&sf.neo4j.Database, "neo4j-database", os.Getenv("NEO4J_DATABASE"), "Neo4j database; empty for the server default (env NEO4J_DATABASE)")
	data := os.Getenv("AIMSGRAPH_DATA")
	if data == "" {
		data = defaultDataDir
	}
	fs.StringVar(&sf.data, "data", data, "directory of the embedded store, used when no Neo4j URI is set (env AIMSGRAPH_DATA)")
}

func (sf *storeFlags) useNeo4j() bool { return sf.neo4j.URI != "" }

// describe names the store for messages: "Neo4j at bolt://..." or "embedded store in DIR".
func (sf *storeFlags) describe() string {
	if sf.useNeo4j() {
		return "Neo4j at " + sf.neo4j.URI
	}
	return "embedded store in " + sf.data
}

// exists reports whether the store has been created: always for Neo4j, for the embedded store
// when its file is there (validate does not create one just to look into it).
func (sf *storeFlags) exists() bool {
	if sf.useNeo4j() {
		return true
	}
	_, err := os.Stat(filepath.Join(sf.data, embedded.FileName))
	return err == nil
}

// open opens the configured store.
func (sf *storeFlags) open(ctx context.Context) (graph.Store, error) {
	// Each branch returns a nil interface on error, not a typed nil pointer.
	if !sf.useNeo4j() {
		s, err := embedded.Open(sf.data)
		if err != nil {
			return nil, err
		}
		return s, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	s, err := neo4jstore.Open(ctx, sf.neo4j)
	if err != nil {
		return nil, err
	}
	return s, nil
}
