package kv

import "github.com/symposium/symposium/storage"

// The kv sentinels are the storage-wide ones, re-exported so kv callers need
// one import; errors.Is matches either name.
var (
	ErrInvalidKey  = storage.ErrInvalidKey
	ErrTooLarge    = storage.ErrTooLarge
	ErrNotFound    = storage.ErrNotFound
	ErrConflict    = storage.ErrConflict
	ErrUnavailable = storage.ErrUnavailable
)
