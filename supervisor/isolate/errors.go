package isolate

import "errors"

var (
	// ErrCapacity means every isolate slot is in use; try again later.
	ErrCapacity = errors.New("isolate: all isolates are in use")
	// ErrUnknownBlock means no isolate or stored code exists for the block.
	ErrUnknownBlock = errors.New("isolate: unknown content block")
	// ErrClosed means the manager is shutting down.
	ErrClosed = errors.New("isolate: manager is shut down")
	// ErrSpawn means a runner could not be started.
	ErrSpawn = errors.New("isolate: could not start a sandbox runner")
	// ErrStorage means the block store did not answer.
	ErrStorage = errors.New("isolate: block storage is unavailable")
	// ErrDead means the isolate's process has exited.
	ErrDead = errors.New("isolate: runner has exited")
)
