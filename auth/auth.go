// Package auth says who is calling and what they may do (docs/api.md, "Authentication"): bearer
// tokens with one of three roles, checked in one place. Handlers and resolvers ask the request's context for its
// Principal; they never parse headers themselves.
package auth

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
)

// Role is what a token may do. Each role includes the ones before it.
type Role int

// The roles of docs/operations.md.
const (
	Reader   Role = iota + 1 // queries and downloads
	Ingester                 // reader + the ingestion endpoints
	Admin                    // everything, including the activity log
)

var roleNames = map[Role]string{Reader: "reader", Ingester: "ingester", Admin: "admin"}

// String returns the role's name as the command line and the API spell it.
func (r Role) String() string {
	if n, ok := roleNames[r]; ok {
		return n
	}
	if r == 0 {
		return "none"
	}
	return fmt.Sprintf("role(%d)", int(r))
}

// ParseRole reads a role name.
func ParseRole(s string) (Role, error) {
	for r, n := range roleNames {
		if n == s {
			return r, nil
		}
	}
	return 0, fmt.Errorf("unknown role %q: one of reader, ingester, admin", s)
}

// Allows reports whether a caller of role r may do what needs role need.
func (r Role) Allows(need Role) bool { return r >= need }

// Allowed reports whether the caller of ctx may do what needs role need: the resolver-level check
// for anything role-specific inside an endpoint.
func Allowed(ctx context.Context, need Role) bool {
	p, ok := FromContext(ctx)
	return ok && p.Role.Allows(need)
}

// Principal is the caller of a request: the token's name and role. In open mode (no token in
// the store, loopback only) every caller is the principal Open.
type Principal struct {
	Name string
	Role Role
}

// Open is the caller while the server runs without tokens.
var Open = Principal{Name: "open", Role: Admin}

type ctxKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, ctxKey{}, p)
}

// FromContext returns the caller of the request ctx belongs to.
func FromContext(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(ctxKey{}).(Principal)
	return p, ok
}

// Error codes of refused requests, in the `extensions.code` of a GraphQL-shaped error body.
const (
	CodeUnauthenticated = "UNAUTHENTICATED" // no token, or an unknown or revoked one (HTTP 401)
	CodeForbidden       = "FORBIDDEN"       // the token's role does not allow this (HTTP 403)
)

// Require guards h: a request without a principal gets 401 UNAUTHENTICATED, one whose role does
// not allow need gets 403 FORBIDDEN. The middleware that identifies callers runs before it.
func Require(need Role, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := FromContext(r.Context())
		switch {
		case !ok && rejected(r.Context()):
			WriteError(w, http.StatusUnauthorized, CodeUnauthenticated, "the bearer token is unknown or revoked")
		case !ok:
			WriteError(w, http.StatusUnauthorized, CodeUnauthenticated, "a bearer token is required (Authorization: Bearer agt_...)")
		case !p.Role.Allows(need):
			WriteError(w, http.StatusForbidden, CodeForbidden, fmt.Sprintf("token %q has role %s; this needs %s", p.Name, p.Role, need))
		default:
			h.ServeHTTP(w, r)
		}
	})
}

// WriteError writes an error as a GraphQL response body does, so every client reads one shape:
// {"errors":[{"message":..., "extensions":{"code":...}}]}.
func WriteError(w http.ResponseWriter, status int, code, msg string) {
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="aimsgraph"`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"errors": []any{map[string]any{"message": msg, "extensions": map[string]any{"code": code}}}})
}
