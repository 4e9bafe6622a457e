package isolate

// Live sessions: one live page of a block kept alive in the block's isolate.
// The isolate is acquired as for Run (table, LRU, pool, host server), each
// turn (open, event, timer tick) is one call under the execution timeout,
// and the session ends with its isolate. Turns are not executions: they do
// not count in the outcome metrics (Sample.Outcomes) nor in an isolate's
// Executions, and emit no EventExecuted, so a clicking viewer does not
// flood the figures of runs; they do count as the isolate being in use
// (State running, LastUsed, health).

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/symposium/symposium/ipc"
)

// UserEvent is one user event for a live session: the one host-side type, shared with ipc.
type UserEvent = ipc.Event

// Turn is what one step of a live session produced: the one result type,
// plus the session's state.
type Turn struct {
	Result
	SessionID string
	IsolateID string
	Ended     bool          // the session is over: its runtime stopped, or its isolate ended
	NextTimer time.Duration // until its next timer; < 0 when none is pending
}

// session is the supervisor's record of one live session in a slot.
type session struct {
	id  string
	css string // the block's, for a turn whose runner did not answer
	// turn holds one token while a turn runs: a session's turns run one at
	// a time, so each gets its whole deadline (the runner serialises too).
	turn chan struct{}
}

// runnerWords is one of this package's sentinels (ErrNoTarget,
// ErrInvalidEvent) with the engine's words, which name what was wrong; it
// also matches the ipc error it came from.
type runnerWords struct {
	sentinel error
	err      error
}

func (e *runnerWords) Error() string        { return e.err.Error() }
func (e *runnerWords) Is(target error) bool { return target == e.sentinel }
func (e *runnerWords) Unwrap() error        { return e.err }

// WithSessionsEnded is told when an isolate holding live sessions ends
// (death, eviction, End, idle, Close), with the ids of the sessions that
// ended with it (sorted) and why (EventDied, EventEvicted, EventTerminated).
// A session whose own turn killed the runner is not listed: its Turn says
// Ended. fn must not block.
func WithSessionsEnded(fn func(blockID string, sessionIDs []string, why EventType)) Option {
	return func(r *Runtime) { r.sessionsEnded = fn }
}

// OpenSession runs the block as a live page in its isolate, binding one
// first if the block has none (as Run does). The Turn is its first render;
// Ended set means no page was kept (the render timed out, ran out of
// memory, or crashed). ErrSessionLimit: the isolate holds
// Config.MaxSessionsPerIsolate sessions; ErrCapacity as for Run.
func (r *Runtime) OpenSession(ctx context.Context, blockID, sessionID string, code Code, data []byte, annotate bool) (*Turn, error) {
	if sessionID == "" {
		return nil, fmt.Errorf("%w: the session id is empty", ErrSessionExists)
	}
	s, err := r.acquire(ctx, blockID)
	if err != nil {
		return nil, err
	}
	defer r.release(s)
	ls, err := r.reserve(s, sessionID, code.CSS)
	if err != nil {
		return nil, err
	}
	defer func() { <-ls.turn }()
	req := ipc.SessionRequest{
		Request:   ipc.Request{BlockID: blockID, Code: code, Data: data, Timeout: r.cfg.ExecTimeout, Locale: r.cfg.Locale, TimeZone: r.cfg.TimeZone},
		SessionID: sessionID, Annotate: annotate,
	}
	return r.runTurn(ctx, s, ls, func(ctx context.Context) (ipc.SessionResponse, error) {
		return s.iso.sb.OpenSession(ctx, req)
	})
}

// Dispatch runs one user event in a live session: its listeners, the
// microtasks and host calls they start, the timers now due. ErrNoSession:
// the session or its isolate is gone; ErrNoTarget: the event's target
// matches nothing, ErrInvalidEvent: the event is malformed (the session
// stays live either way).
func (r *Runtime) Dispatch(ctx context.Context, blockID, sessionID string, ev UserEvent) (*Turn, error) {
	return r.step(ctx, blockID, sessionID, func(ctx context.Context, sb ipc.Sandbox) (ipc.SessionResponse, error) {
		return sb.Dispatch(ctx, sessionID, ev, r.cfg.ExecTimeout)
	})
}

// Tick runs a live session's timers that are due on real time; the caller
// schedules it from Turn.NextTimer. ErrNoSession as for Dispatch.
func (r *Runtime) Tick(ctx context.Context, blockID, sessionID string) (*Turn, error) {
	return r.step(ctx, blockID, sessionID, func(ctx context.Context, sb ipc.Sandbox) (ipc.SessionResponse, error) {
		return sb.Tick(ctx, sessionID, r.cfg.ExecTimeout)
	})
}

// CloseSession ends a live session and releases its runtime in the isolate
// (after its turn in flight, if any). Unknown sessions are ignored.
func (r *Runtime) CloseSession(blockID, sessionID string) {
	r.mu.Lock()
	s, ok := r.table[blockID]
	if !ok || s.sessions[sessionID] == nil {
		r.mu.Unlock()
		return
	}
	r.forgetLocked(s, sessionID)
	iso := s.iso
	r.mu.Unlock()
	r.closeInRunner(iso, sessionID)
}

// reserve records a new session in the slot, holding its turn token.
func (r *Runtime) reserve(s *slot, id, css string) (*session, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case s.gone || s.iso.Dead():
		return nil, fmt.Errorf("%w: the block's isolate ended before the session opened", ErrDead)
	case s.sessions[id] != nil:
		return nil, ErrSessionExists
	case len(s.sessions) >= r.cfg.MaxSessionsPerIsolate:
		return nil, fmt.Errorf("%w (%d)", ErrSessionLimit, r.cfg.MaxSessionsPerIsolate)
	}
	ls := &session{id: id, css: css, turn: make(chan struct{}, 1)}
	ls.turn <- struct{}{}
	if s.sessions == nil {
		s.sessions = map[string]*session{}
	}
	s.sessions[id] = ls
	s.iso.sessions.Store(int32(len(s.sessions)))
	r.ver++ // the sample shows each isolate's sessions
	return ls, nil
}

// step runs one turn of an existing session.
func (r *Runtime) step(ctx context.Context, blockID, sessionID string, rpc func(context.Context, ipc.Sandbox) (ipc.SessionResponse, error)) (*Turn, error) {
	s, ls, err := r.acquireSession(blockID, sessionID)
	if err != nil {
		return nil, err
	}
	defer r.release(s)
	select {
	case ls.turn <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-ls.turn }()
	if !r.holds(s, ls) {
		return nil, ErrNoSession // it ended while this turn waited
	}
	return r.runTurn(ctx, s, ls, func(ctx context.Context) (ipc.SessionResponse, error) { return rpc(ctx, s.iso.sb) })
}

// acquireSession returns the slot holding a live session, marked busy.
func (r *Runtime) acquireSession(blockID, sessionID string) (*slot, *session, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s, ok := r.table[blockID]
	if !ok || s.sessions[sessionID] == nil || s.iso.Dead() {
		return nil, nil, ErrNoSession
	}
	s.busy++
	r.clock++
	s.used = r.clock
	return s, s.sessions[sessionID], nil
}

// runTurn makes one call into the runner and turns it into a Turn, ending
// the session's record when the turn ended it.
func (r *Runtime) runTurn(ctx context.Context, s *slot, ls *session, rpc func(context.Context) (ipc.SessionResponse, error)) (*Turn, error) {
	if s.execution != nil {
		// Host-call bounds count per turn, as per execution.
		s.execution.BeginExecution()
	}
	var sr ipc.SessionResponse
	answered := false
	res, err := s.iso.call(ctx, s.block, ls.css, r.cfg.ExecTimeout, func(ctx context.Context) (ipc.Response, error) {
		var err error
		sr, err = rpc(ctx)
		answered = err == nil
		return sr.Response, err
	}, func() { r.forget(s, ls) }) // its Turn says Ended; the others' notice need not
	if err != nil {
		// The runner's answer about the session itself: nothing ran.
		if !errors.Is(err, ipc.ErrNoTarget) && !errors.Is(err, ipc.ErrInvalidEvent) {
			r.forget(s, ls)
		}
		return nil, sessionError(err)
	}
	if res.Kind != KindCrash {
		r.health.servedOne()
	}
	t := &Turn{Result: *res, SessionID: ls.id, IsolateID: s.iso.ID, NextTimer: sr.NextTimer}
	switch res.Kind {
	case KindTimeout, KindOOM, KindCrash, KindSeccomp:
		t.Ended = true
	}
	if !answered || sr.Ended {
		t.Ended = true
	}
	held := r.holds(s, ls)
	if t.Ended || !held {
		// Closed while the turn ran, or its isolate ended: over either way.
		t.Ended, t.NextTimer = true, -1
		r.forget(s, ls)
		if !sr.Ended && !s.iso.Dead() {
			// The runner may still hold it (a cancelled call, a close that
			// arrived before the open registered it).
			go r.closeInRunner(s.iso, ls.id)
		}
	}
	return t, nil
}

// sessionError maps the runner's session answers to this package's sentinels.
func sessionError(err error) error {
	switch {
	case errors.Is(err, ipc.ErrNoTarget):
		return &runnerWords{sentinel: ErrNoTarget, err: err}
	case errors.Is(err, ipc.ErrInvalidEvent):
		return &runnerWords{sentinel: ErrInvalidEvent, err: err}
	case errors.Is(err, ipc.ErrNoSession):
		return ErrNoSession
	case errors.Is(err, ipc.ErrSessionLimit):
		return fmt.Errorf("%w: %w", ErrSessionLimit, err)
	case errors.Is(err, ipc.ErrSessionExists):
		return ErrSessionExists
	}
	return err
}

// holds reports whether the slot still holds the session.
func (r *Runtime) holds(s *slot, ls *session) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return s.sessions[ls.id] == ls
}

// forget drops the session's record, if the slot still holds it.
func (r *Runtime) forget(s *slot, ls *session) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if s.sessions[ls.id] == ls {
		r.forgetLocked(s, ls.id)
	}
}

// forgetLocked drops a session's record; r.mu is held.
func (r *Runtime) forgetLocked(s *slot, id string) {
	delete(s.sessions, id)
	s.iso.sessions.Store(int32(len(s.sessions)))
	r.ver++
}

// closeInRunner releases a session in a live runner; a dead one holds nothing.
func (r *Runtime) closeInRunner(iso *Isolate, id string) {
	if iso.Dead() {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), r.cfg.ExecTimeout+time.Second)
	defer cancel()
	if err := iso.sb.CloseSession(ctx, id); err != nil && !iso.Dead() {
		r.logger.Warn("closing a live session in its isolate", "isolate", iso.ID, "session", id, "err", err)
	}
}
