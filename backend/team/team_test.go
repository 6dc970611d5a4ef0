package team_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"vouchdesk/backend/team"
)

func TestSessionFileRoundTrip(t *testing.T) {
	dir := t.TempDir()
	if _, ok, err := team.LoadSession(dir); ok || err != nil {
		t.Fatalf("LoadSession(empty folder) = ok %v, %v; want none", ok, err)
	}
	for _, s := range []team.Session{
		{ServerURL: "https://desk.example.com", OrganizationID: "org1", AgentID: "u1", Replica: "team-org1-abc.db"},
		{ServerURL: "https://desk.example.com", OrganizationID: "org1", AgentID: "u1", Replica: "team-org1-abc.db",
			NextReplica: "team-org1-def.db", ReplicaSchema: 18, ServerSchema: 7, Ended: team.EndedByServer},
	} {
		if err := team.SaveSession(dir, s); err != nil {
			t.Fatal(err)
		}
		got, ok, err := team.LoadSession(dir)
		if !ok || err != nil || got.Replica != s.Replica || got.NextReplica != s.NextReplica || got.Ended != s.Ended ||
			got.ReplicaSchema != s.ReplicaSchema {
			t.Errorf("LoadSession after SaveSession(%+v) = %+v, %v, %v", s, got, ok, err)
		}
	}
	// A file that names a replica outside the data folder is refused, not followed.
	os.WriteFile(filepath.Join(dir, team.SessionFile), []byte(`{"serverUrl":"https://x","organizationId":"o","replica":"../../etc/x.db"}`), 0o600)
	if _, ok, err := team.LoadSession(dir); ok || err == nil {
		t.Errorf("LoadSession(replica outside the folder) = ok %v, %v; want an error", ok, err)
	}
	os.WriteFile(filepath.Join(dir, team.SessionFile), []byte(`{not json`), 0o600)
	if _, ok, err := team.LoadSession(dir); ok || err == nil {
		t.Errorf("LoadSession(damaged) = ok %v, %v; want an error", ok, err)
	}
}

func TestServerURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://desk.example.com/":       "https://desk.example.com",
		"desk.example.com":                "https://desk.example.com",
		" https://desk.example.com:8443 ": "https://desk.example.com:8443",
		"http://127.0.0.1:8470":           "http://127.0.0.1:8470",
		"http://localhost:9000/api":       "http://localhost:9000",
		"http://[::1]:9000":               "http://[::1]:9000",
	} {
		if got, err := team.ServerURL(in); got != want || err != nil {
			t.Errorf("ServerURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "http://desk.example.com", "ftp://desk.example.com", "https://user:pw@desk.example.com",
		"https://", "javascript:alert(1)", "http://10.0.0.5:8470"} {
		if got, err := team.ServerURL(in); err == nil {
			t.Errorf("ServerURL(%q) = %q; want refused (http only on this computer)", in, got)
		}
	}
}

func TestParseInvitation(t *testing.T) {
	server, tok, err := team.ParseInvitation(" https://desk.example.com/join#abcDEF123 ")
	if err != nil || server != "https://desk.example.com" || tok != "abcDEF123" {
		t.Errorf("ParseInvitation = %q, %q, %v", server, tok, err)
	}
	server, tok, err = team.ParseInvitation("vouchdesk://join?server=https%3A%2F%2Fdesk.example.com#abcDEF123")
	if err != nil || server != "https://desk.example.com" || tok != "abcDEF123" {
		t.Errorf("ParseInvitation(app link) = %q, %q, %v", server, tok, err)
	}
	for _, in := range []string{"https://desk.example.com/join", "https://desk.example.com/other#abc", "http://desk.example.com/join#abc",
		"vouchdesk://join?server=http%3A%2F%2Fevil.example#abc", "vouchdesk://other?server=https%3A%2F%2Fdesk.example.com#abc",
		"not a link", strings.Repeat("x", 3000)} {
		if _, _, err := team.ParseInvitation(in); err == nil {
			t.Errorf("ParseInvitation(%.40q) accepted; want refused", in)
		}
	}
}
