package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/aimsgraph/aimsgraph/evidence"
)

// cmdEvidence writes the evidence pack (docs/evidence.md) for the ids given.
func cmdEvidence(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("evidence", "evidence [--as-of T] --out PACK.zip ID...", stderr)
	var sf storeFlags
	sf.register(fs)
	out := fs.String("out", "", "the zip file to write (required)")
	var asOf time.Time
	fs.Var(instantFlag{&asOf}, "as-of", "the graph as it stood at this instant (RFC 3339 or a date, e.g. 2026-01-31T00:00:00Z or 2026-01-31); default: as it stands")
	maxDepth := fs.Int("max-depth", evidence.DefaultMaxDepth, "lineage edges traced upstream of each id")
	ids, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	switch {
	case *out == "":
		return &usageError{"evidence needs --out PACK.zip"}
	case len(ids) == 0:
		return &usageError{"evidence needs at least one node id"}
	case *maxDepth < 1:
		return &usageError{fmt.Sprintf("--max-depth must be at least 1, got %d", *maxDepth)}
	}
	opts := evidence.Options{IDs: ids, AsOf: asOf, MaxDepth: *maxDepth, Version: evidence.ProgramVersion()}
	store, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer store.Close(context.WithoutCancel(ctx))

	// Written beside the target and renamed at the end: a failed run leaves no half pack.
	tmp, err := os.CreateTemp(filepath.Dir(*out), ".evidence-*.zip")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	_ = tmp.Chmod(0o644) // a pack is made to be handed on; CreateTemp makes files private
	m, err := evidence.Write(ctx, store, opts, tmp)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), *out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: %d files for %d ids, as of %s\n", *out, len(m.Files)+1, len(m.IDs), m.AsOf)
	return nil
}
