package team

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"vouchdesk/backend/agents"
	"vouchdesk/backend/apperr"
	"vouchdesk/backend/engine"
	"vouchdesk/backend/secrets"
	"vouchdesk/backend/services"
	"vouchdesk/backend/store"
)

// ManagerConfig is what the desktop's lifecycle needs from app.go.
type ManagerConfig struct {
	DataDir string
	Backend *services.Backend
	// Keys is where the session token lives: the OS keyring (secrets.Keyring).
	Keys secrets.Store
	Log  *slog.Logger
	// Device names this computer in the agent's list of sessions.
	Device string
	// OpenEngine opens an engine on a database file the way app.go configures it; a team's
	// replica engine is never started (no widget server, no mail): it only reads.
	OpenEngine func(ctx context.Context, path string) (*engine.Engine, error)
	// DepsOf is the services' use cases of an engine (app.go's wiring).
	DepsOf func(*engine.Engine) services.Deps
	// StartSolo opens the solo desk (the organization on this computer); StopSolo closes it
	// before the desktop joins a team.
	StartSolo func(ctx context.Context)
	StopSolo  func(ctx context.Context)
	// OnEvent hears the UI's event names.
	OnEvent func(name string)
	// Retries while offline (tests shorten them).
	MinBackoff, MaxBackoff time.Duration
}

// Manager is the desktop's membership of a team (services.TeamLink): joining, the running desk,
// signing out, removing the local copy.
type Manager struct {
	cfg ManagerConfig

	mu      sync.Mutex
	session *Session // nil on a solo desk
	desk    *Desk
	eng     *engine.Engine
	stop    context.CancelFunc
	done    chan struct{}
	pending struct{ server, email, handle string }
	offered string // an invitation link the app was opened with (Offer)
}

// NewManager returns the manager; Start opens the desk the data folder holds.
func NewManager(cfg ManagerConfig) *Manager {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.OnEvent == nil {
		cfg.OnEvent = func(string) {}
	}
	m := &Manager{cfg: cfg}
	cfg.Backend.SetTeamLink(m)
	return m
}

// Start opens the team's replica when this desktop is in a team, else the solo desk.
func (m *Manager) Start(ctx context.Context) error {
	s, ok, err := LoadSession(m.cfg.DataDir)
	if err != nil {
		m.cfg.Log.Error("the team session file cannot be read", "err", err)
		m.cfg.Backend.Fail(ctx, err)
		return err
	}
	if !ok {
		m.cfg.StartSolo(ctx)
		return nil
	}
	removeStrays(m.cfg.DataDir, s)
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.openTeam(ctx, s)
}

// openTeam opens the replica's engine, attaches it to the services and starts the desk. m.mu is
// held.
func (m *Manager) openTeam(ctx context.Context, s Session) error {
	tok := ""
	if s.Ended == "" {
		var err error
		if tok, err = m.cfg.Keys.Get(s.TokenRef()); err != nil {
			// Without the token the copy is still readable; the agent signs in again.
			m.cfg.Log.Warn("the team session token is not in the keyring", "err", err)
			s.Ended, s.EndedAt = EndedByServer, time.Now().UTC()
			SaveSession(m.cfg.DataDir, s)
		}
	}
	e, err := m.cfg.OpenEngine(ctx, filepath.Join(m.cfg.DataDir, s.Replica))
	if err != nil {
		m.cfg.Backend.Fail(ctx, err)
		return err
	}
	desk, err := NewDesk(Config{DataDir: m.cfg.DataDir, Session: s, Token: tok, Store: e.Store(), Log: m.cfg.Log,
		OnEvent: m.cfg.OnEvent, OnEnded: m.endedByServer, OnCopied: m.copied, MinBackoff: m.cfg.MinBackoff, MaxBackoff: m.cfg.MaxBackoff})
	if err != nil {
		e.Close(ctx)
		m.cfg.Backend.Fail(ctx, err)
		return err
	}
	m.session, m.desk, m.eng = &s, desk, e
	m.cfg.Backend.AttachTeam(ctx, m.cfg.DepsOf(e), desk)
	runCtx, cancel := context.WithCancel(context.Background())
	m.stop, m.done = cancel, make(chan struct{})
	go func(done chan struct{}) {
		defer close(done)
		err := desk.Run(runCtx)
		var again *RecopyNeeded
		switch {
		case errors.As(err, &again):
			m.cfg.Log.Info("copying the organization again", "why", again.Why)
			if m.recopy(runCtx, desk, s, again.Why) == nil {
				go m.swap(s) // once this goroutine is done: swap stops the desk and waits for it
			}
		case err != nil && !errors.Is(err, context.Canceled):
			m.cfg.Log.Warn("the team desk stopped", "err", err)
		}
	}(m.done)
	m.cfg.OnEvent(EventStatusChanged)
	return nil
}

// copied records the schema versions a whole copy was made under.
func (m *Manager) copied(replicaSchema, serverSchema int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.session == nil {
		return
	}
	m.session.ReplicaSchema, m.session.ServerSchema = replicaSchema, serverSchema
	if err := SaveSession(m.cfg.DataDir, *m.session); err != nil {
		m.cfg.Log.Error("the copy's schema versions could not be recorded", "err", err)
	}
}

// recopy copies the organization into a new file beside the replica in use, which stays readable
// meanwhile. The new file's name is in the session from the start, so an interrupted copy resumes
// next time where it stopped.
func (m *Manager) recopy(ctx context.Context, desk *Desk, s Session, why string) error {
	desk.update(func(st *Status) { st.Recopying, st.RecopyReason = true, why })
	m.mu.Lock()
	if m.session == nil || m.session.Ended != "" {
		m.mu.Unlock()
		return context.Canceled
	}
	if m.session.NextReplica == "" {
		m.session.NextReplica = replicaName(s.OrganizationID)
		if err := SaveSession(m.cfg.DataDir, *m.session); err != nil {
			m.mu.Unlock()
			return err
		}
	}
	name := m.session.NextReplica
	m.mu.Unlock()
	next, err := store.Open(ctx, filepath.Join(m.cfg.DataDir, name))
	if err != nil {
		m.cfg.Log.Error("the new copy cannot be opened", "err", err)
		return err
	}
	err = desk.copyInto(ctx, desk.replica(next))
	if cerr := next.Close(); err == nil {
		err = cerr
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		m.cfg.Log.Warn("copying the organization again stopped", "err", err)
	}
	return err
}

// replicaName is a new replica file's name.
func replicaName(orgID string) string {
	return "team-" + safeName(orgID) + "-" + NewKey()[:8] + ".db"
}

// retireAfter is how long the old copy stays open after the new one took its place: calls that
// started on it finish first.
const retireAfter = 5 * time.Second

// swap puts the new copy in use: the services read it from the next call on, the old copy is
// closed a little later and its files removed.
func (m *Manager) swap(s Session) {
	ctx := context.Background()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.session == nil || m.session.Replica != s.Replica || m.session.Ended != "" || m.session.NextReplica == "" {
		return
	}
	s = *m.session
	old, oldName := m.eng, s.Replica
	if m.stop != nil {
		m.stop()
		<-m.done
		m.stop = nil
	}
	s.Replica, s.NextReplica = s.NextReplica, ""
	s.ReplicaSchema, s.ServerSchema = 0, 0 // recorded again by the new copy's first check
	if err := SaveSession(m.cfg.DataDir, s); err != nil {
		m.cfg.Log.Error("the session could not be saved", "err", err)
	}
	if err := m.openTeam(ctx, s); err != nil {
		m.cfg.Log.Error("the new copy cannot be opened", "err", err)
	}
	go func() {
		time.Sleep(retireAfter)
		if old != nil {
			old.Close(context.Background())
		}
		removeReplicaFiles(m.cfg.DataDir, oldName)
	}()
}

// replicaSuffixes are the files of a replica beside its database file.
var replicaSuffixes = []string{"", "-wal", "-shm", ".lock"}

// removeReplicaFiles removes a replica's files.
func removeReplicaFiles(dir, name string) error {
	var errs []error
	for _, suffix := range replicaSuffixes {
		if err := os.Remove(filepath.Join(dir, name+suffix)); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// removeStrays removes replica files the session no longer names (an old copy the app quit before
// retiring).
func removeStrays(dir string, s Session) {
	found, _ := filepath.Glob(filepath.Join(dir, "team-*.db"))
	for _, f := range found {
		if name := filepath.Base(f); name != s.Replica && name != s.NextReplica {
			removeReplicaFiles(dir, name)
		}
	}
}

// closeTeam stops the desk and closes the replica's engine. m.mu is held.
func (m *Manager) closeTeam(ctx context.Context) {
	if m.stop != nil {
		m.stop()
		<-m.done
		m.stop = nil
	}
	m.cfg.Backend.Detach()
	if m.eng != nil {
		if err := m.eng.Close(ctx); err != nil {
			m.cfg.Log.Warn("closing the replica", "err", err)
		}
	}
	m.session, m.desk, m.eng = nil, nil, nil
}

// Close stops the team's desk, if any (the app is quitting).
func (m *Manager) Close(ctx context.Context) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.session != nil {
		m.closeTeam(ctx)
	}
}

// State is what the UI shows (services.TeamLink).
func (m *Manager) State(ctx context.Context) services.TeamState {
	m.mu.Lock()
	defer m.mu.Unlock()
	st := services.TeamState{Mode: "solo", PendingEmail: m.pending.email, PendingServer: m.pending.server, InvitationLink: m.offered}
	if m.session == nil {
		return st
	}
	s := *m.session
	st.Mode, st.ServerURL, st.OrganizationName = "team", s.ServerURL, s.OrganizationName
	st.AgentName, st.AgentEmail = s.AgentName, s.AgentEmail
	st.Status = m.desk.Status()
	st.Ended = s.Ended
	switch s.Ended {
	case EndedSignedOut:
		st.EndedMessage = "You signed out of " + s.OrganizationName + " on this computer. What was copied stays readable here until you remove it; sign in again to work."
	case EndedByServer:
		st.EndedMessage = "The team server ended your session: an admin revoked it or deactivated your account. What was copied stays readable here until you remove it; ask an admin, then sign in again."
	}
	if s.Ended != "" {
		st.Status.Phase = "ended"
		st.Replica = m.replicaInfo(ctx, s)
	}
	return st
}

// replicaInfo is what the local copy holds. m.mu is held.
func (m *Manager) replicaInfo(ctx context.Context, s Session) services.Replica {
	path := filepath.Join(m.cfg.DataDir, s.Replica)
	out := services.Replica{Path: path}
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if fi, err := os.Stat(path + suffix); err == nil {
			out.Bytes += fi.Size()
		}
	}
	if m.eng != nil {
		if c, err := m.eng.Store().CountsByOrg(ctx, s.OrganizationID); err == nil {
			out.Conversations, out.Contacts = c.Conversations, c.Contacts
		}
	}
	return out
}

// StartSignin asks the server to email a sign-in code (services.TeamLink).
func (m *Manager) StartSignin(ctx context.Context, serverURL, email string) error {
	base, err := ServerURL(serverURL)
	if err != nil {
		return err
	}
	var sent agents.CodeSent
	if err := NewClient(base, "").Do(ctx, services.Call{Method: "POST", Path: "auth/code"},
		agents.CodeRequest{Email: email}, &sent, ""); err != nil {
		return serverProblem(err)
	}
	m.mu.Lock()
	m.pending.server, m.pending.email, m.pending.handle = base, strings.TrimSpace(email), sent.Handle
	m.mu.Unlock()
	m.cfg.OnEvent(EventStatusChanged)
	return nil
}

// serverProblem words a failure to reach a server the agent typed.
func serverProblem(err error) error {
	if IsOffline(err) {
		return &apperr.Error{Code: services.CodeOffline, Field: "serverUrl",
			Message: "No Vouch Desk team server answers at that address. Check it with your admin (e.g. https://desk.example.com).", Err: err}
	}
	return err
}

// FinishSignin signs in with the emailed code and joins (services.TeamLink).
func (m *Manager) FinishSignin(ctx context.Context, code string) (services.TeamState, error) {
	m.mu.Lock()
	p := m.pending
	m.mu.Unlock()
	if p.handle == "" {
		return services.TeamState{}, apperr.Invalid("code", "Ask for a sign-in code first.")
	}
	var in agents.SignedIn
	err := NewClient(p.server, "").Do(ctx, services.Call{Method: "POST", Path: "auth/session"},
		agents.SessionRequest{Handle: p.handle, Code: strings.TrimSpace(code), Device: m.cfg.Device}, &in, "")
	if err != nil {
		return services.TeamState{}, serverProblem(err)
	}
	if err := m.join(ctx, p.server, in); err != nil {
		return services.TeamState{}, err
	}
	return m.State(ctx), nil
}

// AppScheme is the URL scheme the desktop registers: the server's invitation page offers
// vouchdesk://join?server=<its address>#<token> to open the app with the invitation.
const AppScheme = "vouchdesk"

// ParseInvitation reads an invitation link (https://server/join#token, or the app's own
// vouchdesk://join?server=…#token) into the server's address and the token.
func ParseInvitation(link string) (server, token string, err error) {
	u, perr := url.Parse(strings.TrimSpace(link))
	bad := apperr.Invalid("link", "Paste the whole invitation link from the email (https://…/join#…).")
	if perr != nil || u.Fragment == "" {
		return "", "", bad
	}
	origin := u.Scheme + "://" + u.Host
	if u.Scheme == AppScheme {
		if u.Host != "join" && u.Opaque != "join" {
			return "", "", bad
		}
		origin = u.Query().Get("server")
	} else if u.Path != strings.TrimSuffix(agents.InvitationPath, "#") {
		return "", "", bad
	}
	base, err := ServerURL(origin)
	if err != nil {
		return "", "", err
	}
	return base, u.Fragment, nil
}

// Offer prefills the join form with an invitation link the app was opened with (its URL scheme);
// a link that is not one is ignored.
func (m *Manager) Offer(link string) {
	base, tok, err := ParseInvitation(link)
	if err != nil {
		return
	}
	m.mu.Lock()
	m.offered = base + agents.InvitationPath + tok
	m.mu.Unlock()
	m.cfg.OnEvent(EventStatusChanged)
}

// AcceptInvitation joins with an invitation link (services.TeamLink).
func (m *Manager) AcceptInvitation(ctx context.Context, link, name string) (services.TeamState, error) {
	base, tok, err := ParseInvitation(link)
	if err != nil {
		return services.TeamState{}, err
	}
	var in agents.SignedIn
	err = NewClient(base, "").Do(ctx, services.Call{Method: "POST", Path: "auth/invitation"},
		agents.InvitationRequest{Token: tok, Name: name, Device: m.cfg.Device}, &in, "")
	if err != nil {
		return services.TeamState{}, serverProblem(err)
	}
	if err := m.join(ctx, base, in); err != nil {
		return services.TeamState{}, err
	}
	return m.State(ctx), nil
}

// join makes this a team member's desktop with a new session: the token goes to the keyring,
// the session file is written, the solo desk closes and the team's replica opens. Signing in
// again to the same organization keeps its replica.
func (m *Manager) join(ctx context.Context, server string, in agents.SignedIn) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := Session{ServerURL: server, OrganizationID: in.Organization.ID, OrganizationName: in.Organization.Name,
		AgentID: in.Agent.ID, AgentName: in.Agent.Name, AgentEmail: in.Agent.Email, SessionID: in.Session.ID,
		SignedInAt: time.Now().UTC(), Replica: replicaName(in.Organization.ID)}
	old := m.session
	if old != nil && (old.ServerURL != s.ServerURL || old.OrganizationID != s.OrganizationID) {
		return &apperr.Error{Code: apperr.CodeConflict,
			Message: "This desktop holds a copy of " + old.OrganizationName + ". Remove it first (Sign in again → Remove the local copy), then join another team."}
	}
	if old != nil { // signing in again: the copy goes on
		s.Replica, s.NextReplica, s.ReplicaSchema, s.ServerSchema = old.Replica, old.NextReplica, old.ReplicaSchema, old.ServerSchema
	}
	if ok, why := m.cfg.Keys.Available(); !ok {
		return &apperr.Error{Code: "keyring_unavailable", Message: "The session cannot be kept safe: this computer's keyring is not available (" + why + ")."}
	}
	if err := m.cfg.Keys.Set(s.TokenRef(), in.Token); err != nil {
		return fmt.Errorf("team: keep the session token: %w", err)
	}
	if err := SaveSession(m.cfg.DataDir, s); err != nil {
		return err
	}
	m.pending, m.offered = struct{ server, email, handle string }{}, ""
	if old != nil {
		m.closeTeam(ctx)
	} else {
		m.cfg.StopSolo(ctx)
	}
	return m.openTeam(ctx, s)
}

// safeName keeps an id usable as part of a file name.
func safeName(id string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, id)
}

// SignOut ends this desktop's session (services.TeamLink). The server is told when it can be
// reached; either way the token is forgotten here and the copy stays readable.
func (m *Manager) SignOut(ctx context.Context) (services.TeamState, error) {
	m.mu.Lock()
	if m.session == nil {
		m.mu.Unlock()
		return services.TeamState{}, &apperr.Error{Code: services.CodeTeamOnly, Message: "This desktop is not signed in to a team."}
	}
	s := *m.session
	m.mu.Unlock()
	if s.Ended == "" {
		if tok, err := m.cfg.Keys.Get(s.TokenRef()); err == nil {
			err := NewClient(s.ServerURL, tok).Do(ctx, services.Call{Method: "DELETE", Path: "session"}, nil, nil, NewKey())
			if err != nil && !IsSignedOut(err) {
				m.cfg.Log.Warn("the server was not told of the sign-out (the session ends there when it is revoked or expires)", "err", err)
			}
		}
	}
	m.end(ctx, EndedSignedOut)
	return m.State(ctx), nil
}

// endedByServer hears the desk: the server refused the session.
func (m *Manager) endedByServer() {
	go m.end(context.Background(), EndedByServer)
}

// end records why the session ended, forgets its token and stops following the server; the
// replica stays open for reading.
func (m *Manager) end(ctx context.Context, why string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.session == nil || m.session.Ended != "" {
		return
	}
	m.session.Ended, m.session.EndedAt = why, time.Now().UTC()
	if err := SaveSession(m.cfg.DataDir, *m.session); err != nil {
		m.cfg.Log.Error("the end of the team session could not be recorded", "err", err)
	}
	m.cfg.Keys.Delete(m.session.TokenRef())
	if m.stop != nil {
		m.stop()
		m.stop = nil
	}
	m.desk.update(func(s *Status) { s.Phase, s.Online = "ended", false })
	m.cfg.OnEvent(EventStatusChanged)
}

// RemoveReplica deletes the local copy and forgets the team (services.TeamLink); the desktop
// then starts as a new one (the solo desk's first run offers both again).
func (m *Manager) RemoveReplica(ctx context.Context) (services.TeamState, error) {
	m.mu.Lock()
	if m.session == nil {
		m.mu.Unlock()
		return services.TeamState{}, &apperr.Error{Code: services.CodeTeamOnly, Message: "This desktop holds no copy of a team."}
	}
	s := *m.session
	if s.Ended == "" {
		m.mu.Unlock()
		return services.TeamState{}, &apperr.Error{Code: apperr.CodeConflict, Message: "Sign out first: the copy is removed after signing out."}
	}
	m.closeTeam(ctx)
	var errs []error
	for _, name := range []string{s.Replica, s.NextReplica} {
		if name == "" {
			continue
		}
		if err := removeReplicaFiles(m.cfg.DataDir, name); err != nil {
			errs = append(errs, err)
		}
	}
	if err := os.Remove(filepath.Join(m.cfg.DataDir, KeptFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
		errs = append(errs, err)
	}
	if err := RemoveSession(m.cfg.DataDir, m.cfg.Keys, s); err != nil {
		errs = append(errs, err)
	}
	m.mu.Unlock()
	if err := errors.Join(errs...); err != nil {
		return services.TeamState{}, fmt.Errorf("team: remove the local copy: %w", err)
	}
	m.cfg.StartSolo(ctx)
	m.cfg.OnEvent(EventStatusChanged)
	return m.State(ctx), nil
}
