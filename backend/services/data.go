package services

import (
	"context"
	"time"

	"vouchdesk/backend/apperr"
	"vouchdesk/backend/backup"
	"vouchdesk/backend/org"
)

// FileDialogs are the native "Save as" and "Open" dialogs for backup files; each returns the
// chosen path, or "" when the person cancelled. app.go gives the Wails runtime's; tests give
// their own.
type FileDialogs struct {
	Save func(ctx context.Context, title, defaultName string) (string, error)
	Open func(ctx context.Context, title string) (string, error)
}

// BackupExtension names Vouch Desk backup files (a SQLite database in one file).
const BackupExtension = backup.Extension

// Data is Settings → Data: where the data lives and how big it is, backing it up to a file while
// the app works, and restoring such a file. Backup and restore are for owners and admins: a
// backup holds every conversation.
type Data struct {
	b       *Backend
	dialogs FileDialogs
}

// NewData returns the Data service.
func NewData(b *Backend, dialogs FileDialogs) *Data { return &Data{b: b, dialogs: dialogs} }

// DataInfo and BackupFile are the views of Settings → Data, from the domain (backend/backup).
type (
	DataInfo   = backup.Info
	BackupFile = backup.File
)

// manager returns the use cases and the acting agent.
func (d *Data) manager(op string) (context.Context, *Deps, org.Agent, error) {
	if op != "data.info" {
		// A team's data is the server's: backing up or restoring a replica would be a copy of a
		// copy, and a restore would be overwritten by the next change from the server.
		if err := d.b.soloOnly(op, "the team server keeps the organization's data and its operator backs it up; this desktop holds a copy for reading."); err != nil {
			return nil, nil, org.Agent{}, err
		}
	}
	ctx, e, ws, err := d.b.workspace()
	if err != nil {
		return ctx, nil, org.Agent{}, d.b.jsError(op, err)
	}
	return ctx, e, ws.Me, nil
}

// Info says where the data lives and how much room it takes.
func (d *Data) Info() (DataInfo, error) {
	_, e, me, err := d.manager("data.info")
	if err != nil {
		return DataInfo{}, err
	}
	return e.Backup.Info(me), nil
}

// Backup asks where to save a backup and writes it there; the app keeps working meanwhile.
func (d *Data) Backup() (BackupFile, error) {
	const op = "data.backup"
	ctx, e, me, err := d.manager(op)
	if err != nil {
		return BackupFile{}, err
	}
	if !org.IsAdmin(me) { // before the dialog: no point choosing a file that will be refused
		return BackupFile{}, d.b.jsError(op, org.RequireAdmin(me, "back up or restore the data"))
	}
	if d.dialogs.Save == nil {
		return BackupFile{}, d.b.jsError(op, apperr.Invalid("", "There is no window to choose a file in."))
	}
	name := "Vouch Desk " + time.Now().Format("2006-01-02 1504") + BackupExtension
	path, err := d.dialogs.Save(ctx, "Back up Vouch Desk data", name)
	if err != nil || path == "" {
		return BackupFile{}, d.b.jsError(op, err)
	}
	f, err := e.Backup.Write(ctx, me, path)
	return f, d.b.jsError(op, err)
}

// BackupTo writes a backup to path without a dialog (tests and scripts).
func (d *Data) BackupTo(path string) (BackupFile, error) {
	const op = "data.backup"
	ctx, e, me, err := d.manager(op)
	if err != nil {
		return BackupFile{}, err
	}
	f, err := e.Backup.Write(ctx, me, path)
	return f, d.b.jsError(op, err)
}

// ChooseRestore asks for a backup file and checks it: what it holds, or why it cannot be
// restored. Nothing is changed yet.
func (d *Data) ChooseRestore() (BackupFile, error) {
	const op = "data.choose_restore"
	ctx, e, me, err := d.manager(op)
	if err != nil {
		return BackupFile{}, err
	}
	if !org.IsAdmin(me) {
		return BackupFile{}, d.b.jsError(op, org.RequireAdmin(me, "back up or restore the data"))
	}
	if d.dialogs.Open == nil {
		return BackupFile{}, d.b.jsError(op, apperr.Invalid("", "There is no window to choose a file in."))
	}
	path, err := d.dialogs.Open(ctx, "Restore Vouch Desk data from a backup")
	if err != nil || path == "" {
		return BackupFile{}, d.b.jsError(op, err)
	}
	f, err := e.Backup.Check(ctx, me, path)
	return f, d.b.jsError(op, err)
}

// Check inspects a backup file without restoring it.
func (d *Data) Check(path string) (BackupFile, error) {
	const op = "data.check"
	ctx, e, me, err := d.manager(op)
	if err != nil {
		return BackupFile{}, err
	}
	f, err := e.Backup.Check(ctx, me, path)
	return f, d.b.jsError(op, err)
}

// Restore replaces all the data with the backup at path (after ChooseRestore and the person's
// confirmation). The current data is saved to the backups folder first; the window reloads after.
func (d *Data) Restore(path string) (BackupFile, error) {
	const op = "data.restore"
	ctx, e, me, err := d.manager(op)
	if err != nil {
		return BackupFile{}, err
	}
	f, err := e.Backup.Restore(ctx, me, path)
	return f, d.b.jsError(op, err)
}
