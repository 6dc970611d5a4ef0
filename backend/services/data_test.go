package services

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDataBackupAndRestoreThroughTheDialogs: Settings → Data backs up to the file the Save
// dialog names, refuses a file that is not a backup with its reason, and restores a backup the
// Open dialog names, saving the current data first.
func TestDataBackupAndRestoreThroughTheDialogs(t *testing.T) {
	b := newBackend(t)
	if _, err := NewSetup(b).Complete(SetupRequest{OrganizationName: "Acme", OwnerName: "Olive Owner", OwnerEmail: "olive@acme.test"}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var saveAt, openAt string
	data := NewData(b, FileDialogs{
		Save: func(_ context.Context, _, name string) (string, error) {
			if !strings.HasSuffix(name, BackupExtension) {
				t.Errorf("suggested name %q lacks %s", name, BackupExtension)
			}
			return saveAt, nil
		},
		Open: func(context.Context, string) (string, error) { return openAt, nil },
	})
	info, err := data.Info()
	if err != nil || info.Bytes <= 0 || !info.CanManage || filepath.Dir(info.Database) != info.Folder {
		t.Fatalf("Info() = %+v, %v", info, err)
	}

	saveAt = "" // cancelled: nothing happens
	if got, err := data.Backup(); err != nil || got.Path != "" {
		t.Fatalf("Backup() cancelled = %+v, %v", got, err)
	}
	saveAt = filepath.Join(dir, "acme"+BackupExtension)
	got, err := data.Backup()
	if err != nil || got.Path != saveAt || got.Organizations != 1 || got.Bytes <= 0 {
		t.Fatalf("Backup() = %+v, %v", got, err)
	}

	// A change after the backup, which the restore must undo.
	inboxes := NewInboxes(b)
	before, _ := inboxes.Country()
	if _, err := inboxes.SetCountry("GB"); err != nil || before == "GB" {
		t.Fatalf("SetCountry: %v (before %q)", err, before)
	}

	openAt = filepath.Join(dir, "notes.txt")
	os.WriteFile(openAt, []byte("not a backup"), 0o600)
	if _, err := data.ChooseRestore(); parse(t, err).Code != "not_a_backup" {
		t.Fatalf("ChooseRestore(text file) = %v, want not_a_backup", err)
	}

	openAt = saveAt
	chosen, err := data.ChooseRestore()
	if err != nil || chosen.Organizations != 1 {
		t.Fatalf("ChooseRestore() = %+v, %v", chosen, err)
	}
	done, err := data.Restore(chosen.Path)
	if err != nil || done.SavedCurrentTo == "" {
		t.Fatalf("Restore() = %+v, %v", done, err)
	}
	if _, err := os.Stat(done.SavedCurrentTo); err != nil {
		t.Fatalf("the data from before the restore was not kept: %v", err)
	}
	if c, err := inboxes.Country(); err != nil || c != before {
		t.Fatalf("after the restore the country is %q, %v; want the backup's %q", c, err, before)
	}
	// Agents can neither back up nor restore.
	_, _, ws, _ := b.workspace()
	e := eng(b)
	raw, err := sql.Open("sqlite3", e.Store().Path())
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`UPDATE users SET role = 'agent' WHERE id = ?`, ws.Me.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := data.Backup(); parse(t, err).Code != "forbidden" {
		t.Fatalf("an agent's Backup() = %v, want forbidden", err)
	}
}
