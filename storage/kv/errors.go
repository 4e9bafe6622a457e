package kv

import (
	"errors"

	"github.com/symposium/symposium/storage"
)

// The kv sentinels are the storage-wide ones, re-exported so kv callers need
// one import; errors.Is matches either name.
var (
	ErrInvalidKey  = storage.ErrInvalidKey
	ErrTooLarge    = storage.ErrTooLarge
	ErrNotFound    = storage.ErrNotFound
	ErrConflict    = storage.ErrConflict
	ErrUnavailable = storage.ErrUnavailable
)

// ErrGuardNotWritten: CompareAndWrite with an absent-guard expectation must
// create the guard, or two racing writers could both see it absent.
var ErrGuardNotWritten = errors.New("kv: CompareAndWrite expecting an absent guard must set it")
