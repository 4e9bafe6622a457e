package blockdata

import (
	"errors"

	"github.com/symposium/symposium/storage"
)

var (
	// ErrQuota: the write would exceed the block's key count, value size or
	// total size limit.
	ErrQuota = errors.New("block data quota exceeded")
	// ErrInvalidJSON: values must be JSON text.
	ErrInvalidJSON = errors.New("block data value is not valid JSON")
	// ErrInvalidBlockID: block ids are 1-64 characters of [A-Za-z0-9_-].
	ErrInvalidBlockID = errors.New("invalid block id")
	// ErrBusy: too many concurrent writers to the same block's data.
	ErrBusy = errors.New("block data is being modified concurrently, retry")

	// Storage-wide sentinels, re-exported.
	ErrInvalidKey  = storage.ErrInvalidKey
	ErrNotFound    = storage.ErrNotFound
	ErrUnavailable = storage.ErrUnavailable
)
