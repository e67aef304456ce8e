// Command benchtable turns `go test -bench` output into the one table of docs/performance.md:
// each benchmark that reports aimsgraph-ms (graph/storetest's ReportRatio) becomes a row with its
// baseline, the ratio baseline/aimsgraph and the goal. The benchmark output is copied to stderr
// as it comes, so a long run shows progress and failures; the table goes to stdout at the end.
//
//	go test -run '^$' -bench . -benchtime 1x ./graph/... | go run ./internal/benchtable
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// row is one benchmark result.
type row struct {
	store, size, measure string
	metrics              map[string]float64
}

// benchLine matches a result line: name-GOMAXPROCS, iterations, then value/unit pairs.
var benchLine = regexp.MustCompile(`^Benchmark(\S+?)(?:-\d+)?\s+\d+\s+(.*)$`)

// parse reads benchmark output, copying it to echo.
func parse(r io.Reader, echo io.Writer) ([]row, bool) {
	var rows []row
	store, failed := "", false
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		fmt.Fprintln(echo, line)
		switch {
		case strings.HasPrefix(line, "pkg: "):
			store = storeName(strings.TrimPrefix(line, "pkg: "))
		case strings.HasPrefix(line, "FAIL") || strings.HasPrefix(line, "--- FAIL") || strings.HasPrefix(line, "panic:"):
			failed = true
		}
		m := benchLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		fields := strings.Fields(m[2])
		metrics := map[string]float64{}
		for i := 0; i+1 < len(fields); i += 2 {
			if v, err := strconv.ParseFloat(fields[i], 64); err == nil {
				metrics[fields[i+1]] = v
			}
		}
		if _, ok := metrics["aimsgraph-ms"]; !ok {
			continue
		}
		// Benchmark/rels=N/measure: the group names the measure unless the measure says it.
		var size string
		var parts []string
		name := strings.Split(m[1], "/")
		for _, part := range name[1:] {
			if strings.HasPrefix(part, "rels=") {
				size = strings.TrimPrefix(part, "rels=")
			} else {
				parts = append(parts, part)
			}
		}
		measure := strings.ToLower(name[0])
		if len(parts) > 0 && name[0] != "Questions" {
			measure += ": " + strings.Join(parts, "/")
		} else if len(parts) > 0 {
			measure = strings.Join(parts, "/")
		}
		rows = append(rows, row{store: store, size: size, measure: measure, metrics: metrics})
	}
	return rows, failed
}

func storeName(pkg string) string {
	switch {
	case strings.HasSuffix(pkg, "/neo4jstore"):
		return "Neo4j"
	case strings.HasSuffix(pkg, "/embedded"):
		return "embedded"
	}
	return pkg[strings.LastIndex(pkg, "/")+1:]
}

// table renders rows as a Markdown table.
func table(w io.Writer, rows []row) {
	fmt.Fprintln(w, "| store | relationships | measure | aimsgraph | baseline | ratio | goal | other |")
	fmt.Fprintln(w, "|---|---:|---|---:|---:|---:|---:|---|")
	for _, r := range rows {
		goal, ratio, baseline := "", "", ""
		if v, ok := r.metrics["baseline-ms"]; ok {
			baseline = duration(v)
		}
		if v, ok := r.metrics["ratio"]; ok {
			ratio = fmt.Sprintf("%.2f", v)
		}
		if v, ok := r.metrics["goal"]; ok {
			goal = fmt.Sprintf("≥ %.2g", v)
			if rv, ok := r.metrics["ratio"]; ok && rv < v {
				ratio += " ✗"
			} else if ok {
				ratio += " ✓"
			}
		}
		var other []string
		for _, k := range []string{"rows", "items", "findings", "sources", "rels/s", "heap-bytes/rel"} {
			if v, ok := r.metrics[k]; ok {
				other = append(other, fmt.Sprintf("%s %s", strconv.FormatFloat(v, 'f', -1, 64), k))
			}
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", r.store, thousands(r.size), r.measure,
			duration(r.metrics["aimsgraph-ms"]), baseline, ratio, goal, strings.Join(other, ", "))
	}
}

// duration renders milliseconds readably.
func duration(ms float64) string {
	switch {
	case ms >= 10_000:
		return fmt.Sprintf("%.0f s", ms/1000)
	case ms >= 1000:
		return fmt.Sprintf("%.1f s", ms/1000)
	case ms >= 10:
		return fmt.Sprintf("%.0f ms", ms)
	}
	return fmt.Sprintf("%.1f ms", ms)
}

func thousands(s string) string {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1000 {
		return s
	}
	return thousands(strconv.Itoa(n/1000)) + "," + fmt.Sprintf("%03d", n%1000)
}

func main() {
	rows, failed := parse(os.Stdin, os.Stderr)
	table(os.Stdout, rows)
	if failed {
		fmt.Fprintln(os.Stderr, "benchtable: some benchmarks failed; see above")
		os.Exit(1)
	}
}
