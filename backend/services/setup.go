package services

import (
	"vouchdesk/backend/org"
)

// Setup is the first-run service: is the app set up, and setting it up.
type Setup struct{ b *Backend }

// NewSetup returns the Setup service.
func NewSetup(b *Backend) *Setup { return &Setup{b: b} }

// Organization names an organization.
type Organization struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Agent is a person using the desktop.
type Agent struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
	Role  string `json:"role"`
}

// SetupState is what the UI needs to choose its first screen.
type SetupState struct {
	Version      string          `json:"version"`
	DataDir      string          `json:"dataDir"`
	Problem      *StartupProblem `json:"problem"`
	NeedsSetup   bool            `json:"needsSetup"`
	Organization *Organization   `json:"organization"`
	Me           *Agent          `json:"me"`
}

// SetupRequest is the first-run form.
type SetupRequest struct {
	OrganizationName string `json:"organizationName"`
	OwnerName        string `json:"ownerName"`
	OwnerEmail       string `json:"ownerEmail"`
}

// State says whether the engine started, and whether the first run is still to do.
func (s *Setup) State() (SetupState, error) {
	st := SetupState{Version: s.b.Version, DataDir: s.b.DataDir}
	if p := s.b.Problem(); p != nil {
		st.Problem = p
		return st, nil
	}
	_, _, ws, err := s.b.workspace()
	if e, ok := asAppErr(err); ok && e.Code == "needs_setup" {
		st.NeedsSetup = true
		return st, nil
	}
	if err != nil {
		return st, s.b.jsError("setup.state", err)
	}
	fill(&st, ws)
	return st, nil
}

// Complete performs the first run: the organization, its owner and a first chat inbox.
func (s *Setup) Complete(req SetupRequest) (SetupState, error) {
	if err := s.b.soloOnly("setup.complete", "the organization is set up on the team server."); err != nil {
		return SetupState{}, err
	}
	ctx, e, err := s.b.engine()
	if err != nil {
		return SetupState{}, s.b.jsError("setup.complete", err)
	}
	ws, err := e.Org.Setup(ctx, org.SetupInput{OrganizationName: req.OrganizationName,
		OwnerName: req.OwnerName, OwnerEmail: req.OwnerEmail})
	if err != nil {
		return SetupState{}, s.b.jsError("setup.complete", err)
	}
	st := SetupState{Version: s.b.Version, DataDir: s.b.DataDir}
	fill(&st, ws)
	return st, nil
}

func fill(st *SetupState, ws org.Workspace) {
	st.Organization = &Organization{ID: ws.Organization.ID, Name: ws.Organization.Name}
	st.Me = agentFrom(ws.Me)
}

func agentFrom(u org.Agent) *Agent {
	return &Agent{ID: u.ID, Name: u.Name, Email: u.Email, Role: u.Role}
}
