// Package googletest runs a small OpenID Connect issuer on 127.0.0.1 that behaves like Google's
// for ID tokens: a discovery document, a JWKS endpoint with RSA keys generated at start, and
// tokens signed with them. Tests of Google Sign-In use it because Google is not reachable from
// a test, and because it can do what Google won't on demand: rotate keys, sign with a key it
// never published, or take its key endpoint down.
package googletest

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// JWKSPath is where the issuer serves its keys (the path Google uses).
const JWKSPath = "/oauth2/v3/certs"

// Key is a signing key with its key id.
type Key struct {
	ID      string
	Private *rsa.PrivateKey
}

// NewKey generates a 2048-bit RSA key (the size Google uses) with the given key id.
func NewKey(tb testing.TB, id string) Key {
	tb.Helper()
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		tb.Fatalf("googletest: generate key: %v", err)
	}
	return Key{ID: id, Private: priv}
}

// Issuer is the running issuer. Its methods are safe for concurrent use.
type Issuer struct {
	tb  testing.TB
	srv *httptest.Server

	mu        sync.Mutex
	signing   Key
	published []Key
	jwksDown  int // HTTP status the JWKS endpoint answers with; 0 = serve the keys
	jwksHits  int
}

// Start runs an issuer on 127.0.0.1 with one key, "key-1", published and used for signing. It
// stops when the test ends.
func Start(tb testing.TB) *Issuer {
	tb.Helper()
	iss := &Issuer{tb: tb}
	iss.signing = NewKey(tb, "key-1")
	iss.published = []Key{iss.signing}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", iss.discovery)
	mux.HandleFunc("GET "+JWKSPath, iss.jwks)
	iss.srv = httptest.NewServer(mux)
	tb.Cleanup(iss.srv.Close)
	return iss
}

// URL is the issuer URL, http://127.0.0.1:<port>, as it appears in discovery and in tokens.
func (i *Issuer) URL() string { return i.srv.URL }

// Host is the issuer URL without its scheme (the spelling Google also uses in iss).
func (i *Issuer) Host() string { return i.srv.Listener.Addr().String() }

// JWKSURL is the address of the key set.
func (i *Issuer) JWKSURL() string { return i.srv.URL + JWKSPath }

// Close stops the server (discovery and keys both become unreachable).
func (i *Issuer) Close() { i.srv.Close() }

// SigningKey is the key Sign uses.
func (i *Issuer) SigningKey() Key {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.signing
}

// Rotate makes key the signing key and publishes exactly the given keys (include the old one to
// model an overlap, leave it out to model its retirement).
func (i *Issuer) Rotate(key Key, published ...Key) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.signing = key
	i.published = append([]Key(nil), published...)
}

// SetJWKSStatus makes the key endpoint answer with status instead of the keys; 0 restores it.
func (i *Issuer) SetJWKSStatus(status int) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.jwksDown = status
}

// JWKSRequests counts the requests the key endpoint has received.
func (i *Issuer) JWKSRequests() int {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.jwksHits
}

// Claims returns the claims of a valid Google ID token for clientID at now: a verified email,
// issued now, valid one hour. Tests change or delete entries to make it invalid.
func (i *Issuer) Claims(clientID string, now time.Time) map[string]any {
	return map[string]any{
		"iss":            i.URL(),
		"azp":            clientID,
		"aud":            clientID,
		"sub":            "110169484474386276334",
		"email":          "ada@example.com",
		"email_verified": true,
		"name":           "Ada Lovelace",
		"picture":        "https://lh3.googleusercontent.com/a/ada",
		"iat":            now.Unix(),
		"exp":            now.Add(time.Hour).Unix(),
	}
}

// Sign returns a compact RS256 token of claims signed with the current signing key.
func (i *Issuer) Sign(claims map[string]any) string {
	return i.SignWith(i.SigningKey(), claims)
}

// SignWith signs claims with key, published or not, putting key.ID in the header.
func (i *Issuer) SignWith(key Key, claims map[string]any) string {
	i.tb.Helper()
	payload, err := json.Marshal(claims)
	if err != nil {
		i.tb.Fatalf("googletest: claims: %v", err)
	}
	signer, err := jose.NewSigner(jose.SigningKey{
		Algorithm: jose.RS256,
		Key:       jose.JSONWebKey{Key: key.Private, KeyID: key.ID},
	}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		i.tb.Fatalf("googletest: signer: %v", err)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		i.tb.Fatalf("googletest: sign: %v", err)
	}
	token, err := jws.CompactSerialize()
	if err != nil {
		i.tb.Fatalf("googletest: serialize: %v", err)
	}
	return token
}

func (i *Issuer) discovery(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, map[string]any{
		"issuer":                                i.URL(),
		"authorization_endpoint":                i.URL() + "/o/oauth2/v2/auth",
		"token_endpoint":                        i.URL() + "/token",
		"jwks_uri":                              i.JWKSURL(),
		"response_types_supported":              []string{"code", "id_token", "code id_token"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
	})
}

func (i *Issuer) jwks(w http.ResponseWriter, _ *http.Request) {
	i.mu.Lock()
	i.jwksHits++
	down := i.jwksDown
	var set jose.JSONWebKeySet
	for _, k := range i.published {
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: &k.Private.PublicKey, KeyID: k.ID, Algorithm: "RS256", Use: "sig"})
	}
	i.mu.Unlock()
	if down != 0 {
		http.Error(w, fmt.Sprintf("keys unavailable (%d)", down), down)
		return
	}
	writeJSON(w, set)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_ = json.NewEncoder(w).Encode(v)
}
