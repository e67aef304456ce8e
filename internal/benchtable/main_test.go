package main

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

const sample = `goos: linux
pkg: github.com/aimsgraph/aimsgraph/graph/neo4jstore
BenchmarkImport/rels=100000-2                	       1	1423987239 ns/op	     15200 aimsgraph-ms	     12300 baseline-ms	         0.9000 goal	         0.8092 ratio	      6282 rels/s
BenchmarkQuestions/rels=100000/canonical-2   	       1	14239872 ns/op	        95.00 aimsgraph-ms	        80.00 baseline-ms	         0.8000 goal	         0.8421 ratio	      1000 rows
BenchmarkSomethingElse-2                     	       1	14239872 ns/op
ok  	github.com/aimsgraph/aimsgraph/graph/neo4jstore	20.038s
pkg: github.com/aimsgraph/aimsgraph/graph/embedded
BenchmarkOpen/rels=1000000-2                 	       1	7833403691 ns/op	      2353 aimsgraph-ms	       891.4 heap-bytes/rel
PASS
`

func TestTable(t *testing.T) {
	rows, failed := parse(strings.NewReader(sample), io.Discard)
	if failed || len(rows) != 3 {
		t.Fatalf("failed=%v, %d rows; want 3 rows", failed, len(rows))
	}
	var out bytes.Buffer
	table(&out, rows)
	for _, want := range []string{
		"| Neo4j | 100,000 | import | 15 s | 12 s | 0.81 ✗ | ≥ 0.9 | 6282 rels/s |",
		"| Neo4j | 100,000 | canonical | 95 ms | 80 ms | 0.84 ✓ | ≥ 0.8 | 1000 rows |",
		"| embedded | 1,000,000 | open | 2.4 s |  |  |  | 891.4 heap-bytes/rel |",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
}

func TestFailureIsReported(t *testing.T) {
	if _, failed := parse(strings.NewReader("--- FAIL: BenchmarkX\nFAIL\n"), io.Discard); !failed {
		t.Error("a failed benchmark run was not noticed")
	}
}
