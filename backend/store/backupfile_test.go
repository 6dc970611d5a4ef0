package store_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"vouchdesk/backend/store"
	"vouchdesk/backend/testutil"
)

func countContacts(t *testing.T, s *store.Store) int64 {
	t.Helper()
	n, err := s.ReaderQuery(ctx, "SELECT count(*) FROM contacts")
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestBackupWhileWritingThenRestore: a backup taken while a writer keeps adding contacts is a
// whole database (it checks and opens), holds what was committed when it started, and restoring
// it brings the data back to that point; the data from before the restore is kept in backups/.
func TestBackupWhileWritingThenRestore(t *testing.T) {
	testutil.SkipOnPostgres(t, "backups are files of SQLite (PostgreSQL: pg_dump)")
	s := testutil.NewStore(t)
	org, _ := seedOrg(t, s)
	for i := range 50 {
		seedContact(t, s, org, "c"+strings.Repeat("x", i%5)+time.Now().Format("150405.000000000")+"@b.test")
	}
	var stop atomic.Bool
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // the app keeps working during the backup
		defer wg.Done()
		for i := 0; !stop.Load(); i++ {
			seedContact(t, s, org, "live"+time.Now().Format("150405.000000000")+"@b.test")
		}
	}()
	dest := filepath.Join(t.TempDir(), "desk backup.vdb")
	info, err := s.Backup(ctx, dest)
	stop.Store(true)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if info.Contacts < 50 || info.Organizations != 1 || info.SchemaVersion != store.LatestVersion() {
		t.Fatalf("backup info %+v", info)
	}
	if m, _ := filepath.Glob(dest + ".partial-*"); len(m) != 0 {
		t.Fatalf("partial files left: %v", m)
	}
	if _, err := os.Stat(dest + "-wal"); err == nil {
		t.Fatal("the backup needs a -wal file beside it")
	}
	after := countContacts(t, s)
	if after <= int64(info.Contacts) {
		t.Skip("the writer added nothing during the backup; cannot tell the restore apart")
	}

	restored, safety, err := s.Restore(ctx, dest)
	if err != nil {
		t.Fatal(err)
	}
	if got := countContacts(t, s); got != int64(restored.Contacts) {
		t.Fatalf("after restore %d contacts, want the backup's %d", got, restored.Contacts)
	}
	kept, err := store.InspectBackup(ctx, safety)
	if err != nil || int64(kept.Contacts) != after {
		t.Fatalf("the data from before the restore (%s): %+v, %v; want %d contacts", safety, kept, err, after)
	}
	// The store goes on working after the swap.
	seedContact(t, s, org, "afterwards@b.test")
	if got := countContacts(t, s); got != int64(restored.Contacts)+1 {
		t.Fatalf("a write after the restore: %d contacts", got)
	}
}

// TestRestoreRefusesBadFilesAndKeepsTheData: not a backup, truncated, from a newer version: each
// is refused with its reason and the current data is untouched.
func TestRestoreRefusesBadFilesAndKeepsTheData(t *testing.T) {
	testutil.SkipOnPostgres(t, "backups are files of SQLite (PostgreSQL: pg_dump)")
	s := testutil.NewStore(t)
	org, _ := seedOrg(t, s)
	seedContact(t, s, org, "kept@b.test")
	dir := t.TempDir()
	good := filepath.Join(dir, "good.vdb")
	if _, err := s.Backup(ctx, good); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	newer := write("newer.vdb", data)
	raw, err := os.OpenFile(newer, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	// user_version lives at byte 60 of the header, big-endian.
	raw.WriteAt([]byte{0, 0, 0x03, 0xE7}, 60)
	raw.Close()
	for _, tc := range []struct {
		name string
		path string
		want error
	}{
		{"a text file", write("notes.vdb", []byte("hello, not a database\n")), store.ErrNotABackup},
		{"empty", write("empty.vdb", nil), store.ErrNotABackup},
		{"truncated", write("truncated.vdb", data[:len(data)/2]), store.ErrBackupDamaged},
		{"newer version", newer, store.ErrBackupTooNew},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := countContacts(t, s)
			_, _, err := s.Restore(ctx, tc.path)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Restore(%s) = %v, want %v", tc.name, err, tc.want)
			}
			if got := countContacts(t, s); got != before {
				t.Fatalf("contacts %d after a refused restore, want %d", got, before)
			}
		})
	}
	if b, _ := filepath.Glob(filepath.Join(filepath.Dir(s.Path()), store.BackupDir, "before-restore-*")); len(b) != 0 {
		t.Fatalf("a refused restore saved the current data anyway: %v", b)
	}
}

// TestBackupToAFullDiskRemovesThePartialFile: a backup onto a disk that fills up fails with
// ErrDiskFull and leaves no partial file behind. Needs root (a small tmpfs is mounted).
func TestBackupToAFullDiskRemovesThePartialFile(t *testing.T) {
	testutil.SkipOnPostgres(t, "backups are files of SQLite (PostgreSQL: pg_dump)")
	if os.Getuid() != 0 {
		t.Skip("needs root to mount a small tmpfs")
	}
	s := testutil.NewStore(t)
	org, _ := seedOrg(t, s)
	for i := range 200 {
		seedContact(t, s, org, "full"+strings.Repeat("y", i%7)+time.Now().Format("150405.000000000")+"@b.test")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", dir).Run() })
	_, err := s.Backup(ctx, filepath.Join(dir, "backup.vdb"))
	if !errors.Is(err, store.ErrDiskFull) {
		t.Fatalf("Backup onto a full disk = %v, want ErrDiskFull", err)
	}
	left, _ := os.ReadDir(dir)
	if len(left) != 0 {
		t.Fatalf("files left on the full disk: %v", left)
	}
}
