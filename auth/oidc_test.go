package auth_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/aimsgraph/aimsgraph/auth"
	"github.com/aimsgraph/aimsgraph/internal/embeddedtest"
)

// provider is a local OpenID Connect provider: discovery document and JWKS, and a key to sign
// access tokens with.
type provider struct {
	url string
	key *rsa.PrivateKey
}

func newProvider(t *testing.T) *provider {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p := &provider{key: key}
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{
			"issuer": p.url, "jwks_uri": p.url + "/keys", "authorization_endpoint": p.url + "/auth",
			"token_endpoint": p.url + "/token", "id_token_signing_alg_values_supported": []string{"RS256"},
		})
	})
	mux.HandleFunc("/keys", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	})
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	p.url = ts.URL
	return p
}

// token signs claims with key (the provider's unless another is given).
func (p *provider) token(t *testing.T, claims map[string]any, key *rsa.PrivateKey) string {
	if key == nil {
		key = p.key
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "k1"))
	if err != nil {
		t.Fatal(err)
	}
	payload, _ := json.Marshal(claims)
	sig, err := signer.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := sig.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestOIDCAccessTokens(t *testing.T) {
	p := newProvider(t)
	o, err := auth.NewOIDC(context.Background(), p.url, "aimsgraph", "roles")
	if err != nil {
		t.Fatal(err)
	}
	a := auth.NewAuthenticator(embeddedtest.Fresh(t), auth.Tokens, nil)
	a.SetOIDC(o)
	h := a.Identify(auth.Require(auth.Ingester, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		who, _ := auth.FromContext(r.Context())
		_, _ = io.WriteString(w, who.Name+" "+who.Role.String())
	})))
	now := time.Now()
	claims := func(over map[string]any) map[string]any {
		c := map[string]any{"iss": p.url, "aud": "aimsgraph", "sub": "u-123", "preferred_username": "alice",
			"exp": now.Add(time.Hour).Unix(), "iat": now.Unix(), "roles": []string{"reader", "ingester"}}
		for k, v := range over {
			if v == nil {
				delete(c, k)
			} else {
				c[k] = v
			}
		}
		return c
	}
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	for _, tc := range []struct {
		name   string
		token  string
		status int
		body   string
	}{
		{"strongest listed role, username", p.token(t, claims(nil), nil), 200, "oidc:alice ingester"},
		{"a single role as text, sub without a username", p.token(t, claims(map[string]any{"roles": "ADMIN", "preferred_username": nil}), nil), 200, "oidc:u-123 admin"},
		{"a role too weak", p.token(t, claims(map[string]any{"roles": []string{"reader"}}), nil), 403, "FORBIDDEN"},
		{"no known role", p.token(t, claims(map[string]any{"roles": []string{"root"}}), nil), 403, "FORBIDDEN"},
		{"another audience", p.token(t, claims(map[string]any{"aud": "someone-else"}), nil), 401, "UNAUTHENTICATED"},
		{"expired", p.token(t, claims(map[string]any{"exp": now.Add(-time.Minute).Unix()}), nil), 401, "UNAUTHENTICATED"},
		{"another issuer", p.token(t, claims(map[string]any{"iss": "https://evil.example"}), nil), 401, "UNAUTHENTICATED"},
		{"signed by another key", p.token(t, claims(nil), other), 401, "UNAUTHENTICATED"},
		{"not a JWT", "garbage", 401, "UNAUTHENTICATED"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/x", nil)
			req.Header.Set("Authorization", "Bearer "+tc.token)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != tc.status || !strings.Contains(w.Body.String(), tc.body) {
				t.Errorf("HTTP %d %q, want %d with %q", w.Code, w.Body.String(), tc.status, tc.body)
			}
		})
	}
}
