package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/symposium/symposium/ipc"
	"github.com/symposium/symposium/sandbox-runner/engine"
)

// executor adapts the engine to the ipc protocol; ipc maps the wire types.
// It keeps the process's live sessions: each is a whole runtime, so their
// number is capped (ipc.MaxRunnerSessions) whatever the supervisor allows.
type executor struct {
	max      int // ipc.MaxRunnerSessions; lower in tests
	mu       sync.Mutex
	sessions map[string]*liveSession
	opening  int // sessions being opened, counted against the cap
}

// liveSession serialises the turns of one session (an engine.Session is not
// safe for concurrent use); different sessions run concurrently.
type liveSession struct {
	mu sync.Mutex
	s  *engine.Session // nil once closed
}

// runnerExecutor is what the runner serves: executions and live sessions.
type runnerExecutor interface {
	ipc.Executor
	ipc.SessionExecutor
}

var _ runnerExecutor = (*executor)(nil)

func newExecutor() *executor {
	return &executor{max: ipc.MaxRunnerSessions, sessions: map[string]*liveSession{}}
}

func (*executor) Execute(ctx context.Context, req ipc.Request, host ipc.Host) (ipc.Response, error) {
	start := time.Now()
	ctx, cancel := withTimeout(ctx, req.Timeout)
	defer cancel()
	res := engine.Execute(ctx, block(req), options(req, host))
	out := response(res)
	out.Duration = time.Since(start)
	return out, nil
}

// OpenSession runs the block as a live page and keeps it if it is usable.
func (e *executor) OpenSession(ctx context.Context, req ipc.SessionRequest, host ipc.Host) (ipc.SessionResponse, error) {
	start := time.Now()
	e.mu.Lock()
	if _, ok := e.sessions[req.SessionID]; ok || req.SessionID == "" {
		e.mu.Unlock()
		return ipc.SessionResponse{}, fmt.Errorf("%w: %q", ipc.ErrSessionExists, req.SessionID)
	}
	if len(e.sessions)+e.opening >= e.max {
		e.mu.Unlock()
		return ipc.SessionResponse{}, ipc.ErrSessionLimit
	}
	e.opening++
	e.mu.Unlock()

	tctx, cancel := withTimeout(ctx, req.Timeout)
	s, res := engine.OpenSession(tctx, block(req.Request), options(req.Request, host), req.Annotate)
	cancel()
	// A first render stopped at its deadline or heap limit leaves no page
	// worth keeping, whatever the engine kept.
	out := ipc.SessionResponse{Response: response(res), NextTimer: -1, Ended: s == nil || s.Ended() || res.TimedOut || res.OutOfMemory}
	e.mu.Lock()
	e.opening--
	if !out.Ended {
		e.sessions[req.SessionID] = &liveSession{s: s}
	}
	e.mu.Unlock()
	if out.Ended {
		if s != nil {
			s.Close()
		}
	} else {
		out.NextTimer = nextTimer(s)
	}
	out.Duration = time.Since(start)
	return out, nil
}

// Dispatch runs one user event in a live session.
func (e *executor) Dispatch(ctx context.Context, sessionID string, ev ipc.Event, timeout time.Duration) (ipc.SessionResponse, error) {
	return e.turn(ctx, sessionID, timeout, func(ctx context.Context, s *engine.Session) (engine.Result, error) {
		return s.Dispatch(ctx, engine.Event{Type: ev.Type, Target: ev.Target, Node: ev.Node, Value: ev.Value, Checked: ev.Checked, Key: ev.Key})
	})
}

// Tick runs the session's timers that are due.
func (e *executor) Tick(ctx context.Context, sessionID string, timeout time.Duration) (ipc.SessionResponse, error) {
	return e.turn(ctx, sessionID, timeout, func(ctx context.Context, s *engine.Session) (engine.Result, error) { return s.Tick(ctx) })
}

// turn runs one step of a session under its own deadline. A turn that ends
// the session answers Ended and releases it; later calls get ErrNoSession.
func (e *executor) turn(ctx context.Context, id string, timeout time.Duration, step func(context.Context, *engine.Session) (engine.Result, error)) (ipc.SessionResponse, error) {
	start := time.Now()
	e.mu.Lock()
	ls := e.sessions[id]
	e.mu.Unlock()
	if ls == nil {
		return ipc.SessionResponse{}, ipc.ErrNoSession
	}
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if ls.s == nil {
		return ipc.SessionResponse{}, ipc.ErrNoSession // closed while this call waited
	}
	tctx, cancel := withTimeout(ctx, timeout)
	res, err := step(tctx, ls.s)
	cancel()
	switch {
	case errors.Is(err, engine.ErrNoTarget):
		return ipc.SessionResponse{}, &ipc.TargetError{Message: err.Error()}
	case errors.Is(err, engine.ErrInvalidEvent):
		return ipc.SessionResponse{}, &ipc.EventError{Message: err.Error()}
	case errors.Is(err, engine.ErrSessionEnded):
		e.release(id, ls)
		return ipc.SessionResponse{}, fmt.Errorf("%w: %w", ipc.ErrNoSession, err)
	case err != nil:
		return ipc.SessionResponse{}, err
	}
	out := ipc.SessionResponse{Response: response(res), NextTimer: -1}
	// A turn stopped at its deadline or heap limit ends the session (the
	// engine says so too; the runner does not rely on it).
	if ls.s.Ended() || res.TimedOut || res.OutOfMemory {
		out.Ended = true
		e.release(id, ls)
	} else {
		out.NextTimer = nextTimer(ls.s)
	}
	out.Duration = time.Since(start)
	return out, nil
}

// release forgets a session and frees its runtime; the caller holds ls.mu.
func (e *executor) release(id string, ls *liveSession) {
	e.mu.Lock()
	if e.sessions[id] == ls {
		delete(e.sessions, id)
	}
	e.mu.Unlock()
	if ls.s != nil {
		ls.s.Close()
		ls.s = nil
	}
}

// CloseSession releases a session, after its turn in flight if any.
func (e *executor) CloseSession(id string) {
	e.mu.Lock()
	ls := e.sessions[id]
	delete(e.sessions, id)
	e.mu.Unlock()
	if ls == nil {
		return
	}
	ls.mu.Lock()
	e.release(id, ls)
	ls.mu.Unlock()
}

// count is the number of live sessions, for tests.
func (e *executor) count() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.sessions)
}

func nextTimer(s *engine.Session) time.Duration {
	d, ok := s.NextTimer()
	if !ok {
		return -1
	}
	return max(d, 0)
}

func withTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if d > 0 {
		return context.WithTimeout(ctx, d)
	}
	return ctx, func() {}
}

func block(req ipc.Request) engine.Block {
	return engine.Block{HTML: req.Code.HTML, CSS: req.Code.CSS, JavaScript: req.Code.JavaScript, Data: req.Data}
}

func options(req ipc.Request, host ipc.Host) engine.Options {
	opts := engine.Options{Locale: req.Locale, TimeZone: req.TimeZone}
	if host != nil {
		// ipc.Host already turns gRPC statuses into the supervisor's words.
		opts.Host = host
	}
	return opts
}

func response(res engine.Result) ipc.Response {
	out := ipc.Response{
		HTML:        res.HTML,
		CSS:         res.CSS,
		TimedOut:    res.TimedOut,
		OutOfMemory: res.OutOfMemory,
		Notices:     res.Notices,
		Logs:        make([]ipc.Log, len(res.Logs)),
	}
	for i, l := range res.Logs {
		out.Logs[i] = ipc.Log{Level: l.Level, Message: l.Message}
	}
	if res.Error != nil {
		out.Error = &ipc.ScriptError{Message: res.Error.Message, Stack: res.Error.Stack}
	}
	return out
}
