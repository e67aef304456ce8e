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
	"strings"
	"time"

	"github.com/aimsgraph/aimsgraph"
	"github.com/aimsgraph/aimsgraph/auth"
	"github.com/aimsgraph/aimsgraph/graph"
	"github.com/aimsgraph/aimsgraph/importer"
	"github.com/aimsgraph/aimsgraph/resolvers"
	"github.com/aimsgraph/aimsgraph/server"
)

func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", "serve [--addr 127.0.0.1:8080] [--demo] [--no-auth] [--tls-cert FILE --tls-key FILE]", stderr)
	var sf storeFlags
	sf.register(fs)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on; a non-loopback address needs a token in the store (aimsgraph token create) or --no-auth")
	demo := fs.Bool("demo", false, "import the sample estate (testdata/estate, built in) before serving")
	noAuth := fs.Bool("no-auth", false, "serve without tokens on any address: every caller is an admin (only behind a proxy that authenticates)")
	tlsCert := fs.String("tls-cert", "", "serve HTTPS with this certificate (PEM; with --tls-key)")
	tlsKey := fs.String("tls-key", "", "the certificate's private key (PEM)")
	oidcIssuer := fs.String("oidc-issuer", "", "also accept access tokens (JWT) of this OpenID Connect provider, e.g. https://login.example.org/realms/main")
	oidcAudience := fs.String("oidc-audience", "", "the audience (aud) such tokens must name")
	oidcRoleClaim := fs.String("oidc-role-claim", "roles", "the claim holding the caller's role (reader, ingester or admin; a list: the strongest counts)")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	logFormat := fs.String("log-format", "text", "text or json")
	limits := resolvers.DefaultLimits()
	fs.IntVar(&limits.MaxDepth, "max-depth", limits.MaxDepth, "largest maxDepth a query may ask for")
	fs.IntVar(&limits.MaxResults, "max-results", limits.MaxResults, "largest limit of lineage and impact")
	fs.IntVar(&limits.MaxComplexity, "max-complexity", limits.MaxComplexity, "largest query complexity (docs/api.md)")
	fs.DurationVar(&limits.Timeout, "timeout", limits.Timeout, "time allowed per request (also the Neo4j transaction timeout)")
	opts := server.Options{Limiter: server.DefaultLimiter()}
	fs.Int64Var(&opts.MaxBodyBytes, "max-body-bytes", server.DefaultMaxBodyBytes, "largest GraphQL request body")
	fs.IntVar(&opts.Limiter.PerToken, "token-concurrency", opts.Limiter.PerToken, "requests one token may have running at once (0: no cap)")
	fs.IntVar(&opts.Limiter.Slots, "max-running", opts.Limiter.Slots, "requests running at once, all tokens together; the others wait their token's turn (0: no cap)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return &usageError{fmt.Sprintf("serve takes no arguments, got %q", fs.Args())}
	}
	if (*tlsCert == "") != (*tlsKey == "") {
		return &usageError{"--tls-cert and --tls-key go together"}
	}
	log, err := newLogger(stderr, *logLevel, *logFormat)
	if err != nil {
		return err
	}
	opts.Limits, opts.Log = limits, log

	store, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer store.Close(context.WithoutCancel(ctx))
	tokens, ok := store.(auth.TokenStore)
	if !ok {
		return fmt.Errorf("the store keeps no tokens")
	}
	var oidc *auth.OIDC
	if *oidcIssuer != "" {
		if oidc, err = auth.NewOIDC(ctx, *oidcIssuer, *oidcAudience, *oidcRoleClaim); err != nil {
			return &usageError{err.Error()}
		}
	}
	mode, err := authMode(ctx, tokens, *addr, *noAuth, oidc != nil, log)
	if err != nil {
		return err
	}
	opts.Auth = auth.NewAuthenticator(tokens, mode, log)
	opts.Auth.SetOIDC(oidc)
	defer opts.Auth.Close()
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
		Handler:           server.New(store, opts),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      limits.Timeout + 10*time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	scheme := "http"
	if *tlsCert != "" {
		scheme = "https"
	}
	url := scheme + "://" + displayAddr(ln.Addr())
	fmt.Fprintf(stdout, "aimsgraph: serving %s\n  web UI:      %s/   (starts on the canonical question)\n  GraphQL API: %s/graphql\n  press Ctrl+C to stop\n", sf.describe(), url, url)
	errc := make(chan error, 1)
	go func() {
		if *tlsCert != "" {
			errc <- srv.ServeTLS(ln, *tlsCert, *tlsKey)
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// Graceful shutdown: stop accepting, let running requests finish (up to their timeout).
	log.Info("shutting down: finishing running requests")
	shutdown, cancel := context.WithTimeout(context.Background(), limits.Timeout+5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return err
	}
	return nil
}

// authMode decides how the server admits callers (docs/operations.md, "Tokens"): with tokens;
// open while the store holds none and the address is loopback; open on any address only with
// --no-auth. A non-loopback address without a token and without --no-auth is refused (exit 2).
// With an OIDC provider, callers always need a token: the provider's or the store's. Whenever a
// loopback server admits callers without a token, it answers only requests addressed to
// localhost or a loopback address (DNS rebinding), --no-auth too.
func authMode(ctx context.Context, tokens auth.TokenStore, addr string, noAuth, oidc bool, log *slog.Logger) (auth.Mode, error) {
	if noAuth {
		log.Warn("serving WITHOUT tokens (--no-auth): every caller is an admin", "addr", addr)
		if auth.LoopbackAddr(addr) {
			return auth.NoAuthOnLoopback, nil
		}
		return auth.NoAuth, nil
	}
	if oidc {
		return auth.Tokens, nil
	}
	list, err := tokens.Tokens(ctx)
	if err != nil {
		return 0, err
	}
	if !auth.LoopbackAddr(addr) {
		if len(list) == 0 {
			return 0, &usageError{fmt.Sprintf("refusing to serve %s without tokens: the store holds none. "+
				"Create one (aimsgraph token create --name NAME --role admin), listen on a loopback address (--addr 127.0.0.1:8080), "+
				"or pass --no-auth to serve everyone as an admin", addr)}
		}
		return auth.Tokens, nil
	}
	if len(list) == 0 {
		log.Warn("the store holds no token: serving open to this machine only (requests to localhost); `aimsgraph token create` turns tokens on", "addr", addr)
	}
	return auth.OpenOnLoopback, nil
}

// newLogger returns the server's logger.
func newLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, &usageError{fmt.Sprintf("--log-level %q: one of debug, info, warn, error", level)}
	}
	opts := &slog.HandlerOptions{Level: l}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, &usageError{fmt.Sprintf("--log-format %q: text or json", format)}
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
	const root = "testdata/estate"
	files := 0
	err := fs.WalkDir(embedded, root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		want, err := fs.ReadFile(embedded, path)
		if err != nil {
			return err
		}
		got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(strings.TrimPrefix(path, root+"/"))))
		if err != nil || !bytes.Equal(want, got) {
			return errDiffers
		}
		files++
		return nil
	})
	return err == nil && files > 0
}

var errDiffers = errors.New("the checkout's estate differs from the built-in one")
