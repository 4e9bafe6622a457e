package ipc

import (
	"errors"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

var (
	// ErrNoSession means the runner holds no live session by that id: it was
	// never opened there, was closed, or its last turn ended it. On the wire
	// it is gRPC NOT_FOUND.
	ErrNoSession = errors.New("ipc: no such live session")
	// ErrNoTarget means an event's target matches no element of the live
	// page, or is not a valid selector; the session stays live. On the wire
	// it is gRPC INVALID_ARGUMENT with the runner's message.
	ErrNoTarget = errors.New("ipc: the event's target matches no element")
	// ErrSessionLimit means the runner holds its maximum of live sessions
	// (MaxRunnerSessions). On the wire it is gRPC RESOURCE_EXHAUSTED.
	ErrSessionLimit = errors.New("ipc: the runner holds its maximum of live sessions")
	// ErrInvalidEvent means the event itself is malformed (its type is no
	// event name); nothing ran and the session stays live. On the wire it is
	// gRPC INVALID_ARGUMENT with reason INVALID_EVENT and the runner's message.
	ErrInvalidEvent = errors.New("ipc: invalid event")
	// ErrSessionExists means OpenSession named an id the runner already
	// holds (or none). On the wire it is gRPC ALREADY_EXISTS.
	ErrSessionExists = errors.New("ipc: the session id is taken")
)

// MaxRunnerSessions is the hard cap on live sessions in one runner process,
// whatever the supervisor allows per isolate: each holds a whole runtime.
const MaxRunnerSessions = 256

// TargetError is ErrNoTarget with the runner's own words (they name the
// selector or node), so the author reads what the engine said.
type TargetError struct{ Message string }

func (e *TargetError) Error() string { return e.Message }

// Unwrap makes errors.Is(err, ErrNoTarget) hold.
func (e *TargetError) Unwrap() error { return ErrNoTarget }

// EventError is ErrInvalidEvent with the runner's own words.
type EventError struct{ Message string }

func (e *EventError) Error() string { return e.Message }

// Unwrap makes errors.Is(err, ErrInvalidEvent) hold.
func (e *EventError) Unwrap() error { return ErrInvalidEvent }

// reasonInvalidEvent tells the two INVALID_ARGUMENT answers apart.
const reasonInvalidEvent = "INVALID_EVENT"

// toStatus turns a session error of the runner into its gRPC status; other
// errors pass unchanged (gRPC answers them as UNKNOWN).
func toStatus(err error) error {
	var te *TargetError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &te):
		return status.Error(codes.InvalidArgument, te.Message)
	case errors.Is(err, ErrNoTarget):
		return status.Error(codes.InvalidArgument, err.Error())
	case errors.Is(err, ErrInvalidEvent):
		st := status.New(codes.InvalidArgument, err.Error())
		if d, e := st.WithDetails(&errdetails.ErrorInfo{Reason: reasonInvalidEvent, Domain: "symposium.ipc"}); e == nil {
			st = d
		}
		return st.Err()
	case errors.Is(err, ErrNoSession):
		return status.Error(codes.NotFound, err.Error())
	case errors.Is(err, ErrSessionLimit):
		return status.Error(codes.ResourceExhausted, ErrSessionLimit.Error())
	case errors.Is(err, ErrSessionExists):
		return status.Error(codes.AlreadyExists, err.Error())
	}
	return err
}

// fromStatus is toStatus's inverse on the supervisor side: session errors
// become the sentinels; transport errors (a dead runner, a deadline) stay
// gRPC errors for the caller to classify.
func fromStatus(err error) error {
	s, ok := status.FromError(err)
	if !ok {
		return err
	}
	switch s.Code() {
	case codes.InvalidArgument:
		for _, d := range s.Details() {
			if info, ok := d.(*errdetails.ErrorInfo); ok && info.GetReason() == reasonInvalidEvent {
				return &EventError{Message: s.Message()}
			}
		}
		return &TargetError{Message: s.Message()}
	case codes.NotFound:
		return ErrNoSession
	case codes.AlreadyExists:
		return ErrSessionExists
	case codes.ResourceExhausted:
		// gRPC says RESOURCE_EXHAUSTED itself for an oversized message.
		if s.Message() == ErrSessionLimit.Error() {
			return ErrSessionLimit
		}
	}
	return err
}

// IsSessionError reports whether err is the runner's answer about a
// session (no session, no target, invalid event, limit, id taken) rather
// than a failed call: the isolate is fine and nothing ran.
func IsSessionError(err error) bool {
	for _, e := range []error{ErrNoSession, ErrNoTarget, ErrInvalidEvent, ErrSessionLimit, ErrSessionExists} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}
