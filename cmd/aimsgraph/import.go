package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/user"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/aimsgraph/aimsgraph/graph"
	"github.com/aimsgraph/aimsgraph/importer"
)

func newFlagSet(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: aimsgraph %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args, allowing flags after the paths too (`import data/ --dry-run`).
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var paths []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, &usageError{err.Error()}
		}
		if fs.NArg() == 0 {
			return paths, nil
		}
		paths = append(paths, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

func cmdImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("import", "import [--dry-run] [--prune] [--source NAME] PATH...", stderr)
	var opts importer.Options
	var sf storeFlags
	fs.BoolVar(&opts.DryRun, "dry-run", false, "validate and report what would change; write nothing")
	fs.BoolVar(&opts.Prune, "prune", false, "make the graph match the source: remove what it stated before and no longer states")
	fs.StringVar(&opts.Source, "source", "", "name of the system of record for every file (default: the file's `source:` or its name)")
	fs.IntVar(&opts.BatchSize, "batch-size", importer.DefaultBatchSize, "records written per round trip")
	fs.BoolVar(&opts.Strict, "strict", false, "reject a document from another tool (BOM, SPDX, card) for what would otherwise be a warning: a value of the wrong type, a reference to nothing")
	fs.StringVar(&opts.Format, "format", "", "read every file as this format instead of telling it from the content: "+strings.Join(importer.FormatNames(), ", "))
	fs.IntVar(&opts.MaxValueBytes, "max-value-bytes", importer.DefaultMaxValueBytes, "largest property value; larger ones are problems (-1: no cap)")
	sf.register(fs)
	paths, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(paths) == 0 {
		return &usageError{"import needs at least one file or folder"}
	}
	store, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer store.Close(context.WithoutCancel(ctx))
	opts.User = currentUser()
	opts.Skipped = func(s string) { fmt.Fprintf(stdout, "skipped   %s\n", s) }
	var bar *progressbar.ProgressBar
	var lines *progressLines
	if f, ok := stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		opts.Total = func(n int) {
			bar = progressbar.NewOptions(n, progressbar.OptionSetWriter(stderr), progressbar.OptionSetDescription("importing"),
				progressbar.OptionShowCount(), progressbar.OptionShowIts(),
				progressbar.OptionClearOnFinish(), progressbar.OptionThrottle(100_000_000))
		}
		opts.Progress = func(n int) { _ = bar.Add(n) }
	} else {
		// No terminal (CI, a pipe, a log file): a line now and then, so a long import is seen moving.
		lines = &progressLines{w: stderr, every: progressEvery, start: time.Now()}
		opts.Total, opts.Progress = lines.total, lines.add
	}
	im := &importer.Importer{Store: store, Opts: opts}
	outcomes, err := im.ImportEach(ctx, paths)
	if bar != nil {
		_ = bar.Finish()
	}
	if lines != nil {
		lines.finish()
	}
	if err != nil {
		return err
	}
	var runs []importer.FileOutcome
	for _, o := range outcomes {
		if o.Skipped != "" {
			fmt.Fprintf(stdout, "skipped   %s: %s\n", o.Files[0], o.Skipped)
			continue
		}
		runs = append(runs, o)
	}
	skipped := len(outcomes) - len(runs)
	switch {
	case len(runs) == 0:
		return &partialError{rejected: 0, skipped: skipped}
	case len(runs) == 1 && skipped == 0 && (!runs[0].External() || opts.DryRun):
		// Native files only, or a dry run: one run, reported as a whole.
		printWarnings(stdout, runs[0].Warnings)
		if runs[0].Err != nil {
			return runs[0].Err
		}
		printSummary(stdout, runs[0].Summary)
		return nil
	}
	return printOutcomes(stdout, runs, skipped)
}

// printWarnings lists what documents got wrong and their runs left out.
func printWarnings(w io.Writer, warnings []importer.Problem) {
	for _, p := range warnings {
		fmt.Fprintf(w, "    warning: %s\n", p)
	}
}

// printOutcomes reports each run of a mixed import: imported with its counts and warnings,
// rejected with its problems, or superseded (an event older than what its job last stated). Any
// rejection makes the command fail (exit 1) after the others landed.
func printOutcomes(stdout io.Writer, outcomes []importer.FileOutcome, skipped int) error {
	rejected, superseded := 0, 0
	for _, o := range outcomes {
		what := strings.Join(o.Files, ", ")
		if len(o.Files) > 3 {
			what = fmt.Sprintf("%s and %d more native files", strings.Join(o.Files[:2], ", "), len(o.Files)-2)
		}
		if o.Line > 0 {
			what = fmt.Sprintf("%s:%d", what, o.Line)
		}
		format := strings.Join(uniq(o.Formats), ", ")
		if o.Label != "" {
			format += ": " + o.Label
		}
		switch {
		case o.Err != nil:
			rejected++
			var ve *importer.ValidationError
			if errors.As(o.Err, &ve) {
				n := len(ve.Problems) + ve.Dropped
				fmt.Fprintf(stdout, "rejected  %s (%s): %d %s, nothing written\n", what, format, n, plural(n, "problem", "problems"))
				for _, p := range ve.Problems {
					fmt.Fprintf(stdout, "    %s\n", p)
				}
			} else {
				fmt.Fprintf(stdout, "rejected  %s (%s): %v\n", what, format, o.Err)
			}
		case o.Superseded != "":
			superseded++
			fmt.Fprintf(stdout, "superseded %s (%s): %s\n", what, format, o.Superseded)
		default:
			nodes, rels := o.Summary.Total()
			verb := "imported"
			if o.Summary.DryRun {
				verb = "checked "
			}
			warned := ""
			if n := len(o.Warnings); n > 0 {
				warned = fmt.Sprintf("; %d %s, left out", n, plural(n, "warning", "warnings"))
			}
			fmt.Fprintf(stdout, "%s  %s (%s): nodes %s; relationships %s; run %s%s\n", verb, what, format, countText(nodes), countText(rels), o.Summary.RunID, warned)
		}
		printWarnings(stdout, o.Warnings)
	}
	tail := ""
	if superseded > 0 {
		tail += fmt.Sprintf(", %d superseded", superseded)
	}
	if skipped > 0 {
		tail += fmt.Sprintf(", %d %s skipped", skipped, plural(skipped, "file", "files"))
	}
	imported := len(outcomes) - rejected - superseded
	fmt.Fprintf(stdout, "%d %s imported, %d rejected%s\n", imported, plural(imported, "run", "runs"), rejected, tail)
	if rejected > 0 {
		return &partialError{rejected: rejected}
	}
	return nil
}

// partialError says some runs of a mixed import were rejected (already reported file by file),
// or that every file was skipped, so nothing was imported.
type partialError struct{ rejected, skipped int }

func (e *partialError) Error() string {
	if e.rejected == 0 {
		return fmt.Sprintf("nothing imported: no format recognises the %d %s found", e.skipped, plural(e.skipped, "file", "files"))
	}
	return fmt.Sprintf("%d %s rejected", e.rejected, plural(e.rejected, "file was", "files were"))
}

func countText(c graph.Counts) string {
	return fmt.Sprintf("%d created, %d updated, %d unchanged, %d removed", c.Created, c.Updated, c.Unchanged, c.Removed)
}

func uniq(l []string) []string {
	var out []string
	for _, s := range l {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// progressEvery is how often an import without a terminal prints a progress line.
var progressEvery = 5 * time.Second

// progressLines prints "importing: N of M records" lines, at most one per interval, and a last one.
type progressLines struct {
	w           io.Writer
	every       time.Duration
	start, last time.Time
	done, of    int
}

func (p *progressLines) total(n int) { p.of += n }

func (p *progressLines) add(n int) {
	p.done += n
	if time.Since(p.last) >= p.every && time.Since(p.start) >= p.every {
		p.print()
	}
}

func (p *progressLines) print() {
	p.last = time.Now()
	pct := 100
	if p.of > 0 {
		pct = p.done * 100 / p.of
	}
	fmt.Fprintf(p.w, "importing: %d of %d records written (%d%%), %s\n", p.done, p.of, pct, time.Since(p.start).Round(time.Second))
}

// finish prints the last line when any was printed, so the log shows the end.
func (p *progressLines) finish() {
	if !p.last.IsZero() {
		p.print()
	}
}

func cmdValidate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("validate", "validate PATH...", stderr)
	var sf storeFlags
	sf.register(fs)
	maxValue := fs.Int("max-value-bytes", importer.DefaultMaxValueBytes, "largest property value; larger ones are problems (-1: no cap)")
	paths, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(paths) == 0 {
		return &usageError{"validate needs at least one file or folder"}
	}
	im := &importer.Importer{Opts: importer.Options{MaxValueBytes: *maxValue, Skipped: func(s string) { fmt.Fprintf(stdout, "skipped   %s\n", s) }}}
	if sf.exists() {
		// With a store, references may point at nodes already in the graph.
		store, err := sf.open(ctx)
		if err != nil {
			return err
		}
		defer store.Close(context.WithoutCancel(ctx))
		im.Store = store
	}
	checked, err := im.Validate(ctx, paths)
	if checked != nil {
		for _, s := range checked.Skipped {
			fmt.Fprintf(stdout, "skipped   %s: %s\n", s.File, s.Msg)
		}
		printWarnings(stdout, checked.Warnings)
	}
	if err != nil {
		return err
	}
	warned := ""
	if n := len(checked.Warnings); n > 0 {
		warned = fmt.Sprintf(", %d %s (left out on import)", n, plural(n, "warning", "warnings"))
	}
	fmt.Fprintf(stdout, "ok: %d files, no problems%s\n", checked.Files, warned)
	return nil
}

func currentUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return os.Getenv("USER")
}

// printSummary prints created/updated/unchanged/removed per kind and relationship type.
func printSummary(w io.Writer, s *graph.ImportSummary) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "\tcreated\tupdated\tunchanged\tremoved\t")
	row := func(name string, c graph.Counts) {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t\n", name, c.Created, c.Updated, c.Unchanged, c.Removed)
	}
	for _, k := range graph.AllKinds {
		if c := s.Nodes[k]; c != nil {
			row(string(k), *c)
		}
	}
	var types []string
	for t := range s.Relationships {
		types = append(types, string(t))
	}
	sort.Strings(types)
	for _, t := range types {
		row(t, *s.Relationships[graph.RelType(t)])
	}
	nodes, rels := s.Total()
	row("nodes", nodes)
	row("relationships", rels)
	_ = tw.Flush()
	verb := "imported as run " + s.RunID
	if s.DryRun {
		verb = "dry run: nothing was written"
	}
	fmt.Fprintln(w, verb)
}

// report prints err for a user and returns the exit code.
func report(err error, stderr io.Writer) int {
	if err == nil {
		return exitOK
	}
	var ve *importer.ValidationError
	var ue *usageError
	switch {
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "aimsgraph: %s\nrun `aimsgraph help` for usage\n", ue.msg)
		return exitUsage
	case errors.As(err, &ve):
		fmt.Fprintln(stderr, ve.Error())
		n := len(ve.Problems) + ve.Dropped
		fmt.Fprintf(stderr, "%d %s; nothing was written\n", n, plural(n, "problem", "problems"))
		return exitInvalid
	case errors.As(err, new(*findingsError)):
		fmt.Fprintf(stderr, "aimsgraph: %v\n", err)
		return exitInvalid
	case errors.As(err, new(*partialError)):
		fmt.Fprintf(stderr, "aimsgraph: %v\n", err)
		return exitInvalid
	case errors.Is(err, graph.ErrCompacted):
		fmt.Fprintf(stderr, "aimsgraph: %v\n", err)
		return exitInvalid
	case errors.Is(err, graph.ErrUnavailable):
		fmt.Fprintf(stderr, "aimsgraph: %s\n", strings.TrimPrefix(err.Error(), graph.ErrUnavailable.Error()+": "))
		return exitUnavailable
	case errors.Is(err, context.Canceled):
		fmt.Fprintln(stderr, "aimsgraph: interrupted; nothing was written")
		return exitInvalid
	default:
		fmt.Fprintf(stderr, "aimsgraph: %v\n", err)
		return exitInvalid
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
