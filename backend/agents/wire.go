package agents

// The bodies of the agents' API calls that sign in and manage the team (docs/api/agent.md): the
// server decodes them and a team member's desktop sends them, from this one definition.

// Me is who a session signs in as (`GET me`).
type Me struct {
	Agent        Agent   `json:"agent"`
	Organization OrgRef  `json:"organization"`
	Session      Session `json:"session"`
	// Schema is the server's database schema version (a desktop's replica copied under another
	// one is copied again).
	Schema int `json:"schema"`
}

// CodeRequest asks for a sign-in code by email (`POST auth/code`).
type CodeRequest struct {
	Email          string `json:"email"`
	OrganizationID string `json:"organizationId"`
	Handle         string `json:"handle"`
}

// CodeSent is the answer to a CodeRequest: the handle to finish signing in with.
type CodeSent struct {
	Handle string `json:"handle"`
}

// SessionRequest finishes signing in with the emailed code (`POST auth/session`).
type SessionRequest struct {
	Handle string `json:"handle"`
	Code   string `json:"code"`
	Device string `json:"device"`
}

// InvitationRequest accepts an invitation (`POST auth/invitation`).
type InvitationRequest struct {
	Token  string `json:"token"`
	Name   string `json:"name"`
	Device string `json:"device"`
}

// GoogleRequest signs in with a Google ID token (`POST auth/google`).
type GoogleRequest struct {
	Credential     string `json:"credential"`
	OrganizationID string `json:"organizationId"`
	Device         string `json:"device"`
}

// RoleRequest changes an agent's role (`PATCH agents/{id}`).
type RoleRequest struct {
	Role string `json:"role"`
}

// InviteRequest invites someone (`POST invitations`).
type InviteRequest struct {
	Email string `json:"email"`
	Role  string `json:"role"`
}
