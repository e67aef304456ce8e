// Package loadtest measures `aimsgraph serve` under load (docs/operations.md, "Load test"): it
// starts the binary on a random loopback port over a store holding the sample estate, runs
// normal clients for a fixed time (each with its own reader token, looping over the example
// queries), then the same with abusive clients alongside, and reports requests/s, p50/p99,
// errors and the server's RSS. Traffic goes to 127.0.0.1 only, and every loop ends by itself.
package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aimsgraph/aimsgraph/auth"
	"github.com/aimsgraph/aimsgraph/graph/embedded"
	"github.com/aimsgraph/aimsgraph/graph/neo4jstore"
	"github.com/aimsgraph/aimsgraph/internal/neo4jtest"
	"github.com/aimsgraph/aimsgraph/server"
)

// Config is one load test.
type Config struct {
	Binary            string            // the aimsgraph binary
	Neo4j             neo4jstore.Config // URI empty: the embedded store in a temporary directory
	Clients           int               // normal clients, each one request at a time
	Duration          time.Duration     // of each phase
	Abusers           int               // abusive clients in the second phase
	AbuserConcurrency int               // requests each abusive client keeps in flight
	Abuse             []string          // the kinds of abusive request sent, in turn (AbuseKinds); empty: all
	Log               io.Writer         // progress lines
}

// Phase is what one phase measured.
type Phase struct {
	Name                string
	Requests            int
	Errors              int // normal clients' failed requests (HTTP status or GraphQL errors)
	FirstError          string
	RequestsPerSec      float64
	P50, P99            time.Duration
	AbuseRequests       int            // requests the abusive clients sent
	AbuseOutcomes       map[string]int // their answers, by code
	RSSBefore, RSSAfter int64          // server resident memory, bytes
}

// Report is a whole load test.
type Report struct {
	Store  string
	Phases []Phase
}

// Warmup is how long clients run before the measured phases.
const Warmup = 5 * time.Second

// Run runs the load test.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	rep := &Report{Store: "embedded"}
	env := append(os.Environ(), "NEO4J_URI=")
	var dataDir string
	if cfg.Neo4j.URI != "" {
		rep.Store = "neo4j " + cfg.Neo4j.URI
		fmt.Fprintln(cfg.Log, "taking the shared test database's lock, then wiping it")
		if err := neo4jtest.Lock(); err != nil {
			return nil, err
		}
		if err := neo4jtest.WipeLocked(ctx, cfg.Neo4j); err != nil {
			return nil, fmt.Errorf("wiping Neo4j: %w", err)
		}
		env = append(os.Environ(), "NEO4J_URI="+cfg.Neo4j.URI)
	} else {
		var err error
		if dataDir, err = os.MkdirTemp("", "aimsgraph-load-"); err != nil {
			return nil, err
		}
		defer os.RemoveAll(dataDir)
		env = append(env, "AIMSGRAPH_DATA="+dataDir)
	}
	secrets, err := createTokens(ctx, cfg, dataDir)
	if err != nil {
		return nil, err
	}
	srv, err := startServer(ctx, cfg, env)
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	queries, err := exampleBodies()
	if err != nil {
		return nil, err
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 2 * (cfg.Clients + cfg.Abusers*cfg.AbuserConcurrency)}, Timeout: 60 * time.Second}
	// A short unmeasured warm-up: Neo4j compiles query plans and fills its page cache on first
	// use, which would otherwise count against the first phase only.
	fmt.Fprintf(cfg.Log, "warm-up: %d clients for %v, not measured\n", cfg.Clients, Warmup)
	warm := cfg
	warm.Duration = Warmup
	run(ctx, warm, client, srv.url, secrets, queries, 0, &Phase{AbuseOutcomes: map[string]int{}})
	for _, abusers := range []int{0, cfg.Abusers} {
		name := "normal clients alone"
		if abusers > 0 {
			name = fmt.Sprintf("with %d abusive clients", abusers)
		}
		fmt.Fprintf(cfg.Log, "phase: %d clients for %v, %s\n", cfg.Clients, cfg.Duration, name)
		p := Phase{Name: name, RSSBefore: srv.rss(), AbuseOutcomes: map[string]int{}}
		run(ctx, cfg, client, srv.url, secrets, queries, abusers, &p)
		p.RSSAfter = srv.rss()
		rep.Phases = append(rep.Phases, p)
	}
	return rep, nil
}

// createTokens makes one reader token per normal client and per abusive client, through the
// store itself (before the server holds the embedded store's lock).
func createTokens(ctx context.Context, cfg Config, dataDir string) (map[string]string, error) {
	var tokens auth.TokenStore
	if cfg.Neo4j.URI != "" {
		s, err := neo4jstore.Open(ctx, cfg.Neo4j)
		if err != nil {
			return nil, err
		}
		defer s.Close(ctx)
		tokens = s
	} else {
		s, err := embedded.Open(dataDir)
		if err != nil {
			return nil, err
		}
		defer s.Close(ctx)
		tokens = s
	}
	secrets := map[string]string{}
	names := []string{}
	for i := range cfg.Clients {
		names = append(names, fmt.Sprintf("client-%d", i))
	}
	for i := range cfg.Abusers {
		names = append(names, fmt.Sprintf("abuser-%d", i))
	}
	for _, n := range names {
		tok, secret, err := auth.NewToken(n, auth.Reader, time.Now())
		if err != nil {
			return nil, err
		}
		if err := tokens.CreateToken(ctx, tok); err != nil {
			return nil, err
		}
		secrets[n] = secret
	}
	return secrets, nil
}

type serverProcess struct {
	cmd *exec.Cmd
	url string
}

// startServer starts `serve --demo` on a free loopback port and waits until it is ready.
func startServer(ctx context.Context, cfg Config, env []string) (*serverProcess, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	bin, err := filepath.Abs(cfg.Binary)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "serve", "--demo", "--addr", addr, "--log-level", "warn")
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = io.Discard, cfg.Log
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &serverProcess{cmd: cmd, url: "http://" + addr}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		resp, err := http.Get(s.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return s, nil
			}
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			s.stop()
			return nil, fmt.Errorf("serve did not become ready at %s", s.url)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (s *serverProcess) stop() {
	_ = s.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
}

// rss returns the server's resident memory in bytes (Linux), or 0.
func (s *serverProcess) rss() int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb * 1024
		}
	}
	return 0
}

// exampleBodies returns the example queries as request bodies: the mix normal clients send.
func exampleBodies() ([][]byte, error) {
	ex, err := server.Examples()
	if err != nil {
		return nil, err
	}
	var out [][]byte
	for _, e := range ex {
		b, _ := json.Marshal(map[string]string{"query": e.Query})
		out = append(out, b)
	}
	return out, nil
}

// run runs one phase.
func run(ctx context.Context, cfg Config, client *http.Client, url string, secrets map[string]string, queries [][]byte, abusers int, p *Phase) {
	ctx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()
	var mu sync.Mutex
	var latencies []time.Duration
	var wg sync.WaitGroup
	for i := range cfg.Clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			secret := secrets[fmt.Sprintf("client-%d", i)]
			for n := i; ctx.Err() == nil; n++ {
				start := time.Now()
				status, body, err := send(ctx, client, url, secret, queries[n%len(queries)])
				took := time.Since(start)
				if ctx.Err() != nil {
					return // the phase ended mid-request: not a server error
				}
				mu.Lock()
				latencies = append(latencies, took)
				if err != nil || status != 200 || bytes.Contains(body, []byte(`"errors"`)) {
					p.Errors++
					if p.FirstError == "" {
						p.FirstError = fmt.Sprintf("HTTP %d %v %.200s", status, err, body)
					}
				}
				mu.Unlock()
			}
		}()
	}
	var abuse atomic.Int64
	abusive := abusiveBodies(cfg.Abuse)
	for a := range abusers {
		secret := secrets[fmt.Sprintf("abuser-%d", a)]
		for c := range cfg.AbuserConcurrency {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for n := c; ctx.Err() == nil; n++ {
					status, body, err := send(ctx, client, url, secret, abusive[n%len(abusive)])
					if ctx.Err() != nil {
						return
					}
					abuse.Add(1)
					code := strconv.Itoa(status)
					var r struct {
						Errors []struct {
							Extensions struct{ Code string } `json:"extensions"`
						} `json:"errors"`
					}
					if err != nil {
						code = "transport error"
					} else if json.Unmarshal(body, &r) == nil && len(r.Errors) > 0 {
						code += " " + r.Errors[0].Extensions.Code
					}
					mu.Lock()
					p.AbuseOutcomes[code]++
					mu.Unlock()
				}
			}()
		}
	}
	wg.Wait()
	p.AbuseRequests = int(abuse.Load())
	p.Requests = len(latencies)
	p.RequestsPerSec = float64(len(latencies)) / cfg.Duration.Seconds()
	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	p.P50, p.P99 = percentile(latencies, 0.50), percentile(latencies, 0.99)
}

func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(q*float64(len(sorted))))]
}

func send(ctx context.Context, client *http.Client, url, secret string, body []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, "POST", url+"/graphql", bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+secret)
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	return resp.StatusCode, b, err
}

// AbuseKinds names the abusive requests: the attacks of issue 9 (each now refused early) and the
// most expensive request the server accepts.
var AbuseKinds = []string{"fragment-bomb", "aliases", "oversize", "heaviest", "malformed"}

// abusiveBodies are what the abusive clients send, in turn: the kinds named, or all.
func abusiveBodies(kinds []string) [][]byte {
	if len(kinds) == 0 {
		kinds = AbuseKinds
	}
	q := func(s string) []byte { b, _ := json.Marshal(map[string]string{"query": s}); return b }
	var bomb strings.Builder
	bomb.WriteString("query { ...F28 }\nfragment F0 on Query { __typename node(id: \"x\") { id } }\n")
	for i := 1; i <= 28; i++ {
		fmt.Fprintf(&bomb, "fragment F%d on Query { ...F%d ...F%d }\n", i, i-1, i-1)
	}
	var aliases strings.Builder
	aliases.WriteString("{")
	for i := range 10_000 {
		fmt.Fprintf(&aliases, " a%d: impact(sources: {kinds: [DATASET]}, maxDepth: 25, limit: 1000) { truncated }", i)
	}
	aliases.WriteString(" }")
	heaviest := `{ a: impact(sources: {kinds: [DATASET]}, maxDepth: 25, limit: 1000) { items { node { id } paths { nodes { id name } relationships { type } } } }
  b: lineage(id: "dec:card-block", direction: BOTH, maxDepth: 25) { nodes { id } relationships { type } } }`
	all := map[string][]byte{
		"fragment-bomb": q(bomb.String()),
		"aliases":       q(aliases.String()),
		"oversize":      append([]byte(`{"query": "`), bytes.Repeat([]byte("x"), 2<<20)...), // over the body cap
		"heaviest":      q(heaviest),
		"malformed":     []byte(`{"query": `),
	}
	var out [][]byte
	for _, k := range kinds {
		if b, ok := all[k]; ok {
			out = append(out, b)
		}
	}
	return out
}

// Print writes the report as a table.
func (r *Report) Print(w io.Writer) {
	fmt.Fprintf(w, "store: %s\n", r.Store)
	fmt.Fprintf(w, "%-28s %9s %9s %9s %9s %7s %11s %11s %9s\n", "phase", "requests", "req/s", "p50", "p99", "errors", "RSS before", "RSS after", "abuse req")
	for _, p := range r.Phases {
		fmt.Fprintf(w, "%-28s %9d %9.1f %9s %9s %7d %9.1fMB %9.1fMB %9d\n", p.Name, p.Requests, p.RequestsPerSec,
			p.P50.Round(10*time.Microsecond), p.P99.Round(10*time.Microsecond), p.Errors, float64(p.RSSBefore)/(1<<20), float64(p.RSSAfter)/(1<<20), p.AbuseRequests)
		if p.FirstError != "" {
			fmt.Fprintf(w, "    first error: %s\n", p.FirstError)
		}
		if len(p.AbuseOutcomes) > 0 {
			var parts []string
			for k, v := range p.AbuseOutcomes {
				parts = append(parts, fmt.Sprintf("%s: %d", k, v))
			}
			sort.Strings(parts)
			fmt.Fprintf(w, "    abusive answers: %s\n", strings.Join(parts, ", "))
		}
	}
	if len(r.Phases) == 2 && r.Phases[0].P99 > 0 {
		fmt.Fprintf(w, "normal clients' p99 with abusers / without: %.2fx\n", float64(r.Phases[1].P99)/float64(r.Phases[0].P99))
	}
}
