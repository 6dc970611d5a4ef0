package store

import (
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// InsertDevice writes a new customer browser, known by the hash of its device token.
func (t *Tx) InsertDevice(id, orgID string, tokenHash []byte, userAgent string, now time.Time) error {
	return t.exec("insert device", `INSERT INTO devices (id, org_id, token_hash, user_agent, created_at, last_seen_at)
		VALUES (?, ?, ?, ?, ?, ?)`, id, orgID, tokenHash, userAgent, Millis(now), Millis(now))
}

// DeviceByToken returns the id of the organization's live device with this token hash, and
// marks it seen. A revoked device, or one of another organization, is ErrNotFound.
func (t *Tx) DeviceByToken(orgID string, tokenHash []byte, now time.Time) (string, error) {
	var id string
	err := t.tx.QueryRowContext(t.ctx, `UPDATE devices SET last_seen_at = ?
		WHERE token_hash = ? AND org_id = ? AND revoked_at IS NULL RETURNING id`,
		Millis(now), tokenHash, orgID).Scan(&id)
	if err != nil {
		return "", fmt.Errorf("store: device by token: %w", notFound(err))
	}
	return id, nil
}

// InsertDeviceProof records that a device proved a field through a verification.
func (t *Tx) InsertDeviceProof(id, orgID, deviceID, fieldID, verificationID string, now time.Time) error {
	return t.exec("insert device proof", `INSERT INTO device_proofs (id, org_id, device_id, field_id, verification_id, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`, id, orgID, deviceID, fieldID, verificationID, Millis(now))
}

// DeviceProof returns the newest live verification by which this device proved this field, or
// ErrNotFound.
func (t *Tx) DeviceProof(orgID, deviceID, fieldID string) (Verification, error) {
	return deviceProof(t.tx.QueryRowContext(t.ctx, deviceProofSQL, orgID, deviceID, fieldID))
}

const deviceProofSQL = "SELECT " + verificationColumns + ` FROM device_proofs p
	JOIN verifications v ON v.id = p.verification_id
	LEFT JOIN users u ON u.id = v.actor_user_id
	WHERE p.org_id = ? AND p.device_id = ? AND p.field_id = ? AND p.revoked_at IS NULL AND v.revoked_at IS NULL
	ORDER BY v.verified_at DESC LIMIT 1`

func deviceProof(row *sql.Row) (Verification, error) {
	v, err := scanVerification(row)
	if errors.Is(err, sql.ErrNoRows) {
		return Verification{}, fmt.Errorf("store: device proof: %w", ErrNotFound)
	}
	if err != nil {
		return Verification{}, fmt.Errorf("store: device proof: %w", err)
	}
	return v, nil
}
