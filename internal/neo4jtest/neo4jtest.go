// Package neo4jtest gives tests a real Neo4j: the one `make neo4j-start` runs, named by NEO4J_URI.
// Without NEO4J_URI the test is skipped, unless NEO4J_REQUIRED=1 (as in CI), where it fails.
package neo4jtest

import (
	"context"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/aimsgraph/aimsgraph/graph/neo4jstore"
)

// Config returns the Neo4j named by the environment, skipping or failing t when there is none.
func Config(t testing.TB) neo4jstore.Config {
	t.Helper()
	uri := os.Getenv("NEO4J_URI")
	if uri == "" {
		if os.Getenv("NEO4J_REQUIRED") == "1" {
			t.Fatal("NEO4J_REQUIRED=1 but NEO4J_URI is not set: start Neo4j with `make neo4j-start` and set NEO4J_URI=bolt://127.0.0.1:7687")
		}
		t.Skip("NEO4J_URI not set: skipping a test that needs Neo4j (`make test` starts one)")
	}
	return neo4jstore.Config{URI: uri, Username: os.Getenv("NEO4J_USERNAME"), Password: os.Getenv("NEO4J_PASSWORD"), Database: os.Getenv("NEO4J_DATABASE")}
}

var (
	lockOnce sync.Once
	lockErr  error
	// lockFile is kept reachable: were it garbage collected, its finalizer would close the file
	// and release the lock while the tests still use the database.
	//lint:ignore U1000 it is never read on purpose: holding it is its job
	lockFile *os.File
)

// lock serialises test processes on the one shared database: `go test ./...` runs packages in
// parallel, and each test starts from an empty graph. The lock is held until the process exits.
func lock() error {
	lockOnce.Do(func() {
		f, err := os.OpenFile(os.TempDir()+"/aimsgraph-neo4j-test.lock", os.O_CREATE|os.O_RDWR, 0o600)
		if err != nil {
			lockErr = err
			return
		}
		lockFile = f
		lockErr = syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
	})
	return lockErr
}

// Fresh returns a store on an empty graph. Tests that use it must not run in parallel.
func Fresh(t testing.TB) *neo4jstore.Store {
	t.Helper()
	cfg := Config(t)
	if err := lock(); err != nil {
		t.Fatalf("locking the test database: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	Wipe(t, cfg)
	s, err := neo4jstore.Open(ctx, cfg)
	if err != nil {
		t.Fatalf("opening Neo4j at %s: %v", cfg.URI, err)
	}
	t.Cleanup(func() { _ = s.Close(context.Background()) })
	return s
}

// Wipe deletes every node and relationship, in batches so a large graph does not need one huge
// transaction.
func Wipe(t testing.TB, cfg neo4jstore.Config) {
	t.Helper()
	if err := lock(); err != nil {
		t.Fatalf("locking the test database: %v", err)
	}
	if err := WipeLocked(context.Background(), cfg); err != nil {
		t.Fatalf("wiping Neo4j: %v", err)
	}
}

// Lock takes the shared test database's lock for this process, as tests do: tools that use the
// test Neo4j (the load test) call it before WipeLocked.
func Lock() error { return lock() }

// WipeLocked deletes everything in the database; the caller holds the lock.
func WipeLocked(ctx context.Context, cfg neo4jstore.Config) error {
	auth := neo4j.NoAuth()
	if cfg.Username != "" {
		auth = neo4j.BasicAuth(cfg.Username, cfg.Password, "")
	}
	d, err := neo4j.NewDriverWithContext(cfg.URI, auth)
	if err != nil {
		return err
	}
	defer d.Close(ctx)
	// CALL ... IN TRANSACTIONS needs an auto-commit transaction: session.Run, not ExecuteQuery.
	session := d.NewSession(ctx, neo4j.SessionConfig{DatabaseName: cfg.Database})
	defer session.Close(ctx)
	res, err := session.Run(ctx, `MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS`, nil)
	if err == nil {
		_, err = res.Consume(ctx)
	}
	return err
}

// WritingRelationships reports whether an aimsgraph import is, right now, writing a batch of
// relationships: a test uses it to kill an import at the worst moment.
func WritingRelationships(t testing.TB) bool {
	t.Helper()
	cfg := Config(t)
	ctx := context.Background()
	d, err := neo4j.NewDriverWithContext(cfg.URI, neo4j.NoAuth())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close(ctx)
	res, err := neo4j.ExecuteQuery(ctx, d, `SHOW TRANSACTIONS YIELD currentQuery, status
WHERE currentQuery CONTAINS 'MATCH (a:Node {id: row.from})' RETURN count(*) AS n`, nil,
		neo4j.EagerResultTransformer, neo4j.ExecuteQueryWithDatabase(cfg.Database))
	if err != nil {
		t.Fatalf("SHOW TRANSACTIONS: %v", err)
	}
	n, _ := res.Records[0].Get("n")
	return n.(int64) > 0
}
