package google_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"vouchdesk/backend/signin/google"
	"vouchdesk/backend/signin/google/googletest"
)

const clientID = "123456789-widget.apps.googleusercontent.com"

// clock is a settable clock; it starts at a fixed instant so token times are reproducible.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// sharedKeys are generated once: RSA key generation is the slow part of these tests.
var (
	keysOnce  sync.Once
	otherKeyA googletest.Key // same kid as the issuer's key, different key: forgeries
	otherKeyB googletest.Key
)

func keys(t *testing.T) {
	keysOnce.Do(func() {
		otherKeyA = googletest.NewKey(t, "key-1")
		otherKeyB = googletest.NewKey(t, "key-2")
	})
}

// settle lets go-oidc's RemoteKeySet finish a key fetch: it wakes the callers waiting for the
// keys a moment before it stores them and clears the fetch in flight, so a call made in that
// moment still sees the old cache or the finished fetch's result. That is harmless in service,
// but a test that counts requests or expects a retired key to be gone must wait it out.
func settle() { time.Sleep(100 * time.Millisecond) }

func newVerifier(t *testing.T, iss *googletest.Issuer, clk *clock) *google.Verifier {
	t.Helper()
	v, err := google.New(context.Background(), google.Config{ClientID: clientID, IssuerURL: iss.URL(), Now: clk.Now})
	if err != nil {
		t.Fatalf("New() = %v", err)
	}
	return v
}

func b64(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func TestVerifyAccepts(t *testing.T) {
	iss := googletest.Start(t)
	clk := newClock()
	v := newVerifier(t, iss, clk)
	now := clk.Now()

	tests := []struct {
		name   string
		change func(c map[string]any)
	}{
		{"google token", func(map[string]any) {}},
		{"issuer without scheme", func(c map[string]any) { c["iss"] = iss.Host() }},
		{"audience list with our client", func(c map[string]any) { c["aud"] = []string{"other-client", clientID} }},
		{"email_verified as the string true", func(c map[string]any) { c["email_verified"] = "true" }},
		{"iat and nbf slightly ahead of our clock", func(c map[string]any) {
			c["iat"] = now.Add(4 * time.Minute).Unix()
			c["nbf"] = now.Add(4 * time.Minute).Unix()
		}},
		{"expires in one second", func(c map[string]any) { c["exp"] = now.Add(time.Second).Unix() }},
		{"no name or picture", func(c map[string]any) { delete(c, "name"); delete(c, "picture") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			claims := iss.Claims(clientID, now)
			tt.change(claims)
			id, err := v.Verify(context.Background(), iss.Sign(claims))
			if err != nil {
				t.Fatalf("Verify() = %v, want nil", err)
			}
			if id.Subject != claims["sub"] || id.Email != "ada@example.com" || !id.EmailVerified {
				t.Errorf("Verify() = %+v, want subject %v, verified ada@example.com", id, claims["sub"])
			}
			if want := time.Unix(claims["exp"].(int64), 0).UTC(); !id.Expiry.Equal(want) {
				t.Errorf("Verify().Expiry = %v, want %v", id.Expiry, want)
			}
			if want := time.Unix(claims["iat"].(int64), 0).UTC(); !id.IssuedAt.Equal(want) {
				t.Errorf("Verify().IssuedAt = %v, want %v", id.IssuedAt, want)
			}
			if name, _ := claims["name"].(string); id.Name != name {
				t.Errorf("Verify().Name = %q, want %q", id.Name, name)
			}
			if pic, _ := claims["picture"].(string); id.Picture != pic {
				t.Errorf("Verify().Picture = %q, want %q", id.Picture, pic)
			}
		})
	}
}

func TestVerifyRefuses(t *testing.T) {
	keys(t)
	iss := googletest.Start(t)
	clk := newClock()
	v := newVerifier(t, iss, clk)
	now := clk.Now()
	valid := func() map[string]any { return iss.Claims(clientID, now) }
	with := func(change func(c map[string]any)) string {
		c := valid()
		change(c)
		return iss.Sign(c)
	}
	header := func(alg string) string { return b64(map[string]string{"alg": alg, "kid": "key-1", "typ": "JWT"}) }
	// Algorithm confusion: HMAC keyed with the issuer's public key, which anyone can download.
	pub, err := x509.MarshalPKIXPublicKey(&iss.SigningKey().Private.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	hs256 := func() string {
		signing := header("HS256") + "." + b64(valid())
		mac := hmac.New(sha256.New, pub)
		mac.Write([]byte(signing))
		return signing + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
	}
	tampered := func() string {
		parts := strings.Split(iss.Sign(valid()), ".")
		c := valid()
		c["email"] = "mallory@example.com"
		return parts[0] + "." + b64(c) + "." + parts[2]
	}

	tests := []struct {
		name  string
		token string
		want  error
	}{
		{"forged signature (other key, same kid)", iss.SignWith(otherKeyA, valid()), google.ErrSignature},
		{"payload changed after signing", tampered(), google.ErrSignature},
		{"signature stripped", strings.Join(strings.Split(iss.Sign(valid()), ".")[:2], ".") + ".", google.ErrSignature},
		{"unknown key id", iss.SignWith(otherKeyB, valid()), google.ErrUnknownKey},
		{"alg none", header("none") + "." + b64(valid()) + ".", google.ErrAlgorithm},
		{"alg None spelled oddly", header("None") + "." + b64(valid()) + ".", google.ErrAlgorithm},
		{"HS256 keyed with the public key", hs256(), google.ErrAlgorithm},
		{"ES256", header("ES256") + "." + b64(valid()) + ".c2ln", google.ErrAlgorithm},
		{"RS512", header("RS512") + "." + b64(valid()) + ".c2ln", google.ErrAlgorithm},
		{"no alg", b64(map[string]string{"kid": "key-1"}) + "." + b64(valid()) + ".c2ln", google.ErrAlgorithm},
		{"expired", with(func(c map[string]any) { c["exp"] = now.Add(-time.Second).Unix() }), google.ErrExpired},
		{"expires exactly now", with(func(c map[string]any) { c["exp"] = now.Unix() }), google.ErrExpired},
		{"no exp", with(func(c map[string]any) { delete(c, "exp") }), google.ErrMissingClaim},
		{"no iat", with(func(c map[string]any) { delete(c, "iat") }), google.ErrMissingClaim},
		{"issued in the future", with(func(c map[string]any) { c["iat"] = now.Add(10 * time.Minute).Unix() }), google.ErrNotYetValid},
		{"nbf in the future", with(func(c map[string]any) { c["nbf"] = now.Add(10 * time.Minute).Unix() }), google.ErrNotYetValid},
		{"audience of another site", with(func(c map[string]any) { c["aud"] = "other.apps.googleusercontent.com" }), google.ErrAudience},
		{"audience list without us", with(func(c map[string]any) { c["aud"] = []string{"a", "b"} }), google.ErrAudience},
		{"our client ID only in azp", with(func(c map[string]any) { c["aud"] = "other" }), google.ErrAudience},
		{"no audience", with(func(c map[string]any) { delete(c, "aud") }), google.ErrAudience},
		{"issuer of another provider", with(func(c map[string]any) { c["iss"] = "https://accounts.google.com" }), google.ErrIssuer},
		{"issuer with trailing slash", with(func(c map[string]any) { c["iss"] = iss.URL() + "/" }), google.ErrIssuer},
		{"issuer with other scheme", with(func(c map[string]any) { c["iss"] = "https://" + iss.Host() }), google.ErrIssuer},
		{"issuer host with a path", with(func(c map[string]any) { c["iss"] = iss.Host() + "/x" }), google.ErrIssuer},
		{"no issuer", with(func(c map[string]any) { delete(c, "iss") }), google.ErrIssuer},
		{"email_verified false", with(func(c map[string]any) { c["email_verified"] = false }), google.ErrEmailNotVerified},
		{"email_verified missing", with(func(c map[string]any) { delete(c, "email_verified") }), google.ErrEmailNotVerified},
		{"email_verified the string false", with(func(c map[string]any) { c["email_verified"] = "false" }), google.ErrEmailNotVerified},
		{"email_verified null", with(func(c map[string]any) { c["email_verified"] = nil }), google.ErrEmailNotVerified},
		{"no sub", with(func(c map[string]any) { delete(c, "sub") }), google.ErrMissingClaim},
		{"empty sub", with(func(c map[string]any) { c["sub"] = "" }), google.ErrMissingClaim},
		{"sub too long", with(func(c map[string]any) { c["sub"] = strings.Repeat("1", 256) }), google.ErrMalformed},
		{"no email", with(func(c map[string]any) { delete(c, "email") }), google.ErrMissingClaim},
		{"name not a string", with(func(c map[string]any) { c["name"] = 42 }), google.ErrMalformed},
		{"empty", "", google.ErrMalformed},
		{"one part", "abc", google.ErrMalformed},
		{"four parts", "a.b.c.d", google.ErrMalformed},
		{"header not base64url", "***." + b64(valid()) + ".c2ln", google.ErrMalformed},
		{"header not JSON", base64.RawURLEncoding.EncodeToString([]byte("{")) + "." + b64(valid()) + ".c2ln", google.ErrMalformed},
		{"payload not base64url", header("RS256") + ".***.c2ln", google.ErrMalformed},
		{"oversized", header("RS256") + "." + strings.Repeat("A", 9000) + ".c2ln", google.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := v.Verify(context.Background(), tt.token)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Verify() = %+v, %v; want %v", id, err, tt.want)
			}
			var gerr *google.Error
			if !errors.As(err, &gerr) || !gerr.Refusal() {
				t.Errorf("Verify() error %v is not a refusal *google.Error", err)
			}
			if id != (google.Identity{}) {
				t.Errorf("Verify() identity = %+v, want zero", id)
			}
		})
	}
}

// A payload that is not a JSON object but is correctly signed is malformed, not forged.
func TestVerifySignedNonJSONPayload(t *testing.T) {
	iss := googletest.Start(t)
	clk := newClock()
	v := newVerifier(t, iss, clk)
	token := signRaw(t, iss.SigningKey(), []byte("not json"))
	if _, err := v.Verify(context.Background(), token); !errors.Is(err, google.ErrMalformed) {
		t.Fatalf("Verify(non-JSON payload) = %v, want %v", err, google.ErrMalformed)
	}
}

func TestKeyRotation(t *testing.T) {
	keys(t)
	iss := googletest.Start(t)
	clk := newClock()
	v := newVerifier(t, iss, clk)
	verify := func(key googletest.Key) error {
		_, err := v.Verify(context.Background(), iss.SignWith(key, iss.Claims(clientID, clk.Now())))
		return err
	}
	old := iss.SigningKey()

	if err := verify(old); err != nil {
		t.Fatalf("Verify(key-1) = %v", err)
	}
	if err := verify(old); err != nil {
		t.Fatalf("Verify(key-1) again = %v", err)
	}
	if got := iss.JWKSRequests(); got != 1 {
		t.Fatalf("key requests after two tokens = %d, want 1 (cached)", got)
	}

	// The issuer switches to a new key and retires the old one.
	clk.Advance(time.Minute)
	fresh := googletest.NewKey(t, "key-3")
	iss.Rotate(fresh, fresh)
	if err := verify(fresh); err != nil {
		t.Fatalf("Verify(new key-3) = %v, want nil after one refresh", err)
	}
	settle()
	if got := iss.JWKSRequests(); got != 2 {
		t.Fatalf("key requests after the new kid = %d, want 2", got)
	}
	if err := verify(fresh); err != nil || iss.JWKSRequests() != 2 {
		t.Fatalf("Verify(key-3) again = %v with %d key requests, want nil with 2", err, iss.JWKSRequests())
	}

	// The retired key and a key never published both fail; within the refresh floor the
	// issuer is not asked again however many such tokens arrive.
	if err := verify(old); !errors.Is(err, google.ErrUnknownKey) {
		t.Fatalf("Verify(retired key-1) = %v, want %v", err, google.ErrUnknownKey)
	}
	settle()
	for range 20 {
		if err := verify(otherKeyB); !errors.Is(err, google.ErrUnknownKey) {
			t.Fatalf("Verify(unpublished key-2) = %v, want %v", err, google.ErrUnknownKey)
		}
	}
	if got := iss.JWKSRequests(); got != 2 {
		t.Fatalf("key requests after 21 unknown kids within the floor = %d, want 2", got)
	}

	// After the floor an unknown kid triggers exactly one refresh, then fails.
	settle()
	clk.Advance(11 * time.Second)
	if err := verify(otherKeyB); !errors.Is(err, google.ErrUnknownKey) {
		t.Fatalf("Verify(unpublished key-2) after the floor = %v, want %v", err, google.ErrUnknownKey)
	}
	if got := iss.JWKSRequests(); got != 3 {
		t.Fatalf("key requests = %d, want 3", got)
	}
}

// Many customers signing in at once with a just-rotated key cause one key request, not many.
func TestKeyRotationConcurrent(t *testing.T) {
	iss := googletest.Start(t)
	clk := newClock()
	v := newVerifier(t, iss, clk)
	if _, err := v.Verify(context.Background(), iss.Sign(iss.Claims(clientID, clk.Now()))); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Minute)
	fresh := googletest.NewKey(t, "key-9")
	iss.Rotate(fresh, iss.SigningKey(), fresh)
	token := iss.Sign(iss.Claims(clientID, clk.Now()))
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range 16 {
		wg.Go(func() {
			if _, err := v.Verify(context.Background(), token); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent Verify(new kid) = %v", err)
	}
	if got := iss.JWKSRequests(); got != 2 {
		t.Errorf("key requests = %d, want 2", got)
	}
}

func TestIssuerSpellings(t *testing.T) {
	iss := googletest.Start(t)
	clk := newClock()

	// An issuer with a path accepts only its exact URL: the bare-host spelling is Google's
	// quirk for a host-only issuer and never extends to a path (multi-tenant issuers).
	withPath := iss.URL() + "/tenant"
	v, err := google.New(context.Background(), google.Config{
		ClientID: clientID, IssuerURL: withPath, JWKSURL: iss.JWKSURL(), Now: clk.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		iss  string
		want error
	}{
		{withPath, nil},
		{iss.Host() + "/tenant", google.ErrIssuer},
		{iss.Host(), google.ErrIssuer},
		{iss.URL(), google.ErrIssuer},
	}
	for _, tt := range tests {
		c := iss.Claims(clientID, clk.Now())
		c["iss"] = tt.iss
		if _, err := v.Verify(context.Background(), iss.Sign(c)); !errors.Is(err, tt.want) && !(err == nil && tt.want == nil) {
			t.Errorf("Verify(iss %q) = %v, want %v", tt.iss, err, tt.want)
		}
	}
}

func TestKeysUnavailable(t *testing.T) {
	t.Run("key endpoint failing, then back", func(t *testing.T) {
		iss := googletest.Start(t)
		clk := newClock()
		v := newVerifier(t, iss, clk)
		iss.SetJWKSStatus(503)
		token := iss.Sign(iss.Claims(clientID, clk.Now()))
		_, err := v.Verify(context.Background(), token)
		if !errors.Is(err, google.ErrUnavailable) || !strings.Contains(err.Error(), "503") {
			t.Fatalf("Verify(keys 503) = %v, want %v naming the status", err, google.ErrUnavailable)
		}
		var gerr *google.Error
		if errors.As(err, &gerr); gerr.Refusal() {
			t.Errorf("Verify(keys 503) error %v is a refusal, want not", err)
		}
		// Not asked again at once.
		if _, err := v.Verify(context.Background(), token); !errors.Is(err, google.ErrUnavailable) {
			t.Fatalf("Verify(keys 503) again = %v, want %v", err, google.ErrUnavailable)
		}
		if got := iss.JWKSRequests(); got != 1 {
			t.Errorf("key requests = %d, want 1", got)
		}
		iss.SetJWKSStatus(0)
		settle()
		clk.Advance(11 * time.Second)
		if _, err := v.Verify(context.Background(), token); err != nil {
			t.Fatalf("Verify(keys back) = %v, want nil", err)
		}
	})

	t.Run("issuer gone after start", func(t *testing.T) {
		iss := googletest.Start(t)
		clk := newClock()
		v := newVerifier(t, iss, clk)
		token := iss.Sign(iss.Claims(clientID, clk.Now()))
		iss.Close()
		if _, err := v.Verify(context.Background(), token); !errors.Is(err, google.ErrUnavailable) {
			t.Fatalf("Verify(issuer down) = %v, want %v", err, google.ErrUnavailable)
		}
	})

	t.Run("cached keys survive the issuer going away", func(t *testing.T) {
		iss := googletest.Start(t)
		clk := newClock()
		v := newVerifier(t, iss, clk)
		if _, err := v.Verify(context.Background(), iss.Sign(iss.Claims(clientID, clk.Now()))); err != nil {
			t.Fatal(err)
		}
		token := iss.Sign(iss.Claims(clientID, clk.Now()))
		iss.Close()
		if _, err := v.Verify(context.Background(), token); err != nil {
			t.Fatalf("Verify(cached key, issuer down) = %v, want nil", err)
		}
	})

	t.Run("key set not JSON", func(t *testing.T) {
		srv := fakeIssuer(t, `{"keys": "<html>"}`, []string{"RS256"})
		iss := googletest.Start(t)
		clk := newClock()
		v, err := google.New(context.Background(), google.Config{ClientID: clientID, IssuerURL: srv.URL, Now: clk.Now})
		if err != nil {
			t.Fatal(err)
		}
		c := iss.Claims(clientID, clk.Now())
		c["iss"] = srv.URL
		if _, err := v.Verify(context.Background(), iss.Sign(c)); !errors.Is(err, google.ErrUnavailable) {
			t.Fatalf("Verify(garbage key set) = %v, want %v", err, google.ErrUnavailable)
		}
	})

	t.Run("key endpoint hangs past the caller's deadline", func(t *testing.T) {
		srv := hangingServer(t)
		iss := googletest.Start(t)
		clk := newClock()
		v, err := google.New(context.Background(), google.Config{
			ClientID: clientID, IssuerURL: iss.URL(), JWKSURL: srv.URL + "/certs", Now: clk.Now,
			HTTPClient: shortClient(),
		})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		_, err = v.Verify(ctx, iss.Sign(iss.Claims(clientID, clk.Now())))
		if !errors.Is(err, google.ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Verify(hanging keys) = %v, want %v and the deadline", err, google.ErrUnavailable)
		}
	})
}

func TestNew(t *testing.T) {
	iss := googletest.Start(t)
	gone := googletest.Start(t)
	gone.Close()
	hanging := hangingServer(t)
	noRS256 := fakeIssuer(t, `{"keys":[]}`, []string{"ES256"})

	tests := []struct {
		name string
		cfg  google.Config
		want error
	}{
		{"no client ID", google.Config{IssuerURL: iss.URL()}, google.ErrConfig},
		{"blank client ID", google.Config{ClientID: "  ", IssuerURL: iss.URL()}, google.ErrConfig},
		{"plain http to a remote host", google.Config{ClientID: clientID, IssuerURL: "http://accounts.google.com"}, google.ErrConfig},
		{"issuer with a query", google.Config{ClientID: clientID, IssuerURL: "https://accounts.google.com?x=1"}, google.ErrConfig},
		{"issuer not a URL", google.Config{ClientID: clientID, IssuerURL: "accounts.google.com"}, google.ErrConfig},
		{"JWKS URL over plain http to a remote host", google.Config{ClientID: clientID, JWKSURL: "http://www.googleapis.com/oauth2/v3/certs"}, google.ErrConfig},
		{"discovery names another issuer", google.Config{ClientID: clientID, IssuerURL: iss.URL() + "/"}, google.ErrConfig},
		{"issuer without RS256", google.Config{ClientID: clientID, IssuerURL: noRS256.URL}, google.ErrConfig},
		{"issuer unreachable", google.Config{ClientID: clientID, IssuerURL: gone.URL()}, google.ErrUnavailable},
		{"discovery too slow", google.Config{ClientID: clientID, IssuerURL: hanging.URL, DiscoveryTimeout: 100 * time.Millisecond, HTTPClient: shortClient()}, google.ErrUnavailable},
		{"local issuer", google.Config{ClientID: clientID, IssuerURL: iss.URL()}, nil},
		{"Google with a fixed JWKS URL makes no request", google.Config{ClientID: clientID, JWKSURL: "https://www.googleapis.com/oauth2/v3/certs"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			_, err := google.New(context.Background(), tt.cfg)
			if tt.want == nil && err != nil || !errors.Is(err, tt.want) && tt.want != nil {
				t.Fatalf("New(%+v) = %v, want %v", tt.cfg, err, tt.want)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("New() took %s", d)
			}
		})
	}
	if _, err := google.New(context.Background(), google.Config{ClientID: clientID, IssuerURL: hanging.URL, DiscoveryTimeout: 100 * time.Millisecond, HTTPClient: shortClient()}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("New(slow discovery) = %v, want it to wrap %v", err, context.DeadlineExceeded)
	}
}
