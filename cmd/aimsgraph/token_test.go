package main

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestTokenCommands(t *testing.T) {
	t.Setenv("NEO4J_URI", "")
	t.Setenv("AIMSGRAPH_DATA", t.TempDir())
	code, secret, stderr := runCLI(t, "token", "create", "--name", "ci-bot", "--role", "ingester")
	secret = strings.TrimSpace(secret)
	if code != exitOK || !regexp.MustCompile(`^agt_[A-Za-z0-9_-]{43}$`).MatchString(secret) || !strings.Contains(stderr, "shown once") {
		t.Fatalf("create: exit %d, secret %q\n%s", code, secret, stderr)
	}
	code, stdout, _ := runCLI(t, "token", "list")
	if code != exitOK || !regexp.MustCompile(`(?m)^ci-bot\s+ingester\s+\d{4}-\d\d-\d\dT\S+\s+never$`).MatchString(stdout) || strings.Contains(stdout, secret) || strings.Contains(stdout, secret[4:]) {
		t.Errorf("list: exit %d\n%s", code, stdout)
	}
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"token", "create", "--name", "ci-bot", "--role", "reader"}, exitUsage, `a token called "ci-bot" exists`},
		{[]string{"token", "create", "--name", "x", "--role", "root"}, exitUsage, "unknown role"},
		{[]string{"token", "create", "--name", "a b", "--role", "reader"}, exitUsage, "letters, digits"},
		{[]string{"token", "frob"}, exitUsage, "unknown token subcommand"},
		{[]string{"token"}, exitUsage, "create, list or revoke"},
		{[]string{"token", "revoke", "nobody"}, exitInvalid, `no token called "nobody"`},
	} {
		if code, _, stderr := runCLI(t, tc.args...); code != tc.code || !strings.Contains(stderr, tc.msg) {
			t.Errorf("%v: exit %d, want %d with %q\n%s", tc.args, code, tc.code, tc.msg, stderr)
		}
	}
	if code, stdout, _ := runCLI(t, "token", "revoke", "ci-bot"); code != exitOK || !strings.Contains(stdout, "revoked") {
		t.Errorf("revoke: exit %d %s", code, stdout)
	}
	if _, stdout, stderr := runCLI(t, "token", "list"); strings.Contains(stdout, "ci-bot") || !strings.Contains(stderr, "no tokens") {
		t.Errorf("after revoke:\n%s%s", stdout, stderr)
	}
}

// startServe runs serve with args and returns its GraphQL URL, its exit channel and a stop.
func startServe(t *testing.T, args ...string) (url string, done chan int, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr syncBuffer
	done = make(chan int, 1)
	go func() { done <- run(ctx, append([]string{"serve"}, args...), &stdout, &stderr) }()
	api := regexp.MustCompile(`GraphQL API: (https?://\S+/graphql)`)
	for deadline := time.Now().Add(30 * time.Second); ; {
		if m := api.FindStringSubmatch(stdout.String()); m != nil {
			return m[1], done, cancel
		}
		select {
		case code := <-done:
			done <- code
			cancel()
			return "", done, func() {}
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("serve did not come up\n%s%s", stdout.String(), stderr.String())
		}
	}
}

// The loopback rule: without a token in the store, serve runs open on loopback only; another
// address is refused (exit 2) unless --no-auth; with a token, any address serves token holders.
func TestServeLoopbackRule(t *testing.T) {
	t.Setenv("NEO4J_URI", "")
	data := t.TempDir()
	t.Setenv("AIMSGRAPH_DATA", data)
	var stderr syncBuffer
	code := run(context.Background(), []string{"serve", "--addr", "0.0.0.0:0"}, io.Discard, &stderr)
	if code != exitUsage || !strings.Contains(stderr.String(), "refusing to serve 0.0.0.0:0 without tokens") {
		t.Errorf("non-loopback without tokens: exit %d\n%s", code, stderr.String())
	}
	code = run(context.Background(), []string{"serve", "--addr", ":0"}, io.Discard, &stderr)
	if code != exitUsage {
		t.Errorf("every interface (:0) without tokens: exit %d", code)
	}

	url, done, stop := startServe(t, "--addr", "0.0.0.0:0", "--no-auth")
	if url == "" {
		t.Fatalf("--no-auth did not start: exit %d", <-done)
	}
	if status := post(t, url, ""); status != 200 {
		t.Errorf("--no-auth: HTTP %d", status)
	}
	stop()
	<-done

	_, secret, _ := runCLI(t, "token", "create", "--name", "ops", "--role", "reader")
	url, done, stop = startServe(t, "--addr", "0.0.0.0:0")
	if url == "" {
		t.Fatalf("with a token, a non-loopback address was refused: exit %d", <-done)
	}
	defer func() { stop(); <-done }()
	if status := post(t, url, ""); status != http.StatusUnauthorized {
		t.Errorf("without a token: HTTP %d, want 401", status)
	}
	if status := post(t, url, strings.TrimSpace(secret)); status != 200 {
		t.Errorf("with the token: HTTP %d", status)
	}
}

// serve --no-auth on a loopback address answers only requests addressed to this machine, as
// open mode does (a page whose DNS name was rebound to 127.0.0.1), and no other site's page.
func TestServeNoAuthOnLoopback(t *testing.T) {
	t.Setenv("NEO4J_URI", "")
	t.Setenv("AIMSGRAPH_DATA", t.TempDir())
	url, done, stop := startServe(t, "--addr", "127.0.0.1:0", "--no-auth")
	if url == "" {
		t.Fatalf("--no-auth on loopback did not start: exit %d", <-done)
	}
	defer func() { stop(); <-done }()
	send := func(host string, header map[string]string) int {
		req, _ := http.NewRequest("POST", url, strings.NewReader(`{"query": "{ __typename }"}`))
		req.Header.Set("Content-Type", "application/json")
		for k, v := range header {
			req.Header.Set(k, v)
		}
		if host != "" {
			req.Host = host
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if status := send("", nil); status != 200 {
		t.Errorf("addressed to 127.0.0.1: HTTP %d", status)
	}
	if status := send("evil.example:8080", nil); status != http.StatusForbidden {
		t.Errorf("addressed to another name: HTTP %d, want 403", status)
	}
	if status := send("", map[string]string{"Origin": "http://evil.example"}); status != http.StatusForbidden {
		t.Errorf("from another site's page: HTTP %d, want 403", status)
	}
}

func post(t *testing.T, url, secret string) int {
	t.Helper()
	req, _ := http.NewRequest("POST", url, strings.NewReader(`{"query": "{ __typename }"}`))
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		req.Header.Set("Authorization", "Bearer "+secret)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
