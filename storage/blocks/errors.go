package blocks

import (
	"errors"

	"github.com/symposium/symposium/storage"
	"github.com/symposium/symposium/storage/blockdata"
)

var (
	// ErrInvalidBlock: the block's data is not JSON.
	ErrInvalidBlock = errors.New("invalid block")

	// Re-exported so callers need one import.
	ErrInvalidID   = blockdata.ErrInvalidBlockID
	ErrNotFound    = storage.ErrNotFound
	ErrTooLarge    = storage.ErrTooLarge
	ErrUnavailable = storage.ErrUnavailable
)
