package team

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"vouchdesk/backend/secrets"
)

// SessionFile is where a team member's desktop notes which server and organization it belongs
// to, beside the databases. The session token is not in it: it is in the OS keyring (Config.Keys),
// under TokenRef.
const SessionFile = "team.json"

// Session is a desktop's membership of a team, as kept in SessionFile.
type Session struct {
	ServerURL        string    `json:"serverUrl"`
	OrganizationID   string    `json:"organizationId"`
	OrganizationName string    `json:"organizationName"`
	AgentID          string    `json:"agentId"`
	AgentName        string    `json:"agentName"`
	AgentEmail       string    `json:"agentEmail"`
	SessionID        string    `json:"sessionId"`
	SignedInAt       time.Time `json:"signedInAt"`
	// Replica is the local database's file name in the data folder.
	Replica string `json:"replica"`
	// NextReplica is the file a new copy is being made in, beside Replica ("" when none): it
	// replaces Replica once whole.
	NextReplica string `json:"nextReplica,omitempty"`
	// ReplicaSchema and ServerSchema are the replica's and the server's schema versions when the
	// copy was made (0: not yet): when either moves, the organization is copied again.
	ReplicaSchema int `json:"replicaSchema,omitempty"`
	ServerSchema  int `json:"serverSchema,omitempty"`
	// Ended is why the session ended ("" while signed in): EndedSignedOut, EndedByServer. The
	// replica stays readable until the agent removes it.
	Ended   string    `json:"ended,omitempty"`
	EndedAt time.Time `json:"endedAt,omitzero"`
}

// Why a session ended.
const (
	EndedSignedOut = "signed_out" // the agent signed out on this desktop
	EndedByServer  = "ended"      // the server refused it: revoked by an admin, or the account deactivated
)

// TokenRef is the keyring entry of the session's token.
func (s Session) TokenRef() string { return "team-session:" + s.ServerURL + "/" + s.OrganizationID }

// LoadSession reads the data folder's session; ok is false when the desktop is in no team.
func LoadSession(dataDir string) (s Session, ok bool, err error) {
	raw, err := os.ReadFile(filepath.Join(dataDir, SessionFile))
	if errors.Is(err, os.ErrNotExist) {
		return Session{}, false, nil
	}
	if err != nil {
		return Session{}, false, fmt.Errorf("team: %w", err)
	}
	if err := json.Unmarshal(raw, &s); err != nil || s.ServerURL == "" || s.OrganizationID == "" || s.Replica == "" ||
		filepath.Base(s.Replica) != s.Replica || (s.NextReplica != "" && filepath.Base(s.NextReplica) != s.NextReplica) {
		return Session{}, false, fmt.Errorf("team: %s is damaged; remove it to start again", SessionFile)
	}
	return s, true, nil
}

// SaveSession writes the session atomically (a crash leaves the old file or the new one).
func SaveSession(dataDir string, s Session) error {
	raw, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(dataDir, SessionFile), raw)
}

// RemoveSession forgets the team: the file and the token.
func RemoveSession(dataDir string, keys secrets.Store, s Session) error {
	if keys != nil {
		keys.Delete(s.TokenRef()) // best effort: an entry already gone is fine
	}
	if err := os.Remove(filepath.Join(dataDir, SessionFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("team: %w", err)
	}
	return nil
}

// writeFileAtomic writes path through a temporary file, synced and renamed over it, readable by
// this user only.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("team: %w", err)
	}
	defer os.Remove(tmp.Name()) // after a successful rename there is nothing left to remove
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("team: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("team: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("team: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("team: %w", err)
	}
	return nil
}
