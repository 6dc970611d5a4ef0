package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os/signal"
	"syscall"
	"time"

	"vouchdesk/backend/agentapi"
	"vouchdesk/backend/config"
	"vouchdesk/backend/engine"
	"vouchdesk/backend/idempotency"
	"vouchdesk/backend/secrets"
	"vouchdesk/backend/services"
	"vouchdesk/backend/version"
	"vouchdesk/backend/widget"
)

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "the configuration file (TOML)")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if *cfgPath == "" {
		fmt.Fprintln(stderr, "vouchd serve: --config FILE is required")
		return exitUsage
	}
	cfg, err := config.Load(*cfgPath)
	if err != nil {
		return fail(stderr, err)
	}
	log := newLogger(cfg.Log, stderr)
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	smtpCAs, err := cfg.SMTP.RootCAs("smtp")
	if err != nil {
		return fail(stderr, err)
	}
	imapCAs, err := cfg.IMAP.RootCAs("imap")
	if err != nil {
		return fail(stderr, err)
	}
	bounceCAs, err := cfg.BounceIMAP.RootCAs("bounce_imap")
	if err != nil {
		return fail(stderr, err)
	}
	// The key sealing queued codes and links lives in the environment, never in the config file
	// nor the database. Without one, a key for this run only: nothing breaks but mail still queued
	// at a restart.
	sealKey, ok, err := secrets.Env{}.EnvSealKey()
	if err != nil {
		return fail(stderr, err)
	}
	if !ok {
		log.Warn("VOUCHD_OUTBOX_KEY is not set: codes and links still queued when vouchd stops will not be sent after a restart (docs/vouchd.md)")
	}
	// The port first: a port that is taken stops vouchd before the database is touched (no
	// organization set up, no verification email queued by a server that never ran).
	ln, err := net.Listen("tcp", cfg.HTTP.Listen)
	if err != nil {
		fmt.Fprintf(stderr, "vouchd: cannot listen on %s (http.listen): %v; stop the program holding that port or choose another\n",
			cfg.HTTP.Listen, err)
		return exitFail
	}
	started := false
	defer func() {
		if !started {
			ln.Close()
		}
	}()
	e, err := engine.Open(ctx, engine.Config{DatabasePath: cfg.Database, Listen: cfg.HTTP.Listen, Listener: ln,
		PublicURL: cfg.HTTP.PublicURL, Version: version.Version, Logger: log, SealKey: sealKey,
		SMTPRootCAs: smtpCAs, IMAPRootCAs: imapCAs, BounceRootCAs: bounceCAs,
		GoogleIssuerURL: cfg.Google.IssuerURL, GoogleScriptURL: cfg.Google.ScriptURL,
		WidgetLimits: widget.Limits{Live: widget.LiveCaps(cfg.Widget.Live)}})
	if err != nil {
		return fail(stderr, err)
	}
	if err := applyConfig(ctx, e, cfg, log); err != nil {
		e.Close(context.Background())
		if ctx.Err() != nil {
			// SIGTERM or SIGINT while starting (a restart at the wrong moment): a stop asked
			// for, not a failure.
			log.Info("vouchd stopped while starting")
			return 0
		}
		return fail(stderr, err)
	}
	mountAgentAPI(ctx, e, sealKey, log)
	started = true // Start serves on ln, and Close closes it
	if err := e.Start(ctx); err != nil {
		e.Close(context.Background())
		return fail(stderr, err)
	}
	log.Info("vouchd started", "version", version.Version, "database", cfg.Database)
	<-ctx.Done()
	log.Info("vouchd stopping")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.Close(sctx); err != nil {
		return fail(stderr, err)
	}
	return 0
}

// mountAgentAPI serves the agents' API (/api/agent/v1) beside the widget: the desktop's own
// services, wired to this engine as app.go wires them on a desktop, each call acting as the
// agent whose device session it carries. The outbox's key (nil when not set) keys the
// fingerprints of the writes' bodies kept for their Idempotency-Keys.
func mountAgentAPI(ctx context.Context, e *engine.Engine, sealKey []byte, log *slog.Logger) {
	b := services.NewBackend(version.Version, "", log)
	b.Attach(ctx, services.Deps{Org: e.Org(), Conversations: e.Conversations(), Chat: e.Chat(), Verify: e.Verify(),
		Contacts: e.Contacts(), Senders: e.Senders(), Mail: e.Mail(), Outbox: e.Outbox(), MailRuntime: e, Calls: e.Calls(),
		Transcripts: e.Transcripts(), Backup: e.Backup()})
	e.Mount(agentapi.Prefix, agentapi.New(agentapi.Config{Accounts: e.Agents(), Feed: e.Feed(), Backend: b, Log: log,
		Idempotency: idempotency.New(e.Store(), idempotency.Options{Now: e.Now, Log: log, Secret: sealKey})}))
}

func newLogger(c config.Log, w io.Writer) *slog.Logger {
	var level slog.Level
	level.UnmarshalText([]byte(c.Level)) // validated by config.Load
	opts := &slog.HandlerOptions{Level: level}
	if c.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
