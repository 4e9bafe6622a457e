package engine

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"time"

	"github.com/dop251/goja"

	"github.com/symposium/symposium/sandbox-runner/dom"
)

// Event is one user event a viewer's browser forwarded into a live page.
type Event struct {
	Type    string  // any DOM event name: click, input, change, submit, keydown, ...
	Target  string  // CSS selector in the live document (first match); used when Node is 0
	Node    int64   // a data-symposium-node id from the session's annotated HTML
	Value   *string // input/change: the control's new value, set before dispatch
	Checked *bool   // the checkbox's or radio's checked state; for a click, the state after it
	Key     string  // keydown/keyup/keypress: KeyboardEvent.key
}

var (
	// ErrNoTarget: the event's target matches no element, or is not a valid selector.
	ErrNoTarget = errors.New("no element matches the event's target")
	// ErrSessionEnded: the session stopped (timeout, heap limit, engine failure) and takes no more events.
	ErrSessionEnded = errors.New("the live page has ended")
	// ErrInvalidEvent: the event's type is not an event name.
	ErrInvalidEvent = errors.New("invalid event")
)

// maxEventType bounds Event.Type; DOM event names are short.
const maxEventType = 64

// Session is one live page: its runtime, DOM, listeners and timers stay
// alive between turns (OpenSession's first render, then each Dispatch and
// Tick), so a block's handlers run in the isolate and never in the
// viewer's browser. Its methods are not safe for concurrent use; separate
// sessions are independent and may run on different goroutines.
type Session struct {
	ex       *execution
	b        Block
	annotate bool
	ended    bool
}

// OpenSession runs b as a live page: the same document lifecycle as
// Execute, but timers run on real time, so only those already due run and
// the rest wait for Tick. It returns a nil session when the first render
// left no usable page (timeout, heap limit, engine failure); a script
// error leaves the page live, as it does in a browser.
func OpenSession(ctx context.Context, b Block, opts Options, annotate bool) (s *Session, res Result) {
	defer func() {
		if r := recover(); r != nil {
			s, res = nil, panicResult(ctx, b, r, debug.Stack())
		}
	}()
	if opts.MaxLogEntries <= 0 {
		opts.MaxLogEntries = defaultMaxLogEntries
	}
	if opts.MaxLogBytes <= 0 {
		opts.MaxLogBytes = defaultMaxLogBytes
	}
	res = Result{CSS: b.CSS}
	rt := goja.New()
	doc, err := dom.New(rt, b.HTML)
	if err != nil {
		res.Error = &ScriptError{Message: err.Error()}
		return nil, res
	}
	ex := &execution{
		rt:      rt,
		dom:     doc,
		host:    opts.Host,
		console: console{maxEntries: opts.MaxLogEntries, maxBytes: opts.MaxLogBytes},
		intl:    intlRuntime{locale: opts.Locale, timeZone: opts.TimeZone},
		done:    make(chan func() error),
		loop:    loop{live: true},
	}
	ex.console.ex = ex
	s = &Session{ex: ex, b: b, annotate: annotate}
	res = s.turn(ctx, false, func() error { return ex.run(b) })
	if s.ended {
		return nil, res
	}
	return s, res
}

// Dispatch runs one user event as a browser does (DOM.DispatchUser: state
// first, the event, its default action), then the microtasks, host calls
// and due timers it leads to, all within ctx. A listener's uncaught
// exception is the Result's Error and the page stays live; a turn that
// runs out of ctx or heap ends the session. The error is ErrSessionEnded,
// ErrNoTarget or ErrInvalidEvent, with nothing run.
func (s *Session) Dispatch(ctx context.Context, ev Event) (Result, error) {
	if s.ended {
		return Result{}, ErrSessionEnded
	}
	if ev.Type == "" || len(ev.Type) > maxEventType || !eventName(ev.Type) {
		return Result{}, fmt.Errorf("%w: type %q is not an event name", ErrInvalidEvent, ev.Type)
	}
	t, err := s.target(ev)
	if err != nil {
		return Result{}, targetError(ev, err)
	}
	de := dom.UserEvent{Type: ev.Type, Value: ev.Value, Checked: ev.Checked, Key: ev.Key}
	return s.turn(ctx, true, func() error {
		if err := s.ex.dom.DispatchUser(t, de); err != nil {
			return err
		}
		if err := s.ex.afterTask(); err != nil {
			return err
		}
		return s.ex.runLoop()
	}), nil
}

// Tick runs the timers and frames due now on real time.
func (s *Session) Tick(ctx context.Context) (Result, error) {
	if s.ended {
		return Result{}, ErrSessionEnded
	}
	return s.turn(ctx, true, s.ex.runLoop), nil
}

// NextTimer is how long until the earliest pending timer or frame is due
// (0 when one is overdue), so the caller knows when to Tick; false when
// nothing is pending or the session ended.
func (s *Session) NextTimer() (time.Duration, bool) {
	if s.ended {
		return 0, false
	}
	return s.ex.nextDue()
}

// Ended reports whether the session takes no more events.
func (s *Session) Ended() bool { return s.ended }

// Close releases the session's runtime; later calls answer ErrSessionEnded.
func (s *Session) Close() {
	if s.ex != nil {
		s.ex.rt.ClearInterrupt()
	}
	s.ended, s.ex = true, nil
}

// turn runs body as one turn: its own interrupt on ctx, this turn's logs
// and new notices only, the body HTML after it. A timeout, the heap limit
// or a Go panic ends the session. reportListeners: a listener's reported
// exception is the Result's Error (not on the first render, which answers
// as Execute does).
func (s *Session) turn(ctx context.Context, reportListeners bool, body func() error) (res Result) {
	ex := s.ex
	defer func() {
		if r := recover(); r != nil {
			res = panicResult(ctx, s.b, r, debug.Stack())
			s.ended = true
		}
	}()
	res = Result{CSS: s.b.CSS}
	hostCtx, cancel := context.WithCancel(ctx)
	defer cancel() // releases host calls a timed-out turn left in flight
	ex.ctx = hostCtx
	ex.console.entries, ex.console.bytes, ex.console.truncated = nil, 0, false
	ex.life.thrown, ex.life.inTurn = nil, reportListeners
	seen := len(ex.life.notices)

	fired := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		ex.rt.Interrupt(ctx.Err())
		close(fired)
	})
	err := body()
	if err != nil && ex.inflight > 0 {
		// A script error stopped the turn with host calls in flight: they
		// settle now, within this turn, so none outlives it.
		var interrupted *goja.InterruptedError
		if derr := ex.drainHost(); errors.Is(derr, errTimedOut) || errors.As(derr, &interrupted) {
			err = derr // the turn timed out after all
		}
		if ex.inflight > 0 {
			err = errTimedOut // a call outlived the turn: the page cannot go on
		}
	}
	if !stop() {
		<-fired // the interrupt is set: clear it only after it was
	}
	ex.rt.ClearInterrupt()
	ex.life.inTurn = false
	if err != nil {
		ex.fail(&res, err)
		cleanError(res.Error)
	}
	// Reported once: a live page keeps running past an unhandled rejection.
	ex.rejections = nil
	if res.Error == nil && ex.life.thrown != nil {
		res.Error = ex.life.thrown
		cleanError(res.Error)
	}
	if res.TimedOut || res.OutOfMemory {
		s.ended = true
	}
	if !s.ended {
		ex.dom.Sweep() // what the turn removed from the page can go
	}
	res.Logs = ex.console.entries
	res.Notices = slices.Clone(ex.life.notices[seen:])
	res.CSS = finishCSS(ex.dom, s.b.CSS)
	render := ex.dom.BodyHTML
	if s.annotate {
		render = ex.dom.AnnotatedBodyHTML
	}
	res.setHTML(render(MaxHTMLBytes))
	return res
}

// drainHost waits for the host calls in flight and settles them; an error
// is the first a settlement raised, or a timeout.
func (ex *execution) drainHost() error {
	var first error
	for ex.inflight > 0 {
		select {
		case settle := <-ex.done:
			ex.inflight--
			if err := settle(); err != nil && first == nil {
				first = err
			}
		case <-ex.ctx.Done():
			return errTimedOut
		}
	}
	return first
}

// target resolves the event's target; a Go panic in the selector engine
// answers as a target that matches nothing rather than taking the runner
// down (no script ran, so the page is intact).
func (s *Session) target(ev Event) (t dom.Target, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: selector engine failed: %v", dom.ErrNoElement, r)
		}
	}()
	return s.ex.dom.Target(ev.Target, ev.Node)
}

// targetError is ErrNoTarget with what the event named.
func targetError(ev Event, err error) error {
	switch {
	case ev.Node != 0:
		return fmt.Errorf("%w: node %d is not in the page", ErrNoTarget, ev.Node)
	case ev.Target == "":
		return fmt.Errorf("%w: the event names no target (selector or node)", ErrNoTarget)
	case errors.Is(err, dom.ErrBadSelector):
		return fmt.Errorf("%w: %q is not a valid selector", ErrNoTarget, ev.Target)
	}
	return fmt.Errorf("%w: nothing matches the selector %q", ErrNoTarget, ev.Target)
}

// eventName reports whether t looks like a DOM event type (letters,
// digits, '-', '_', ':' and '.'), so nothing odd reaches the page.
func eventName(t string) bool {
	for i := 0; i < len(t); i++ {
		c := t[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == ':' || c == '.') {
			return false
		}
	}
	return true
}
