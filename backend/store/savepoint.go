package store

import (
	"time"
)

// Savepoints let a caller run statements whose effect it may not keep, at the cost of running
// them. verify uses them where a customer types an address: a known and an unknown address must
// cost the same work (the answer time must not tell them apart), so the work one of them does
// not need is done and undone rather than skipped.

// RegisterUnlessTaken writes a new contact with one field, unless the field's value already
// belongs to a live field of the organization (the identity index says so); then nothing is
// written and registered is false. Both outcomes run the same statements: the contact and the
// field are inserted inside a savepoint, and a taken value rolls the savepoint back.
func (t *Tx) RegisterUnlessTaken(c Contact, consentText string, consentedAt time.Time, f Field) (registered bool, err error) {
	if err := t.exec("savepoint", "SAVEPOINT register_unless_taken"); err != nil {
		return false, err
	}
	if err := t.InsertRegisteredContact(c, consentText, consentedAt); err != nil {
		return false, err // the caller's transaction rolls back as a whole, the savepoint with it
	}
	err = t.InsertField(f)
	if IsUniqueViolation(err) {
		if err := t.exec("rollback to savepoint", "ROLLBACK TO register_unless_taken"); err != nil {
			return false, err
		}
		return false, t.exec("release savepoint", "RELEASE register_unless_taken")
	}
	if err != nil {
		return false, err
	}
	return true, t.exec("release savepoint", "RELEASE register_unless_taken")
}

// DryRun runs fn's writes and undoes them (a savepoint rolled back), whatever fn returns: work
// done for its cost alone. fn's error is returned.
func (t *Tx) DryRun(fn func() error) error {
	if err := t.exec("savepoint", "SAVEPOINT dry_run"); err != nil {
		return err
	}
	ferr := fn()
	if err := t.exec("rollback to savepoint", "ROLLBACK TO dry_run"); err != nil {
		return err
	}
	if err := t.exec("release savepoint", "RELEASE dry_run"); err != nil {
		return err
	}
	return ferr
}
