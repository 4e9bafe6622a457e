package isolate

import "errors"

var (
	// ErrCapacity means every isolate is executing right now; try again in
	// a moment (idle isolates are evicted, least recently used first).
	ErrCapacity = errors.New("isolate: every isolate is executing")
	// ErrClosed means the runtime is shutting down.
	ErrClosed = errors.New("isolate: runtime is shut down")
	// ErrSpawn means a runner could not be started.
	ErrSpawn = errors.New("isolate: could not start a sandbox runner")
	// ErrDead means the isolate's process has exited.
	ErrDead = errors.New("isolate: runner has exited")
	// ErrInstance means this supervisor could not take or keep ownership of
	// its run directory.
	ErrInstance = errors.New("isolate: instance ownership")
)
