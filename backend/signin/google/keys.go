package google

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
)

// Key handling: go-oidc's RemoteKeySet caches the issuer's JWKS and fetches it again whenever a
// token does not verify with the cached keys (an unknown kid after a rotation, but also any
// forged signature), coalescing concurrent fetches into one. Two small pieces sit around it:
//
//   - jwksFetcher, the HTTP transport of the key set's client, lets at most one request reach
//     the network per minRefresh. Within that interval it replays the last outcome (the same
//     keys, or the same failure), so a stream of forged tokens cannot turn into a stream of requests to the
//     issuer. It also remembers which key ids the last good response held, to tell "unknown key"
//     from "bad signature", and caps the response size.
//   - keySet wraps the RemoteKeySet to see its error before go-oidc flattens it into a string, so
//     "the keys could not be fetched" is reported as unavailable, not as a forged token.

// maxJWKSBytes bounds a key set response. Google's is about 1.5 KB.
const maxJWKSBytes = 1 << 20

type jwksFetcher struct {
	next       http.RoundTripper
	minRefresh time.Duration
	now        func() time.Time

	// mu is held for a whole network request: RemoteKeySet already sends one at a time, and
	// a request arriving meanwhile should see that request's outcome.
	mu      sync.Mutex
	lastTry time.Time   // when the network was last asked; zero before the first fetch
	lastErr error       // the outcome of that request, nil when it succeeded
	body    []byte      // the last good response
	header  http.Header // its headers

	kidsMu sync.RWMutex    // separate, so Verify never waits for a fetch to read it
	kids   map[string]bool // key ids in body; nil before the first good response
}

func (f *jwksFetcher) RoundTrip(req *http.Request) (*http.Response, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.now()
	if !f.lastTry.IsZero() && now.Sub(f.lastTry) < f.minRefresh {
		if f.lastErr != nil {
			return nil, fmt.Errorf("not asked again within %s of the last failure: %w", f.minRefresh, f.lastErr)
		}
		return f.replay(req), nil
	}
	f.lastTry = now
	body, header, err := f.fetch(req)
	f.lastErr = err
	if err != nil {
		return nil, err
	}
	f.body, f.header = body, header
	kids := keyIDs(body)
	f.kidsMu.Lock()
	f.kids = kids
	f.kidsMu.Unlock()
	return f.replay(req), nil
}

// fetch does the network request; the HTTP client's timeout bounds it.
func (f *jwksFetcher) fetch(req *http.Request) ([]byte, http.Header, error) {
	resp, err := f.next.RoundTrip(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxJWKSBytes+1))
	if err != nil {
		return nil, nil, fmt.Errorf("reading keys: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, nil, fmt.Errorf("keys answered %s", resp.Status)
	}
	if len(body) > maxJWKSBytes {
		return nil, nil, fmt.Errorf("key set larger than %d bytes", maxJWKSBytes)
	}
	return body, resp.Header.Clone(), nil
}

func (f *jwksFetcher) replay(req *http.Request) *http.Response {
	return &http.Response{
		Status:        "200 OK",
		StatusCode:    http.StatusOK,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        f.header.Clone(),
		Body:          io.NopCloser(bytes.NewReader(f.body)),
		ContentLength: int64(len(f.body)),
		Request:       req,
	}
}

// knownKey reports whether the last good key set held kid. Before any fetch it says yes, so
// that nothing is called unknown without having looked.
func (f *jwksFetcher) knownKey(kid string) bool {
	f.kidsMu.RLock()
	defer f.kidsMu.RUnlock()
	return f.kids == nil || f.kids[kid]
}

func keyIDs(body []byte) map[string]bool {
	var set struct {
		Keys []struct {
			KeyID string `json:"kid"`
		} `json:"keys"`
	}
	kids := map[string]bool{}
	if json.Unmarshal(body, &set) == nil {
		for _, k := range set.Keys {
			kids[k.KeyID] = true
		}
	}
	return kids
}

// keySet passes every call to the RemoteKeySet and leaves its raw outcome in the probe that
// Verify put into the context.
type keySet struct {
	inner oidc.KeySet
}

type probeKey struct{}

type probe struct {
	called bool
	err    error
}

func (k keySet) VerifySignature(ctx context.Context, jwt string) ([]byte, error) {
	payload, err := k.inner.VerifySignature(ctx, jwt)
	if p, ok := ctx.Value(probeKey{}).(*probe); ok {
		p.called, p.err = true, err
	}
	return payload, err
}

// fetchFailed tells a key-fetch failure from a signature that no key verifies. RemoteKeySet
// reports the latter as a bare errors.New and wraps every fetch problem (transport, status,
// decoding, context) with %w; the tests pin this against go-oidc upgrades.
func fetchFailed(err error) bool {
	return errors.Unwrap(err) != nil
}
