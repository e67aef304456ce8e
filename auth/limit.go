package auth

import (
	"fmt"
	"net/http"
	"sync"
	"time"
)

// CodeTooManyRequests refuses a request because its token already has as many requests running
// and waiting as it may (HTTP 429).
const CodeTooManyRequests = "TOO_MANY_REQUESTS"

// Limiter caps the requests each token has running at once, so one client (a script in a loop,
// a stuck dashboard) cannot take every core and connection from the others. A request over the
// cap waits, up to MaxWait, for one of its own token's requests to finish; only Waiting requests
// may wait at once, the rest are refused with 429 at once. Open callers (a loopback server
// without tokens: one local user) are not limited.
type Limiter struct {
	PerToken int           // requests running at once per token; 0: no limit
	Waiting  int           // requests waiting at once per token
	MaxWait  time.Duration // longest wait for a slot

	mu     sync.Mutex
	tokens map[string]*tokenSlots
}

type tokenSlots struct {
	running chan struct{}
	waiting int
}

// Limit guards next; it runs after Identify.
func (l *Limiter) Limit(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := FromContext(r.Context())
		if !ok || p == Open || l.PerToken <= 0 {
			next.ServeHTTP(w, r)
			return
		}
		slots := l.slots(p.Name)
		select {
		case slots.running <- struct{}{}:
		default:
			if !l.wait(r, slots) {
				w.Header().Set("Retry-After", "1")
				WriteError(w, http.StatusTooManyRequests, CodeTooManyRequests,
					fmt.Sprintf("token %q has %d requests running; wait for them before sending more", p.Name, l.PerToken))
				return
			}
		}
		defer func() { <-slots.running }()
		next.ServeHTTP(w, r)
	})
}

// wait waits for a slot; false when none came in time (or the client left).
func (l *Limiter) wait(r *http.Request, slots *tokenSlots) bool {
	l.mu.Lock()
	if slots.waiting >= l.Waiting {
		l.mu.Unlock()
		return false
	}
	slots.waiting++
	l.mu.Unlock()
	defer func() {
		l.mu.Lock()
		slots.waiting--
		l.mu.Unlock()
	}()
	t := time.NewTimer(l.MaxWait)
	defer t.Stop()
	select {
	case slots.running <- struct{}{}:
		return true
	case <-t.C:
		return false
	case <-r.Context().Done():
		return false
	}
}

func (l *Limiter) slots(name string) *tokenSlots {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.tokens == nil {
		l.tokens = map[string]*tokenSlots{}
	}
	s := l.tokens[name]
	if s == nil {
		s = &tokenSlots{running: make(chan struct{}, l.PerToken)}
		l.tokens[name] = s
	}
	return s
}
