package cache

import (
	"errors"

	"github.com/symposium/symposium/storage"
)

var (
	// ErrInvalidTTL: a TTL must be positive, cache entries always expire.
	ErrInvalidTTL = errors.New("cache TTL must be positive")

	// Storage-wide sentinels, re-exported for cache callers.
	ErrInvalidKey  = storage.ErrInvalidKey
	ErrTooLarge    = storage.ErrTooLarge
	ErrNotFound    = storage.ErrNotFound
	ErrUnavailable = storage.ErrUnavailable
)
