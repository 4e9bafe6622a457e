package session

import (
	"errors"
	"time"
)

var (
	// ErrSessionGone: no such live session here (unknown, ended, or
	// another tenant's: those are not told apart, so ids do not leak).
	ErrSessionGone = errors.New("session: no such live session")
	// ErrSessionMoved: the id names a session of another instance.
	ErrSessionMoved = errors.New("session: the live session lives on another instance")
	// ErrRateLimited: the session's events arrive faster than its rate.
	ErrRateLimited = errors.New("session: too many events for this session")
	// ErrSessionLimit: this instance holds its maximum of live sessions.
	ErrSessionLimit = errors.New("session: this instance holds its maximum of live sessions")
	// ErrOwnerLimit: the tenant holds its maximum of live sessions here.
	ErrOwnerLimit = errors.New("session: the tenant holds its maximum of live sessions")
	// ErrInvalidEvent: the event cannot be dispatched as sent.
	ErrInvalidEvent = errors.New("session: invalid event")
	// ErrClosed: the manager is shut down.
	ErrClosed = errors.New("session: the session manager is shut down")
)

// RateError is a refusal by a session's event bucket; it matches
// ErrRateLimited and says when the next event would pass.
type RateError struct{ RetryAfter time.Duration }

func (e *RateError) Error() string { return ErrRateLimited.Error() }

// Unwrap makes errors.Is(err, ErrRateLimited) hold.
func (e *RateError) Unwrap() error { return ErrRateLimited }

// GoneError is ErrSessionGone with why the session ended, when this
// instance still remembers it, so a client can say more than "unknown".
type GoneError struct{ Reason Reason }

func (e *GoneError) Error() string {
	if e.Reason == "" {
		return ErrSessionGone.Error()
	}
	return ErrSessionGone.Error() + " (it ended: " + string(e.Reason) + ")"
}

// Unwrap makes errors.Is(err, ErrSessionGone) hold.
func (e *GoneError) Unwrap() error { return ErrSessionGone }

// MovedError is ErrSessionMoved naming the instance that holds it.
type MovedError struct{ Instance string }

func (e *MovedError) Error() string { return ErrSessionMoved.Error() + " (" + e.Instance + ")" }

// Unwrap makes errors.Is(err, ErrSessionMoved) hold.
func (e *MovedError) Unwrap() error { return ErrSessionMoved }
