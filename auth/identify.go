package auth

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Mode is how a server decides who may call it (docs/operations.md, "Tokens").
type Mode int

const (
	// Tokens: every request but the probes and the page needs a bearer token. While the store
	// holds no token at all, nothing but those is served.
	Tokens Mode = iota
	// OpenOnLoopback: as Tokens once the store holds a token; while it holds none, every caller is
	// Open, provided the request is addressed to localhost or a loopback address (a page on
	// another site cannot reach the server through a rebound DNS name). For a loopback listener.
	OpenOnLoopback
	// NoAuth: every caller is Open, whatever the store holds (`serve --no-auth`).
	NoAuth
	// NoAuthOnLoopback: NoAuth on a loopback listener, which, as in open mode, answers only
	// requests addressed to localhost or a loopback address: a page whose DNS name was rebound to
	// 127.0.0.1 must not reach it through the browser of the person at this machine.
	NoAuthOnLoopback
)

// Authenticator identifies callers. Lookups go through a cache whose entries live TTL, so a
// revoked token stops working within TTL without a store round trip per request; "last used" is
// written at most once per TouchEvery per token, off the request's path.
type Authenticator struct {
	store      TokenStore
	mode       Mode
	ttl        time.Duration
	touchEvery time.Duration
	log        *slog.Logger
	now        func() time.Time

	oidc *OIDC // nil: store tokens only

	mu      sync.Mutex
	byHash  map[string]cachedToken
	empty   cachedBool // whether the store holds no token
	touched map[string]time.Time
	touches sync.WaitGroup
}

type cachedToken struct {
	tok *Token // nil: no such token
	at  time.Time
}

type cachedBool struct {
	v  bool
	at time.Time
}

// Defaults of an Authenticator.
const (
	DefaultCacheTTL   = 5 * time.Second
	DefaultTouchEvery = time.Minute
	// maxCached bounds the lookup cache: unknown secrets are cached too (a client retrying a
	// wrong token costs no store call), and a flood of made-up ones must not grow memory.
	maxCached = 10_000
)

// NewAuthenticator returns an Authenticator over store in mode. A nil log discards.
func NewAuthenticator(store TokenStore, mode Mode, log *slog.Logger) *Authenticator {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Authenticator{store: store, mode: mode, ttl: DefaultCacheTTL, touchEvery: DefaultTouchEvery,
		log: log, now: time.Now, byHash: map[string]cachedToken{}, touched: map[string]time.Time{}}
}

// SetTiming changes the cache lifetime and the "last used" interval (tests shorten them).
func (a *Authenticator) SetTiming(ttl, touchEvery time.Duration) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.ttl, a.touchEvery = ttl, touchEvery
}

// SetOIDC accepts the access tokens o verifies too, beside the store's tokens.
func (a *Authenticator) SetOIDC(o *OIDC) { a.oidc = o }

// Mode returns the authenticator's mode.
func (a *Authenticator) Mode() Mode { return a.mode }

// Close waits for "last used" writes in flight, so the store can be closed after it.
func (a *Authenticator) Close() { a.touches.Wait() }

// CodeUnavailable is the code of a request refused because the token store cannot be asked: the
// same code the API gives for an unreachable graph store.
const CodeUnavailable = "STORE_UNAVAILABLE"

type rejectedKey struct{}

const unknownToken = "the bearer token is unknown or revoked"

// Identify puts the caller's Principal into the request context when there is one: the token's
// name and role, or Open. It refuses nothing by itself (the page and the probes need no token),
// except requests it cannot judge: the token store unreachable (503) or, in open mode and with
// --no-auth on loopback, a Host header naming something other than this machine (403). Require,
// on each protected route, refuses callers without a principal, and the open caller's requests
// sent by another site's page (CrossOrigin).
//
// In open mode a bearer token that names no token is refused like anywhere else (401): a present
// but wrong credential is an error, never a reason to serve the request as Open. With --no-auth
// the Authorization header is not read at all (the proxy in front may send its own).
func (a *Authenticator) Identify(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if a.mode == NoAuth || a.mode == NoAuthOnLoopback {
			if a.mode == NoAuthOnLoopback && !LocalHost(r.Host) {
				refuseHost(w, "this server runs without tokens (--no-auth) on a loopback address")
				return
			}
			next.ServeHTTP(w, r.WithContext(WithPrincipal(ctx, Open)))
			return
		}
		secret := bearer(r.Header.Get("Authorization"))
		if secret != "" && a.oidc != nil && !strings.HasPrefix(secret, SecretPrefix) {
			p, err := a.oidc.principal(ctx, secret)
			if err == nil || errors.Is(err, errNoRole) { // without a role: 403 on every guarded route
				next.ServeHTTP(w, r.WithContext(WithPrincipal(ctx, p)))
				return
			}
			a.log.Debug("OIDC token refused", "err", err)
			next.ServeHTTP(w, r.WithContext(context.WithValue(ctx, rejectedKey{}, unknownToken)))
			return
		}
		if secret != "" {
			tok, err := a.lookup(ctx, HashSecret(secret))
			if err != nil {
				a.log.Warn("token lookup failed", "err", err)
				WriteError(w, http.StatusServiceUnavailable, CodeUnavailable, "the token store is unavailable; try again later")
				return
			}
			if tok != nil {
				a.touch(tok.Name)
				next.ServeHTTP(w, r.WithContext(WithPrincipal(ctx, Principal{Name: tok.Name, Role: tok.Role, Via: ViaToken})))
				return
			}
			ctx = context.WithValue(ctx, rejectedKey{}, unknownToken)
		}
		if a.mode == OpenOnLoopback {
			empty, err := a.storeEmpty(ctx)
			if err != nil {
				a.log.Warn("token lookup failed", "err", err)
				WriteError(w, http.StatusServiceUnavailable, CodeUnavailable, "the token store is unavailable; try again later")
				return
			}
			if empty {
				if !LocalHost(r.Host) {
					refuseHost(w, "this server runs without tokens")
					return
				}
				if rejection(ctx) != "" { // Require answers 401
					ctx = context.WithValue(ctx, rejectedKey{}, "the bearer token is unknown: this server holds no tokens and serves this machine without one; "+
						"send no Authorization header (in the web UI: forget token)")
					next.ServeHTTP(w, r.WithContext(ctx))
					return
				}
				next.ServeHTTP(w, r.WithContext(WithPrincipal(ctx, Open)))
				return
			}
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// rejection says why the request's bearer token was refused (unknown, revoked, an OIDC token
// that does not verify), or "" when it carried none or a good one.
func rejection(ctx context.Context) string {
	v, _ := ctx.Value(rejectedKey{}).(string)
	return v
}

// refuseHost answers a request to a server without tokens that is addressed to a name other than
// this machine's (DNS rebinding): 403 FORBIDDEN.
func refuseHost(w http.ResponseWriter, why string) {
	WriteError(w, http.StatusForbidden, CodeForbidden, why+" and answers only requests addressed to localhost or a loopback address")
}

// lookup finds the token of a secret's hash, through the cache.
func (a *Authenticator) lookup(ctx context.Context, hash string) (*Token, error) {
	now := a.now()
	a.mu.Lock()
	c, ok := a.byHash[hash]
	ttl := a.ttl
	a.mu.Unlock()
	if ok && now.Sub(c.at) < ttl {
		return c.tok, nil
	}
	tok, err := a.store.TokenByHash(ctx, hash)
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	if len(a.byHash) >= maxCached {
		a.byHash = map[string]cachedToken{}
	}
	a.byHash[hash] = cachedToken{tok: tok, at: now}
	a.mu.Unlock()
	return tok, nil
}

// storeEmpty reports, through the cache, whether the store holds no token.
func (a *Authenticator) storeEmpty(ctx context.Context) (bool, error) {
	now := a.now()
	a.mu.Lock()
	c, ttl := a.empty, a.ttl
	a.mu.Unlock()
	if !c.at.IsZero() && now.Sub(c.at) < ttl {
		return c.v, nil
	}
	toks, err := a.store.Tokens(ctx)
	if err != nil {
		return false, err
	}
	a.mu.Lock()
	a.empty = cachedBool{v: len(toks) == 0, at: now}
	a.mu.Unlock()
	return len(toks) == 0, nil
}

// Empty reports whether the store holds no token (through the cache).
func (a *Authenticator) Empty(ctx context.Context) (bool, error) { return a.storeEmpty(ctx) }

// touch records the token's use, at most once per touchEvery, without delaying the request.
func (a *Authenticator) touch(name string) {
	now := a.now()
	a.mu.Lock()
	if last, ok := a.touched[name]; ok && now.Sub(last) < a.touchEvery {
		a.mu.Unlock()
		return
	}
	a.touched[name] = now
	a.touches.Add(1)
	a.mu.Unlock()
	go func() {
		defer a.touches.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := a.store.TouchToken(ctx, name, now); err != nil {
			a.log.Debug("recording a token's last use failed", "token", name, "err", err)
		}
	}()
}

// LocalHost reports whether a Host header names this machine: localhost or a loopback address,
// with or without a port.
func LocalHost(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// LoopbackAddr reports whether a listen address accepts connections from this machine only.
// An empty host (":8080") listens on every interface.
func LoopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil || host == "" {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
