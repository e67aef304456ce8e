package ingest_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aimsgraph/aimsgraph/auth"
	"github.com/aimsgraph/aimsgraph/graph"
	"github.com/aimsgraph/aimsgraph/graph/storetest"
	"github.com/aimsgraph/aimsgraph/importer"
	"github.com/aimsgraph/aimsgraph/ingest"
	"github.com/aimsgraph/aimsgraph/internal/embeddedtest"
	"github.com/aimsgraph/aimsgraph/internal/neo4jtest"
	"github.com/aimsgraph/aimsgraph/server"
)

const (
	buildJob     = "job:ol:airflow-risk/credit_features.build"
	ingesterKey  = "agt_test-ingester-key"
	readerKey    = "agt_test-reader-key"
	ingesterName = "pipeline-airflow"
)

// withTokens gives the store two real tokens, an ingester (ingesterKey) and a reader
// (readerKey), and returns the server options that check them as `serve` does.
func withTokens(tb testing.TB, s graph.Store) server.Options {
	tb.Helper()
	if g, ok := s.(*gatedStore); ok {
		s = g.Store // the tokens live in the store it wraps
	}
	ts, ok := s.(auth.TokenStore)
	if !ok {
		tb.Fatalf("%T keeps no tokens", s)
	}
	for name, tok := range map[string]struct {
		secret string
		role   auth.Role
	}{ingesterName: {ingesterKey, auth.Ingester}, "analyst": {readerKey, auth.Reader}} {
		if err := ts.CreateToken(context.Background(), auth.Token{Name: name, Role: tok.role, Hash: auth.HashSecret(tok.secret), CreatedAt: time.Now()}); err != nil {
			tb.Fatal(err)
		}
	}
	au := auth.NewAuthenticator(ts, auth.Tokens, quiet)
	tb.Cleanup(au.Close)
	return server.Options{Auth: au, Log: quiet}
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// serve starts aimsgraph's HTTP handler over s, behind the test tokens.
func serve(t *testing.T, s graph.Store) string { return serveBench(t, s) }

func serveBench(tb testing.TB, s graph.Store) string {
	ts := httptest.NewServer(server.New(s, withTokens(tb, s)))
	tb.Cleanup(ts.Close)
	return ts.URL
}

// postStatus posts one event with the ingester's key and returns the status.
func postStatus(client *http.Client, url, body string) int {
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+ingesterKey)
	resp, err := client.Do(req)
	if err != nil {
		return 0
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func onEachStore(t *testing.T, test func(t *testing.T, s graph.Store)) {
	t.Run("embedded", func(t *testing.T) { test(t, embeddedtest.Fresh(t)) })
	t.Run("neo4j", func(t *testing.T) { test(t, neo4jtest.Fresh(t)) })
}

type reply struct {
	status int
	Events []ingest.EventResult `json:"events"`
	Errors []struct {
		Message    string `json:"message"`
		Extensions struct {
			Code     string               `json:"code"`
			Problems []ingest.ProblemJSON `json:"problems"`
		} `json:"extensions"`
	} `json:"errors"`
}

func post(t *testing.T, url, key string, body []byte, gz bool) reply {
	t.Helper()
	if gz {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		_, _ = zw.Write(body)
		_ = zw.Close()
		body = b.Bytes()
	}
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if gz {
		req.Header.Set("Content-Encoding", "gzip")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	r := reply{status: resp.StatusCode}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatalf("HTTP %d: decoding the reply: %v", resp.StatusCode, err)
	}
	return r
}

func event(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(storetest.Testdata(t, "openlineage", "runs", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestLineageEndpoint: an ingester's event is stored before 201 (its run's user is the token's
// name), gzip included; a reader gets 403 and no token 401; a bad event gets 400 with its
// problems and changes nothing; an event older than what its job last stated is answered 200,
// not applied.
func TestLineageEndpoint(t *testing.T) { onEachStore(t, testLineageEndpoint) }

func testLineageEndpoint(t *testing.T, s graph.Store) {
	url := serve(t, s) + "/api/v1/lineage"
	if r := post(t, url, "", event(t, "1-complete.json"), false); r.status != http.StatusUnauthorized || r.Errors[0].Extensions.Code != auth.CodeUnauthenticated {
		t.Errorf("no token: %+v", r)
	}
	if r := post(t, url, readerKey, event(t, "1-complete.json"), false); r.status != http.StatusForbidden || r.Errors[0].Extensions.Code != auth.CodeForbidden {
		t.Errorf("a reader: %+v", r)
	}
	r := post(t, url, ingesterKey, event(t, "2-complete.json"), true)
	if r.status != http.StatusCreated || len(r.Events) != 1 || r.Events[0].Event != "COMPLETE "+buildJob || r.Events[0].Run == "" {
		t.Fatalf("a gzip event: %+v", r)
	}
	runs, err := s.Runs(context.Background(), graph.RunQuery{IDs: []string{r.Events[0].Run}})
	if err != nil || len(runs) != 1 || runs[0].User != ingesterName || runs[0].Files[0].Event == nil || runs[0].Files[0].Event.RunID != "0195a0b2-0000-7000-8000-000000000002" {
		t.Fatalf("the run: %+v %v", runs, err)
	}

	before := storetest.Take(t, s)
	bad := []byte(`{"eventType": "COMPLETE", "eventTime": "2026-03-03T00:00:00Z", "producer": "p",
  "run": {"runId": "r"}, "job": {"namespace": "airflow-risk"},
  "inputs": [{"namespace": "s3://x", "name": "y"}]}`)
	r = post(t, url, ingesterKey, bad, false)
	if r.status != http.StatusBadRequest || r.Errors[0].Extensions.Code != ingest.CodeBadInput || len(r.Errors[0].Extensions.Problems) != 1 ||
		r.Errors[0].Extensions.Problems[0].Text != "request:2: job: a job is named by its namespace and name, both required" {
		t.Errorf("a bad event: %+v", r)
	}
	if r = post(t, url, ingesterKey, []byte(`{"eventTime": `), false); r.status != http.StatusBadRequest || !strings.Contains(r.Errors[0].Extensions.Problems[0].Text, "invalid JSON") {
		t.Errorf("broken JSON: %+v", r)
	}
	r = post(t, url, ingesterKey, event(t, "1-complete.json"), false)
	if r.status != http.StatusOK || len(r.Events) != 1 || !strings.Contains(r.Events[0].Superseded, "older") {
		t.Errorf("an older event: %+v", r)
	}
	if diff := before.Diff(storetest.Take(t, s)); diff != "" {
		t.Errorf("refused and superseded events changed the graph:\n%s", diff)
	}
}

// TestLineageBatch: the batch endpoint takes an array; two events of one job go to different runs,
// in order, so the job's lineage is the later run's.
func TestLineageBatch(t *testing.T) {
	s := embeddedtest.Fresh(t)
	url := serve(t, s) + "/api/v1/lineage/batch"
	body := []byte("[" + string(event(t, "1-complete.json")) + "," + string(event(t, "2-complete.json")) + "]")
	r := post(t, url, ingesterKey, body, false)
	if r.status != http.StatusCreated || len(r.Events) != 2 || r.Events[0].Run == r.Events[1].Run {
		t.Fatalf("batch: %+v", r)
	}
	in, err := s.Edges(context.Background(), []string{buildJob}, graph.In, []graph.RelType{graph.Feeds})
	if err != nil || len(in) != 2 {
		t.Fatalf("the job's inputs: %v %v", in, err)
	}
	if r := post(t, url, ingesterKey, event(t, "2-complete.json"), false); r.status != http.StatusBadRequest {
		t.Errorf("one event to the batch endpoint: %+v", r)
	}
	if r := post(t, strings.TrimSuffix(url, "/batch"), ingesterKey, body, false); r.status != http.StatusBadRequest {
		t.Errorf("an array to the single endpoint: %+v", r)
	}
}

// TestLineageLimits: a body over the cap, compressed or not (a gzip bomb), is refused without
// being read whole; an encoding other than gzip is refused.
func TestLineageLimits(t *testing.T) {
	mux := http.NewServeMux()
	opts := ingest.DefaultOptions()
	opts.MaxBody = 4096
	s := embeddedtest.Fresh(t)
	ingest.New(s, opts, quiet).Routes(mux, func(h http.Handler) http.Handler { return auth.Require(auth.Ingester, h) })
	ts := httptest.NewServer(withTokens(t, s).Auth.Identify(mux))
	defer ts.Close()
	big := bytes.Repeat([]byte(" "), 5000)
	if r := post(t, ts.URL+"/api/v1/lineage", ingesterKey, big, false); r.status != http.StatusRequestEntityTooLarge || r.Errors[0].Extensions.Code != ingest.CodeTooLarge {
		t.Errorf("a large body: %+v", r)
	}
	bomb := bytes.Repeat([]byte{0}, 2<<20) // 2 MiB of zeros compress to ~2 KiB: under the cap until inflated
	started := time.Now()
	if r := post(t, ts.URL+"/api/v1/lineage", ingesterKey, bomb, true); r.status != http.StatusRequestEntityTooLarge {
		t.Errorf("a gzip bomb: %+v", r)
	}
	if took := time.Since(started); took > 10*time.Second {
		t.Errorf("the bomb took %v", took)
	}
	req, _ := http.NewRequest(http.MethodPost, ts.URL+"/api/v1/lineage", strings.NewReader("{}"))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+ingesterKey)
	req.Header.Set("Content-Encoding", "br")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("brotli: %v %v", resp, err)
	}
	resp.Body.Close()
}

// TestLineageContentType: events come as Content-Type application/json (any parameters, gzip
// or not); anything else, which a page of another site can send without a CORS preflight
// (text/plain, a form) or a body without a type, is refused with 415 before it is read.
func TestLineageContentType(t *testing.T) {
	s := embeddedtest.Fresh(t)
	url := serve(t, s) + "/api/v1/lineage"
	send := func(contentType string, gz bool) (int, string) {
		body := event(t, "2-complete.json")
		if gz {
			var b bytes.Buffer
			zw := gzip.NewWriter(&b)
			_, _ = zw.Write(body)
			_ = zw.Close()
			body = b.Bytes()
		}
		req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		if gz {
			req.Header.Set("Content-Encoding", "gzip")
		}
		req.Header.Set("Authorization", "Bearer "+ingesterKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var r reply
		_ = json.NewDecoder(resp.Body).Decode(&r)
		if len(r.Errors) > 0 {
			return resp.StatusCode, r.Errors[0].Extensions.Code
		}
		return resp.StatusCode, ""
	}
	for _, tc := range []struct {
		contentType string
		gz          bool
	}{{"text/plain", false}, {"text/plain;charset=UTF-8", true}, {"application/x-www-form-urlencoded", false},
		{"multipart/form-data; boundary=x", false}, {"", false}, {"application/jsonx", false}, {"application/json;;", false}} {
		if status, code := send(tc.contentType, tc.gz); status != http.StatusUnsupportedMediaType || code != ingest.CodeMediaType {
			t.Errorf("Content-Type %q (gzip %v): HTTP %d %q, want 415 %s", tc.contentType, tc.gz, status, code, ingest.CodeMediaType)
		}
	}
	if runs, _ := s.Runs(context.Background(), graph.RunQuery{Limit: 1}); len(runs) != 0 {
		t.Fatalf("a refused request stored a run: %+v", runs[0])
	}
	for _, tc := range []struct {
		contentType string
		gz          bool
	}{{"application/json", true}, {"Application/JSON; charset=utf-8", false}} {
		if status, code := send(tc.contentType, tc.gz); status != http.StatusCreated && status != http.StatusOK {
			t.Errorf("Content-Type %q (gzip %v): HTTP %d %q, want it stored", tc.contentType, tc.gz, status, code)
		}
	}
}

// gatedStore holds its first import until released, so the requests arriving meanwhile queue up.
type gatedStore struct {
	graph.Store
	once    sync.Once
	entered chan struct{}
	release chan struct{}
}

func (g *gatedStore) Import(ctx context.Context, run graph.ImportRun, fill func(context.Context, graph.Writer) error) (*graph.ImportSummary, error) {
	g.once.Do(func() { close(g.entered); <-g.release })
	return g.Store.Import(ctx, run, fill)
}

// TestGroupCommit: events that arrive while a commit runs are committed together, in one run
// whose sources are their jobs, each answered 201 only after that run.
func TestGroupCommit(t *testing.T) {
	s := &gatedStore{Store: embeddedtest.Fresh(t), entered: make(chan struct{}), release: make(chan struct{})}
	url := serve(t, s) + "/api/v1/lineage"
	eventOf := func(job string) []byte {
		return []byte(`{"eventType": "COMPLETE", "eventTime": "2026-03-01T00:00:00Z", "producer": "p", "run": {"runId": "r-` + job + `"},
  "job": {"namespace": "ns", "name": "` + job + `"}, "inputs": [{"namespace": "s3://in", "name": "` + job + `"}]}`)
	}
	first := make(chan reply, 1)
	go func() { first <- post(t, url, ingesterKey, eventOf("first"), false) }()
	<-s.entered
	var wg sync.WaitGroup
	replies := make([]reply, 10)
	for i := range replies {
		wg.Add(1)
		go func() { defer wg.Done(); replies[i] = post(t, url, ingesterKey, eventOf(string(rune('a'+i))), false) }()
	}
	time.Sleep(300 * time.Millisecond) // let the ten queue behind the held commit
	close(s.release)
	wg.Wait()
	if r := <-first; r.status != http.StatusCreated {
		t.Fatalf("first: %+v", r)
	}
	run := replies[0].Events[0].Run
	for _, r := range replies {
		if r.status != http.StatusCreated || r.Events[0].Run != run {
			t.Errorf("%+v: want 201 in run %s with the other nine", r, run)
		}
	}
	runs, err := s.Runs(context.Background(), graph.RunQuery{IDs: []string{run}})
	if err != nil || len(runs) != 1 || len(runs[0].Sources) != 10 || len(runs[0].SourceTimes) != 10 {
		t.Errorf("the group's run: %+v %v", runs, err)
	}
}

// TestCanonicalOverHTTP: the canonical question crosses an OpenLineage event received over HTTP:
// the register's privacy-flagged third-party dataset is the job's input by sameAs, and reaches
// the decision through the job, its output, the model trained on it and the system it powers.
func TestCanonicalOverHTTP(t *testing.T) { onEachStore(t, testCanonicalOverHTTP) }

func testCanonicalOverHTTP(t *testing.T, s graph.Store) {
	storetest.Import(t, s, importer.Options{}, storetest.Testdata(t, "sameas", "register.yaml"))
	if r := post(t, serve(t, s)+"/api/v1/lineage", ingesterKey, event(t, "2-complete.json"), true); r.status != http.StatusCreated {
		t.Fatalf("event: %+v", r)
	}
	res, err := s.Impact(context.Background(), storetest.CanonicalQuery(10))
	if err != nil || len(res.Items) != 1 || res.Items[0].Distance != 5 {
		t.Fatalf("impact: %+v %v", res, err)
	}
	var path []string
	for _, n := range res.Items[0].Paths[0].Nodes {
		path = append(path, n.ID)
	}
	want := []string{"ds:bureau-feed", buildJob, "ds:credit-features", "mdl:credit-scorecard", "sys:credit-scoring", "dec:loan-approval"}
	if !reflect.DeepEqual(path, want) {
		t.Errorf("evidence %v, want %v", path, want)
	}
}
