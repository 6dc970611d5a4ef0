package engine_test

import (
	"context"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"vouchdesk/backend/engine"
	"vouchdesk/backend/mailaccounts"
	"vouchdesk/backend/org"
	"vouchdesk/backend/secrets"
	"vouchdesk/backend/store"
	"vouchdesk/backend/testutil"
	"vouchdesk/backend/widget"
)

// envOptions are what the engine tests' environments differ in; the zero value is newChatEnv's
// engine with double opt-in off.
type envOptions struct {
	now          func() time.Time // engine.Config.Now; nil for real time
	limits       widget.Limits    // engine.Config.WidgetLimits
	googleIssuer string           // engine.Config.GoogleIssuerURL
	googleScript string           // engine.Config.GoogleScriptURL
	orgName      string           // "" for "Acme"
	ownerEmail   string           // "" for "olive@acme.test"
	doubleOptIn  bool
	// signin writes googleClientID with the regulatory settings and consentText into them.
	signin         bool
	googleClientID string
	consentText    string
	noSender       bool   // leave the organization without a verified sender
	sealKey        []byte // engine.Config.SealKey; nil for a key of the run
	smtputf8       bool   // the relay offers SMTPUTF8
	// beforeStart runs between engine.Open and Start (e.g. to Mount the agents' API).
	beforeStart func(e *engine.Engine)
}

// newEnv starts an engine on a temporary SQLite file with an in-process SMTP server as its
// relay, the widget API on loopback, a set-up organization and (unless o.noSender) a verified
// sender.
func newEnv(t *testing.T, o envOptions) *chatEnv {
	t.Helper()
	ctx := context.Background()
	now := o.now
	if now == nil {
		now = time.Now
	}
	orgName, ownerEmail := o.orgName, o.ownerEmail
	if orgName == "" {
		orgName = "Acme"
	}
	if ownerEmail == "" {
		ownerEmail = "olive@acme.test"
	}
	cert := testutil.NewTLSCert(t)
	smtpSrv := testutil.NewSMTPServer(t, testutil.SMTPOptions{TLS: &cert, Username: "support@acme.test", Password: "smtp-pw",
		SMTPUTF8: o.smtputf8})
	env := map[string]string{"VOUCHD_SMTP_PASSWORD": "smtp-pw"}
	path := testutil.DBPath(t)
	e, err := engine.Open(ctx, engine.Config{DatabasePath: path, Listen: "127.0.0.1:0", Now: o.now,
		Secrets: secrets.Env{Getenv: func(k string) string { return env[k] }}, RootCAs: cert.Pool,
		GoogleIssuerURL: o.googleIssuer, GoogleScriptURL: o.googleScript, WidgetLimits: o.limits, SealKey: o.sealKey})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close(context.Background()) })
	if o.beforeStart != nil {
		o.beforeStart(e)
	}
	if err := e.Start(ctx); err != nil {
		t.Fatal(err)
	}
	ws, err := e.Org().Setup(ctx, org.SetupInput{OrganizationName: orgName, OwnerName: "Olive Owner", OwnerEmail: ownerEmail})
	if err != nil {
		t.Fatal(err)
	}
	orgID := ws.Organization.ID
	consent := ""
	if o.signin {
		consent = o.consentText
	}
	if err := e.Store().Write(ctx, func(tx *store.Tx) error {
		if o.signin {
			if err := tx.SetGoogleClientID(orgID, o.googleClientID, now()); err != nil {
				return err
			}
		}
		return tx.SetRegulatory(orgID, o.doubleOptIn, consent, now())
	}); err != nil {
		t.Fatal(err)
	}
	if o.signin {
		ws.Organization.GoogleClientID, ws.Organization.ConsentText = o.googleClientID, o.consentText
	}
	host, port, _ := net.SplitHostPort(smtpSrv.Addr)
	p, _ := strconv.Atoi(port)
	if _, err := e.Mail().Save(ctx, ws.Me, orgID, mailaccounts.SMTP, mailaccounts.Input{Host: host, Port: p,
		TLS: "starttls", Username: "support@acme.test"}); err != nil {
		t.Fatal(err)
	}
	e.MailSettingsChanged()
	c := &chatEnv{t: t, e: e, ws: ws, smtp: smtpSrv, base: "http://" + e.Addr(), path: path}
	if o.noSender {
		return c
	}
	if _, err := e.Senders().Set(ctx, ws.Me, ws.Organization, "support@acme.test"); err != nil {
		t.Fatal(err)
	}
	link := c.nextLink("/verify/sender/")
	if _, err := e.Senders().Verify(ctx, link[strings.LastIndex(link, "/")+1:], "link"); err != nil {
		t.Fatal(err)
	}
	return c
}

// deliveredText waits for the in-process SMTP server to receive the queued email m (matched by
// its Message-ID) and returns its plain-text part. Codes and links are read here, as the customer
// reads them: the database keeps them only sealed.
func (c *chatEnv) deliveredText(m store.OutboxMessage) string {
	c.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		for _, r := range c.smtp.Received() {
			if r.Msg != nil && r.Msg.Header.Get("Message-Id") == m.MessageID {
				_, text, _ := mailParts(c.t, r.Data)
				return text
			}
		}
		if time.Now().After(deadline) {
			got, _ := c.e.Store().OutboxByID(context.Background(), m.ID)
			c.t.Fatalf("email %s (%s) never arrived: status %s, %q", m.ID, m.Kind, got.Status, got.LastError)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
