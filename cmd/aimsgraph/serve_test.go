package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aimsgraph/aimsgraph"
	"github.com/aimsgraph/aimsgraph/graph/storetest"
)

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

// TestServeDemo is the README's first command: serve --demo on the embedded store answers the
// canonical question, and stops cleanly on a signal.
func TestServeDemo(t *testing.T) {
	t.Setenv("NEO4J_URI", "")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--demo", "--addr", "127.0.0.1:0", "--data", t.TempDir()}, &stdout, &stderr)
	}()
	api := regexp.MustCompile(`GraphQL API: (http://\S+/graphql)`)
	var url string
	for deadline := time.Now().Add(30 * time.Second); url == ""; {
		if m := api.FindStringSubmatch(stdout.String()); m != nil {
			url = m[1]
		} else if time.Now().After(deadline) {
			t.Fatalf("serve did not come up\nstdout: %s\nstderr: %s", stdout.String(), stderr.String())
		}
		select {
		case code := <-done:
			t.Fatalf("serve exited %d\n%s", code, stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	if ui := regexp.MustCompile(`web UI: +(http://\S+/)`).FindStringSubmatch(stdout.String()); ui == nil {
		t.Errorf("the UI address is not printed:\n%s", stdout.String())
	} else if resp, err := http.Get(ui[1]); err != nil || resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), "text/html") {
		t.Errorf("the printed UI address %s does not serve the page: %v", ui[1], err)
	} else {
		resp.Body.Close()
	}
	body, _ := json.Marshal(map[string]string{"query": `{ impact(sources: {kinds: [DATASET], thirdParty: true, flags: [PRIVACY]}, targets: [DECISION]) { items { node { id } distance } } }`})
	resp, err := http.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		Data struct {
			Impact struct {
				Items []struct {
					Node     struct{ ID string }
					Distance int
				}
			}
		}
	}
	_ = json.NewDecoder(resp.Body).Decode(&out)
	resp.Body.Close()
	got := map[string]int{}
	for _, it := range out.Data.Impact.Items {
		got[it.Node.ID] = it.Distance
	}
	want := map[string]int{"dec:loan-approval": 2, "dec:credit-limit": 2, "dec:sar-filing": 2, "dec:card-block": 5}
	if len(got) != len(want) {
		t.Errorf("canonical question on the demo: %v, want %v", got, want)
	}
	for id, d := range want {
		if got[id] != d {
			t.Errorf("%s: distance %d, want %d", id, got[id], d)
		}
	}
	cancel() // what Ctrl+C does
	select {
	case code := <-done:
		if code != exitOK {
			t.Errorf("serve exited %d after the signal\n%s", code, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not shut down")
	}
}

// TestSameFiles: run from a checkout, the demo imports the repository's own estate files (so the
// evidence names them), registers subfolder included; a changed copy is not the built-in one.
func TestSameFiles(t *testing.T) {
	estate := storetest.Testdata(t, "estate")
	if !sameFiles(aimsgraph.SampleEstate, estate) {
		t.Fatalf("the checkout's %s differs from the built-in sample estate", estate)
	}
	copied := t.TempDir()
	if err := os.CopyFS(copied, os.DirFS(estate)); err != nil {
		t.Fatal(err)
	}
	if !sameFiles(aimsgraph.SampleEstate, copied) {
		t.Fatalf("an exact copy is not recognised")
	}
	if err := os.WriteFile(filepath.Join(copied, "registers", filepath.Base(firstFile(t, filepath.Join(copied, "registers")))), []byte("changed"), 0o600); err != nil {
		t.Fatal(err)
	}
	if sameFiles(aimsgraph.SampleEstate, copied) {
		t.Errorf("a copy with a changed register file passes for the built-in estate")
	}
}

func firstFile(t *testing.T, dir string) string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) == 0 {
		t.Fatalf("%s: %v", dir, err)
	}
	return entries[0].Name()
}
