package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"vouchdesk/backend/config"
	"vouchdesk/backend/mailaccounts"
	"vouchdesk/backend/org"
	"vouchdesk/backend/store"
)

// Status is what `vouchd status --json` prints. Its shape is documented in docs/vouchd.md.
type Status struct {
	Database      string              `json:"database"`
	SchemaVersion int                 `json:"schemaVersion"`
	Organization  *StatusOrganization `json:"organization"`
	Inboxes       []StatusInbox       `json:"inboxes"`
	SenderEmail   *StatusSender       `json:"senderEmail"`
	// PendingSenderEmail is a replacement waiting for verification while SenderEmail stays in use.
	PendingSenderEmail *StatusSender `json:"pendingSenderEmail"`
	Counts             StatusCounts  `json:"counts"`
	// Outbox counts emails by status: queued, sending, sent, retrying, failed.
	Outbox map[string]int `json:"outbox"`
	// MailAccounts is how the SMTP relay and the watched IMAP mailbox are doing, as the running
	// server last recorded it: state, the last error in words and when, retrying since when,
	// IDLE or polling.
	MailAccounts []mailaccounts.Health `json:"mailAccounts"`
}

// StatusOrganization names the organization.
type StatusOrganization struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// StatusInbox is one inbox with its toggles.
type StatusInbox struct {
	ID              string `json:"id"`
	Name            string `json:"name"`
	Kind            string `json:"kind"`
	EmailSignin     bool   `json:"emailSignin"`
	GoogleSignin    bool   `json:"googleSignin"`
	TranscriptAfter bool   `json:"transcriptAfterChat"`
}

// StatusSender is the sender email state.
type StatusSender struct {
	Address string `json:"address"`
	Status  string `json:"status"`
}

// StatusCounts counts contacts and conversations.
type StatusCounts struct {
	Contacts          int `json:"contacts"`
	PendingContacts   int `json:"pendingContacts"`
	Conversations     int `json:"conversations"`
	OpenConversations int `json:"openConversations"`
}

func runStatus(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("status", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "the configuration file (TOML)")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if *cfgPath == "" {
		fmt.Fprintln(stderr, "vouchd status: --config FILE is required")
		return exitUsage
	}
	cfg, err := config.Load(*cfgPath)
	if err != nil {
		return fail(stderr, err)
	}
	// Read-only: works beside a running `vouchd serve` and never changes the file.
	st, err := store.OpenReadOnly(ctx, cfg.Database)
	if err != nil {
		return fail(stderr, err)
	}
	defer st.Close()
	s, err := readStatus(ctx, st)
	if err != nil {
		return fail(stderr, err)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(s); err != nil {
			return fail(stderr, err)
		}
		return 0
	}
	printStatus(stdout, s)
	return 0
}

func readStatus(ctx context.Context, st *store.Store) (Status, error) {
	s := Status{Database: st.Path(), Inboxes: []StatusInbox{}, Outbox: map[string]int{}, MailAccounts: []mailaccounts.Health{}}
	var err error
	if s.SchemaVersion, err = st.SchemaVersion(ctx); err != nil {
		return Status{}, err
	}
	ws, err := org.New(st, nil).Current(ctx)
	if errors.Is(err, org.ErrNoOrganization) {
		return s, nil
	}
	if err != nil {
		return Status{}, err
	}
	sum, err := org.New(st, nil).Summarize(ctx, ws.Organization)
	if err != nil {
		return Status{}, err
	}
	s.Organization = &StatusOrganization{ID: ws.Organization.ID, Name: ws.Organization.Name}
	for _, i := range sum.Inboxes {
		s.Inboxes = append(s.Inboxes, StatusInbox{ID: i.ID, Name: i.Name, Kind: i.Kind,
			EmailSignin: i.EmailSignin, GoogleSignin: i.GoogleSignin, TranscriptAfter: i.TranscriptAfter})
	}
	list, err := st.SenderEmails(ctx, ws.Organization.ID)
	if err != nil {
		return Status{}, err
	}
	for _, se := range list {
		// Verified first: the one in use, then the one waiting to replace it.
		v := &StatusSender{Address: se.Address, Status: se.Status}
		if s.SenderEmail == nil {
			s.SenderEmail = v
		} else {
			s.PendingSenderEmail = v
		}
	}
	s.Counts = StatusCounts(sum.Counts)
	if s.Outbox, err = st.OutboxCounts(ctx, ws.Organization.ID); err != nil {
		return Status{}, err
	}
	for _, k := range []string{store.OutboxQueued, store.OutboxSending, store.OutboxSent, store.OutboxRetrying, store.OutboxFailed} {
		s.Outbox[k] += 0
	}
	if s.MailAccounts, err = mailaccounts.New(st, nil, nil).Recorded(ctx, ws.Organization.ID); err != nil {
		return Status{}, err
	}
	return s, nil
}

func printStatus(w io.Writer, s Status) {
	fmt.Fprintf(w, "database:       %s (schema %d)\n", s.Database, s.SchemaVersion)
	if s.Organization == nil {
		fmt.Fprintln(w, "organization:   not set up yet (run the desktop app's first run)")
		return
	}
	fmt.Fprintf(w, "organization:   %s\n", s.Organization.Name)
	for _, i := range s.Inboxes {
		fmt.Fprintf(w, "inbox:          %s (%s)\n", i.Name, i.Kind)
	}
	if s.SenderEmail == nil {
		fmt.Fprintln(w, "sender email:   none")
	} else {
		fmt.Fprintf(w, "sender email:   %s (%s)\n", s.SenderEmail.Address, s.SenderEmail.Status)
	}
	if s.PendingSenderEmail != nil {
		fmt.Fprintf(w, "  replacing by: %s (%s)\n", s.PendingSenderEmail.Address, s.PendingSenderEmail.Status)
	}
	fmt.Fprintf(w, "outbox:         %d queued, %d retrying, %d sent, %d failed\n", s.Outbox["queued"]+s.Outbox["sending"],
		s.Outbox["retrying"], s.Outbox["sent"], s.Outbox["failed"])
	for _, h := range s.MailAccounts {
		fmt.Fprintf(w, "%-15s %s\n", h.Purpose+":", describeHealth(h))
	}
	fmt.Fprintf(w, "contacts:       %d (+%d awaiting opt-in)\n", s.Counts.Contacts, s.Counts.PendingContacts)
	fmt.Fprintf(w, "conversations:  %d (%d open)\n", s.Counts.Conversations, s.Counts.OpenConversations)
}

// describeHealth is a mail account's state in one line: "retrying since …: the error (at …)".
func describeHealth(h mailaccounts.Health) string {
	line := strings.ReplaceAll(h.State, "_", " ")
	if h.Mode != "" && h.State == mailaccounts.StateConnected {
		line += " (" + map[string]string{"idle": "IDLE", "polling": "polling"}[h.Mode] + ")"
	}
	if h.RetryingSince != "" {
		line += " since " + h.RetryingSince
	}
	if h.LastError != "" {
		line += ": " + h.LastError + " (at " + h.LastErrorAt + ")"
	}
	return line
}
