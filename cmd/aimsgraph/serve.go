package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/aimsgraph/aimsgraph"
	"github.com/aimsgraph/aimsgraph/graph"
	"github.com/aimsgraph/aimsgraph/importer"
	"github.com/aimsgraph/aimsgraph/resolvers"
	"github.com/aimsgraph/aimsgraph/server"
)

func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", "serve [--addr :8080] [--demo]", stderr)
	var sf storeFlags
	sf.register(fs)
	addr := fs.String("addr", ":8080", "address to listen on")
	demo := fs.Bool("demo", false, "import the sample estate (testdata/estate, built in) before serving")
	limits := resolvers.DefaultLimits()
	fs.IntVar(&limits.MaxDepth, "max-depth", limits.MaxDepth, "largest maxDepth a query may ask for")
	fs.IntVar(&limits.MaxResults, "max-results", limits.MaxResults, "largest limit of lineage and impact")
	fs.DurationVar(&limits.Timeout, "timeout", limits.Timeout, "time allowed per request (also the Neo4j transaction timeout)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return &usageError{fmt.Sprintf("serve takes no arguments, got %q", fs.Args())}
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))

	store, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer store.Close(context.WithoutCancel(ctx))
	if *demo {
		if err := importSample(ctx, store, log); err != nil {
			return err
		}
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return &usageError{fmt.Sprintf("cannot listen on %s: %v", *addr, err)}
	}
	srv := &http.Server{
		Handler:           server.New(store, limits, log),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      limits.Timeout + 10*time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	url := "http://" + displayAddr(ln.Addr())
	fmt.Fprintf(stdout, "aimsgraph: serving %s\n  web UI:      %s/   (starts on the canonical question)\n  GraphQL API: %s/graphql\n  press Ctrl+C to stop\n", sf.describe(), url, url)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// Graceful shutdown: stop accepting, let running queries finish.
	log.Info("shutting down")
	shutdown, cancel := context.WithTimeout(context.Background(), limits.Timeout)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return err
	}
	return nil
}

// displayAddr turns a listen address such as [::]:8080 into one a browser opens.
func displayAddr(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

// importSample imports the built-in sample estate. Run from a checkout, it imports
// testdata/estate itself, so the evidence names the repository's files; elsewhere it unpacks the
// estate into a fixed folder under the temporary directory, kept so the evidence stays readable.
// Re-running it changes nothing: same estate, same sources (ai-register, grc-tool, ...).
func importSample(ctx context.Context, store graph.Store, log *slog.Logger) error {
	estate := filepath.Join("testdata", "estate")
	if !sameFiles(aimsgraph.SampleEstate, estate) {
		dir := filepath.Join(os.TempDir(), "aimsgraph-sample")
		_ = os.RemoveAll(dir)
		if err := os.CopyFS(dir, aimsgraph.SampleEstate); err != nil {
			return fmt.Errorf("unpacking the sample estate: %w", err)
		}
		estate = filepath.Join(dir, "testdata", "estate")
	}
	im := &importer.Importer{Store: store, Opts: importer.Options{User: currentUser()}}
	sum, err := im.Import(ctx, []string{estate})
	if err != nil {
		return fmt.Errorf("importing the sample estate: %w", err)
	}
	nodes, rels := sum.Total()
	log.Info("sample estate imported", "from", estate, "run", sum.RunID,
		"nodes", nodes.Created+nodes.Updated+nodes.Unchanged, "relationships", rels.Created+rels.Updated+rels.Unchanged)
	return nil
}

// sameFiles reports whether dir on disk holds exactly the embedded estate's files.
func sameFiles(embedded fs.FS, dir string) bool {
	entries, err := fs.ReadDir(embedded, "testdata/estate")
	if err != nil {
		return false
	}
	for _, e := range entries {
		want, err1 := fs.ReadFile(embedded, "testdata/estate/"+e.Name())
		got, err2 := os.ReadFile(filepath.Join(dir, e.Name()))
		if err1 != nil || err2 != nil || !bytes.Equal(want, got) {
			return false
		}
	}
	return len(entries) > 0
}
