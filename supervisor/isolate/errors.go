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
	// ErrNoSession means no such live session is here: its isolate ended
	// (WithSessionsEnded said so), its last turn ended it, it was closed, or
	// it never existed in this runtime.
	ErrNoSession = errors.New("isolate: no such live session")
	// ErrNoTarget means an event's target matches no element in the live
	// page; the session stays live. The error's text is the engine's, which
	// names the selector.
	ErrNoTarget = errors.New("isolate: the event's target matches no element")
	// ErrInvalidEvent means an event is malformed (its type is no event
	// name); nothing ran and the session stays live. The text is the
	// engine's.
	ErrInvalidEvent = errors.New("isolate: invalid event")
	// ErrSessionLimit means the block's isolate holds its maximum of live
	// sessions (Config.MaxSessionsPerIsolate).
	ErrSessionLimit = errors.New("isolate: the block's isolate holds its maximum of live sessions")
	// ErrSessionExists means OpenSession named a session id that is live.
	ErrSessionExists = errors.New("isolate: the session id is in use")
)
