package integration

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"vouchdesk/backend/engine"
	"vouchdesk/backend/mailaccounts"
	"vouchdesk/backend/org"
	"vouchdesk/backend/outbox"
	"vouchdesk/backend/secrets"
	"vouchdesk/backend/store"
	"vouchdesk/backend/testutil"
	"vouchdesk/backend/widget"
)

// TestOutboxDrainsUnderChatLoad: the engine's own outbox worker drains a queue into Postfix first
// alone, then while customers start chats through the widget API (POST /sessions over HTTP, open
// loop) on the same engine and database. Every email arrives exactly once both times. The sizes
// are small for `make test`; VOUCHDESK_IT_LOAD_EMAILS (emails per phase) and
// VOUCHDESK_IT_LOAD_RATE (sessions per second) make the measurement of docs/benchmarks.md.
func TestOutboxDrainsUnderChatLoad(t *testing.T) {
	me := env(t)
	emails, rate := envInt(t, "VOUCHDESK_IT_LOAD_EMAILS", 200), envInt(t, "VOUCHDESK_IT_LOAD_RATE", 150)

	lim := widget.DefaultLimits
	lim.IP = widget.Rate{PerSecond: 100000, Burst: 100000}
	lim.Sessions = widget.Rate{PerSecond: 100000, Burst: 100000}
	secretEnv := map[string]string{"VOUCHD_SMTP_PASSWORD": me.password}
	e, err := engine.Open(ctx, engine.Config{DatabasePath: testutil.DBPath(t), Listen: "127.0.0.1:0",
		Secrets: secrets.Env{Getenv: func(k string) string { return secretEnv[k] }}, RootCAs: me.ca, WidgetLimits: lim})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close(ctx)
	if err := e.Start(ctx); err != nil {
		t.Fatal(err)
	}
	ws, err := e.Org().Setup(ctx, org.SetupInput{OrganizationName: "Vouch Desk IT load", OwnerName: "Olive", OwnerEmail: "olive@vouchdesk.test"})
	if err != nil {
		t.Fatal(err)
	}
	orgID := ws.Organization.ID
	if _, err := e.Mail().Save(ctx, ws.Me, orgID, mailaccounts.SMTP,
		mailaccounts.Input{Host: me.smtpHost, Port: me.smtpPort, TLS: "starttls", Username: me.user}); err != nil {
		t.Fatal(err)
	}
	e.MailSettingsChanged()
	inbox, _, err := e.Chat().FirstChatInbox(ctx)
	if err != nil {
		t.Fatal(err)
	}
	box := openMailbox(t, me)
	st := e.Store()

	// drain queues n emails, wakes the worker and returns how long it took until all n are sent.
	var want []string
	drain := func(phase string, n int) time.Duration {
		t.Helper()
		before, err := st.OutboxCounts(ctx, orgID)
		if err != nil {
			t.Fatal(err)
		}
		list := make([]outbox.Email, n)
		for i := range list {
			list[i] = testEmail(orgID, me.user, fmt.Sprintf("%s-%05d", phase, i))
			list[i].FromAddr = me.user
		}
		for _, m := range enqueue(t, st, list...) {
			want = append(want, msgID(m))
		}
		start := time.Now()
		e.Outbox().Wake()
		for deadline := start.Add(5 * time.Minute); ; time.Sleep(5 * time.Millisecond) {
			c, err := st.OutboxCounts(ctx, orgID)
			if err != nil {
				t.Fatal(err)
			}
			if c[store.OutboxSent]-before[store.OutboxSent] >= n {
				return time.Since(start)
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: outbox counts after 5 min = %v (worker: %+v)", phase, c, e.Outbox().Status())
			}
		}
	}

	alone := drain("alone", emails)

	// Customers start chats at rate per second, each POST in its own goroutine (open loop: a slow
	// answer does not slow the schedule).
	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	body, _ := json.Marshal(map[string]any{"inbox": inbox.ID, "name": "Load"})
	var started, failed atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	scheduled := make(chan struct{}) // closed when the scheduler has stopped adding to wg
	go func() {
		defer close(scheduled)
		tick := time.NewTicker(time.Second / time.Duration(rate))
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				wg.Add(1)
				go func() {
					defer wg.Done()
					res, err := hc.Post("http://"+e.Addr()+"/api/widget/v1/sessions", "application/json", bytes.NewReader(body))
					if err != nil {
						failed.Add(1)
						return
					}
					res.Body.Close()
					if res.StatusCode != http.StatusCreated {
						failed.Add(1)
						return
					}
					started.Add(1)
				}()
			}
		}
	}()
	time.Sleep(time.Second) // the chat load runs before the queue fills
	s0 := started.Load()
	loaded := drain("load", emails)
	s1 := started.Load()
	close(stop)
	<-scheduled // no wg.Add may run alongside wg.Wait
	wg.Wait()
	if f := failed.Load(); f > 0 {
		t.Errorf("%d of %d POST /sessions failed during the load", f, f+started.Load())
	}

	exactlyOnce(t, want, box.waitFor(want, 2*time.Minute), tolerance{})
	t.Logf("FIGURE outbox under chat load: %d emails alone in %.2fs (%.0f emails/s); %d emails in %.2fs (%.0f emails/s) "+
		"while the widget API started %d chats (%.0f sessions/s, asked %d/s); %d POST /sessions failed",
		emails, alone.Seconds(), float64(emails)/alone.Seconds(), emails, loaded.Seconds(), float64(emails)/loaded.Seconds(),
		s1-s0, float64(s1-s0)/loaded.Seconds(), rate, failed.Load())
}

func envInt(t *testing.T, name string, def int) int {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		t.Fatalf("%s=%q: want a positive whole number", name, v)
	}
	return n
}
