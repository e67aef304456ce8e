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

// Principal is the caller of a request: its name, its role, and how it was identified. In open
// mode (no token in the store, loopback only) and with --no-auth every caller is the principal
// Open.
type Principal struct {
	Name string
	Role Role
	Via  Via
}

// Via is how a caller was identified. It is part of who the caller is (Key): a token named "open"
// is not the open caller, and an OIDC user is never a store token.
type Via int

// How callers are identified.
const (
	ViaToken Via = iota + 1 // a token of the store
	ViaOIDC                 // an OpenID Connect provider's access token
	ViaNone                 // no credential: a server without tokens (open mode, --no-auth)
)

// Open is the caller while the server runs without tokens.
var Open = Principal{Name: "open", Role: Admin, Via: ViaNone}

// Key identifies a caller wherever callers are counted apart (the Limiter's slots): how it was
// identified and its name. Two principals have the same key only when they are the same caller,
// so no name can borrow another caller's share.
type Key struct {
	Via  Via
	Name string
}

// Key returns the caller's key.
func (p Principal) Key() Key { return Key{p.Via, p.Name} }

// String names the caller as error messages do.
func (p Principal) String() string {
	switch p.Via {
	case ViaNone:
		return "the caller without a token"
	case ViaOIDC:
		return fmt.Sprintf("OIDC user %q", p.Name)
	}
	return fmt.Sprintf("token %q", p.Name)
}

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
//
// Every route that reads data or changes it goes through Require, so it also refuses what only a
// server without tokens must: the open caller's requests that another site's page sent (403
// CROSS_ORIGIN_REQUEST, see CrossOrigin). A caller with a credential is not refused for its
// origin: a browser never adds a bearer token by itself, and another site's page does not hold
// one.
func Require(need Role, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := FromContext(r.Context())
		if ok && p.Via == ViaNone {
			if why := CrossOrigin(r); why != "" {
				WriteError(w, http.StatusForbidden, CodeCrossOrigin, "this server runs without tokens and answers only its own pages and clients that are not browsers; "+
					"refused a request another site's page sent ("+why+")")
				return
			}
		}
		switch {
		case !ok && rejection(r.Context()) != "":
			WriteError(w, http.StatusUnauthorized, CodeUnauthenticated, rejection(r.Context()))
		case !ok:
			WriteError(w, http.StatusUnauthorized, CodeUnauthenticated, "a bearer token is required (Authorization: Bearer agt_...)")
		case !p.Role.Allows(need):
			WriteError(w, http.StatusForbidden, CodeForbidden, fmt.Sprintf("%s has role %s; this needs %s", p, p.Role, need))
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
