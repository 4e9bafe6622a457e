package blob

import "github.com/symposium/symposium/storage"

// Storage-wide sentinels, re-exported for blob callers.
var (
	ErrInvalidKey  = storage.ErrInvalidKey
	ErrTooLarge    = storage.ErrTooLarge
	ErrNotFound    = storage.ErrNotFound
	ErrUnavailable = storage.ErrUnavailable
)
