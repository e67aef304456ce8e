package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/coreos/go-oidc/v3/oidc"
)

// OIDC accepts access tokens of an OpenID Connect provider (docs/operations.md, "OIDC"), in JWT
// form, beside the store's own tokens: the signature is checked against the provider's published
// keys (fetched and cached by go-oidc), and the issuer, the audience and the expiry against the
// configuration. The caller's role is read from a claim of the token, its name from
// preferred_username, else email, else sub.
type OIDC struct {
	verifier  *oidc.IDTokenVerifier
	roleClaim string
}

// NewOIDC discovers the provider at issuer (its /.well-known/openid-configuration). Tokens must
// name audience in their aud claim and carry a role in roleClaim (a string, or a list of strings
// of which the strongest known role counts).
func NewOIDC(ctx context.Context, issuer, audience, roleClaim string) (*OIDC, error) {
	if audience == "" {
		return nil, errors.New("an OIDC audience is required: the tokens meant for this server name it in their aud claim")
	}
	p, err := oidc.NewProvider(ctx, issuer)
	if err != nil {
		return nil, fmt.Errorf("OIDC provider %s: %w", issuer, err)
	}
	return &OIDC{verifier: p.Verifier(&oidc.Config{ClientID: audience}), roleClaim: roleClaim}, nil
}

// errNoRole says a valid token carries no role this server knows.
var errNoRole = errors.New("no role")

// principal verifies a raw token and returns its caller.
func (o *OIDC) principal(ctx context.Context, raw string) (Principal, error) {
	tok, err := o.verifier.Verify(ctx, raw)
	if err != nil {
		return Principal{}, err
	}
	var claims map[string]any
	if err := tok.Claims(&claims); err != nil {
		return Principal{}, err
	}
	name := tok.Subject
	for _, c := range []string{"preferred_username", "email"} {
		if s, _ := claims[c].(string); s != "" {
			name = s
			break
		}
	}
	var role Role
	consider := func(v any) {
		if s, ok := v.(string); ok {
			if r, err := ParseRole(strings.ToLower(strings.TrimSpace(s))); err == nil && r > role {
				role = r
			}
		}
	}
	switch v := claims[o.roleClaim].(type) {
	case []any:
		for _, x := range v {
			consider(x)
		}
	default:
		consider(v)
	}
	p := Principal{Name: "oidc:" + name, Role: role, Via: ViaOIDC} // ":" is not allowed in token names either
	if role == 0 {
		return p, errNoRole
	}
	return p, nil
}
