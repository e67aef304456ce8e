// Command gen writes a generated estate: go run ./internal/estategen/gen -rels 1000000 -out DIR
// (-domains: the business-domain shape the performance numbers are measured on).
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
	domains := flag.Bool("domains", false, "the business-domain shape of docs/performance.md")
	flag.Parse()
	n, r, err := estategen.Write(*out, estategen.ForRelationships(*rels))
	if *domains {
		n, r, err = estategen.WriteDomains(*out, *rels, 1)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	fmt.Printf("wrote %d nodes and %d relationships to %s\n", n, r, *out)
}
