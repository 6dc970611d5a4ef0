package replica

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"vouchdesk/backend/feed"
	"vouchdesk/backend/store"
)

// Source is the team server's change feed as a replica reads it (docs/api/agent.md, "The change
// feed"). HTTPSource is the agents' API; tests may read a feed some other way.
type Source interface {
	// Origin says which server and organization the feed is of.
	Origin(ctx context.Context) (Origin, error)
	// Tables lists the replicated tables, each with the columns the server withholds.
	Tables(ctx context.Context) (map[string][]string, error)
	// Cursor is the organization's newest change number.
	Cursor(ctx context.Context) (int64, error)
	// Rows is a page of a table's rows in id order after after ("" from the start), up to and
	// including to ("" for no end), at most limit.
	Rows(ctx context.Context, table, after, to string, limit int) (RowsPage, error)
	// Changes is a page of changes after the cursor, at most limit; with wait > 0 and nothing
	// newer, the server first waits up to wait for a change (a long poll).
	Changes(ctx context.Context, after int64, limit int, wait time.Duration) (ChangesPage, error)
}

// Origin names the server and organization a replica is of.
type Origin struct {
	URL   string
	OrgID string
}

// RowsPage is a page of a table's rows.
type RowsPage struct {
	Rows []map[string]any
	// Next is the id to ask after for the next page; "" when this was the last.
	Next string
	// Bytes is about how much this page weighed on the wire (for progress).
	Bytes int64
}

// ChangesPage is a page of the feed's changes.
type ChangesPage struct {
	Changes []store.FeedEntry
	// Cursor is what to ask after next.
	Cursor int64
	// More: more changes are waiting; ask at once.
	More  bool
	Bytes int64
}

// ErrSignedOut: the server no longer accepts the session (signed out, revoked, the agent
// deactivated). Nothing retries it: the desktop signs in again.
var ErrSignedOut = errors.New("replica: the server ended this desktop's session: sign in again")

// APIError is an error answer of the agents' API.
type APIError struct {
	Status  int
	Code    string
	Message string
	Field   string
}

func (e *APIError) Error() string {
	msg := fmt.Sprintf("replica: the server answered %d %s", e.Status, e.Code)
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if e.Field != "" {
		msg += " (" + e.Field + ")"
	}
	return msg
}

// Temporary: the server may answer differently later (its own fault, its engine not open yet,
// a rate limit); a bad request or a refusal will not change by asking again.
func (e *APIError) Temporary() bool {
	return e.Status >= 500 || e.Status == http.StatusTooManyRequests || e.Status == http.StatusRequestTimeout
}

// HTTPSource reads the feed of the agents' API with a session's bearer token.
type HTTPSource struct {
	base   string // the server's public URL, without a trailing slash
	token  string
	client *http.Client
}

// Timeouts of HTTPSource's calls: connecting, and a whole answer (a long poll gets its wait on
// top).
const (
	connectTimeout = 10 * time.Second
	callTimeout    = 60 * time.Second
	// maxAnswer bounds an answer read into memory: a page is at most 1,000 rows.
	maxAnswer = 256 << 20
)

// NewHTTPSource reads the feed of the server at baseURL (its public URL, e.g.
// https://desk.example.com) with a session's token (`vds_…`).
func NewHTTPSource(baseURL, token string) (*HTTPSource, error) {
	u, err := url.Parse(strings.TrimRight(baseURL, "/"))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("replica: %q is not a server address (https://…)", baseURL)
	}
	dialer := &net.Dialer{Timeout: connectTimeout, KeepAlive: 30 * time.Second}
	transport := &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		DialContext:         dialer.DialContext,
		TLSHandshakeTimeout: connectTimeout,
		IdleConnTimeout:     90 * time.Second,
		ForceAttemptHTTP2:   true,
	}
	return &HTTPSource{base: u.String(), token: token, client: &http.Client{Transport: transport}}, nil
}

// URL is the server's address as the source uses it.
func (h *HTTPSource) URL() string { return h.base }

// Origin reads `GET me`.
func (h *HTTPSource) Origin(ctx context.Context) (Origin, error) {
	var me struct {
		Organization struct {
			ID string `json:"id"`
		} `json:"organization"`
	}
	if _, err := h.get(ctx, "me", 0, &me); err != nil {
		return Origin{}, err
	}
	if me.Organization.ID == "" {
		return Origin{}, errors.New("replica: the server's answer names no organization")
	}
	return Origin{URL: h.base, OrgID: me.Organization.ID}, nil
}

// Tables reads `GET feed/tables`.
func (h *HTTPSource) Tables(ctx context.Context) (map[string][]string, error) {
	var out map[string][]string
	_, err := h.get(ctx, "feed/tables", 0, &out)
	return out, err
}

// Cursor reads `GET feed/cursor`.
func (h *HTTPSource) Cursor(ctx context.Context) (int64, error) {
	var out struct {
		Cursor int64 `json:"cursor"`
	}
	_, err := h.get(ctx, "feed/cursor", 0, &out)
	return out.Cursor, err
}

// Rows reads `GET feed/tables/{table}`.
func (h *HTTPSource) Rows(ctx context.Context, table, after, to string, limit int) (RowsPage, error) {
	q := url.Values{"after": {after}}
	if to != "" {
		q.Set("to", to)
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var out feed.Rows
	n, err := h.get(ctx, "feed/tables/"+url.PathEscape(table)+"?"+q.Encode(), 0, &out)
	return RowsPage{Rows: out.Rows, Next: out.Next, Bytes: n}, err
}

// Changes reads `GET feed/changes`.
func (h *HTTPSource) Changes(ctx context.Context, after int64, limit int, wait time.Duration) (ChangesPage, error) {
	q := url.Values{"after": {strconv.FormatInt(after, 10)}}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	if secs := int(wait / time.Second); secs > 0 {
		q.Set("wait", strconv.Itoa(secs))
	}
	var out feed.Page
	n, err := h.get(ctx, "feed/changes?"+q.Encode(), wait, &out)
	return ChangesPage{Changes: out.Changes, Cursor: out.Cursor, More: out.More, Bytes: n}, err
}

// get calls the API and decodes its answer into out (numbers as json.Number, so integers stay
// exact); it returns the answer's size.
func (h *HTTPSource) get(ctx context.Context, path string, wait time.Duration, out any) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, callTimeout+wait)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.base+"/api/agent/v1/"+path, nil)
	if err != nil {
		return 0, fmt.Errorf("replica: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+h.token)
	req.Header.Set("Accept", "application/json")
	resp, err := h.client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("replica: the server cannot be reached: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err != nil {
		return 0, fmt.Errorf("replica: the server's answer broke off: %w", err)
	}
	if len(body) > maxAnswer {
		return 0, fmt.Errorf("replica: the server's answer is larger than %d MiB", maxAnswer>>20)
	}
	if resp.StatusCode == http.StatusUnauthorized {
		return 0, ErrSignedOut
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		var e struct {
			Error struct {
				Code    string `json:"code"`
				Message string `json:"message"`
				Field   string `json:"field"`
			} `json:"error"`
		}
		json.Unmarshal(body, &e) // a proxy's error page is not JSON: the status says enough
		return 0, &APIError{Status: resp.StatusCode, Code: e.Error.Code, Message: e.Error.Message, Field: e.Error.Field}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(out); err != nil {
		return 0, fmt.Errorf("replica: the server's answer to %s is not what the API describes: %w", strings.SplitN(path, "?", 2)[0], err)
	}
	return int64(len(body)), nil
}
