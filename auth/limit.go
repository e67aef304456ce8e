package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// CodeTooManyRequests refuses a request because its token already has as many requests running
// and waiting as it may (HTTP 429).
const CodeTooManyRequests = "TOO_MANY_REQUESTS"

// Limiter shares the server between tokens, so one client (a script in a loop, a stuck
// dashboard, an attacker with a reader token) cannot take every core from the others. At most
// Slots requests run at once, and at most PerToken of one token. A request that cannot run yet
// waits, up to MaxWait, and free slots go to waiting tokens in turn (round robin), not in order
// of arrival: a token with 50 requests queued gets one turn, like a token with one. A token may
// have at most Waiting requests waiting; more are refused with 429 at once. Waiting requests have
// not read their body yet, so they cost a connection and nothing else.
//
// "A token" is a caller as its Key says: a store token, an OIDC user, or the open caller (a
// server without tokens, or --no-auth), which is limited like any token. Callers are counted
// apart by key, never by name alone, so a token named "open" neither shares nor escapes the open
// caller's slots.
type Limiter struct {
	Slots    int           // requests running at once, all tokens together; 0: no global cap
	PerToken int           // requests running at once per token; 0: no cap
	Waiting  int           // requests waiting at once per token
	MaxWait  time.Duration // longest wait for a slot

	mu      sync.Mutex
	running int
	tokens  map[Key]*tokenQueue
	turns   []Key // tokens with waiters, in the order their turn comes
}

type tokenQueue struct {
	running int
	waiters []chan struct{} // each gets a value when granted a slot
	inTurns bool
}

var errBusy = errors.New("busy")

// Limit guards next; it runs after Identify.
func (l *Limiter) Limit(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := FromContext(r.Context())
		if !ok || (l.Slots <= 0 && l.PerToken <= 0) {
			next.ServeHTTP(w, r) // no caller: Require refuses it
			return
		}
		key := p.Key()
		if err := l.acquire(r.Context(), key); err != nil {
			if r.Context().Err() != nil {
				return // the client left while waiting
			}
			w.Header().Set("Retry-After", "1")
			WriteError(w, http.StatusTooManyRequests, CodeTooManyRequests,
				fmt.Sprintf("%s has %d requests running and %d waiting, the most it may; wait for them before sending more", p, l.PerToken, l.Waiting))
			return
		}
		defer l.release(key)
		next.ServeHTTP(w, r)
	})
}

func (l *Limiter) cap(n int) int {
	if n <= 0 {
		return int(^uint(0) >> 1)
	}
	return n
}

// acquire takes a slot for the caller name, waiting for its turn.
func (l *Limiter) acquire(ctx context.Context, name Key) error {
	l.mu.Lock()
	if l.tokens == nil {
		l.tokens = map[Key]*tokenQueue{}
	}
	q := l.tokens[name]
	if q == nil {
		q = &tokenQueue{}
		l.tokens[name] = q
	}
	// Any other waiter is held by its own token's cap (dispatch runs whenever a slot frees), so
	// a request whose token has none waiting may take a free slot at once.
	if l.running < l.cap(l.Slots) && q.running < l.cap(l.PerToken) && len(q.waiters) == 0 {
		l.running++
		q.running++
		l.mu.Unlock()
		return nil
	}
	if len(q.waiters) >= l.Waiting {
		l.mu.Unlock()
		return errBusy
	}
	granted := make(chan struct{}, 1)
	q.waiters = append(q.waiters, granted)
	if !q.inTurns {
		q.inTurns = true
		l.turns = append(l.turns, name)
	}
	l.mu.Unlock()

	t := time.NewTimer(l.MaxWait)
	defer t.Stop()
	select {
	case <-granted:
		return nil
	case <-t.C:
	case <-ctx.Done():
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, w := range q.waiters {
		if w == granted {
			q.waiters = append(q.waiters[:i], q.waiters[i+1:]...)
			l.forget(name, q)
			return errBusy
		}
	}
	// Granted while giving up: hand the slot on.
	l.releaseLocked(name, q)
	return errBusy
}

func (l *Limiter) release(name Key) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.releaseLocked(name, l.tokens[name])
}

func (l *Limiter) releaseLocked(name Key, q *tokenQueue) {
	l.running--
	q.running--
	l.dispatch()
	l.forget(name, q)
}

// forget drops an idle token's queue, so the map holds only tokens in use.
func (l *Limiter) forget(name Key, q *tokenQueue) {
	if q.running == 0 && len(q.waiters) == 0 && !q.inTurns {
		delete(l.tokens, name)
	}
}

// dispatch grants free slots to waiting tokens in turn.
func (l *Limiter) dispatch() {
	for l.running < l.cap(l.Slots) {
		granted := false
		for range len(l.turns) {
			name := l.turns[0]
			l.turns = l.turns[1:]
			q := l.tokens[name]
			if len(q.waiters) == 0 { // its waiters gave up
				q.inTurns = false
				l.forget(name, q)
				continue
			}
			if q.running >= l.cap(l.PerToken) {
				l.turns = append(l.turns, name) // its turn comes again once one of its own ends
				continue
			}
			w := q.waiters[0]
			q.waiters = q.waiters[1:]
			q.running++
			l.running++
			w <- struct{}{}
			if len(q.waiters) > 0 {
				l.turns = append(l.turns, name)
			} else {
				q.inTurns = false
			}
			granted = true
			break
		}
		if !granted {
			return
		}
	}
}
