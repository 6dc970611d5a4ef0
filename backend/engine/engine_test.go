package engine_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"vouchdesk/backend/engine"
	"vouchdesk/backend/store"
	"vouchdesk/backend/testutil"
)

func TestEngineServesHealthAndStopsCleanly(t *testing.T) {
	ctx := context.Background()
	path := testutil.DBPath(t)
	e, err := engine.Open(ctx, engine.Config{DatabasePath: path, Listen: "127.0.0.1:0", Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Start(ctx); err != nil {
		t.Fatal(err)
	}
	res, err := http.Get("http://" + e.Addr() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	var h map[string]string
	json.NewDecoder(res.Body).Decode(&h)
	res.Body.Close()
	if res.StatusCode != 200 || h["database"] != "ok" || h["version"] != "test" {
		t.Errorf("GET /healthz = %d %v", res.StatusCode, h)
	}
	// A second engine on the same SQLite file is refused while the first runs (several vouchd
	// nodes share one PostgreSQL database on purpose).
	if !testutil.Postgres() {
		if _, err := engine.Open(ctx, engine.Config{DatabasePath: path}); store.OpenErrorCode(err) != store.Locked {
			t.Errorf("second engine.Open error = %v, want db_locked", err)
		}
	}
	sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := e.Close(sctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := e.Close(sctx); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	// ...and allowed once it has stopped.
	e2, err := engine.Open(ctx, engine.Config{DatabasePath: path})
	if err != nil {
		t.Fatalf("engine.Open after Close: %v", err)
	}
	e2.Close(ctx)
}

func TestStartReportsABusyPort(t *testing.T) {
	ctx := context.Background()
	a, err := engine.Open(ctx, engine.Config{DatabasePath: testutil.DBPath(t), Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close(ctx)
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	b, err := engine.Open(ctx, engine.Config{DatabasePath: testutil.DBPath(t), Listen: a.Addr()})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close(ctx)
	if err := b.Start(ctx); err == nil {
		t.Error("Start on a busy port succeeded, want an error")
	}
}
