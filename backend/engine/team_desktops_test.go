package engine_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"vouchdesk/backend/apperr"
	"vouchdesk/backend/engine"
	"vouchdesk/backend/secrets"
	"vouchdesk/backend/services"
	"vouchdesk/backend/team"
	"vouchdesk/backend/testutil"
)

// Two agents' desktops without a window, each the team.Manager app.go runs on its own data
// folder, calling the bound services as the UI does, against a real team server (the engine
// with the agents' API, on SQLite or PostgreSQL) through a link the test can cut.

// memKeys is a keyring in memory.
type memKeys struct {
	mu sync.Mutex
	m  map[string]string
}

func (k *memKeys) Get(ref string) (string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	v, ok := k.m[ref]
	if !ok {
		return "", secrets.ErrNotFound
	}
	return v, nil
}

func (k *memKeys) Set(ref, v string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.m[ref] = v
	return nil
}

func (k *memKeys) Delete(ref string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.m, ref)
	return nil
}

func (k *memKeys) Available() (bool, string) { return true, "" }

// link is a TCP relay to the server that the test can cut and restore, as a network would.
type link struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	down   bool
	drop   bool // answers are lost (dropAnswers)
	conns  map[net.Conn]bool
}

func newLink(t *testing.T, target string) *link {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := &link{ln: ln, target: target, conns: map[net.Conn]bool{}}
	t.Cleanup(func() { ln.Close(); l.cut() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			l.mu.Lock()
			if l.down {
				l.mu.Unlock()
				c.Close()
				continue
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				l.mu.Unlock()
				c.Close()
				continue
			}
			l.conns[c], l.conns[s] = true, true
			l.mu.Unlock()
			go func() { io.Copy(s, c); s.Close() }()
			go func() {
				if l.dropping() {
					// The request reached the server; its answer is lost on the way back.
					s.Read(make([]byte, 1))
					c.Close()
					s.Close()
					return
				}
				io.Copy(c, s)
				c.Close()
			}()
		}
	}()
	return l
}

func (l *link) url() string { return "http://" + l.ln.Addr().String() }

// cut drops every connection and refuses new ones until restore.
func (l *link) cut() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.down = true
	for c := range l.conns {
		c.Close()
	}
	l.conns = map[net.Conn]bool{}
}

func (l *link) restore() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.down = false
}

// dropAnswers makes the link pass requests to the server and lose every answer (or not).
func (l *link) dropAnswers(on bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.drop = on
	for c := range l.conns {
		c.Close()
	}
	l.conns = map[net.Conn]bool{}
}

func (l *link) dropping() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.drop
}

// depsOf is app.go's wiring of an engine's use cases to the services.
func depsOf(e *engine.Engine) services.Deps {
	return services.Deps{Org: e.Org(), Conversations: e.Conversations(), Chat: e.Chat(), Verify: e.Verify(),
		Contacts: e.Contacts(), Senders: e.Senders(), Mail: e.Mail(), Outbox: e.Outbox(), MailRuntime: e, Calls: e.Calls(),
		Transcripts: e.Transcripts(), Backup: e.Backup()}
}

// desktop is an agent's desktop.
type desktop struct {
	t    *testing.T
	dir  string
	b    *services.Backend
	m    *team.Manager
	keys *memKeys
	solo int // times the solo desk was started
}

func newDesktop(t *testing.T, name string) *desktop {
	t.Helper()
	d := &desktop{t: t, dir: t.TempDir(), keys: &memKeys{m: map[string]string{}}}
	d.open(name)
	return d
}

// reopen quits the desktop and starts it again on the same data folder and keyring.
func (d *desktop) reopen() {
	d.t.Helper()
	d.m.Close(context.Background())
	d.open("again")
}

func (d *desktop) open(name string) {
	t := d.t
	t.Helper()
	d.b = services.NewBackend("test", d.dir, nil)
	d.m = team.NewManager(team.ManagerConfig{DataDir: d.dir, Backend: d.b, Keys: d.keys, Device: name, Log: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
		OpenEngine: func(ctx context.Context, path string) (*engine.Engine, error) {
			return engine.Open(ctx, engine.Config{DatabasePath: path, Secrets: secrets.Env{Getenv: func(string) string { return "" }}})
		},
		DepsOf: depsOf, StartSolo: func(context.Context) { d.solo++ }, StopSolo: func(context.Context) {},
		MinBackoff: 50 * time.Millisecond, MaxBackoff: 300 * time.Millisecond})
	if err := d.m.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	m := d.m
	t.Cleanup(func() { m.Close(context.Background()) })
}

func (d *desktop) team() *services.Team { return services.NewTeam(d.b) }
func (d *desktop) chat() *services.Chat { return services.NewChat(d.b) }
func (d *desktop) state() services.TeamState {
	st, _ := d.team().State()
	return st
}

// eventually polls cond until it holds (10 s at most), failing with what.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("still not so after 15 s: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// serviceCode is a service error's code: the services' errors are their JSON form, what the UI's
// promise rejects with.
func serviceCode(err error) string {
	if err == nil {
		return ""
	}
	var e apperr.Error
	if json.Unmarshal([]byte(err.Error()), &e) != nil {
		return "not JSON: " + err.Error()
	}
	return e.Code
}

var sixDigitsCode = regexp.MustCompile(`\b\d{6}\b`)

// twoDesktops joins desktop A (the owner, by an emailed code) and desktop B (an agent A invites,
// by the link in the email) to the server at serverURL, and waits until both copied it.
func twoDesktops(t *testing.T, c *teamEnv, serverURL string) (a, b *desktop) {
	t.Helper()
	a = joinByCode(t, c, serverURL)
	if _, err := a.team().Invite("bob@acme.test", "agent"); err != nil {
		t.Fatalf("Invite = %v", err)
	}
	joinLink := c.nextLink("/join#")
	joinLink = strings.Replace(joinLink, "http://"+c.e.Addr(), serverURL, 1) // as the server's public address
	b = newDesktop(t, "B")
	if st, err := b.team().AcceptInvitation(services.SigninRequest{Link: joinLink, Name: "Bob Agent"}); err != nil || st.AgentName != "Bob Agent" {
		t.Fatalf("AcceptInvitation = %+v, %v", st, err)
	}
	eventually(t, "desktop B copied the organization", func() bool { return b.state().Status.Phase == "live" })
	return a, b
}

// joinByCode joins the owner's desktop by an emailed code and waits until it copied the
// organization.
func joinByCode(t *testing.T, c *teamEnv, serverURL string) *desktop {
	t.Helper()
	a := newDesktop(t, "A")
	if _, err := a.team().StartSignin(services.SigninRequest{ServerURL: serverURL, Email: "olive@acme.test"}); err != nil {
		t.Fatalf("StartSignin = %v", err)
	}
	code := sixDigitsCode.FindString(c.nextEmail())
	if st, err := a.team().FinishSignin(services.SigninRequest{Code: code}); err != nil || st.Mode != "team" || st.AgentEmail != "olive@acme.test" {
		t.Fatalf("FinishSignin = %+v, %v; want a team member's desktop", st, err)
	}
	eventually(t, "desktop A copied the organization", func() bool { return a.state().Status.Phase == "live" })
	if raw, _ := os.ReadFile(filepath.Join(a.dir, team.SessionFile)); strings.Contains(string(raw), "vds_") {
		t.Errorf("%s holds the session token; it belongs in the keyring", team.SessionFile)
	}
	return a
}

func TestTwoDesktopsInATeam(t *testing.T) {
	c := newTeamEnv(t)
	net := newLink(t, c.e.Addr())
	a, b := twoDesktops(t, c, net.url())

	// A customer chats; A verifies them; B sees the green check, naming A.
	s := c.start("ada@example.test", "")
	for _, d := range []*desktop{a, b} {
		eventually(t, "the chat reaches the desktop's inbox", func() bool {
			list, err := d.chat().List("open")
			return err == nil && len(list) == 1 && list[0].ID == s.Conversation
		})
	}
	if _, err := a.chat().MarkVerified(s.Conversation, "ada@example.test"); err != nil {
		t.Fatalf("A: MarkVerified = %v", err)
	}
	eventually(t, "B sees the customer verified by A", func() bool {
		d, err := b.chat().Open(s.Conversation)
		return err == nil && d.Panel.State == "verified" && d.Panel.VerifiedLabel == "Verified by Olive Owner"
	})
	if _, err := b.chat().Send(s.Conversation, "Hello Ada, Bob here."); err != nil {
		t.Fatalf("B: Send online = %v", err)
	}
	c.call("POST", "/api/widget/v1/messages", s.Session, map[string]string{"clientMsgId": "m1", "body": "Thanks, bye"}, nil)
	if err := a.chat().End(s.Conversation); err != nil {
		t.Fatalf("A: End = %v", err)
	}
	// B answers the chat A just ended: the server decides, B is told why, and both desktops
	// show the chat ended.
	if _, err := b.chat().Send(s.Conversation, "One more thing"); serviceCode(err) != "conversation_ended" {
		t.Errorf("B: Send to the chat A ended = %v, want conversation_ended", err)
	}
	for _, d := range []*desktop{a, b} {
		eventually(t, "the desktop shows the chat ended", func() bool {
			dd, err := d.chat().Open(s.Conversation)
			return err == nil && dd.Summary.Status == "ended"
		})
	}

	// The server goes away: both desktops say so and still show the merged timeline and the
	// transcript.
	net.cut()
	for _, d := range []*desktop{a, b} {
		eventually(t, "the desktop says it is offline", func() bool {
			st := d.state().Status
			return !st.Online && st.OfflineSince != ""
		})
		found, err := services.NewContacts(d.b).Search("ada@example.test")
		if err != nil || len(found.Contacts) != 1 {
			t.Fatalf("offline: contact search = %+v, %v", found, err)
		}
		tl, err := services.NewContacts(d.b).Timeline(found.Contacts[0].ID, "")
		if err != nil || len(tl.Items) == 0 {
			t.Fatalf("offline: timeline = %+v, %v", tl, err)
		}
		doc, err := services.NewTranscripts(d.b, nil).Document(s.Conversation)
		if err != nil || !strings.Contains(doc.HTML, "Hello Ada, Bob here.") || !strings.Contains(doc.HTML, "Thanks, bye") {
			t.Fatalf("offline: transcript = %v (has both messages: %v)", err, err == nil && strings.Contains(doc.HTML, "Thanks, bye"))
		}
		if _, err := d.team().Agents(); serviceCode(err) != services.CodeOffline {
			t.Errorf("offline: Agents() = %v, want the offline refusal", err)
		}
	}

	// A reply typed offline (to a new chat) is kept, shown, and delivered once when the server
	// is back.
	s2 := c.start("ada@example.test", "")
	net.restore()
	eventually(t, "B sees the new chat", func() bool {
		list, err := b.chat().List("open")
		return err == nil && len(list) == 1 && list[0].ID == s2.Conversation
	})
	net.cut()
	eventually(t, "B knows it is offline", func() bool { return !b.state().Status.Online })
	kept, err := b.chat().Send(s2.Conversation, "Typed while offline")
	if err != nil || kept.Status != "kept" {
		t.Fatalf("offline Send = %+v, %v; want it kept", kept, err)
	}
	if d, err := b.chat().Open(s2.Conversation); err != nil || d.Messages[len(d.Messages)-1].Status != "kept" {
		t.Fatalf("offline: the kept reply is not shown in the conversation (%v)", err)
	}
	if st := b.state().Status; st.Kept != 1 {
		t.Errorf("offline: Status.Kept = %d, want 1", st.Kept)
	}
	net.restore()
	eventually(t, "the kept reply reached the server and both desktops", func() bool {
		for _, d := range []*desktop{a, b} {
			dd, err := d.chat().Open(s2.Conversation)
			if err != nil || len(dd.Messages) == 0 {
				return false
			}
			last := dd.Messages[len(dd.Messages)-1]
			if last.Body != "Typed while offline" || last.Status != "" {
				return false
			}
		}
		return b.state().Status.Kept == 0
	})
	if n := c.count(`SELECT count(*) FROM messages WHERE conversation_id = ? AND body = ?`, s2.Conversation, "Typed while offline"); n != 1 {
		t.Errorf("the reply typed offline is on the server %d times, want 1", n)
	}
	eventually(t, "both desktops are online again", func() bool { return a.state().Status.Online && b.state().Status.Online })

	// The server gets B's reply but every answer is lost on the way back: B keeps the reply and
	// tries again with the same Idempotency-Key until an answer comes, and the server applies it
	// once.
	net.dropAnswers(true)
	lost, err := b.chat().Send(s2.Conversation, "Answer lost on the way")
	if err != nil || lost.Status != "kept" {
		t.Fatalf("Send with answers lost = %+v, %v; want it kept", lost, err)
	}
	eventually(t, "the server has the reply once already", func() bool {
		return c.count(`SELECT count(*) FROM messages WHERE conversation_id = ? AND body = ?`, s2.Conversation, "Answer lost on the way") == 1
	})
	net.dropAnswers(false)
	eventually(t, "B's kept reply is answered and gone", func() bool { return b.state().Status.Kept == 0 })
	if n := c.count(`SELECT count(*) FROM messages WHERE conversation_id = ? AND body = ?`, s2.Conversation, "Answer lost on the way"); n != 1 {
		t.Errorf("a reply whose answers were lost is on the server %d times, want 1", n)
	}

	// An admin deactivates B: B's session ends, B is told, and the copy stays readable until B
	// removes it.
	agentsList, err := a.team().Agents()
	if err != nil {
		t.Fatal(err)
	}
	bobID := ""
	for _, ag := range agentsList {
		if ag.Email == "bob@acme.test" {
			bobID = ag.ID
		}
	}
	if err := a.team().Deactivate(bobID); err != nil {
		t.Fatalf("Deactivate = %v", err)
	}
	eventually(t, "B's session ended", func() bool { return b.state().Ended == team.EndedByServer })
	if st := b.state(); st.EndedMessage == "" || st.Replica.Conversations != 2 {
		t.Errorf("ended: state = %+v, want a message and the copy's 2 conversations", st)
	}
	if list, err := b.chat().List("all"); err != nil || len(list) != 2 {
		t.Errorf("after the end: List = %d, %v; want the copy readable", len(list), err)
	}
	if _, err := b.chat().Send(s2.Conversation, "after the end"); serviceCode(err) != team.CodeSignedOut {
		t.Errorf("after the end: Send = %v, want %s", err, team.CodeSignedOut)
	}
	if len(b.keys.m) != 0 {
		t.Errorf("after the end the keyring still holds %d entries", len(b.keys.m))
	}
	if _, err := b.team().RemoveReplica(); err != nil {
		t.Fatalf("RemoveReplica = %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(b.dir, "team*")); len(left) != 0 || b.solo != 2 {
		t.Errorf("after RemoveReplica: files %v left, solo started %d times; want none, and the solo desk again", left, b.solo)
	}
}

// TestDesktopCopiesAgainWhenTheServerMoved: a server restored from an earlier backup (the
// desktop's cursor is past its newest change) and a server whose schema moved since the copy
// are both copied again by themselves, beside the copy in use, which stays readable until the
// new one replaces it.
func TestDesktopCopiesAgainWhenTheServerMoved(t *testing.T) {
	c := newTeamEnv(t)
	a := joinByCode(t, c, "http://"+c.e.Addr())
	s := c.start("ada@example.test", "")
	eventually(t, "the chat reaches the desktop", func() bool { _, err := a.chat().Open(s.Conversation); return err == nil })
	var sess team.Session
	eventually(t, "the copy's schema versions are recorded", func() bool {
		var ok bool
		sess, ok, _ = team.LoadSession(a.dir)
		return ok && sess.ReplicaSchema > 0 && sess.ServerSchema > 0
	})
	replicaPath := func() string {
		s, _, _ := team.LoadSession(a.dir)
		return filepath.Join(a.dir, s.Replica)
	}
	cursorOf := func() int64 {
		var n int64
		testutil.OpenRaw(t, replicaPath()).QueryRow(`SELECT feed_cursor FROM replica_state`).Scan(&n)
		return n
	}

	for _, moved := range []struct {
		name string
		move func()
	}{
		{"the server restored from a backup", func() {
			if _, err := testutil.OpenRaw(t, replicaPath()).Exec(`UPDATE replica_state SET feed_cursor = 999999999`); err != nil {
				t.Fatal(err)
			}
		}},
		{"the server's schema moved", func() {
			s, _, _ := team.LoadSession(a.dir)
			s.ServerSchema++
			if err := team.SaveSession(a.dir, s); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		a.m.Close(context.Background())
		moved.move()
		before := replicaPath()
		a.reopen()
		eventually(t, moved.name+": copied again and live", func() bool {
			st := a.state().Status
			if st.Recopying {
				// The old copy stays readable meanwhile.
				if _, err := a.chat().Open(s.Conversation); err != nil {
					t.Fatalf("%s: the copy in use is not readable while the new one is made: %v", moved.name, err)
				}
			}
			return replicaPath() != before && !st.Recopying && st.Phase == "live" && cursorOf() < 999999999
		})
		eventually(t, moved.name+": the old copy's files are removed once retired", func() bool {
			left, _ := filepath.Glob(before + "*")
			return len(left) == 0
		})
		after, _, _ := team.LoadSession(a.dir)
		eventually(t, moved.name+": schema versions recorded again", func() bool {
			after, _, _ = team.LoadSession(a.dir)
			return after.ServerSchema == sess.ServerSchema && after.ReplicaSchema == sess.ReplicaSchema
		})
		// Following goes on from the new copy.
		s2 := c.start("bea@example.test", "")
		eventually(t, moved.name+": a new chat reaches the new copy", func() bool {
			_, err := a.chat().Open(s2.Conversation)
			return err == nil
		})
	}
}
