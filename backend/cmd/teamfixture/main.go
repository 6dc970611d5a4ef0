// Command teamfixture starts a small team server and prepares a desktop's data folder signed in
// to it, for measuring the desktop in team mode (scripts/measure-desktop.sh). It is a development
// tool, not part of the product: the server is an engine with the agents' API on a SQLite file,
// its organization is set up on the spot, and the owner's desktop session is made in the store
// (no email), its token put in the OS keyring as the desktop keeps it.
//
//	teamfixture --dir DIR [--contacts N]
//
// prints "ready <server URL> <desktop data folder>" once both are ready, then serves until
// SIGINT/SIGTERM. Each desktop started with VOUCHDESK_DATA_DIR set to a copy of that folder is a
// team member's desktop that copies the organization on its first start.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"vouchdesk/backend/agentapi"
	"vouchdesk/backend/agents"
	"vouchdesk/backend/engine"
	"vouchdesk/backend/idempotency"
	"vouchdesk/backend/org"
	"vouchdesk/backend/secrets"
	"vouchdesk/backend/seed"
	"vouchdesk/backend/services"
	"vouchdesk/backend/store"
	"vouchdesk/backend/team"
	"vouchdesk/backend/token"
)

func main() {
	dir := flag.String("dir", "", "a folder for the server's database and the desktop's data folder")
	contacts := flag.Int("contacts", 0, "generated contacts (with a conversation and 10 messages each) on the server")
	flag.Parse()
	if *dir == "" {
		fmt.Fprintln(os.Stderr, "teamfixture: --dir is required")
		os.Exit(2)
	}
	if err := run(*dir, *contacts); err != nil {
		fmt.Fprintln(os.Stderr, "teamfixture:", err)
		os.Exit(1)
	}
}

func run(dir string, contacts int) error {
	ctx := context.Background()
	dbPath := filepath.Join(dir, "server.db")
	e, err := engine.Open(ctx, engine.Config{DatabasePath: dbPath, Listen: "127.0.0.1:0",
		Secrets: secrets.Env{Getenv: func(string) string { return "" }}})
	if err != nil {
		return err
	}
	defer e.Close(context.Background())
	b := services.NewBackend("teamfixture", "", nil)
	b.Attach(ctx, services.Deps{Org: e.Org(), Conversations: e.Conversations(), Chat: e.Chat(), Verify: e.Verify(),
		Contacts: e.Contacts(), Senders: e.Senders(), Mail: e.Mail(), Outbox: e.Outbox(), MailRuntime: e, Calls: e.Calls(),
		Transcripts: e.Transcripts(), Backup: e.Backup()})
	e.Mount(agentapi.Prefix, agentapi.New(agentapi.Config{Accounts: e.Agents(), Feed: e.Feed(), Backend: b,
		Idempotency: idempotency.New(e.Store(), idempotency.Options{Now: e.Now})}))
	if err := e.Start(ctx); err != nil {
		return err
	}
	ws, err := e.Org().Current(ctx)
	if err != nil && contacts > 0 {
		if _, err := seed.Run(ctx, e.Store(), seed.Options{Contacts: contacts, Conversations: contacts, MessagesPerConversation: 10}); err != nil {
			return err
		}
		ws, err = e.Org().Current(ctx)
	}
	if err != nil {
		if ws, err = e.Org().Setup(ctx, org.SetupInput{OrganizationName: "Acme", OwnerName: "Olive Owner", OwnerEmail: "olive@acme.test"}); err != nil {
			return err
		}
	}
	plain, _ := token.NewLink()
	plain = agents.TokenPrefix + plain
	now := time.Now()
	if err := e.Store().Write(ctx, func(tx *store.Tx) error {
		return tx.InsertAgentSession(store.AgentSession{ID: store.NewID(), OrgID: ws.Organization.ID, UserID: ws.Me.ID,
			Method: store.SessionByEmailCode, Device: "teamfixture", CreatedAt: now, LastSeenAt: now}, token.Hash(plain))
	}); err != nil {
		return err
	}
	server := "http://" + e.Addr()
	desk := filepath.Join(dir, "desk")
	if err := os.MkdirAll(desk, 0o700); err != nil {
		return err
	}
	s := team.Session{ServerURL: server, OrganizationID: ws.Organization.ID, OrganizationName: ws.Organization.Name,
		AgentID: ws.Me.ID, AgentName: ws.Me.Name, AgentEmail: ws.Me.Email, SignedInAt: now.UTC(), Replica: "team-replica.db"}
	if err := (secrets.Keyring{}).Set(s.TokenRef(), plain); err != nil {
		return fmt.Errorf("the OS keyring: %w", err)
	}
	if err := team.SaveSession(desk, s); err != nil {
		return err
	}
	fmt.Println("ready", server, desk)
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	<-stop
	return nil
}
