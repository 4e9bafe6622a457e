package blocksvc

import "errors"

var (
	// ErrUnknownBlock means no stored code and no isolate exist for the block.
	ErrUnknownBlock = errors.New("blocksvc: unknown content block")
	// ErrStorage means the block store did not answer.
	ErrStorage = errors.New("blocksvc: block storage is unavailable")
	// ErrTooLarge means the block would not fit in storage; it was not run.
	ErrTooLarge = errors.New("blocksvc: content block too large")
	// ErrDeleted means the block was deleted while it executed; the delete
	// won and nothing of the execution was stored.
	ErrDeleted = errors.New("blocksvc: content block deleted during its execution")
	// ErrQuota means storing the block would pass the storage quota; it
	// was not run, or its output was not stored.
	ErrQuota = errors.New("blocksvc: storage quota exceeded")
)
