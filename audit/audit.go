// Package audit keeps the server's recent activity for admins (docs/operations.md, "Audit
// trail"): a bounded ring of the last requests in memory. It is not the audit trail of record:
// that is the log, one line per request, and the import runs in the graph. A restart empties it.
package audit

import (
	"sync"
	"time"
)

// Entry is one request.
type Entry struct {
	At        time.Time
	Token     string // the caller's token name, "open" without tokens, "" when unidentified
	Method    string
	Path      string
	Operation string // GraphQL: the operation name, else its root fields
	Duration  time.Duration
	Status    int
	Code      string // the first error code, "" when it succeeded
}

// Ring keeps the last entries.
type Ring struct {
	mu      sync.Mutex
	entries []Entry
	next    int
	full    bool
}

// NewRing returns a ring of size entries (at least 1).
func NewRing(size int) *Ring { return &Ring{entries: make([]Entry, max(1, size))} }

// Add records e, dropping the oldest entry when the ring is full.
func (r *Ring) Add(e Entry) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.entries[r.next] = e
	r.next = (r.next + 1) % len(r.entries)
	if r.next == 0 {
		r.full = true
	}
}

// Last returns up to n entries, newest first.
func (r *Ring) Last(n int) []Entry {
	r.mu.Lock()
	defer r.mu.Unlock()
	size := r.next
	if r.full {
		size = len(r.entries)
	}
	n = min(n, size)
	out := make([]Entry, 0, n)
	for i := 1; i <= n; i++ {
		out = append(out, r.entries[(r.next-i+len(r.entries))%len(r.entries)])
	}
	return out
}

// Size returns how many entries the ring keeps at most.
func (r *Ring) Size() int { return len(r.entries) }
