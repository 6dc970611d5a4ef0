package main

import (
	"context"
	"log/slog"
	"os"
	goruntime "runtime"
	"strings"
	"time"

	"github.com/wailsapp/wails/v2/pkg/options"
	"github.com/wailsapp/wails/v2/pkg/runtime"

	"vouchdesk/backend/engine"
	"vouchdesk/backend/secrets"
	"vouchdesk/backend/services"
	"vouchdesk/backend/store"
	"vouchdesk/backend/team"
)

// AppConfig is what main decides before the window exists.
type AppConfig struct {
	DataDir      string
	DataDirError error // the data folder could not be determined
	DatabasePath string
	Listen       string // the widget server's address; "" runs none
	// PublicURL is where customers' browsers and the telephony provider reach the widget server
	// (behind a reverse proxy or tunnel); "" means http://<Listen>.
	PublicURL string
	Version   string
	Logger    *slog.Logger
	// GoogleIssuerURL and GoogleScriptURL override Google Sign-In's issuer and script (tests,
	// enterprise proxies); "" means Google's. See engine.Config.
	GoogleIssuerURL string
	GoogleScriptURL string
	// Args are the command line's arguments: an invitation the app was opened with
	// (vouchdesk://join?…, from the server's join page) prefills "Join a team".
	Args []string
}

// App owns the lifecycle: it opens the engine at startup and closes it at shutdown. The bound
// services share one services.Backend, which holds the engine or the reason it could not start.
type App struct {
	cfg     AppConfig
	log     *slog.Logger
	backend *services.Backend
	engine  *engine.Engine // the solo desk's, when this desktop is not in a team
	team    *team.Manager
	ctx     context.Context
}

// NewApp prepares the app; nothing is opened until startup.
func NewApp(cfg AppConfig) *App {
	return &App{cfg: cfg, log: cfg.Logger, backend: services.NewBackend(cfg.Version, cfg.DataDir, cfg.Logger)}
}

// services are the structs whose methods the frontend calls.
func (a *App) services() []any {
	return []any{services.NewSetup(a.backend), services.NewWorkspace(a.backend), services.NewMail(a.backend),
		services.NewInboxes(a.backend), services.NewChat(a.backend), services.NewRegulatory(a.backend), services.NewContacts(a.backend),
		services.NewTranscripts(a.backend, saveFileDialog), services.NewData(a.backend, backupDialogs), services.NewTeam(a.backend)}
}

// backupDialogs are the native dialogs of Settings → Data for backup files.
var backupDialogs = services.FileDialogs{
	Save: func(ctx context.Context, title, defaultName string) (string, error) {
		return runtime.SaveFileDialog(ctx, runtime.SaveDialogOptions{Title: title, DefaultFilename: defaultName,
			Filters: []runtime.FileFilter{{DisplayName: "Vouch Desk backup (*" + services.BackupExtension + ")", Pattern: "*" + services.BackupExtension}}})
	},
	Open: func(ctx context.Context, title string) (string, error) {
		return runtime.OpenFileDialog(ctx, runtime.OpenDialogOptions{Title: title,
			Filters: []runtime.FileFilter{{DisplayName: "Vouch Desk backup (*" + services.BackupExtension + ")", Pattern: "*" + services.BackupExtension},
				{DisplayName: "All files", Pattern: "*"}}})
	},
}

// saveFileDialog is the native "Save as" dialog, given to the services that write files (they
// never import the Wails runtime themselves).
func saveFileDialog(ctx context.Context, title, defaultName string) (string, error) {
	return runtime.SaveFileDialog(ctx, runtime.SaveDialogOptions{Title: title, DefaultFilename: defaultName,
		Filters: []runtime.FileFilter{{DisplayName: "Web page (*.html)", Pattern: "*.html"}}})
}

// startup opens the desk: the team's local replica when this desktop is in a team, else the solo
// engine. A failure is not fatal to the window: the UI shows the problem with what to do about
// it, and the database file is left untouched.
func (a *App) startup(ctx context.Context) {
	a.ctx = ctx
	if a.cfg.DataDirError != nil {
		a.log.Error("no data folder", "err", a.cfg.DataDirError)
		a.backend.Fail(ctx, &store.OpenError{Code: store.DataDirUnwritable, Path: a.cfg.DataDir,
			Msg: "Vouch Desk cannot tell where to keep its data; set VOUCHDESK_DATA_DIR", Err: a.cfg.DataDirError})
		return
	}
	a.team = team.NewManager(team.ManagerConfig{DataDir: a.cfg.DataDir, Backend: a.backend, Keys: secrets.Keyring{},
		Log: a.log, Device: deviceName(), OpenEngine: a.openReplica, DepsOf: depsOf, StartSolo: a.startSolo,
		StopSolo: a.stopSolo, OnEvent: func(name string) { runtime.EventsEmit(ctx, name) }})
	a.team.Start(ctx)
	a.offerInvitation(a.cfg.Args)
}

// offerInvitation hands an invitation link among args to the join form.
func (a *App) offerInvitation(args []string) {
	for _, arg := range args {
		if strings.HasPrefix(arg, team.AppScheme+"://") {
			a.team.Offer(arg)
		}
	}
}

// openReplica opens an engine on a team's local replica; it is never started (no widget server,
// no mail): it only reads.
func (a *App) openReplica(ctx context.Context, path string) (*engine.Engine, error) {
	return engine.Open(ctx, engine.Config{DatabasePath: path, Version: a.cfg.Version, Logger: a.log, Secrets: secrets.Keyring{}})
}

// deviceName names this computer in the agent's list of sessions.
func deviceName() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "a computer"
	}
	return "Vouch Desk on " + host + " (" + goruntime.GOOS + ")"
}

// depsOf is the services' use cases of an engine.
func depsOf(e *engine.Engine) services.Deps {
	return services.Deps{Org: e.Org(), Conversations: e.Conversations(), Chat: e.Chat(), Verify: e.Verify(),
		Contacts: e.Contacts(), Senders: e.Senders(), Mail: e.Mail(), Outbox: e.Outbox(), MailRuntime: e, Calls: e.Calls(),
		Transcripts: e.Transcripts(), Backup: e.Backup()}
}

// startSolo opens the solo desk: the organization on this computer, with its widget server.
func (a *App) startSolo(ctx context.Context) {
	// The key sealing queued codes and links is kept in the OS keyring (made on first use). Without
	// a keyring, a key for this run only: codes still work, but mail queued when the app closes is
	// not sent after it restarts.
	sealKey, err := secrets.SealKey(secrets.Keyring{})
	if err != nil {
		a.log.Warn("no keyring for the outbox key: using a key for this run only", "err", err)
		sealKey = nil
	}
	e, err := engine.Open(ctx, engine.Config{DatabasePath: a.cfg.DatabasePath, Listen: a.cfg.Listen, PublicURL: a.cfg.PublicURL,
		Version: a.cfg.Version, Logger: a.log, Secrets: secrets.Keyring{}, SealKey: sealKey,
		GoogleIssuerURL: a.cfg.GoogleIssuerURL, GoogleScriptURL: a.cfg.GoogleScriptURL,
		// The one place domain changes reach the Wails runtime: the UI reloads what changed.
		OnEvent: func(name string) { runtime.EventsEmit(ctx, name) }})
	if err != nil {
		a.log.Error("cannot open the database", "err", err)
		a.backend.Fail(ctx, err)
		return
	}
	// The widget server is optional for the desktop: a busy port is logged, the app still works.
	if err := e.Start(ctx); err != nil {
		a.log.Warn("widget server not started", "err", err)
	}
	a.engine = e
	a.backend.Attach(ctx, depsOf(e))
	a.log.Info("vouchdesk started", "version", a.cfg.Version, "database", a.cfg.DatabasePath)
}

// stopSolo closes the solo desk before this desktop joins a team (its database stays as it is).
func (a *App) stopSolo(context.Context) {
	a.backend.Detach()
	a.closeSolo()
}

// closeSolo closes the solo engine, giving requests in flight a few seconds.
func (a *App) closeSolo() {
	if a.engine == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := a.engine.Close(ctx); err != nil {
		a.log.Error("closing the engine", "err", err)
	}
	a.engine = nil
}

// shutdown closes whichever desk is open.
func (a *App) shutdown(context.Context) {
	if a.team != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		a.team.Close(ctx)
	}
	a.closeSolo()
}

// onSecondInstance brings this window forward when the app is launched again, with the
// invitation it was launched with, if any.
func (a *App) onSecondInstance(data options.SecondInstanceData) {
	if a.ctx == nil {
		return
	}
	if a.team != nil {
		a.offerInvitation(data.Args)
	}
	runtime.WindowUnminimise(a.ctx)
	runtime.WindowShow(a.ctx)
}
