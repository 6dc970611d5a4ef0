package services

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"time"

	"vouchdesk/backend/apperr"
	"vouchdesk/backend/store"
)

// FileDialogs are the native "Save as" and "Open" dialogs for backup files; each returns the
// chosen path, or "" when the person cancelled. app.go gives the Wails runtime's; tests give
// their own.
type FileDialogs struct {
	Save func(ctx context.Context, title, defaultName string) (string, error)
	Open func(ctx context.Context, title string) (string, error)
}

// BackupExtension names Vouch Desk backup files (a SQLite database in one file).
const BackupExtension = ".vdbackup"

// Data is Settings → Data: where the data lives and how big it is, backing it up to a file while
// the app works, and restoring such a file. Backup and restore are for owners and admins: a
// backup holds every conversation.
type Data struct {
	b       *Backend
	dialogs FileDialogs
}

// NewData returns the Data service.
func NewData(b *Backend, dialogs FileDialogs) *Data { return &Data{b: b, dialogs: dialogs} }

// DataInfo is where the data lives and its size on disk (database and its WAL).
type DataInfo struct {
	Folder        string `json:"folder"`
	Database      string `json:"database"`
	Bytes         int64  `json:"bytes"`
	BackupsFolder string `json:"backupsFolder"`
	CanManage     bool   `json:"canManage"`
}

// BackupFile is a backup written, or a backup file chosen for restoring: what it holds.
type BackupFile struct {
	Path          string  `json:"path"` // "" when the person cancelled the dialog
	Bytes         int64   `json:"bytes"`
	Organizations int     `json:"organizations"`
	Contacts      int     `json:"contacts"`
	Conversations int     `json:"conversations"`
	Seconds       float64 `json:"seconds"`
	// SavedCurrentTo, after a restore: where the data from before it was kept.
	SavedCurrentTo string `json:"savedCurrentTo"`
}

// manager checks that the acting person is an owner or admin and returns the engine's store.
func (d *Data) manager(op string) (context.Context, *store.Store, error) {
	ctx, e, ws, err := d.b.workspace()
	if err != nil {
		return ctx, nil, d.b.jsError(op, err)
	}
	if ws.Me.Role == store.RoleAgent {
		return ctx, nil, d.b.jsError(op, apperr.Forbidden("Only an owner or an admin can back up or restore the data."))
	}
	return ctx, e.Store, nil
}

// Info says where the data lives and how much room it takes.
func (d *Data) Info() (DataInfo, error) {
	_, e, ws, err := d.b.workspace()
	if err != nil {
		return DataInfo{}, d.b.jsError("data.info", err)
	}
	db := e.Store.Path()
	info := DataInfo{Folder: filepath.Dir(db), Database: db, BackupsFolder: filepath.Join(filepath.Dir(db), store.BackupDir),
		CanManage: ws.Me.Role != store.RoleAgent}
	for _, suffix := range []string{"", "-wal"} {
		if st, err := os.Stat(db + suffix); err == nil {
			info.Bytes += st.Size()
		}
	}
	return info, nil
}

// Backup asks where to save a backup and writes it there; the app keeps working meanwhile.
func (d *Data) Backup() (BackupFile, error) {
	const op = "data.backup"
	ctx, st, err := d.manager(op)
	if err != nil {
		return BackupFile{}, err
	}
	if d.dialogs.Save == nil {
		return BackupFile{}, d.b.jsError(op, apperr.Invalid("", "There is no window to choose a file in."))
	}
	name := "Vouch Desk " + time.Now().Format("2006-01-02 1504") + BackupExtension
	path, err := d.dialogs.Save(ctx, "Back up Vouch Desk data", name)
	if err != nil || path == "" {
		return BackupFile{}, d.b.jsError(op, err)
	}
	return d.write(ctx, op, st, path)
}

// BackupTo writes a backup to path without a dialog (tests and scripts).
func (d *Data) BackupTo(path string) (BackupFile, error) {
	const op = "data.backup"
	ctx, st, err := d.manager(op)
	if err != nil {
		return BackupFile{}, err
	}
	return d.write(ctx, op, st, path)
}

func (d *Data) write(ctx context.Context, op string, st *store.Store, path string) (BackupFile, error) {
	info, err := st.Backup(ctx, path)
	if errors.Is(err, store.ErrDiskFull) {
		return BackupFile{}, d.b.jsError(op, &apperr.Error{Code: "disk_full",
			Message: "The disk is full: the backup was not written (nothing partial was left). Free some space or choose another disk.", Err: err})
	}
	if err != nil {
		return BackupFile{}, d.b.jsError(op, &apperr.Error{Code: "backup_failed", Message: "The backup could not be written: " + err.Error(), Err: err})
	}
	return backupFile(info), nil
}

func backupFile(i store.BackupInfo) BackupFile {
	return BackupFile{Path: i.Path, Bytes: i.Bytes, Organizations: i.Organizations, Contacts: i.Contacts,
		Conversations: i.Conversations, Seconds: i.Took.Seconds()}
}

// ChooseRestore asks for a backup file and checks it: what it holds, or why it cannot be
// restored. Nothing is changed yet.
func (d *Data) ChooseRestore() (BackupFile, error) {
	const op = "data.choose_restore"
	ctx, _, err := d.manager(op)
	if err != nil {
		return BackupFile{}, err
	}
	if d.dialogs.Open == nil {
		return BackupFile{}, d.b.jsError(op, apperr.Invalid("", "There is no window to choose a file in."))
	}
	path, err := d.dialogs.Open(ctx, "Restore Vouch Desk data from a backup")
	if err != nil || path == "" {
		return BackupFile{}, d.b.jsError(op, err)
	}
	return d.inspect(ctx, op, path)
}

// Check inspects a backup file without restoring it.
func (d *Data) Check(path string) (BackupFile, error) {
	const op = "data.check"
	ctx, _, err := d.manager(op)
	if err != nil {
		return BackupFile{}, err
	}
	return d.inspect(ctx, op, path)
}

func (d *Data) inspect(ctx context.Context, op, path string) (BackupFile, error) {
	info, err := store.InspectBackup(ctx, path)
	if err != nil {
		return BackupFile{}, d.b.jsError(op, restoreError(err))
	}
	return backupFile(info), nil
}

// Restore replaces all the data with the backup at path (after ChooseRestore and the person's
// confirmation). The current data is saved to the backups folder first; the window reloads after.
func (d *Data) Restore(path string) (BackupFile, error) {
	const op = "data.restore"
	ctx, st, err := d.manager(op)
	if err != nil {
		return BackupFile{}, err
	}
	info, saved, err := st.Restore(ctx, path)
	if err != nil {
		return BackupFile{}, d.b.jsError(op, restoreError(err))
	}
	out := backupFile(info)
	out.SavedCurrentTo = saved
	return out, nil
}

func restoreError(err error) error {
	msg := "The backup could not be restored: " + err.Error()
	code := "restore_failed"
	switch {
	case errors.Is(err, store.ErrNotABackup):
		code, msg = "not_a_backup", "This file is not a Vouch Desk backup. Nothing was changed."
	case errors.Is(err, store.ErrBackupDamaged):
		code, msg = "backup_damaged", "This backup is damaged or incomplete (was it copied while still being written?). Nothing was changed."
	case errors.Is(err, store.ErrBackupTooNew):
		code, msg = "backup_too_new", "This backup was made by a newer version of Vouch Desk. Install that version to restore it. Nothing was changed."
	case errors.Is(err, store.ErrDiskFull):
		code, msg = "disk_full", "The disk is full. Nothing was changed; free some space and try again."
	case errors.Is(err, os.ErrNotExist):
		code, msg = "not_found", "That file does not exist any more. Nothing was changed."
	}
	return &apperr.Error{Code: code, Message: msg, Err: err}
}
