// Package team is a team member's desktop: signing in to the organization's server (vouchd), the
// session kept in the OS keyring, the local replica of the organization (package replica) kept
// current while the app runs, and the services.Remote the desktop's bound services send their
// changes through. The UI reads the replica with the solo desk's own code, so everything synced
// stays readable offline; a change waits for the server, and an agent's reply typed offline is
// kept on disk and sent once the server is back (never twice: each write carries the client's
// Idempotency-Key). docs/team.md describes what the agent sees.
package team

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"vouchdesk/backend/apperr"
	"vouchdesk/backend/services"
)

// apiPrefix is where the agents' API lives on the server.
const apiPrefix = "/api/agent/v1/"

// Timeouts of a call: connecting, and the whole answer.
const (
	connectTimeout = 10 * time.Second
	callTimeout    = 30 * time.Second
	maxAnswer      = 32 << 20
)

// CodeSignedOut is the error code of a call the server refused because the session ended.
const CodeSignedOut = "signed_out"

// Client calls the agents' API of one server, with a session token once signed in.
type Client struct {
	base   string // https://host[:port], no trailing slash
	token  string
	client *http.Client
}

// ServerURL checks a server address as an agent types it: https, or http on this computer only
// (a token sent in the clear over a network is anyone's). It returns the address without path.
func ServerURL(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw != "" && !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") || u.User != nil {
		return "", apperr.Invalid("serverUrl", "Type the team server's address, e.g. https://desk.example.com.")
	}
	if u.Scheme == "http" && !loopback(u.Hostname()) {
		return "", apperr.Invalid("serverUrl", "Use https:// for a team server: http:// is allowed only for a server on this computer.")
	}
	return u.Scheme + "://" + u.Host, nil
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// NewClient returns a client of the server at base (checked by ServerURL) with a session token
// ("" before signing in).
func NewClient(base, token string) *Client {
	dialer := &net.Dialer{Timeout: connectTimeout, KeepAlive: 30 * time.Second}
	transport := &http.Transport{Proxy: http.ProxyFromEnvironment, DialContext: dialer.DialContext,
		TLSHandshakeTimeout: connectTimeout, IdleConnTimeout: 90 * time.Second, ForceAttemptHTTP2: true}
	return &Client{base: base, token: token, client: &http.Client{Transport: transport, Timeout: callTimeout}}
}

// NewKey is a fresh client-made id for one write (the Idempotency-Key header).
func NewKey() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Do sends one call: in is the JSON body (nil: none), out receives the answer (nil: ignored), key
// (when not "") is the write's Idempotency-Key. Errors are *apperr.Error: the server's refusal
// with its code, services.CodeOffline when it cannot be reached or answers 5xx, CodeSignedOut
// when the session ended.
func (c *Client) Do(ctx context.Context, call services.Call, in, out any, key string) error {
	var body io.Reader
	if in != nil {
		raw, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("team: %w", err)
		}
		body = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, call.Method, c.base+apiPrefix+call.Path, body)
	if err != nil {
		return fmt.Errorf("team: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := c.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return offline(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err != nil {
		return offline(err)
	}
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		if out == nil || resp.StatusCode == http.StatusNoContent {
			return nil
		}
		if err := json.Unmarshal(raw, out); err != nil {
			return &apperr.Error{Code: apperr.CodeInternal, Message: "The team server's answer was not what this version of Vouch Desk expects: update the app or the server.", Err: err}
		}
		return nil
	}
	var e struct {
		Error apperr.Error `json:"error"`
	}
	json.Unmarshal(raw, &e) // a proxy's error page is not JSON: the status says enough
	switch {
	case resp.StatusCode == http.StatusUnauthorized && (e.Error.Code == "" || e.Error.Code == "unauthenticated"):
		return &apperr.Error{Code: CodeSignedOut, Message: "Your session on the team server ended (signed out, revoked by an admin, or your account was deactivated). Sign in again."}
	case resp.StatusCode >= 500 || e.Error.Code == "":
		return offline(fmt.Errorf("the server answered %s", resp.Status))
	}
	return &e.Error
}

// offline is the error of a server that cannot be reached.
func offline(err error) error {
	return &apperr.Error{Code: services.CodeOffline, Message: "The team server cannot be reached; this needs it. Vouch Desk keeps trying.", Err: err}
}

// IsOffline says whether err means the server could not be reached.
func IsOffline(err error) bool {
	e, ok := apperr.As(err)
	return ok && e.Code == services.CodeOffline
}

// IsSignedOut says whether err means the session ended.
func IsSignedOut(err error) bool {
	e, ok := apperr.As(err)
	return ok && e.Code == CodeSignedOut
}

// errorCode is an error's apperr code ("" for none).
func errorCode(err error) string {
	var e *apperr.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}
