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
	"runtime"
	"strconv"
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
			Code         string               `json:"code"`
			Problems     []ingest.ProblemJSON `json:"problems"`
			MoreProblems int                  `json:"moreProblems"`
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
// in order, so the job's lineage is the later run's. An empty array stores nothing, not even a
// run.
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
	before := storetest.Take(t, s)
	runs, _ := s.Runs(context.Background(), graph.RunQuery{})
	if r := post(t, url, ingesterKey, []byte(" [ ] "), false); r.status != http.StatusOK || r.Events == nil || len(r.Events) != 0 {
		t.Errorf("an empty batch: %+v", r)
	}
	if after, _ := s.Runs(context.Background(), graph.RunQuery{}); len(after) != len(runs) || before.Diff(storetest.Take(t, s)) != "" {
		t.Errorf("an empty batch made a run: %d runs, were %d", len(after), len(runs))
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

// handlerOf serves the lineage endpoints of an ingester over s with opts, alone: no server, no
// token checks; every caller is the ingester token's owner.
func handlerOf(s graph.Store, opts ingest.Options) http.Handler {
	mux := http.NewServeMux()
	caller := auth.Principal{Name: ingesterName, Role: auth.Ingester}
	ingest.New(s, opts, quiet).Routes(mux, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h.ServeHTTP(w, r.WithContext(auth.WithPrincipal(r.Context(), caller)))
		})
	})
	return mux
}

// TestLineageBoundedBeforeDecoding: a batch of more elements than the cap is refused (413
// PAYLOAD_TOO_LARGE) from the body's outline, before decoding: refusing a megabyte of
// `[0,0,...]` (half a million elements, each a document to the decoder) allocates a few times the
// body, not a document per element; so does refusing a single-event request of half a million
// objects one after another (400). A batch of bad events answers its first 20 problems and
// counts the rest.
func TestLineageBoundedBeforeDecoding(t *testing.T) {
	h := handlerOf(embeddedtest.Fresh(t), ingest.DefaultOptions())
	zeros := append(append([]byte("["), bytes.Repeat([]byte("0,"), 1<<19)...), '0', ']')
	for _, c := range []struct {
		path   string
		body   []byte
		status int
		code   string
	}{
		{"/api/v1/lineage/batch", zeros, http.StatusRequestEntityTooLarge, ingest.CodeTooLarge},
		{"/api/v1/lineage", bytes.Repeat([]byte("{}"), 1<<19), http.StatusBadRequest, ingest.CodeBadInput},
		{"/api/v1/lineage", zeros[1 : len(zeros)-1], http.StatusBadRequest, ingest.CodeBadInput}, // 0,0,...: values, no array
		// One event of half a million values: within the body limit, and 100 MB as a tree.
		{"/api/v1/lineage", append(append([]byte(`{"eventType": "COMPLETE", "job": {"namespace": "n", "name": "j"}, "run": {"facets": {"x": `),
			zeros...), '}', '}', '}'), http.StatusRequestEntityTooLarge, ingest.CodeTooLarge},
	} {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, jsonRequest(c.path, bytes.NewReader(c.body)))
		runtime.ReadMemStats(&after)
		r := decodeReply(t, w)
		if r.status != c.status || len(r.Errors) != 1 || r.Errors[0].Extensions.Code != c.code {
			t.Errorf("%s, %d bytes: %+v", c.path, len(c.body), r)
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 8*uint64(len(c.body)) {
			t.Errorf("%s: refusing %d bytes allocated %d", c.path, len(c.body), alloc)
		}
	}

	var many []string
	for i := range 30 {
		many = append(many, strconv.Itoa(i))
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, jsonRequest("/api/v1/lineage/batch", strings.NewReader("["+strings.Join(many, ",\n")+"]")))
	r := decodeReply(t, w)
	if r.status != http.StatusBadRequest || len(r.Errors) != 1 {
		t.Fatalf("30 bad events: %+v", r)
	}
	if e := r.Errors[0]; len(e.Extensions.Problems) != 20 || e.Extensions.MoreProblems != 10 || !strings.HasPrefix(e.Message, "30 problems") ||
		e.Extensions.Problems[0].Text != "request:1: expected an OpenLineage event (an object), got a scalar" {
		t.Errorf("30 bad events: %+v", e)
	}
}

// jsonRequest is a POST of body to path, sent as JSON, as the OpenLineage clients send it.
func jsonRequest(path string, body io.Reader) *http.Request {
	req := httptest.NewRequest(http.MethodPost, path, body)
	req.Header.Set("Content-Type", "application/json")
	return req
}

func decodeReply(t *testing.T, w *httptest.ResponseRecorder) reply {
	t.Helper()
	r := reply{status: w.Code}
	if err := json.Unmarshal(w.Body.Bytes(), &r); err != nil {
		t.Fatalf("HTTP %d: the answer is not JSON: %v\n%.500s", w.Code, err, w.Body.Bytes())
	}
	return r
}

// TestLineageAnswerBounded: a 201 shows 20 warnings in all and counts the rest per event; a
// message is cut at 1,000 bytes, so what a client wrote is not sent back whole.
func TestLineageAnswerBounded(t *testing.T) {
	h := handlerOf(embeddedtest.Fresh(t), ingest.DefaultOptions())
	long := strings.Repeat("X", 3000)
	var events []string
	for i := range 25 {
		events = append(events, `{"eventType": "`+long+`", "eventTime": "2026-03-01T00:00:00Z", "run": {"runId": "r"}, "job": {"namespace": "ns", "name": "j`+strconv.Itoa(i)+`"}}`)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, jsonRequest("/api/v1/lineage/batch", strings.NewReader("["+strings.Join(events, ",\n")+"]")))
	r := decodeReply(t, w)
	if r.status != http.StatusCreated || len(r.Events) != 25 {
		t.Fatalf("25 events: %+v", r)
	}
	shown, more := 0, 0
	for _, e := range r.Events {
		shown, more = shown+len(e.Warnings), more+e.MoreWarnings
		for _, p := range e.Warnings {
			if len(p.Message) > 1003 || len(p.Text) > 1003 || !strings.HasSuffix(p.Message, "...") {
				t.Errorf("a warning of %d bytes: %.80s", len(p.Message), p.Message)
			}
		}
	}
	if shown != 20 || more != 5 {
		t.Errorf("%d warnings shown, %d counted, want 20 and 5", shown, more)
	}
	if w.Body.Len() > 64<<10 {
		t.Errorf("an answer of %d bytes", w.Body.Len())
	}
}

// runEvent is a COMPLETE event of job ns/<job> at the given time, reading s3://in/<input>, with
// whatever else extra adds to the event (`"outputs": [...]`, ...).
func runEvent(job, at, input, extra string) string {
	if extra != "" {
		extra = ", " + extra
	}
	return `{"eventType": "COMPLETE", "eventTime": "` + at + `", "producer": "p", "run": {"runId": "r-` + job + `"},
  "job": {"namespace": "ns", "name": "` + job + `"}, "inputs": [{"namespace": "s3://in", "name": "` + input + `"}]` + extra + `}`
}

// TestLineageBatchPartial: the graph refuses one event of a batch (a symlink naming what the
// register already names another node) and stores the two others, in runs of their own: the
// answer is 207, each event in the order of the request saying what became of it; a batch whose
// only event is refused is 400, nothing stored.
func TestLineageBatchPartial(t *testing.T) { onEachStore(t, testLineageBatchPartial) }

func testLineageBatchPartial(t *testing.T, s graph.Store) {
	storetest.Import(t, s, importer.Options{}, storetest.Testdata(t, "sameas", "register.yaml"))
	url := serve(t, s) + "/api/v1/lineage/batch"
	refused := runEvent("bad", "2026-03-01T01:00:00Z", "c", `"outputs": [{"namespace": "s3://x", "name": "y",
  "facets": {"symlinks": {"identifiers": [{"namespace": "s3://bank-features", "name": "credit/features", "type": "TABLE"}]}}}]`)
	body := "[" + runEvent("good1", "2026-03-01T03:00:00Z", "a", "") + ",\n" + refused + ",\n" + runEvent("good2", "2026-03-01T02:00:00Z", "b", "") + "]"
	r := post(t, url, ingesterKey, []byte(body), false)
	if r.status != http.StatusMultiStatus || len(r.Events) != 3 || len(r.Errors) != 1 || r.Errors[0].Extensions.Code != ingest.CodeBadInput {
		t.Fatalf("a batch with a refused event: %+v", r)
	}
	for i, want := range []struct{ event, status string }{
		{"COMPLETE job:ol:ns/good1", ingest.StatusStored}, {"COMPLETE job:ol:ns/bad", ingest.StatusRefused}, {"COMPLETE job:ol:ns/good2", ingest.StatusStored},
	} {
		e := r.Events[i]
		if e.Index != i || e.Event != want.event || e.Status != want.status || (e.Run != "") != (want.status == ingest.StatusStored) ||
			(len(e.Problems) > 0) != (want.status == ingest.StatusRefused) {
			t.Errorf("event %d: %+v, want %s %s", i, e, want.event, want.status)
		}
	}
	if p := r.Events[1].Problems; len(p) != 1 || !strings.Contains(p[0].Message, "already another name of") || p[0].Line != 4 {
		t.Errorf("the refused event's problems: %+v", p)
	}
	ns, err := s.Nodes(context.Background(), []string{"job:ol:ns/good1", "job:ol:ns/good2", "job:ol:ns/bad"})
	if err != nil || len(ns) != 2 {
		t.Errorf("stored: %v %v, want the two good jobs", ns, err)
	}

	before := storetest.Take(t, s)
	r = post(t, url, ingesterKey, []byte("["+refused+"]"), false)
	if r.status != http.StatusBadRequest || len(r.Events) != 1 || r.Events[0].Status != ingest.StatusRefused ||
		!strings.Contains(r.Errors[0].Message, "nothing was stored") || len(r.Errors[0].Extensions.Problems) != 1 {
		t.Errorf("a batch of a refused event: %+v", r)
	}
	if diff := before.Diff(storetest.Take(t, s)); diff != "" {
		t.Errorf("a refused batch changed the graph:\n%s", diff)
	}
}

// failingStore fails every import after the first `ok` with graph.ErrUnavailable.
type failingStore struct {
	graph.Store
	ok    int
	mu    sync.Mutex
	calls int
}

func (f *failingStore) Import(ctx context.Context, run graph.ImportRun, fill func(context.Context, graph.Writer) error) (*graph.ImportSummary, error) {
	f.mu.Lock()
	f.calls++
	fail := f.calls > f.ok
	f.mu.Unlock()
	if fail {
		return nil, graph.ErrUnavailable
	}
	return f.Store.Import(ctx, run, fill)
}

// TestLineageStoreFailsMidBatch: a batch's two events of one job go to two runs; the store
// commits the first and fails the second: the answer is 503 STORE_UNAVAILABLE, and says the
// first event was stored and the second not.
func TestLineageStoreFailsMidBatch(t *testing.T) {
	s := &failingStore{Store: embeddedtest.Fresh(t), ok: 1}
	h := handlerOf(s, ingest.DefaultOptions())
	body := "[" + runEvent("j", "2026-03-01T01:00:00Z", "a", "") + ",\n" + runEvent("j", "2026-03-01T02:00:00Z", "b", "") + "]"
	w := httptest.NewRecorder()
	h.ServeHTTP(w, jsonRequest("/api/v1/lineage/batch", strings.NewReader(body)))
	r := decodeReply(t, w)
	if r.status != http.StatusServiceUnavailable || len(r.Errors) != 1 || r.Errors[0].Extensions.Code != ingest.CodeUnavailable ||
		!strings.Contains(r.Errors[0].Message, "after storing 1 of the 2 events") || len(r.Events) != 2 {
		t.Fatalf("a store failing mid-batch: %+v", r)
	}
	if e := r.Events; e[0].Status != ingest.StatusStored || e[0].Run == "" || e[1].Status != ingest.StatusFailed || e[1].Run != "" {
		t.Errorf("the events: %+v", e)
	}
	w = httptest.NewRecorder()
	h.ServeHTTP(w, jsonRequest("/api/v1/lineage", strings.NewReader(runEvent("k", "2026-03-01T01:00:00Z", "a", ""))))
	if r := decodeReply(t, w); r.status != http.StatusServiceUnavailable || !strings.Contains(r.Errors[0].Message, "nothing of the request was stored") ||
		len(r.Events) != 1 || r.Events[0].Status != ingest.StatusFailed {
		t.Errorf("a store failing a single event: %+v", r)
	}
}

// TestOlderEventKeepsNewerDescription: a dataset described by a newer event keeps that
// description when an older event describes it again, whatever job the older event is of: the
// older event's own job lineage is stored (it is that job's newest), its description of the
// dataset is not, and the answer says so. An older DATASET event is superseded whole. A new
// server (whose ingester remembers nothing) asks the store and holds to the same rule.
func TestOlderEventKeepsNewerDescription(t *testing.T) {
	onEachStore(t, testOlderEventKeepsNewerDescription)
}

func testOlderEventKeepsNewerDescription(t *testing.T, s graph.Store) {
	const shared = "ds:ol:s3://out/shared"
	describing := func(job, at, description string) []byte {
		return []byte(runEvent(job, at, job, `"outputs": [{"namespace": "s3://out", "name": "shared",
  "facets": {"documentation": {"description": "`+description+`"}}}]`))
	}
	url := serve(t, s) + "/api/v1/lineage"
	if r := post(t, url, ingesterKey, describing("writer-new", "2026-03-01T03:00:00Z", "the newer description"), false); r.status != http.StatusCreated {
		t.Fatalf("the newer event: %+v", r)
	}
	r := post(t, url, ingesterKey, describing("writer-old", "2026-03-01T01:00:00Z", "the older description"), false)
	if r.status != http.StatusCreated || r.Events[0].Status != ingest.StatusStored || len(r.Events[0].Warnings) != 1 ||
		!strings.Contains(r.Events[0].Warnings[0].Message, "older (2026-03-01T01:00:00Z) than what "+shared+" last stated (2026-03-01T03:00:00Z") {
		t.Errorf("an older event of another job describing the dataset: %+v", r)
	}
	if d := node(t, s, shared).Props["description"]; d != "the newer description" {
		t.Errorf("after an older event of another job, the dataset's description is %q", d)
	}
	if in, err := s.Edges(context.Background(), []string{"job:ol:ns/writer-old"}, graph.Out, []graph.RelType{graph.Feeds}); err != nil || len(in) != 1 {
		t.Errorf("the older event's own lineage: %v %v", in, err)
	}
	dataset := func(at, description string) []byte {
		return []byte(`{"eventType": "DATASET", "eventTime": "` + at + `", "producer": "p",
  "dataset": {"namespace": "s3://out", "name": "shared", "facets": {"documentation": {"description": "` + description + `"}}}}`)
	}
	if r := post(t, url, ingesterKey, dataset("2026-03-01T02:00:00Z", "a dataset event's older description"), false); r.status != http.StatusOK ||
		r.Events[0].Status != ingest.StatusSuperseded || !strings.Contains(r.Events[0].Superseded, shared) {
		t.Errorf("an older dataset event: %+v", r)
	}

	again := httptest.NewServer(handlerOf(s, ingest.DefaultOptions())) // another ingester: it asks the store
	defer again.Close()
	url = again.URL + "/api/v1/lineage"
	if r := post(t, url, ingesterKey, describing("writer-third", "2026-03-01T02:30:00Z", "yet another older description"), false); r.status != http.StatusCreated ||
		len(r.Events[0].Warnings) != 1 {
		t.Errorf("an older event to a new server: %+v", r)
	}
	if d := node(t, s, shared).Props["description"]; d != "the newer description" {
		t.Errorf("the dataset's description is %q", d)
	}
	if r := post(t, url, ingesterKey, dataset("2026-03-01T04:00:00Z", "the newest description"), false); r.status != http.StatusCreated {
		t.Errorf("a newer dataset event: %+v", r)
	}
	if d := node(t, s, shared).Props["description"]; d != "the newest description" {
		t.Errorf("after a newer dataset event, the description is %q", d)
	}
}

// metric reads one series of /metrics (0 when absent).
func metric(t *testing.T, base, series string) float64 {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+readerKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), series+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("%s: %v", line, err)
			}
			return f
		}
	}
	return 0
}

// TestIngestionMetric: /metrics counts the events received by outcome: stored, superseded (an
// older event of a job), refused (an event with a problem: the request's every event).
func TestIngestionMetric(t *testing.T) {
	s := embeddedtest.Fresh(t)
	base := serve(t, s)
	series := func(outcome string) string {
		return `aimsgraph_ingestion_events_total{format="openlineage",outcome="` + outcome + `"}`
	}
	before := map[string]float64{}
	for _, o := range []string{ingest.StatusStored, ingest.StatusSuperseded, ingest.StatusRefused} {
		before[o] = metric(t, base, series(o))
	}
	batch := "[" + runEvent("m1", "2026-03-01T01:00:00Z", "a", "") + ",\n" + runEvent("m2", "2026-03-01T01:00:00Z", "a", "") + "]"
	if r := post(t, base+"/api/v1/lineage/batch", ingesterKey, []byte(batch), false); r.status != http.StatusCreated {
		t.Fatalf("two events: %+v", r)
	}
	if r := post(t, base+"/api/v1/lineage", ingesterKey, []byte(runEvent("m1", "2026-03-01T00:00:00Z", "a", "")), false); r.status != http.StatusOK {
		t.Fatalf("an older event: %+v", r)
	}
	bad := "[" + runEvent("m3", "2026-03-01T01:00:00Z", "a", "") + `, {"eventType": "COMPLETE", "run": {}, "job": {"namespace": "ns"}}]`
	if r := post(t, base+"/api/v1/lineage/batch", ingesterKey, []byte(bad), false); r.status != http.StatusBadRequest {
		t.Fatalf("a batch with a bad event: %+v", r)
	}
	for outcome, want := range map[string]float64{ingest.StatusStored: 2, ingest.StatusSuperseded: 1, ingest.StatusRefused: 2} {
		if got := metric(t, base, series(outcome)) - before[outcome]; got != want {
			t.Errorf("%s: %v more, want %v", series(outcome), got, want)
		}
	}
}
