package storage

import "errors"

// Sentinel errors returned (wrapped) by every storage backend.
var (
	// ErrInvalidKey: empty, longer than MaxKeyBytes, not UTF-8, or holding control characters.
	ErrInvalidKey = errors.New("invalid key")
	// ErrTooLarge: the value exceeds the configured maximum.
	ErrTooLarge = errors.New("value too large")
	// ErrNotFound: nothing is stored under the key.
	ErrNotFound = errors.New("not found")
	// ErrConflict: a compare-and-set found a different current value.
	ErrConflict = errors.New("value changed concurrently")
	// ErrUnavailable: the backend did not answer.
	ErrUnavailable = errors.New("storage backend unavailable")
)
