package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aimsgraph/aimsgraph/export"
	"github.com/aimsgraph/aimsgraph/graph"
)

// cmdExport writes the asset register, the record of processing or the Statement of
// Applicability (docs/registers.md).
func cmdExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("export", "export assets|ropa|soa [--format csv|xlsx|ciso-assistant] [--out FILE] [--as-of T]", stderr)
	format := fs.String("format", "csv", "csv, xlsx, or ciso-assistant (assets only: CISO Assistant's asset template; a workbook when --out ends in .xlsx)")
	out := fs.String("out", "", "write to this file (default: standard output)")
	var asOf time.Time
	fs.Var(instantFlag{&asOf}, "as-of", "export the graph as it stood at this instant (RFC 3339 or a date)")
	var sf storeFlags
	sf.register(fs)
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return &usageError{fmt.Sprintf("export takes one of %s, got %q", strings.Join(export.Registers, ", "), rest)}
	}
	if err := export.Check(rest[0], *format); err != nil {
		return &usageError{err.Error()}
	}
	workbook := *format == "ciso-assistant" && strings.EqualFold(filepath.Ext(*out), ".xlsx")
	if (*format == "xlsx" || workbook) && *out == "" {
		return &usageError{"a workbook is binary: name the file with --out"}
	}
	store, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer store.Close(context.WithoutCancel(ctx))
	var r graph.Reader = store
	if !asOf.IsZero() {
		if r, err = store.At(ctx, asOf); err != nil {
			return err
		}
	}
	if *out == "" {
		w := bufio.NewWriter(stdout)
		if err := export.Write(ctx, r, rest[0], *format, false, w); err != nil {
			return err
		}
		return w.Flush()
	}
	// Write beside the target and rename, so a failed export never leaves half a file.
	tmp, err := os.CreateTemp(filepath.Dir(*out), "."+filepath.Base(*out)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	w := bufio.NewWriter(tmp)
	err = export.Write(ctx, r, rest[0], *format, workbook, w)
	err = errors.Join(err, w.Flush(), tmp.Close())
	if err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), *out); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "wrote %s\n", *out)
	return nil
}
