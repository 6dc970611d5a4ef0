// Package engine is the one composition root of Vouch Desk: it opens the store, builds the domain
// services, and starts and stops the background parts (the widget HTTP server now; the outbox
// worker, the mailbox poller and the realtime hub as they land). The desktop app (app.go) and the
// headless server (vouchd) only configure and start it.
package engine

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"vouchdesk/backend/agents"
	"vouchdesk/backend/backup"
	"vouchdesk/backend/calls"
	"vouchdesk/backend/chat"
	"vouchdesk/backend/contacts"
	"vouchdesk/backend/conversations"
	"vouchdesk/backend/feed"
	"vouchdesk/backend/mailaccounts"
	"vouchdesk/backend/mailbox"
	"vouchdesk/backend/org"
	"vouchdesk/backend/outbox"
	"vouchdesk/backend/secrets"
	"vouchdesk/backend/senders"
	"vouchdesk/backend/store"
	"vouchdesk/backend/transcript"
	"vouchdesk/backend/verify"
	"vouchdesk/backend/widget"
)

// Config says where the engine keeps its data and where it listens.
type Config struct {
	// DatabasePath is the SQLite file (created with its folder if missing).
	DatabasePath string
	// Listen is the widget server's host:port; "" runs no HTTP server.
	Listen string
	// Listener, when set, is a listener the caller has already bound; Start serves on it instead
	// of binding Listen. vouchd binds its port before it changes the database, so a port that is
	// taken stops it before anything is written.
	Listener net.Listener
	// PublicURL is where customers' browsers reach the widget server.
	PublicURL string
	// Version is reported by /healthz and the desktop's About.
	Version string
	// Logger receives structured logs; nil discards them.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Secrets holds mail passwords: the OS keyring on the desktop, the environment for vouchd.
	// nil means the environment.
	Secrets secrets.Store
	// SealKey (secrets.KeySize bytes) seals the codes and links of queued emails, so the database
	// file never holds them readable (docs/verification.md, "Secrets at rest"). The caller keeps
	// it outside the database: the OS keyring on the desktop, VOUCHD_OUTBOX_KEY for vouchd. nil
	// means a random key for this run only: mail queued with it and still unsent at the next start
	// fails with a reason saying to send a new code.
	SealKey []byte
	// RootCAs verifies the mail servers' certificates; nil means the system's roots.
	// SMTPRootCAs, IMAPRootCAs or BounceRootCAs, when set, replace it for that account alone:
	// vouchd gives each account only the CA its config names, so one account's CA never vouches
	// for another.
	RootCAs, SMTPRootCAs, IMAPRootCAs, BounceRootCAs *x509.CertPool
	// OnEvent receives live-change notifications (Event* names) for the UI; nil ignores them.
	OnEvent func(name string)
	// GoogleIssuerURL is the OpenID Connect issuer whose ID tokens Google Sign-In in the widget
	// is checked against; "" means Google's (https://accounts.google.com). Tests point it at a
	// local issuer; it must be https, or http on a loopback host.
	GoogleIssuerURL string
	// GoogleScriptURL is the Google Identity Services script the widget loads to show Google's
	// button; "" means Google's (https://accounts.google.com/gsi/client).
	GoogleScriptURL string
	// WidgetLimits are the widget API's throttles and its caps on live WebSockets (Live: per
	// session, per client address, per server); zero fields take the documented defaults
	// (widget.DefaultLimits). Raise them behind a proxy that funnels every customer through one
	// address, and in tests that make many calls from loopback.
	WidgetLimits widget.Limits
}

// Engine is a running Vouch Desk core.
type Engine struct {
	cfg Config
	log *slog.Logger
	// The domain services, reached from outside through their accessors below (tests, vouchd,
	// app.go's wiring of the desktop's services).
	db             *store.Store
	orgs           *org.Service
	mailAccounts   *mailaccounts.Service
	senderEmails   *senders.Service
	worker         *outbox.Worker
	chats          *chat.Service
	verifier       *verify.Service
	views          *conversations.Service
	accounts       *agents.Service
	changes        *feed.Service
	mounts         map[string]http.Handler // Mount
	contactBook    *contacts.Service
	phone          *calls.Service
	transcriptMail *transcript.Mailer
	backups        *backup.Service
	server         *http.Server
	ln             net.Listener
	wg             sync.WaitGroup
	once           sync.Once
	stopBg         context.CancelFunc

	mu      sync.Mutex
	watcher *mailbox.Watcher
	// watchErr is why the IMAP settings could not make a watcher, and when ("" when they could).
	watchErr   string
	watchErrAt time.Time
	// bounceWatcher watches the bounce mailbox, when one is set up; bounceErr is why its settings
	// could not make a watcher, and when.
	bounceWatcher *mailbox.Watcher
	bounceErr     string
	bounceErrAt   time.Time
	mailKick      chan struct{}
	leading       atomic.Bool // this node runs the leader's jobs (leader.go)
	// relaySMTPUTF8: per organization, whether its relay offered SMTPUTF8 on its last connection.
	relaySMTPUTF8 map[string]bool
}

// Open opens the database (migrating it) and builds the services. Nothing runs in the background
// until Start. On error nothing is left open; a database problem is a *store.OpenError.
func Open(ctx context.Context, cfg Config) (*Engine, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	key := cfg.SealKey
	if key == nil {
		key = secrets.NewKey()
	}
	sealer, err := secrets.NewSealer(key)
	if err != nil {
		return nil, fmt.Errorf("engine: %w", err)
	}
	st, err := store.Open(ctx, cfg.DatabasePath)
	if err != nil {
		return nil, err
	}
	st.SetSealer(sealer)
	if cfg.Secrets == nil {
		cfg.Secrets = secrets.Env{}
	}
	e := &Engine{cfg: cfg, log: cfg.Logger, db: st, orgs: org.New(st, cfg.Now), backups: backup.New(st), mailKick: make(chan struct{}, 1),
		stopBg: func() {}}
	e.mailAccounts = mailaccounts.New(st, cfg.Secrets, cfg.Now)
	e.mailAccounts.SMTPRootCAs, e.mailAccounts.IMAPRootCAs, e.mailAccounts.BounceRootCAs = cfg.RootCAs, cfg.RootCAs, cfg.RootCAs
	if cfg.BounceRootCAs != nil {
		e.mailAccounts.BounceRootCAs = cfg.BounceRootCAs
	}
	if cfg.SMTPRootCAs != nil {
		e.mailAccounts.SMTPRootCAs = cfg.SMTPRootCAs
	}
	if cfg.IMAPRootCAs != nil {
		e.mailAccounts.IMAPRootCAs = cfg.IMAPRootCAs
	}
	e.worker = outbox.NewWorker(st, e.transport, cfg.Now, cfg.Logger)
	e.worker.Changed = func() { e.emit(EventOutboxChanged) }
	e.senderEmails = senders.New(st, cfg.Now, e.publicURL, e.worker.Wake)
	e.orgs.MailReady = func(ctx context.Context, orgID string) (bool, error) {
		_, ok, err := e.senderEmails.VerifiedAddress(ctx, orgID)
		return ok, err
	}
	e.chats = chat.New(st, cfg.Now, chat.NewHub())
	if st.Postgres() {
		e.chats.PublishFromFeed() // livechat.go
	}
	// Every chat change reaches the desktop as one event name; the UI re-reads what it shows.
	e.chats.Changed = func(string, string) { e.emit(EventChatChanged) }
	e.transcriptMail = transcript.NewMailer(st, cfg.Now)
	e.transcriptMail.Queued = e.worker.Wake
	e.chats.OnEnd = e.transcriptMail
	e.verifier = verify.New(st, cfg.Now, e.publicURL, e.chats)
	e.views = conversations.New(st, e.verifier)
	e.views.MailReady = e.orgs.MailReady
	e.contactBook = contacts.New(st, cfg.Now)
	e.contactBook.Changed = e.chats.Notify
	e.phone = calls.New(st, cfg.Secrets, cfg.Now, e.publicURL, e.log)
	e.phone.Changed = e.chats.Notify
	e.verifier.Queued = e.worker.Wake
	e.verifier.Google = &verify.GoogleVerifiers{Issuer: cfg.GoogleIssuerURL, Now: cfg.Now}
	e.mailAccounts.SMTPConnected = e.relayConnected
	e.verifier.RelayLacksSMTPUTF8 = e.relayLacksSMTPUTF8
	e.accounts = agents.New(st, cfg.Now, e.verifier, e.publicURL)
	e.accounts.Queued = e.worker.Wake
	e.changes = feed.New(st)
	st.OnCommit(e.changes.Notify) // this process's commits; other nodes' come through followChats
	return e, nil
}

// Start starts the background parts. The HTTP listener is bound before Start returns, so a busy
// port is reported here rather than lost in a goroutine.
func (e *Engine) Start(ctx context.Context) error {
	bg, cancel := context.WithCancel(context.Background())
	e.stopBg = cancel
	chatDeps := &widget.ChatDeps{Chat: e.chats, Verify: e.verifier, Log: e.log,
		GoogleScriptURL: e.cfg.GoogleScriptURL, Limits: e.cfg.WidgetLimits}
	figures := e.newMetrics(chatDeps) // before the live chat follower, which reports its lag to it
	if err := e.followChats(ctx, bg); err != nil {
		return err
	}
	e.wg.Add(2)
	go func() { defer e.wg.Done(); e.worker.Run(bg) }()
	go func() { defer e.wg.Done(); e.lead(bg) }()
	ln := e.cfg.Listener
	if ln == nil {
		if e.cfg.Listen == "" {
			return nil
		}
		var err error
		if ln, err = net.Listen("tcp", e.cfg.Listen); err != nil {
			return fmt.Errorf("engine: listen on %s: %w", e.cfg.Listen, err)
		}
	}
	e.ln = ln
	var handler http.Handler = widget.NewHandler(widget.Deps{Version: e.cfg.Version, DB: e.db, Role: e.role,
		Senders: e.senderEmails, Calls: e.phone, Chat: chatDeps})
	if len(e.mounts) > 0 {
		mux := http.NewServeMux()
		mux.Handle("/", handler)
		for prefix, h := range e.mounts {
			mux.Handle(prefix, h)
		}
		handler = mux
	}
	e.server = &http.Server{
		Handler:           withMetrics(figures, handler),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(e.log.Handler(), slog.LevelWarn),
	}
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		if err := e.server.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			e.log.Error("widget server stopped", "err", err)
		}
	}()
	e.log.Info("widget server listening", "addr", ln.Addr().String(), "public_url", e.publicURL())
	return nil
}

// idleSweepEvery is how often chats idle past their inbox's limit are ended.
const idleSweepEvery = time.Minute

// sweepIdleChats ends idle chats once at start (chats that went idle while the engine was
// stopped end now, not a minute later) and then every idleSweepEvery, until ctx ends.
func (e *Engine) sweepIdleChats(ctx context.Context) {
	tick := time.NewTicker(idleSweepEvery)
	defer tick.Stop()
	for {
		if n, err := e.chats.EndIdle(ctx); err != nil && ctx.Err() == nil {
			e.log.Error("ending idle chats", "err", err, "ended", n)
		} else if n > 0 {
			e.log.Info("ended idle chats", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// publicURL is where customers' browsers reach the widget server (links in emails).
func (e *Engine) publicURL() string {
	if e.cfg.PublicURL != "" {
		return e.cfg.PublicURL
	}
	return "http://" + e.Addr()
}

// Addr is the address the widget server listens on ("" when it is not running).
func (e *Engine) Addr() string {
	if e.ln == nil {
		return ""
	}
	return e.ln.Addr().String()
}

// Close stops the background parts (waiting for requests in flight up to the context's deadline)
// and closes the database. It is safe to call more than once.
func (e *Engine) Close(ctx context.Context) error {
	var err error
	e.once.Do(func() {
		e.stopBg()
		// Hand the leader's jobs over at once rather than when the session ends.
		if rerr := e.db.Resign(ctx); rerr != nil {
			e.log.Warn("giving up leadership", "err", rerr)
		}
		e.changes.Stop() // long polls answer now instead of holding the shutdown for up to 25 s
		if e.server != nil {
			if serr := e.server.Shutdown(ctx); serr != nil {
				err = errors.Join(err, serr)
			}
		}
		e.wg.Wait()
		err = errors.Join(err, e.db.Close())
	})
	return err
}

// Now is the engine's clock.
func (e *Engine) Now() time.Time { return e.cfg.Now() }

// The engine's domain services. The desktop's services reach them only through the narrow
// interfaces of backend/services (app.go wires them); tests and vouchd use them directly.

// Store is the database.
func (e *Engine) Store() *store.Store { return e.db }

// Org is the organization, its settings and inboxes.
func (e *Engine) Org() *org.Service { return e.orgs }

// Mail is the mail account settings.
func (e *Engine) Mail() *mailaccounts.Service { return e.mailAccounts }

// Senders is the sender email.
func (e *Engine) Senders() *senders.Service { return e.senderEmails }

// Outbox is the outbox worker.
func (e *Engine) Outbox() *outbox.Worker { return e.worker }

// Chat is live chat.
func (e *Engine) Chat() *chat.Service { return e.chats }

// Verify is chat verification.
func (e *Engine) Verify() *verify.Service { return e.verifier }

// Conversations is what agents see of conversations.
func (e *Engine) Conversations() *conversations.Service { return e.views }

// Contacts is contacts: Manage Contact Information, verifications, merges and undo, views.
func (e *Engine) Contacts() *contacts.Service { return e.contactBook }

// Calls receives the telephony provider's webhooks and keeps phone inboxes.
func (e *Engine) Calls() *calls.Service { return e.phone }

// Transcripts mails a chat's transcript when it ends and when an agent re-sends it.
func (e *Engine) Transcripts() *transcript.Mailer { return e.transcriptMail }

// Backup is Settings → Data: backing up and restoring.
func (e *Engine) Backup() *backup.Service { return e.backups }

// Agents is the team's accounts and device sessions (the agents' API signs in through it).
func (e *Engine) Agents() *agents.Service { return e.accounts }

// Feed is the change feed desktops replicate from.
func (e *Engine) Feed() *feed.Service { return e.changes }

// Mount serves h under prefix (a path ending in "/") beside the widget server, from Start on:
// vouchd mounts the agents' API, which the engine cannot build itself (it calls the desktop's
// services, which are wired to the engine, not the other way). Call it before Start.
func (e *Engine) Mount(prefix string, h http.Handler) {
	if e.mounts == nil {
		e.mounts = map[string]http.Handler{}
	}
	e.mounts[prefix] = h
}
