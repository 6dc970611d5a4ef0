// Command enumtiming measures whether the widget API's answer time tells an address that belongs
// to a contact from one that does not (docs/benchmarks.md, "Enumeration by timing").
//
// It serves the real widget API (store, chat, verify, widget handler) on a fresh SQLite file in
// a temp folder, over loopback, with an organization that has a verified sender, a chat inbox
// without sign-in and one with email sign-in. It makes -n contacts per call with a verified email
// (the "known" addresses) and sends each call -n times with a known address and -n times with an
// address nobody has, interleaved (known, unknown, unknown, known, ...) so drift hits both
// alike; every request uses an address of its own, so no per-address budget is ever reached.
// It prints, per call, the median and p90 answer time (request written to body read) of each
// kind and the difference of the medians.
//
// The per-IP throttles are opened, and each request names its own client address to the
// server (a header only this command's server reads), so the per-client sign-in limit (10 codes
// an hour) is not reached either.
//
//	go run -tags "webkit2_41 sqlite_fts5" ./backend/widget/enumtiming -n 2000
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"time"

	"vouchdesk/backend/chat"
	"vouchdesk/backend/contacts"
	"vouchdesk/backend/org"
	"vouchdesk/backend/senders"
	"vouchdesk/backend/store"
	"vouchdesk/backend/verify"
	"vouchdesk/backend/widget"
)

func main() {
	n := flag.Int("n", 2000, "requests per kind (known, unknown) and call")
	doubleOptIn := flag.Bool("double-opt-in", true, "the organization's double opt-in setting (the default of a new organization)")
	flag.Parse()
	if err := run(*n, *doubleOptIn); err != nil {
		fmt.Fprintln(os.Stderr, "enumtiming:", err)
		os.Exit(1)
	}
}

type bench struct {
	st     *store.Store
	orgID  string
	base   string
	plain  string // chat inbox without sign-in
	signin string // chat inbox with email sign-in
	client int    // the next client address
}

func run(n int, doubleOptIn bool) error {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "enumtiming")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	st, err := store.Open(ctx, filepath.Join(dir, "vouchdesk.db"))
	if err != nil {
		return err
	}
	defer st.Close()
	b, srv, err := setup(ctx, st, doubleOptIn)
	if err != nil {
		return err
	}
	defer srv.Close()

	fmt.Printf("%d requests per kind and call, double opt-in %v\n", n, doubleOptIn)
	fmt.Printf("%-34s %10s %10s %10s %10s %10s\n", "call", "known p50", "unknown p50", "known p90", "unknown p90", "p50 diff")
	calls := []struct {
		name string
		prep func(addr string) (func() (int, error), error) // returns the timed request
	}{
		{"POST /sessions (with email)", func(addr string) (func() (int, error), error) {
			return func() (int, error) {
				return b.post("/api/widget/v1/sessions", "", map[string]any{"inbox": b.plain, "name": "Ada", "email": addr, "consent": true})
			}, nil
		}},
		{"POST /email", func(addr string) (func() (int, error), error) {
			var out struct{ Session string }
			if _, err := b.postInto("/api/widget/v1/sessions", "", map[string]any{"inbox": b.plain, "name": "Ada"}, &out); err != nil {
				return nil, err
			}
			return func() (int, error) {
				return b.post("/api/widget/v1/email", out.Session, map[string]any{"email": addr, "consent": true})
			}, nil
		}},
		{"POST /signin/email", func(addr string) (func() (int, error), error) {
			return func() (int, error) {
				return b.post("/api/widget/v1/signin/email", "", map[string]any{"inbox": b.signin, "email": addr, "consent": true})
			}, nil
		}},
	}
	for ci, c := range calls {
		known := make([]string, n)
		for i := range known {
			known[i] = fmt.Sprintf("known-%d-%d@example.com", ci, i)
		}
		if err := b.addContacts(ctx, known); err != nil {
			return err
		}
		var tk, tu []time.Duration
		for i := 0; i < n; i++ {
			unknown := fmt.Sprintf("unknown-%d-%d@example.com", ci, i)
			pair := []struct {
				addr string
				into *[]time.Duration
			}{{known[i], &tk}, {unknown, &tu}}
			if i%2 == 1 {
				pair[0], pair[1] = pair[1], pair[0]
			}
			for _, p := range pair {
				req, err := c.prep(p.addr)
				if err != nil {
					return err
				}
				start := time.Now()
				status, err := req()
				d := time.Since(start)
				if err != nil {
					return err
				}
				if status >= 300 {
					return fmt.Errorf("%s %s = %d", c.name, p.addr, status)
				}
				*p.into = append(*p.into, d)
			}
		}
		k50, u50 := pct(tk, 50), pct(tu, 50)
		fmt.Printf("%-34s %8.3f ms %8.3f ms %8.3f ms %8.3f ms %+8.3f ms\n", c.name, ms(k50), ms(u50), ms(pct(tk, 90)), ms(pct(tu, 90)), ms(u50-k50))
	}
	return nil
}

// setup makes the organization, its verified sender and the sign-in inbox, and serves the API.
func setup(ctx context.Context, st *store.Store, doubleOptIn bool) (*bench, *httptest.Server, error) {
	ws, err := org.New(st, time.Now).Setup(ctx, org.SetupInput{OrganizationName: "Acme", OwnerName: "Olive Owner", OwnerEmail: "olive@acme.test"})
	if err != nil {
		return nil, nil, err
	}
	orgID := ws.Organization.ID
	public := func() string { return "http://public.example" }
	snd := senders.New(st, time.Now, public, nil)
	if _, err := snd.Set(ctx, ws.Me, ws.Organization, "support@acme.test"); err != nil {
		return nil, nil, err
	}
	log, err := st.OutboxLog(ctx, orgID, 1)
	if err != nil || len(log) == 0 {
		return nil, nil, fmt.Errorf("no sender verification email: %v", err)
	}
	tok := regexp.MustCompile(`/verify/sender/([A-Za-z0-9_-]{43})`).FindStringSubmatch(log[0].BodyText)
	if tok == nil {
		return nil, nil, fmt.Errorf("no link in the sender verification email")
	}
	if _, err := snd.Verify(ctx, tok[1], "link"); err != nil {
		return nil, nil, err
	}
	inboxes, err := st.InboxesByOrg(ctx, orgID)
	if err != nil || len(inboxes) == 0 {
		return nil, nil, fmt.Errorf("no chat inbox: %v", err)
	}
	now := time.Now()
	signin := store.Inbox{ID: store.NewID(), OrgID: orgID, Kind: store.InboxChat, Name: "Sign-in", EmailSignin: true,
		IdleEndMinutes: 30, CreatedAt: now, UpdatedAt: now}
	if err := st.Write(ctx, func(tx *store.Tx) error {
		if err := tx.SetRegulatory(orgID, doubleOptIn, "", now); err != nil {
			return err
		}
		return tx.InsertInbox(signin)
	}); err != nil {
		return nil, nil, err
	}
	c := chat.New(st, time.Now, chat.NewHub())
	v := verify.New(st, time.Now, public, c)
	open := widget.Rate{PerSecond: 1e6, Burst: 1e6}
	h := widget.NewHandler(widget.Deps{Version: "enumtiming", DB: st, Chat: &widget.ChatDeps{Chat: c, Verify: v,
		Log:    slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
		Limits: widget.Limits{IP: open, Sessions: open, Signin: open, Verify: open, Messages: open, ServerStarts: open}}})
	// Each request names its client, as if it came from an address of its own.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c := r.Header.Get("X-Bench-Client"); c != "" {
			r.RemoteAddr = c + ":1"
		}
		h.ServeHTTP(w, r)
	}))
	return &bench{st: st, orgID: orgID, base: srv.URL, plain: inboxes[0].ID, signin: signin.ID}, srv, nil
}

// addContacts makes one active contact per address, its email verified (as an agent's check
// in an earlier chat would).
func (b *bench) addContacts(ctx context.Context, addrs []string) error {
	now := time.Now()
	return b.st.Write(ctx, func(tx *store.Tx) error {
		for _, a := range addrs {
			if _, err := contacts.RecordProof(tx, contacts.Proof{OrgID: b.orgID, Kind: store.FieldEmail, Norm: a, Display: a,
				Name: "Known", Method: store.MethodEmailOTP, Actor: store.SystemActor, Evidence: "enumtiming"}, now); err != nil {
				return err
			}
		}
		return nil
	})
}

func (b *bench) post(path, session string, in any) (int, error) {
	return b.postInto(path, session, in, nil)
}

func (b *bench) postInto(path, session string, in, out any) (int, error) {
	body, _ := json.Marshal(in)
	req, _ := http.NewRequest("POST", b.base+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	b.client++
	req.Header.Set("X-Bench-Client", fmt.Sprintf("10.%d.%d.%d", b.client>>16&255, b.client>>8&255, b.client&255))
	if session != "" {
		req.Header.Set("Authorization", "Bearer "+session)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return 0, err
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return 0, err
		}
	}
	return res.StatusCode, nil
}

func pct(d []time.Duration, p int) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[(len(s)-1)*p/100]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
