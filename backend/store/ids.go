package store

import (
	"fmt"
	"time"

	"github.com/google/uuid"
)

// NewID returns a new primary key: a UUIDv7 string. Version 7 keys sort by creation time, so
// inserts land at the end of the primary-key index and a replica can merge keys from many
// machines without coordination (team mode).
func NewID() string {
	return uuid.Must(uuid.NewV7()).String()
}

// Millis converts a time to the stored form: integer milliseconds since the epoch, UTC.
func Millis(t time.Time) int64 { return t.UnixMilli() }

// FromMillis converts the stored form back to a time.
func FromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// fromNullMillis converts a nullable stored time; the zero time stands for NULL.
func fromNullMillis(ms *int64) time.Time {
	if ms == nil {
		return time.Time{}
	}
	return FromMillis(*ms)
}

// idAfter is the UUIDv7 right after id (its random part plus one), for a message that must sort
// after one made on a node whose clock was ahead.
func idAfter(id string) (string, error) {
	u, err := uuid.Parse(id)
	if err != nil {
		return "", fmt.Errorf("store: message id %q: %w", id, err)
	}
	// rand_b is the low 62 bits (bytes 8 to 15 but the variant's two bits); rand_a the 12 bits
	// after the version nibble. Carry from the last byte up through both.
	for i := 15; i >= 6; i-- {
		if i == 8 {
			if u[8]&0x3f < 0x3f {
				u[8]++
				return u.String(), nil
			}
			u[8] &^= 0x3f
			continue
		}
		if i == 6 {
			if u[6]&0x0f < 0x0f {
				u[6]++
				return u.String(), nil
			}
			break
		}
		u[i]++
		if u[i] != 0 {
			return u.String(), nil
		}
	}
	return "", fmt.Errorf("store: no message id after %q", id)
}
