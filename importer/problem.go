// Package importer is the import engine: it finds the files of an import, tells each one's
// format (the formats are packages of their own, registered in Formats), validates everything
// they state against the domain table in package graph and the graph itself, and writes it to a
// store in atomic import runs (README, "How an import behaves"; docs/formats.md).
package importer

import (
	"fmt"
	"sort"
	"strings"

	"github.com/aimsgraph/aimsgraph/importer/record"
)

// Problem is one thing wrong with the input, located to file, line and field.
type Problem = record.Problem

// ValidationError is every problem an import found. A run that has one writes nothing.
type ValidationError struct {
	Problems []Problem
	// Dropped counts problems beyond the reporting limit, which were found but not kept.
	Dropped int
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(p.String())
	}
	if e.Dropped > 0 {
		fmt.Fprintf(&b, "\n... and %d more problems", e.Dropped)
	}
	return b.String()
}

// maxProblems bounds the memory a hopeless input can take: past it problems are counted, not kept.
const maxProblems = 1000

// problems collects problems in input order.
type problems struct {
	list    []Problem
	dropped int
}

func (ps *problems) add(file string, line int, field, format string, args ...any) {
	ps.addProblem(Problem{File: file, Line: line, Field: field, Msg: fmt.Sprintf(format, args...)})
}

func (ps *problems) addProblem(p Problem) {
	if len(ps.list) >= maxProblems {
		ps.dropped++
		return
	}
	ps.list = append(ps.list, p)
}

func (ps *problems) count() int { return len(ps.list) + ps.dropped }

func (ps *problems) err() error {
	if ps.count() == 0 {
		return nil
	}
	return &ValidationError{Problems: ps.sorted(), Dropped: ps.dropped}
}

// sorted returns the problems in file and line order (nil for none).
func (ps *problems) sorted() []Problem {
	if len(ps.list) == 0 {
		return nil
	}
	list := append([]Problem(nil), ps.list...)
	sort.SliceStable(list, func(i, j int) bool {
		if list[i].File != list[j].File {
			return list[i].File < list[j].File
		}
		return list[i].Line < list[j].Line
	})
	return list
}
