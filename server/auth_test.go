package server_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aimsgraph/aimsgraph/auth"
	"github.com/aimsgraph/aimsgraph/export"
	"github.com/aimsgraph/aimsgraph/graph"
	"github.com/aimsgraph/aimsgraph/graph/embedded"
	"github.com/aimsgraph/aimsgraph/graph/storetest"
	"github.com/aimsgraph/aimsgraph/importer"
	"github.com/aimsgraph/aimsgraph/internal/embeddedtest"
	"github.com/aimsgraph/aimsgraph/server"
)

// authServer is a server with tokens over the sample estate on the embedded store.
type authServer struct {
	t       *testing.T
	url     string
	store   *embedded.Store
	auth    *auth.Authenticator
	secrets map[string]string // token name -> secret
	log     *syncBuffer
}

func newAuthServer(t *testing.T, mode auth.Mode, tokens map[string]auth.Role, opts server.Options) *authServer {
	t.Helper()
	s := embeddedtest.Fresh(t)
	storetest.Import(t, s, importer.Options{}, storetest.Testdata(t, "estate"))
	a := &authServer{t: t, store: s, secrets: map[string]string{}, log: &syncBuffer{}}
	for name, role := range tokens {
		a.addToken(name, role)
	}
	opts.Log = slog.New(slog.NewJSONHandler(a.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	a.auth = auth.NewAuthenticator(s, mode, opts.Log)
	a.auth.SetTiming(50*time.Millisecond, 50*time.Millisecond)
	t.Cleanup(a.auth.Close)
	opts.Auth = a.auth
	ts := httptest.NewServer(server.New(s, opts))
	t.Cleanup(ts.Close)
	a.url = ts.URL
	return a
}

func (a *authServer) addToken(name string, role auth.Role) {
	a.t.Helper()
	tok, secret, err := auth.NewToken(name, role, time.Now())
	if err != nil {
		a.t.Fatal(err)
	}
	if err := a.store.CreateToken(context.Background(), tok); err != nil {
		a.t.Fatal(err)
	}
	a.secrets[name] = secret
}

// do sends a request with the given bearer secret ("" for none) and Host ("" for the default).
func (a *authServer) do(method, path, secret, host, body string) (int, string) {
	a.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, a.url+path, rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if secret != "" {
		req.Header.Set("Authorization", "Bearer "+secret)
	}
	if host != "" {
		req.Host = host
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func gqlBody(q string) string {
	b, _ := json.Marshal(map[string]string{"query": q})
	return string(b)
}

// firstCode returns the extensions.code of a GraphQL-shaped body's first error, or "".
func firstCode(body string) string {
	var r response
	_ = json.Unmarshal([]byte(body), &r)
	if len(r.Errors) == 0 {
		return ""
	}
	c, _ := r.Errors[0].Extensions["code"].(string)
	return c
}

// TestRolesAgainstEndpoints: every caller against every endpoint, checked in one table.
func TestRolesAgainstEndpoints(t *testing.T) {
	a := newAuthServer(t, auth.Tokens, map[string]auth.Role{"r": auth.Reader, "i": auth.Ingester, "adm": auth.Admin, "gone": auth.Reader}, server.Options{})
	if err := a.store.RevokeToken(context.Background(), "gone"); err != nil {
		t.Fatal(err)
	}
	callers := []struct{ name, secret string }{
		{"none", ""}, {"unknown", "agt_" + strings.Repeat("x", 43)}, {"revoked", a.secrets["gone"]},
		{"reader", a.secrets["r"]}, {"ingester", a.secrets["i"]}, {"admin", a.secrets["adm"]},
	}
	type want struct {
		status int
		code   string // extensions.code of the first error; "" for none
	}
	ok, unauth, forbidden := want{200, ""}, want{401, "UNAUTHENTICATED"}, want{200, "FORBIDDEN"}
	endpoints := []struct {
		name, method, path, body string
		want                     map[string]want // by caller; a missing caller: ok
	}{
		{"healthz", "GET", "/healthz", "", nil},
		{"readyz", "GET", "/readyz", "", nil},
		{"page", "GET", "/", "", nil},
		{"query", "POST", "/graphql", gqlBody(`{ node(id: "ds:bureau-feed") { id } }`), map[string]want{"none": unauth, "unknown": unauth, "revoked": unauth}},
		{"query by GET", "GET", "/graphql?query=%7B__typename%7D", "", map[string]want{"none": unauth, "unknown": unauth, "revoked": unauth}},
		{"examples", "GET", "/examples.json", "", map[string]want{"none": unauth, "unknown": unauth, "revoked": unauth}},
		{"metrics", "GET", "/metrics", "", map[string]want{"none": unauth, "unknown": unauth, "revoked": unauth}},
		{"register download", "GET", "/api/v1/export/soa", "", map[string]want{"none": unauth, "unknown": unauth, "revoked": unauth}},
		{"activity (admin only)", "POST", "/graphql", gqlBody(`{ activity(last: 5) { path } }`),
			map[string]want{"none": unauth, "unknown": unauth, "revoked": unauth, "reader": forbidden, "ingester": forbidden}},
	}
	for _, ep := range endpoints {
		for _, c := range callers {
			t.Run(ep.name+"/"+c.name, func(t *testing.T) {
				w, ok2 := ep.want[c.name]
				if !ok2 {
					w = ok
				}
				status, body := a.do(ep.method, ep.path, c.secret, "", ep.body)
				if status != w.status || firstCode(body) != w.code {
					t.Errorf("HTTP %d code %q, want %d %q\n%.300s", status, firstCode(body), w.status, w.code, body)
				}
			})
		}
	}
	t.Run("401 says why and how", func(t *testing.T) {
		_, body := a.do("POST", "/graphql", "", "", gqlBody(`{ __typename }`))
		if !strings.Contains(body, "Bearer agt_") {
			t.Errorf("no hint at the header: %s", body)
		}
		_, body = a.do("POST", "/graphql", a.secrets["gone"], "", gqlBody(`{ __typename }`))
		if !strings.Contains(body, "unknown or revoked") {
			t.Errorf("a revoked token is not told apart: %s", body)
		}
	})
}

// A token revoked while the server runs stops working within the cache's lifetime, and a
// token's use is recorded.
func TestRevocationAndLastUse(t *testing.T) {
	a := newAuthServer(t, auth.Tokens, map[string]auth.Role{"ci": auth.Reader}, server.Options{})
	q := gqlBody(`{ __typename }`)
	if status, body := a.do("POST", "/graphql", a.secrets["ci"], "", q); status != 200 {
		t.Fatalf("HTTP %d %s", status, body)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		toks, _ := a.store.Tokens(context.Background())
		if len(toks) == 1 && !toks[0].LastUsed.IsZero() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("last use not recorded: %+v", toks)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := a.store.RevokeToken(context.Background(), "ci"); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for {
		status, _ := a.do("POST", "/graphql", a.secrets["ci"], "", q)
		if status == http.StatusUnauthorized {
			break
		}
		if time.Since(start) > 2*time.Second {
			t.Fatalf("revoked token still served after %v", time.Since(start))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Open mode: no token in the store, a loopback server answers requests addressed to localhost
// only (DNS rebinding), and turns tokens on once one exists.
func TestOpenModeHostCheck(t *testing.T) {
	a := newAuthServer(t, auth.OpenOnLoopback, nil, server.Options{})
	q := gqlBody(`{ node(id: "ds:bureau-feed") { id } }`)
	for host, want := range map[string]int{"": 200, "localhost:8080": 200, "127.0.0.1": 200, "[::1]:9": 200, "LOCALHOST": 200,
		"evil.example": 403, "evil.example:8080": 403, "localhost.evil.example": 403, "10.0.0.1:8080": 403} {
		status, body := a.do("POST", "/graphql", "", host, q)
		if status != want {
			t.Errorf("Host %q: HTTP %d, want %d\n%s", host, status, want, body)
		}
		if want == 403 && firstCode(body) != auth.CodeForbidden {
			t.Errorf("Host %q: code %q", host, firstCode(body))
		}
	}
	a.addToken("first", auth.Admin)
	time.Sleep(100 * time.Millisecond) // the cache's lifetime in this test
	if status, _ := a.do("POST", "/graphql", "", "", q); status != http.StatusUnauthorized {
		t.Errorf("with a token in the store, a request without one: HTTP %d, want 401", status)
	}
	if status, _ := a.do("POST", "/graphql", a.secrets["first"], "evil.example", q); status != 200 {
		t.Errorf("with tokens, any Host may carry one: HTTP %d", status)
	}
}

// Open mode serves callers without a token, not callers with a wrong one: a bearer token that
// names no token gets 401 (it was served as the admin `open`), on every guarded route, and says
// how to go on; without the header the same request is served.
func TestOpenModeRefusesUnknownToken(t *testing.T) {
	a := newAuthServer(t, auth.OpenOnLoopback, nil, server.Options{})
	q := gqlBody(`{ node(id: "ds:bureau-feed") { id } }`)
	for _, secret := range []string{"agt_" + strings.Repeat("x", 43), "not-even-ours"} {
		for _, ep := range []struct{ method, path, body string }{
			{"POST", "/graphql", q}, {"GET", "/graphql?query=%7B__typename%7D", ""}, {"GET", "/examples.json", ""},
			{"GET", "/api/v1/export/soa", ""}, {"GET", "/api/v1/evidence?id=ds:bureau-feed", ""}, {"POST", "/api/v1/lineage", "{}"},
		} {
			status, body := a.do(ep.method, ep.path, secret, "", ep.body)
			if status != http.StatusUnauthorized || firstCode(body) != auth.CodeUnauthenticated || !strings.Contains(body, "holds no tokens") {
				t.Errorf("%s %s with token %.10s...: HTTP %d, want 401 UNAUTHENTICATED saying why\n%.300s", ep.method, ep.path, secret, status, body)
			}
		}
	}
	if status, body := a.do("POST", "/graphql", "", "", q); status != 200 || firstCode(body) != "" {
		t.Errorf("without a token: HTTP %d %s", status, body)
	}
	if status, _ := a.do("GET", "/", "agt_"+strings.Repeat("x", 43), "", ""); status != 200 {
		t.Errorf("the page needs no token, nor minds a wrong one: HTTP %d", status)
	}
}

// doWith sends a request with extra headers (Origin, Sec-Fetch-Site, ...).
func (a *authServer) doWith(method, path, secret string, headers map[string]string, body string) (int, string) {
	a.t.Helper()
	req, _ := http.NewRequest(method, a.url+path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if secret != "" {
		req.Header.Set("Authorization", "Bearer "+secret)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// Without tokens (open mode, --no-auth) a browser needs no credential to reach the server, so a
// page of another site could POST to it or make it work: every data and ingestion endpoint
// refuses requests a browser says come from another origin (403 CROSS_ORIGIN_REQUEST), and
// serves the server's own pages (same-origin fetches, as the web UI sends), addresses typed in,
// and clients that are not browsers (no Origin: curl, openlineage-python). The page itself
// stays open to links from anywhere. With a token, the origin does not matter.
func TestCrossOriginWithoutTokens(t *testing.T) {
	endpoints := []struct{ method, path, body string }{
		{"POST", "/graphql", gqlBody(`{ node(id: "ds:bureau-feed") { id } }`)},
		{"GET", "/graphql?query=%7B__typename%7D", ""},
		{"GET", "/examples.json", ""},
		{"GET", "/metrics", ""},
		{"GET", "/api/v1/export/soa", ""},
		{"GET", "/api/v1/evidence?id=ds:bureau-feed", ""},
		{"POST", "/api/v1/lineage", "{}"},
		{"POST", "/api/v1/lineage/batch", "[]"},
	}
	for _, mode := range []struct {
		name string
		mode auth.Mode
	}{{"open", auth.OpenOnLoopback}, {"no-auth", auth.NoAuth}, {"no-auth on loopback", auth.NoAuthOnLoopback}} {
		t.Run(mode.name, func(t *testing.T) {
			a := newAuthServer(t, mode.mode, nil, server.Options{})
			own := a.url // http://127.0.0.1:port: the Origin of the server's own pages
			for _, h := range []map[string]string{
				{"Origin": "http://evil.example"},
				{"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"},
				{"Sec-Fetch-Site": "cross-site"},                                // a link, an <img>, a form GET
				{"Sec-Fetch-Site": "same-site", "Origin": "http://127.0.0.1:1"}, // another port of this machine
				{"Origin": "null"}, // a sandboxed page
				{"Origin": "http://localhost:1"},
			} {
				for _, ep := range endpoints {
					status, body := a.doWith(ep.method, ep.path, "", h, ep.body)
					if status != http.StatusForbidden || firstCode(body) != auth.CodeCrossOrigin {
						t.Errorf("%s %s with %v: HTTP %d %q, want 403 %s\n%.200s", ep.method, ep.path, h, status, firstCode(body), auth.CodeCrossOrigin, body)
					}
				}
			}
			for _, h := range []map[string]string{
				nil, // not a browser
				{"Origin": own},
				{"Origin": strings.ToUpper(own)},
				{"Origin": own, "Sec-Fetch-Site": "same-origin"}, // the web UI's fetches
				{"Sec-Fetch-Site": "same-origin"},
				{"Sec-Fetch-Site": "same-origin", "Origin": "https://aimsgraph.example.org"}, // behind a proxy that sets Host
				{"Sec-Fetch-Site": "none"},                                                   // an address typed or bookmarked
			} {
				for _, ep := range endpoints {
					status, body := a.doWith(ep.method, ep.path, "", h, ep.body)
					if status == http.StatusForbidden || status == http.StatusUnauthorized || firstCode(body) == auth.CodeCrossOrigin {
						t.Errorf("%s %s with %v: HTTP %d %q, want it served\n%.200s", ep.method, ep.path, h, status, firstCode(body), body)
					}
				}
			}
			for _, path := range []string{"/", "/node/ds:bureau-feed", "/healthz"} {
				if status, _ := a.doWith("GET", path, "", map[string]string{"Sec-Fetch-Site": "cross-site"}, ""); status != 200 {
					t.Errorf("GET %s from a link on another site: HTTP %d, want 200", path, status)
				}
			}
		})
	}
	t.Run("tokens", func(t *testing.T) {
		a := newAuthServer(t, auth.Tokens, map[string]auth.Role{"r": auth.Reader}, server.Options{})
		h := map[string]string{"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"}
		if status, body := a.doWith("POST", "/graphql", a.secrets["r"], h, gqlBody(`{ __typename }`)); status != 200 {
			t.Errorf("a token's request is not judged by its origin: HTTP %d %s", status, body)
		}
		if status, body := a.doWith("POST", "/graphql", "", h, gqlBody(`{ __typename }`)); status != http.StatusUnauthorized {
			t.Errorf("without a token: HTTP %d %s, want 401", status, body)
		}
	})
}

// --no-auth on a loopback address answers, like open mode, only requests addressed to this
// machine (a rebound DNS name reaches 127.0.0.1 through the browser); --no-auth on another
// address cannot know its names and answers any.
func TestNoAuthHostCheck(t *testing.T) {
	q := gqlBody(`{ node(id: "ds:bureau-feed") { id } }`)
	loop := newAuthServer(t, auth.NoAuthOnLoopback, nil, server.Options{})
	anyHost := newAuthServer(t, auth.NoAuth, nil, server.Options{})
	for host, want := range map[string]int{"": 200, "localhost:8080": 200, "127.0.0.1": 200, "[::1]:9": 200,
		"evil.example": 403, "evil.example:8080": 403, "localhost.evil.example": 403, "10.0.0.1:8080": 403} {
		status, body := loop.do("POST", "/graphql", "", host, q)
		if status != want || (want == 403 && firstCode(body) != auth.CodeForbidden) {
			t.Errorf("--no-auth on loopback, Host %q: HTTP %d %q, want %d", host, status, firstCode(body), want)
		}
		if status, _ := anyHost.do("POST", "/graphql", "", host, q); status != 200 {
			t.Errorf("--no-auth on any address, Host %q: HTTP %d, want 200", host, status)
		}
	}
}

// blockingStore holds Impact until its context ends or release is closed, and says when it was
// cancelled.
type blockingStore struct {
	graph.Store
	started   chan struct{}
	release   chan struct{}
	cancelled chan struct{}
	once      sync.Once
}

func newBlockingStore(s graph.Store) *blockingStore {
	return &blockingStore{Store: s, started: make(chan struct{}, 100), release: make(chan struct{}), cancelled: make(chan struct{})}
}

func (b *blockingStore) Impact(ctx context.Context, q graph.ImpactQuery) (*graph.ImpactResult, error) {
	b.started <- struct{}{}
	select {
	case <-ctx.Done():
		b.once.Do(func() { close(b.cancelled) })
		return nil, ctx.Err()
	case <-b.release:
	}
	return b.Store.Impact(ctx, q)
}

// One token with its requests running is refused more (429) while another token is served.
func TestPerTokenConcurrency(t *testing.T) {
	s := embeddedtest.Fresh(t)
	storetest.Import(t, s, importer.Options{}, storetest.Testdata(t, "estate"))
	for _, n := range []string{"busy", "calm"} {
		tok, _, _ := auth.NewToken(n, auth.Reader, time.Now())
		tok.Hash = auth.HashSecret("agt_" + n)
		if err := s.CreateToken(context.Background(), tok); err != nil {
			t.Fatal(err)
		}
	}
	bs := newBlockingStore(s)
	au := auth.NewAuthenticator(s, auth.Tokens, nil)
	t.Cleanup(au.Close)
	ts := httptest.NewServer(server.New(bs, server.Options{Auth: au, Limiter: &auth.Limiter{PerToken: 2, Waiting: 1, MaxWait: 200 * time.Millisecond}}))
	t.Cleanup(ts.Close)
	post := func(secret, q string) (int, string) {
		req, _ := http.NewRequest("POST", ts.URL+"/graphql", strings.NewReader(gqlBody(q)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+secret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	impact := `{ impact(sources: {kinds: [DATASET]}) { truncated } }`
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() { defer wg.Done(); post("agt_busy", impact) }()
	}
	for range 2 {
		<-bs.started
	}
	// One waits its turn (and gives up after MaxWait); more are refused at once.
	results := make(chan int, 2)
	for range 2 {
		go func() { s, _ := post("agt_busy", `{ __typename }`); results <- s }()
	}
	got := []int{<-results, <-results}
	if got[0] != http.StatusTooManyRequests || got[1] != http.StatusTooManyRequests {
		t.Errorf("over the cap: HTTP %v, want 429 twice", got)
	}
	if status, body := post("agt_calm", `{ node(id: "ds:bureau-feed") { id } }`); status != 200 || firstCode(body) != "" {
		t.Errorf("another token while busy is busy: HTTP %d %s", status, body)
	}
	close(bs.release)
	wg.Wait()
	if status, _ := post("agt_busy", `{ __typename }`); status != 200 {
		t.Errorf("after its requests finished: HTTP %d", status)
	}
}

// Each request is logged once, with token name, operation, status, duration and outcome, and
// kept for the admin activity query.
func TestRequestLogAndActivity(t *testing.T) {
	a := newAuthServer(t, auth.Tokens, map[string]auth.Role{"analyst": auth.Reader, "ops": auth.Admin}, server.Options{})
	a.do("POST", "/graphql", a.secrets["analyst"], "", gqlBody(`query Canonical { impact(sources: {kinds: [DATASET], flags: [PRIVACY]}) { truncated } }`))
	a.do("POST", "/graphql", a.secrets["analyst"], "", gqlBody(`{ lineage(id: "no:such", direction: BOTH) { truncated } }`))
	a.do("GET", "/healthz", "", "", "")
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(a.log.String()), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) == nil && m["msg"] == "request" {
			lines = append(lines, m)
		}
	}
	if len(lines) != 3 {
		t.Fatalf("%d request lines for 3 requests:\n%s", len(lines), a.log.String())
	}
	if l := lines[0]; l["token"] != "analyst" || l["operation"] != "Canonical" || l["status"] != 200.0 || l["outcome"] != "OK" || l["ms"] == nil {
		t.Errorf("first line: %v", l)
	}
	if l := lines[1]; l["operation"] != "lineage" || l["outcome"] != "NOT_FOUND" {
		t.Errorf("second line: %v", l)
	}
	if l := lines[2]; l["level"] != "DEBUG" {
		t.Errorf("a probe is logged at %v, want DEBUG", l["level"])
	}
	_, body := a.do("POST", "/graphql", a.secrets["ops"], "", gqlBody(`{ activity(last: 10) { token path operation status code durationMs } }`))
	var r struct {
		Data struct {
			Activity []struct {
				Token, Path, Operation string
				Status                 int
				Code                   *string
			}
		}
	}
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		t.Fatal(err)
	}
	act := r.Data.Activity
	if len(act) != 2 || act[0].Operation != "lineage" || act[0].Code == nil || *act[0].Code != "NOT_FOUND" || act[1].Token != "analyst" || act[1].Operation != "Canonical" {
		t.Errorf("activity, newest first, probes left out: %+v", act)
	}
}

// syncBuffer is a bytes.Buffer safe to read while the server writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// Readers see no OS account and no absolute path of the importing machine; admins see both.
func TestProvenanceShownByRole(t *testing.T) {
	s := embeddedtest.Fresh(t)
	abs, _ := filepath.Abs(storetest.Testdata(t, "estate"))
	storetest.Import(t, s, importer.Options{User: "alice"}, abs)
	a := &authServer{t: t, store: s, secrets: map[string]string{}}
	a.addToken("r", auth.Reader)
	a.addToken("adm", auth.Admin)
	au := auth.NewAuthenticator(s, auth.Tokens, nil)
	t.Cleanup(au.Close)
	ts := httptest.NewServer(server.New(s, server.Options{Auth: au}))
	t.Cleanup(ts.Close)
	a.url = ts.URL
	q := gqlBody(`{ importRuns { user files { path } } node(id: "ds:bureau-feed") { provenance { file } } }`)
	for _, tc := range []struct {
		token, user, path, file string
	}{
		{"r", "null", `"inventory.yaml"`, `"inventory.yaml"`},
		{"adm", `"alice"`, strconv.Quote(filepath.Join(abs, "inventory.yaml")), strconv.Quote(filepath.Join(abs, "inventory.yaml"))},
	} {
		_, body := a.do("POST", "/graphql", a.secrets[tc.token], "", q)
		for _, want := range []string{`"user":` + tc.user, `{"path":` + tc.path + `}`, `"file":` + tc.file} {
			if !strings.Contains(body, want) {
				t.Errorf("%s: no %s in\n%.600s", tc.token, want, body)
			}
		}
	}
}

// The same rule holds for everything a reader downloads: the evidence pack (runs.csv, trace.csv,
// index.html, the pictures' tooltips) and the register exports carry no OS account and no
// absolute path for a reader, and keep the file names and hashes; an admin's pack, built after
// the reader's, has both (redacting copies: the store's records are left whole).
func TestDownloadsShownByRole(t *testing.T) {
	s := embeddedtest.Fresh(t)
	abs, _ := filepath.Abs(storetest.Testdata(t, "estate"))
	const osUser = "os-account-7f3a"
	storetest.Import(t, s, importer.Options{User: osUser}, abs)
	a := &authServer{t: t, store: s, secrets: map[string]string{}}
	a.addToken("r", auth.Reader)
	a.addToken("adm", auth.Admin)
	au := auth.NewAuthenticator(s, auth.Tokens, nil)
	t.Cleanup(au.Close)
	ts := httptest.NewServer(server.New(s, server.Options{Auth: au}))
	t.Cleanup(ts.Close)
	a.url = ts.URL
	// contents returns every file of a download: the entries of a zip (the pack, a workbook),
	// else the body.
	contents := func(path, token string) map[string]string {
		t.Helper()
		status, body := a.do("GET", path, a.secrets[token], "", "")
		if status != 200 {
			t.Fatalf("%s as %s: HTTP %d %.300s", path, token, status, body)
		}
		if !strings.HasPrefix(body, "PK") {
			return map[string]string{path: body}
		}
		z, err := zip.NewReader(strings.NewReader(body), int64(len(body)))
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, f := range z.File {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(rc)
			rc.Close()
			out[path+" "+f.Name] = string(b)
		}
		return out
	}
	pack := "/api/v1/evidence?id=dec:loan-approval&id=ds:bureau-feed"
	downloads := []string{pack}
	for _, reg := range export.Registers {
		for _, format := range export.Formats {
			if export.Check(reg, format) == nil {
				downloads = append(downloads, "/api/v1/export/"+reg+"?format="+format)
			}
		}
	}
	downloads = append(downloads, "/api/v1/export/assets?format=ciso-assistant&workbook=true")
	for _, d := range downloads {
		for name, text := range contents(d, "r") {
			for _, secret := range []string{osUser, abs, filepath.Dir(abs)} {
				if strings.Contains(text, secret) {
					t.Errorf("a reader's %s holds %q", name, secret)
				}
			}
		}
	}
	reader, admin := contents(pack, "r"), contents(pack, "adm")
	if runs := reader[pack+" runs.csv"]; !strings.Contains(runs, ",inventory.yaml,") {
		t.Errorf("a reader's runs.csv lost the file names:\n%.500s", runs)
	}
	if trace := reader[pack+" dec%3Aloan-approval/trace.csv"]; !strings.Contains(trace, ",inventory.yaml,") {
		t.Errorf("a reader's trace.csv lost the file names:\n%.500s", trace)
	}
	for _, f := range []string{"runs.csv", "index.html"} {
		if text := admin[pack+" "+f]; !strings.Contains(text, osUser) || !strings.Contains(text, filepath.Join(abs, "inventory.yaml")) {
			t.Errorf("an admin's %s lacks the user or the full path:\n%.500s", f, text)
		}
	}
	if trace := admin[pack+" dec%3Aloan-approval/trace.csv"]; !strings.Contains(trace, filepath.Join(abs, "inventory.yaml")) {
		t.Errorf("an admin's trace.csv lacks the full path:\n%.500s", trace)
	}
}
