// Package google verifies the ID tokens that Google Sign-In hands to the customer's browser, so
// the server can trust the email address in them ("Verified by Google Sign-In").
//
// A token is accepted only when all of these hold: it is a compact JWS signed with RS256 by one
// of the issuer's published keys (JWKS); iss is the configured issuer (for Google both
// "https://accounts.google.com" and "accounts.google.com", see [Config.IssuerURL]); aud contains
// our client ID; exp has not passed; iat and nbf are not in the future beyond a small clock skew;
// sub and email are present; and email_verified is true. Everything else is refused with an
// [*Error] whose [Reason] a caller maps to a message for the customer and records.
//
// The signature, the algorithm allow-list and the key cache come from github.com/coreos/go-oidc/v3:
// its RemoteKeySet keeps the issuer's keys in memory and fetches them again when a token's key id
// is not among them (key rotation). This package adds a floor between fetches so forged tokens
// cannot make us hammer the issuer, and checks the claims itself so every refusal has its own
// reason. Identity is keyed by sub; email is as Google sent it (normalize it with the contacts
// package before any lookup). A nonce, if the sign-in flow uses one, is the caller's to compare.
package google

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
)

// DefaultIssuer is Google's issuer; its discovery document names the JWKS URL
// (https://www.googleapis.com/oauth2/v3/certs).
const DefaultIssuer = "https://accounts.google.com"

const (
	defaultHTTPTimeout      = 10 * time.Second
	defaultDiscoveryTimeout = 10 * time.Second
	// minKeyRefresh is the least time between two requests for the issuer's keys. Google
	// publishes a new key well before it signs with it, so the first fetch after a rotation
	// already holds it; the floor only ever delays the answer to forged or stale tokens.
	minKeyRefresh = 10 * time.Second
	// clockSkew is how far in the future iat and nbf may be: the customer's token is minted
	// seconds before it reaches us, but our clock may be behind Google's. exp gets no leeway.
	clockSkew = 5 * time.Minute
	// maxTokenBytes refuses absurd input before any parsing. Google's tokens are about 1.2 KB.
	maxTokenBytes = 8 << 10
	// maxSubjectBytes is the limit OpenID Connect sets for sub.
	maxSubjectBytes = 255
)

// Config says which tokens to accept and how to reach the issuer. Only ClientID is required.
// Nothing in it is secret: the client ID is public (it is in the widget's page).
type Config struct {
	// ClientID is the OAuth client ID of our web client in the Google Cloud console; a token's
	// aud must contain it. Required: a verifier without it would accept tokens minted for any
	// other site.
	ClientID string
	// IssuerURL is the OpenID Connect issuer; empty means DefaultIssuer. It must be https, except
	// on a loopback host (tests and local development). Its discovery document
	// (IssuerURL + "/.well-known/openid-configuration") must name the same issuer.
	//
	// A token's iss must be IssuerURL exactly or, when IssuerURL has no path, its host without
	// the scheme: Google writes iss both as "https://accounts.google.com" and as
	// "accounts.google.com", and the OpenID Connect spec (Core 15.6.2) tells relying parties to
	// accept both. The bare host names the same issuer and the signature is always checked
	// against that issuer's own keys, so the second spelling lets nothing else in. A trailing
	// slash, another scheme, host or port is refused.
	IssuerURL string
	// JWKSURL, when set, skips discovery: New makes no request and the keys are fetched on the
	// first Verify. Empty means: read jwks_uri from the discovery document at New.
	JWKSURL string
	// HTTPClient fetches the discovery document and the keys. Nil means a client with a 10 s
	// timeout. A client without a timeout is given one, because the key fetch is not bounded
	// by any caller's context.
	HTTPClient *http.Client
	// DiscoveryTimeout bounds New's discovery request; zero means 10 s.
	DiscoveryTimeout time.Duration
	// Now is the clock for exp, iat and nbf and for spacing key fetches; nil means time.Now.
	Now func() time.Time
}

// Identity is what a verified token says about the customer. Subject is the stable Google
// account id: key the identity by it, not by Email, which the account owner can change.
type Identity struct {
	Subject       string    `json:"subject"`
	Email         string    `json:"email"`
	EmailVerified bool      `json:"emailVerified"` // always true: tokens without it are refused
	Name          string    `json:"name,omitempty"`
	Picture       string    `json:"picture,omitempty"`
	IssuedAt      time.Time `json:"issuedAt"`
	Expiry        time.Time `json:"expiry"`
}

// Verifier checks Google ID tokens. It is safe for concurrent use; build one per client ID and
// keep it, since it holds the cached keys.
type Verifier struct {
	clientID string
	issuers  []string
	now      func() time.Time
	oidc     *oidc.IDTokenVerifier
	keys     *jwksFetcher
}

// New checks cfg and, unless cfg.JWKSURL is set, reads the issuer's discovery document. ctx
// bounds that request (together with cfg.DiscoveryTimeout); the verifier keeps no reference to
// it. Errors are *Error with ReasonConfig (fix the configuration) or ReasonUnavailable (the
// issuer could not be reached; try again later).
func New(ctx context.Context, cfg Config) (*Verifier, error) {
	if strings.TrimSpace(cfg.ClientID) == "" {
		return nil, fail(ReasonConfig, "no client ID: tokens could not be checked against an audience")
	}
	if cfg.IssuerURL == "" {
		cfg.IssuerURL = DefaultIssuer
	}
	issuers, err := issuerSpellings(cfg.IssuerURL)
	if err != nil {
		return nil, err
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.DiscoveryTimeout <= 0 {
		cfg.DiscoveryTimeout = defaultDiscoveryTimeout
	}
	client := &http.Client{Timeout: defaultHTTPTimeout}
	if cfg.HTTPClient != nil {
		c := *cfg.HTTPClient
		client = &c
		if client.Timeout <= 0 {
			client.Timeout = defaultHTTPTimeout
		}
	}

	jwksURL := cfg.JWKSURL
	if jwksURL == "" {
		if jwksURL, err = discover(ctx, client, cfg.IssuerURL, cfg.DiscoveryTimeout); err != nil {
			return nil, err
		}
	}
	if err := checkURL("JWKS URL", jwksURL); err != nil {
		return nil, err
	}

	next := client.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	fetcher := &jwksFetcher{next: next, minRefresh: minKeyRefresh, now: cfg.Now}
	keysClient := *client
	keysClient.Transport = fetcher
	// The context only carries the client: RemoteKeySet ignores its cancellation.
	remote := oidc.NewRemoteKeySet(oidc.ClientContext(context.Background(), &keysClient), jwksURL)

	return &Verifier{
		clientID: cfg.ClientID,
		issuers:  issuers,
		now:      cfg.Now,
		keys:     fetcher,
		// go-oidc checks the algorithm and the signature; the claims are checked in Verify so
		// that each refusal gets its own reason (go-oidc reports most of them as plain strings).
		oidc: oidc.NewVerifier(cfg.IssuerURL, keySet{inner: remote}, &oidc.Config{
			SupportedSigningAlgs: []string{oidc.RS256},
			SkipClientIDCheck:    true,
			SkipExpiryCheck:      true,
			SkipIssuerCheck:      true,
		}),
	}, nil
}

// discover reads jwks_uri from the issuer's discovery document and makes sure the issuer signs
// ID tokens with RS256, the one algorithm we accept.
func discover(ctx context.Context, client *http.Client, issuer string, timeout time.Duration) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	provider, err := oidc.NewProvider(oidc.ClientContext(ctx, client), issuer)
	if err != nil {
		if mismatch := (*oidc.IssuerMismatchError)(nil); errors.As(err, &mismatch) {
			return "", failErr(ReasonConfig, err, "discovery at %s names another issuer", issuer)
		}
		return "", failErr(ReasonUnavailable, shortError{err}, "discovery at %s failed", issuer)
	}
	var meta struct {
		JWKSURL string   `json:"jwks_uri"`
		Algs    []string `json:"id_token_signing_alg_values_supported"`
	}
	if err := provider.Claims(&meta); err != nil {
		return "", failErr(ReasonUnavailable, err, "discovery at %s: unreadable document", issuer)
	}
	if meta.JWKSURL == "" {
		return "", fail(ReasonConfig, "discovery at %s names no jwks_uri", issuer)
	}
	if len(meta.Algs) > 0 && !slices.Contains(meta.Algs, oidc.RS256) {
		return "", fail(ReasonConfig, "issuer %s does not sign ID tokens with RS256 (it offers %v)", issuer, meta.Algs)
	}
	return meta.JWKSURL, nil
}

// issuerSpellings returns the iss values accepted for the configured issuer (see
// Config.IssuerURL).
func issuerSpellings(issuer string) ([]string, error) {
	if err := checkURL("issuer URL", issuer); err != nil {
		return nil, err
	}
	u, _ := url.Parse(issuer)
	spellings := []string{issuer}
	if u.Path == "" && u.RawPath == "" {
		spellings = append(spellings, u.Host)
	}
	return spellings, nil
}

// checkURL allows https anywhere and http only on a loopback host: keys fetched over plain HTTP
// from the network could be swapped by anyone on the path.
func checkURL(what, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return fail(ReasonConfig, "%s %q is not an absolute URL", what, raw)
	}
	if u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return fail(ReasonConfig, "%s %q may not carry credentials, a query or a fragment", what, raw)
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && isLoopback(u.Hostname()):
	default:
		return fail(ReasonConfig, "%s %q must use https (http only on a loopback host)", what, raw)
	}
	return nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// shortError keeps a long error (go-oidc quotes a whole error page) out of log lines while
// leaving the chain intact for errors.Is.
type shortError struct{ err error }

func (e shortError) Error() string {
	const limit = 300
	s := e.err.Error()
	if len(s) > limit {
		return s[:limit] + "..."
	}
	return s
}

func (e shortError) Unwrap() error { return e.err }

// Verify checks a raw ID token (the "credential" Google Sign-In gives the browser) and returns
// who it proves. ctx bounds waiting for a key fetch, which happens only for a key id that is
// not cached. Every error is an *Error; see Reason for what each means.
func (v *Verifier) Verify(ctx context.Context, raw string) (Identity, error) {
	if raw == "" {
		return Identity{}, fail(ReasonMalformed, "empty token")
	}
	if len(raw) > maxTokenBytes {
		return Identity{}, fail(ReasonMalformed, "token of %d bytes (limit %d)", len(raw), maxTokenBytes)
	}
	kid, err := checkHeader(raw)
	if err != nil {
		return Identity{}, err
	}

	p := &probe{}
	token, verr := v.oidc.Verify(context.WithValue(ctx, probeKey{}, p), raw)
	switch {
	case verr == nil:
	case p.called && p.err != nil && fetchFailed(p.err):
		if ctxErr := ctx.Err(); ctxErr != nil {
			return Identity{}, failErr(ReasonUnavailable, ctxErr, "waiting for the issuer's keys")
		}
		return Identity{}, failErr(ReasonUnavailable, p.err, "the issuer's keys could not be fetched")
	case p.called && p.err != nil:
		if kid != "" && !v.keys.knownKey(kid) {
			return Identity{}, fail(ReasonUnknownKey, "key id %s is not among the issuer's keys", quote(kid))
		}
		return Identity{}, fail(ReasonSignature, "the signature does not verify with the issuer's keys")
	default:
		// Not signature-related: go-jose could not parse the JWS, or the payload is not JSON.
		return Identity{}, failErr(ReasonMalformed, verr, "unreadable token")
	}

	var c struct {
		Email         string          `json:"email"`
		EmailVerified json.RawMessage `json:"email_verified"`
		Name          string          `json:"name"`
		Picture       string          `json:"picture"`
		NotBefore     *float64        `json:"nbf"`
	}
	if err := token.Claims(&c); err != nil {
		return Identity{}, failErr(ReasonMalformed, err, "unreadable claims")
	}

	now := v.now()
	switch {
	case !slices.Contains(v.issuers, token.Issuer):
		return Identity{}, fail(ReasonIssuer, "issuer %s is not %s", quote(token.Issuer), strings.Join(v.issuers, " or "))
	case !slices.Contains(token.Audience, v.clientID):
		return Identity{}, fail(ReasonAudience, "audience %s does not contain our client ID", quote(strings.Join(token.Audience, ",")))
	case token.Expiry.IsZero():
		return Identity{}, fail(ReasonMissingClaim, "no exp")
	case !now.Before(token.Expiry):
		return Identity{}, fail(ReasonExpired, "expired at %s", token.Expiry.UTC().Format(time.RFC3339))
	case token.IssuedAt.IsZero():
		return Identity{}, fail(ReasonMissingClaim, "no iat")
	case token.IssuedAt.After(now.Add(clockSkew)):
		return Identity{}, fail(ReasonNotYetValid, "issued in the future (%s)", token.IssuedAt.UTC().Format(time.RFC3339))
	case c.NotBefore != nil && *c.NotBefore > float64(now.Add(clockSkew).Unix()):
		return Identity{}, fail(ReasonNotYetValid, "not valid before %.0f (unix)", *c.NotBefore)
	case token.Subject == "":
		return Identity{}, fail(ReasonMissingClaim, "no sub")
	case len(token.Subject) > maxSubjectBytes:
		return Identity{}, fail(ReasonMalformed, "sub longer than %d bytes", maxSubjectBytes)
	case c.Email == "":
		return Identity{}, fail(ReasonMissingClaim, "no email")
	case !emailVerified(c.EmailVerified):
		if len(c.EmailVerified) == 0 {
			return Identity{}, fail(ReasonEmailNotVerified, "no email_verified")
		}
		return Identity{}, fail(ReasonEmailNotVerified, "email_verified is %s", quote(string(c.EmailVerified)))
	}
	return Identity{
		Subject:       token.Subject,
		Email:         c.Email,
		EmailVerified: true,
		Name:          c.Name,
		Picture:       c.Picture,
		IssuedAt:      token.IssuedAt.UTC(),
		Expiry:        token.Expiry.UTC(),
	}, nil
}

// emailVerified accepts the JSON boolean true, and the string "true" that some Google
// endpoints have sent; anything else (false, absent, null) is not verified.
func emailVerified(raw json.RawMessage) bool {
	s := string(raw)
	return s == "true" || s == `"true"`
}

// checkHeader reads the JWS header to refuse any algorithm but RS256 with its own reason, and
// returns the key id. go-oidc enforces the same algorithm list again when it parses.
func checkHeader(raw string) (kid string, err error) {
	if strings.Count(raw, ".") != 2 {
		return "", fail(ReasonMalformed, "not a compact JWS (three dot-separated parts)")
	}
	b, derr := base64.RawURLEncoding.DecodeString(raw[:strings.IndexByte(raw, '.')])
	if derr != nil {
		return "", failErr(ReasonMalformed, derr, "header is not base64url")
	}
	var h struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
	}
	if jerr := json.Unmarshal(b, &h); jerr != nil {
		return "", failErr(ReasonMalformed, jerr, "header is not JSON")
	}
	if h.Alg != oidc.RS256 {
		return "", fail(ReasonAlgorithm, "algorithm %s is not RS256", quote(h.Alg))
	}
	return h.Kid, nil
}
