// Command vouchdesk is the Vouch Desk desktop app: one window, one engine in-process on the local
// database in the user's data folder. All behaviour lives in backend/; this file only wires the
// window (main.go) and the app's lifecycle (app.go).
package main

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/wailsapp/wails/v2"
	"github.com/wailsapp/wails/v2/pkg/options"
	"github.com/wailsapp/wails/v2/pkg/options/assetserver"
	"github.com/wailsapp/wails/v2/pkg/options/linux"

	"vouchdesk/backend/datadir"
	"vouchdesk/backend/version"
)

//go:embed all:frontend/dist
var assets embed.FS

// The window icon: 256 px is plenty for a title bar and task switcher, and decodes in a
// fraction of the time of the 1024 px master (build/appicon.png, used for packages).
//
//go:embed build/linux/icons/vouchdesk-256.png
var icon []byte

func main() {
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	dir, dirErr := datadir.Resolve()
	dbPath := filepath.Join(dir, datadir.DatabaseFile)
	app := NewApp(AppConfig{
		DataDir:      dir,
		DataDirError: dirErr,
		DatabasePath: dbPath,
		Listen:       envOr("VOUCHDESK_LISTEN", "127.0.0.1:8470"),
		PublicURL:    strings.TrimRight(os.Getenv("VOUCHDESK_PUBLIC_URL"), "/"),
		Version:      version.Version,
		Logger:       log,
		// Test and enterprise overrides of Google Sign-In; unset means Google's own.
		GoogleIssuerURL: os.Getenv("VOUCHDESK_GOOGLE_ISSUER_URL"),
		GoogleScriptURL: os.Getenv("VOUCHDESK_GOOGLE_SCRIPT_URL"),
		Args:            os.Args[1:],
	})

	err := wails.Run(&options.App{
		Title:            "Vouch Desk",
		Width:            1280,
		Height:           800,
		MinWidth:         900,
		MinHeight:        600,
		AssetServer:      &assetserver.Options{Assets: assets},
		BackgroundColour: &options.RGBA{R: 246, G: 247, B: 249, A: 255},
		OnStartup:        app.startup,
		OnShutdown:       app.shutdown,
		// One window per database: a second launch on the same database focuses the first (over
		// D-Bus on Linux). Where that channel is missing, the second one opens and shows the
		// store's "already in use" screen instead, so it never touches the database.
		SingleInstanceLock: &options.SingleInstanceLock{
			UniqueId:               instanceID(dbPath),
			OnSecondInstanceLaunch: app.onSecondInstance,
		},
		Bind: app.services(),
		Linux: &linux.Options{
			Icon:        icon,
			ProgramName: "vouchdesk",
			// Say it explicitly: a Linux options struct's zero value is OnDemand, which composites
			// through (often software) GL and costs ~50 MB and a slower first paint; Wails' default
			// without the struct is Never. A help desk needs no GPU, and it avoids broken drivers.
			WebviewGpuPolicy: linux.WebviewGpuPolicyNever,
		},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "vouchdesk:", err)
		os.Exit(1)
	}
}

// instanceID is a stable id for the database path, usable as a D-Bus name part.
func instanceID(dbPath string) string {
	sum := sha256.Sum256([]byte(dbPath))
	return "vouchdesk_" + hex.EncodeToString(sum[:8])
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
