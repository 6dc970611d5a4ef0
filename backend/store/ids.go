package store

import (
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
