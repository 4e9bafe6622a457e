package blocks

import (
	"errors"

	"github.com/symposium/symposium/storage"
	"github.com/symposium/symposium/storage/blockdata"
)

var (
	// ErrInvalidBlock: the block's data is not JSON.
	ErrInvalidBlock = errors.New("invalid block")
	// ErrDeleted: a write made for an execution found the block deleted
	// since the epoch the execution noted; nothing was written.
	ErrDeleted = errors.New("block deleted since the execution began")
	// ErrBusy: too many concurrent writers to one block's epoch, retry.
	ErrBusy = errors.New("block is being modified concurrently, retry")

	// Re-exported so callers need one import.
	ErrInvalidID   = blockdata.ErrInvalidBlockID
	ErrNotFound    = storage.ErrNotFound
	ErrTooLarge    = storage.ErrTooLarge
	ErrUnavailable = storage.ErrUnavailable
)
