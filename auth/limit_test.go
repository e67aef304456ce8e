package auth

import (
	"context"
	"testing"
	"time"
)

// Free slots go to waiting tokens in turn: a token with many requests queued does not make one
// with a single request wait behind all of them.
func TestLimiterTakesTurns(t *testing.T) {
	l := &Limiter{Slots: 1, PerToken: 1, Waiting: 10, MaxWait: 5 * time.Second}
	ctx := context.Background()
	if err := l.acquire(ctx, "busy"); err != nil {
		t.Fatal(err)
	}
	order := make(chan string, 10)
	wait := func(name string) {
		if err := l.acquire(ctx, name); err != nil {
			order <- "refused " + name
			return
		}
		order <- name
		l.release(name)
	}
	for range 5 {
		go wait("busy")
	}
	for len(waitersOf(l, "busy")) < 5 {
		time.Sleep(time.Millisecond)
	}
	go wait("calm")
	for len(waitersOf(l, "calm")) < 1 {
		time.Sleep(time.Millisecond)
	}
	l.release("busy")
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

func waitersOf(l *Limiter, name string) []chan struct{} {
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
	if err := l.acquire(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	done := make(chan error)
	go func() { done <- l.acquire(ctx, "a") }()
	for len(waitersOf(l, "a")) < 1 {
		time.Sleep(time.Millisecond)
	}
	start := time.Now()
	if err := l.acquire(ctx, "a"); err == nil || time.Since(start) > 20*time.Millisecond {
		t.Errorf("over the waiting cap: %v after %v, want an immediate refusal", err, time.Since(start))
	}
	if err := <-done; err == nil {
		t.Error("the waiter got a slot its token never freed")
	}
	if err := l.acquire(ctx, "b"); err != nil {
		t.Errorf("another token: %v", err)
	}
	l.release("a")
	l.release("b")
	if len(l.tokens) != 0 {
		t.Errorf("tokens left: %v", l.tokens)
	}
}
