// Command gen writes a generated estate: go run ./internal/estategen/gen -rels 1000000 -out DIR
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/aimsgraph/aimsgraph/internal/estategen"
)

func main() {
	rels := flag.Int("rels", 100000, "number of relationships")
	out := flag.String("out", "estate-generated", "output folder")
	flag.Parse()
	n, r, err := estategen.Write(*out, estategen.ForRelationships(*rels))
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	fmt.Printf("wrote %d nodes and %d relationships to %s\n", n, r, *out)
}
