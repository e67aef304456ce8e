// Command load runs aimsgraph's load test (`make load`; docs/operations.md, "Load test") against
// a built binary, on the embedded store or, with -neo4j-uri, on Neo4j (the shared test database:
// it takes the tests' lock and wipes it first). Loopback only; it stops by itself.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/aimsgraph/aimsgraph/internal/loadtest"
)

func main() {
	var cfg loadtest.Config
	flag.StringVar(&cfg.Binary, "bin", "bin/aimsgraph", "the aimsgraph binary (make build)")
	flag.StringVar(&cfg.Neo4j.URI, "neo4j-uri", "", "Neo4j to load; empty: the embedded store in a temporary directory")
	flag.IntVar(&cfg.Clients, "clients", 32, "normal clients, each with its own token, one request at a time")
	flag.DurationVar(&cfg.Duration, "duration", 30*time.Second, "length of each phase")
	flag.IntVar(&cfg.Abusers, "abusers", 2, "abusive clients in the second phase")
	flag.IntVar(&cfg.AbuserConcurrency, "abuser-concurrency", 16, "requests each abusive client keeps in flight")
	abuse := flag.String("abuse", strings.Join(loadtest.AbuseKinds, ","), "the abusive requests sent in turn")
	flag.Parse()
	cfg.Abuse = strings.Split(*abuse, ",")
	if cfg.Duration > 10*time.Minute {
		fmt.Fprintln(os.Stderr, "load: -duration is capped at 10m")
		os.Exit(2)
	}
	cfg.Log = os.Stderr
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	rep, err := loadtest.Run(ctx, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
	rep.Print(os.Stdout)
}
