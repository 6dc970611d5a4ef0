// Package backup is Settings → Data as use cases: where the data lives and its size, writing a
// backup file while the app keeps working, checking a backup file, and restoring one. Backing up
// and restoring are for owners and admins (a backup holds every conversation); every refusal is
// an error a person can act on, and a failed restore changes nothing.
package backup

import (
	"context"
	"errors"
	"os"
	"path/filepath"

	"vouchdesk/backend/apperr"
	"vouchdesk/backend/org"
	"vouchdesk/backend/store"
)

// Extension names Vouch Desk backup files (a SQLite database in one file).
const Extension = ".vdbackup"

// Service backs up and restores one store.
type Service struct{ st *store.Store }

// New returns the service for the store.
func New(st *store.Store) *Service { return &Service{st: st} }

// Info is where the data lives and its size on disk (database and its WAL).
type Info struct {
	Folder        string `json:"folder"`
	Database      string `json:"database"`
	Bytes         int64  `json:"bytes"`
	BackupsFolder string `json:"backupsFolder"`
	CanManage     bool   `json:"canManage"`
}

// File is a backup written, or a backup file chosen for restoring: what it holds.
type File struct {
	Path          string  `json:"path"` // "" when the person cancelled the dialog
	Bytes         int64   `json:"bytes"`
	Organizations int     `json:"organizations"`
	Contacts      int     `json:"contacts"`
	Conversations int     `json:"conversations"`
	Seconds       float64 `json:"seconds"`
	// SavedCurrentTo, after a restore: where the data from before it was kept.
	SavedCurrentTo string `json:"savedCurrentTo"`
}

func mayManage(actor store.User) error { return org.RequireAdmin(actor, "back up or restore the data") }

// Info says where the data lives and how much room it takes, and whether actor may back it up.
func (s *Service) Info(actor store.User) Info {
	db := s.st.Path()
	info := Info{Folder: filepath.Dir(db), Database: db, BackupsFolder: filepath.Join(filepath.Dir(db), store.BackupDir),
		CanManage: org.IsAdmin(actor)}
	for _, suffix := range []string{"", "-wal"} {
		if st, err := os.Stat(db + suffix); err == nil {
			info.Bytes += st.Size()
		}
	}
	return info
}

// Write writes a backup of everything to path while the app keeps working.
func (s *Service) Write(ctx context.Context, actor store.User, path string) (File, error) {
	if err := mayManage(actor); err != nil {
		return File{}, err
	}
	info, err := s.st.Backup(ctx, path)
	if errors.Is(err, store.ErrDiskFull) {
		return File{}, &apperr.Error{Code: "disk_full",
			Message: "The disk is full: the backup was not written (nothing partial was left). Free some space or choose another disk.", Err: err}
	}
	if err != nil {
		return File{}, &apperr.Error{Code: "backup_failed", Message: "The backup could not be written: " + err.Error(), Err: err}
	}
	return file(info), nil
}

// Check inspects a backup file without restoring it: what it holds, or why it cannot be restored.
func (s *Service) Check(ctx context.Context, actor store.User, path string) (File, error) {
	if err := mayManage(actor); err != nil {
		return File{}, err
	}
	info, err := store.InspectBackup(ctx, path)
	if err != nil {
		return File{}, restoreError(err)
	}
	return file(info), nil
}

// Restore replaces all the data with the backup at path. The current data is saved to the
// backups folder first; a refused or failed restore changes nothing.
func (s *Service) Restore(ctx context.Context, actor store.User, path string) (File, error) {
	if err := mayManage(actor); err != nil {
		return File{}, err
	}
	info, saved, err := s.st.Restore(ctx, path)
	if err != nil {
		return File{}, restoreError(err)
	}
	out := file(info)
	out.SavedCurrentTo = saved
	return out, nil
}

func file(i store.BackupInfo) File {
	return File{Path: i.Path, Bytes: i.Bytes, Organizations: i.Organizations, Contacts: i.Contacts,
		Conversations: i.Conversations, Seconds: i.Took.Seconds()}
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
