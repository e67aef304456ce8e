package auth

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// Free slots go to waiting tokens in turn: a token with many requests queued does not make one
// with a single request wait behind all of them.
func TestLimiterTakesTurns(t *testing.T) {
	l := &Limiter{Slots: 1, PerToken: 1, Waiting: 10, MaxWait: 5 * time.Second}
	ctx := context.Background()
	if err := l.acquire(ctx, tk("busy")); err != nil {
		t.Fatal(err)
	}
	order := make(chan string, 10)
	wait := func(key Key) {
		if err := l.acquire(ctx, key); err != nil {
			order <- "refused " + key.Name
			return
		}
		order <- key.Name
		l.release(key)
	}
	for range 5 {
		go wait(tk("busy"))
	}
	for len(waitersOf(l, tk("busy"))) < 5 {
		time.Sleep(time.Millisecond)
	}
	go wait(tk("calm"))
	for len(waitersOf(l, tk("calm"))) < 1 {
		time.Sleep(time.Millisecond)
	}
	l.release(tk("busy"))
	var got []string
	for range 6 {
		got = append(got, <-order)
	}
	if got[0] != "busy" || got[1] != "calm" {
		t.Errorf("grant order %v: calm should come second, after one of busy's", got)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.running != 0 || len(l.tokens) != 0 || len(l.turns) != 0 {
		t.Errorf("left behind: running %d, tokens %v, turns %v", l.running, l.tokens, l.turns)
	}
}

// tk is the key of the store token called name.
func tk(name string) Key { return Key{ViaToken, name} }

func waitersOf(l *Limiter, name Key) []chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	if q := l.tokens[name]; q != nil {
		return append([]chan struct{}(nil), q.waiters...)
	}
	return nil
}

// Over its waiting cap a token is refused at once; a waiter that gives up frees its place.
func TestLimiterRefusesAndTimesOut(t *testing.T) {
	l := &Limiter{Slots: 10, PerToken: 1, Waiting: 1, MaxWait: 50 * time.Millisecond}
	ctx := context.Background()
	if err := l.acquire(ctx, tk("a")); err != nil {
		t.Fatal(err)
	}
	done := make(chan error)
	go func() { done <- l.acquire(ctx, tk("a")) }()
	for len(waitersOf(l, tk("a"))) < 1 {
		time.Sleep(time.Millisecond)
	}
	start := time.Now()
	if err := l.acquire(ctx, tk("a")); err == nil || time.Since(start) > 20*time.Millisecond {
		t.Errorf("over the waiting cap: %v after %v, want an immediate refusal", err, time.Since(start))
	}
	if err := <-done; err == nil {
		t.Error("the waiter got a slot its token never freed")
	}
	if err := l.acquire(ctx, tk("b")); err != nil {
		t.Errorf("another token: %v", err)
	}
	l.release(tk("a"))
	l.release(tk("b"))
	if len(l.tokens) != 0 {
		t.Errorf("tokens left: %v", l.tokens)
	}
}

// Callers are limited by identity, never by name alone: the open caller (open mode, --no-auth) is
// held to the per-token cap like any token, and a store token named "open", even an admin one,
// is a caller of its own: it neither escapes the cap nor takes or shares the open caller's slots.
func TestLimiterKeysCallersByIdentity(t *testing.T) {
	l := &Limiter{PerToken: 1, Waiting: 0, MaxWait: time.Second}
	started, release := make(chan struct{}, 10), make(chan struct{})
	h := l.Limit(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		started <- struct{}{}
		<-release
	}))
	// serve sends a request as p and returns its status once answered, or 0 when the handler
	// still holds it after a while (it was let past the cap).
	serve := func(p Principal) chan int {
		status := make(chan int, 1)
		go func() {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", "/graphql", nil).WithContext(WithPrincipal(context.Background(), p)))
			status <- rec.Code
		}()
		return status
	}
	answered := func(status chan int) int {
		select {
		case s := <-status:
			return s
		case <-time.After(time.Second):
			return 0
		}
	}
	openToken := Principal{Name: "open", Role: Admin, Via: ViaToken} // what a token called "open" identifies as
	if openToken == Open || openToken.Key() == Open.Key() {
		t.Fatal("a token called open passes for the open caller")
	}
	first := serve(Open)
	<-started
	if s := answered(serve(Open)); s != http.StatusTooManyRequests {
		t.Errorf("the open caller over its cap: HTTP %d, want 429 (0: served past the cap)", s)
	}
	second := serve(openToken) // its own slot: served while the open caller holds its one
	select {
	case <-started:
	case <-time.After(time.Second):
		t.Fatal("a token called open waits for the open caller's slot")
	}
	if s := answered(serve(openToken)); s != http.StatusTooManyRequests {
		t.Errorf("a token called open over its cap: HTTP %d, want 429 (0: served past the cap)", s)
	}
	close(release)
	if a, b := answered(first), answered(second); a != http.StatusOK || b != http.StatusOK {
		t.Errorf("the requests within the caps: HTTP %d, %d", a, b)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.running != 0 || len(l.tokens) != 0 {
		t.Errorf("left behind: running %d, tokens %v", l.running, l.tokens)
	}
}
