package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
)

// SecretPrefix starts every token secret, so a leaked one is recognisable (secret scanners, logs).
const SecretPrefix = "agt_"

// Token is a named bearer token as the store keeps it: never the secret, only its hash.
type Token struct {
	Name      string
	Role      Role
	Hash      string // SHA-256 of the secret, hex
	CreatedAt time.Time
	LastUsed  time.Time // zero: never used; updated at most about once a minute
}

// TokenStore keeps tokens. Both graph stores implement it, beside the graph but outside it: a
// graph query never sees a token. It is a separate interface from graph.Store because only the
// command line and the server's authenticator need it.
type TokenStore interface {
	// CreateToken adds t; ErrTokenExists when its name is taken.
	CreateToken(ctx context.Context, t Token) error
	// Tokens returns every token, by name.
	Tokens(ctx context.Context) ([]Token, error)
	// RevokeToken deletes the token called name; ErrNoToken when there is none.
	RevokeToken(ctx context.Context, name string) error
	// TokenByHash returns the token whose secret hashes to hash, or nil.
	TokenByHash(ctx context.Context, hash string) (*Token, error)
	// TouchToken records that the token called name was used at. A missing token is no error.
	TouchToken(ctx context.Context, name string, at time.Time) error
}

// Errors of a TokenStore that callers act on.
var (
	ErrTokenExists = errors.New("a token with this name exists")
	ErrNoToken     = errors.New("no token with this name")
)

// NewSecret returns a fresh secret: the prefix and 256 random bits, base64url. With that much
// entropy a fast hash is the right way to store it: nothing is left to guess, so no key
// stretching (bcrypt) is needed, and each request's lookup stays cheap.
func NewSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generating a token secret: %w", err)
	}
	return SecretPrefix + base64.RawURLEncoding.EncodeToString(b), nil
}

// HashSecret is how a secret is stored and looked up.
func HashSecret(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// NewToken makes a token called name with role r, returning it with its secret (shown once).
func NewToken(name string, r Role, now time.Time) (Token, string, error) {
	if err := ValidName(name); err != nil {
		return Token{}, "", err
	}
	secret, err := NewSecret()
	if err != nil {
		return Token{}, "", err
	}
	return Token{Name: name, Role: r, Hash: HashSecret(secret), CreatedAt: now.UTC()}, secret, nil
}

// MaxNameLength bounds a token name: it appears in every log line and import run.
const MaxNameLength = 64

// ValidName checks a token name: 1 to 64 letters, digits and . _ - @, so it reads the same in
// logs, import runs and the command line.
func ValidName(name string) error {
	if name == "" || len(name) > MaxNameLength {
		return fmt.Errorf("a token name has 1 to %d characters, got %d", MaxNameLength, len(name))
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("._-@", c)) {
			return fmt.Errorf("token name %q: use letters, digits and . _ - @ only", name)
		}
	}
	return nil
}

// bearer returns the secret of an `Authorization: Bearer ...` header value, or "".
func bearer(header string) string {
	const scheme = "bearer "
	if len(header) > len(scheme) && strings.EqualFold(header[:len(scheme)], scheme) {
		return strings.TrimSpace(header[len(scheme):])
	}
	return ""
}
