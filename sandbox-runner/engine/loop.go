package engine

import (
	"container/heap"
	"fmt"
	"math"
	"time"

	"github.com/dop251/goja"
)

// loop is the timer half of the event loop. Time is virtual: a timer fires
// as soon as everything before it is done, and the clock (also behind Date)
// jumps to its due time, so setTimeout(f, 1000) costs no real second.
//
// A live session (session.go) runs the same loop on real time instead: a
// timer runs once the wall clock reaches its due time, later ones wait for
// a later turn, and now stays 0 (Date and timers follow real time alone).
type loop struct {
	live   bool  // real time: a live session's loop (runLive)
	now    int64 // virtual milliseconds since the execution started
	seq    uint64
	nextID int64
	fired  int
	queue  timerQueue
	byID   map[int64]*timer
	thenFn goja.Callable // Promise.prototype.then, for queueMicrotask
	ready  goja.Value    // a resolved promise
}

type timer struct {
	id       int64
	due      int64
	seq      uint64 // FIFO among timers due at the same time
	interval int64  // > 0 for setInterval
	fn       goja.Callable
	args     []goja.Value
	frame    int64 // > 0: the animation frame of this number runs instead of fn
}

type timerQueue []*timer

func (q timerQueue) Len() int { return len(q) }
func (q timerQueue) Less(i, j int) bool {
	if q[i].due != q[j].due {
		return q[i].due < q[j].due
	}
	return q[i].seq < q[j].seq
}
func (q timerQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *timerQueue) Push(x any)   { *q = append(*q, x.(*timer)) }
func (q *timerQueue) Pop() any {
	old := *q
	t := old[len(old)-1]
	*q = old[:len(old)-1]
	return t
}

func (l *loop) schedule(t *timer) {
	l.seq++
	t.seq = l.seq
	heap.Push(&l.queue, t)
}

// add registers a new timer (its id live) and queues it.
func (l *loop) add(t *timer) {
	if l.byID == nil {
		l.byID = make(map[int64]*timer)
	}
	l.byID[t.id] = t
	l.schedule(t)
}

func (ex *execution) setTimer(repeat bool) func(goja.FunctionCall) goja.Value {
	return func(c goja.FunctionCall) goja.Value {
		fn, ok := goja.AssertFunction(c.Argument(0))
		if !ok {
			panic(ex.rt.NewTypeError("The \"callback\" argument must be of type function"))
		}
		delay := c.Argument(1).ToFloat()
		if math.IsNaN(delay) || delay < 0 {
			delay = 0
		}
		delay = math.Min(delay, math.MaxInt32)
		l := &ex.loop
		l.nextID++
		// Due after the clock Date shows now (real time may be ahead of the
		// virtual clock), so the callback sees at least delay ms pass.
		t := &timer{id: l.nextID, due: ex.clockMs() + int64(delay), fn: fn}
		if len(c.Arguments) > 2 {
			t.args = append([]goja.Value(nil), c.Arguments[2:]...)
		}
		if repeat {
			t.interval = max(int64(delay), 1) // the clock must advance between runs
		}
		l.add(t)
		return ex.rt.ToValue(t.id)
	}
}

// clearTimer only forgets the id; the queue drops cancelled timers lazily.
func (ex *execution) clearTimer(c goja.FunctionCall) goja.Value {
	delete(ex.loop.byID, c.Argument(0).ToInteger())
	return goja.Undefined()
}

// queueMicrotask chains f onto a resolved promise, so it runs in goja's own
// job queue in order with promise reactions.
func (ex *execution) queueMicrotask(c goja.FunctionCall) goja.Value {
	f := c.Argument(0)
	if _, ok := goja.AssertFunction(f); !ok {
		panic(ex.rt.NewTypeError("The \"callback\" argument must be of type function"))
	}
	l := &ex.loop
	if l.thenFn == nil {
		p, resolve, _ := ex.rt.NewPromise()
		_ = resolve(goja.Undefined())
		l.ready = ex.rt.ToValue(p)
		l.thenFn, _ = goja.AssertFunction(l.ready.ToObject(ex.rt).Get("then"))
	}
	if _, err := l.thenFn(l.ready, f); err != nil {
		panic(err)
	}
	return goja.Undefined()
}

// next pops the earliest live timer, or nil when none is left.
func (l *loop) next() *timer {
	for l.queue.Len() > 0 {
		t := heap.Pop(&l.queue).(*timer)
		if l.byID[t.id] == t {
			return t
		}
	}
	return nil
}

// hostStep begins every step of the event loop: an unhandled rejection or
// the deadline ends it; otherwise one host call in flight, if any, is
// waited for and settled, and more says the loop should step again.
func (ex *execution) hostStep() (more bool, err error) {
	if err := ex.checkRejections(); err != nil {
		return false, err
	}
	if ex.ctx.Err() != nil {
		return false, errTimedOut
	}
	if ex.inflight == 0 {
		return false, nil
	}
	select {
	case settle := <-ex.done:
		ex.inflight--
		if err := settle(); err != nil {
			return true, err
		}
		return true, ex.afterTask()
	case <-ex.ctx.Done():
		return true, errTimedOut
	}
}

// runLoop drives the event loop after the main script: host call results
// first (they complete "instantly" in virtual time), then timers in due order.
// Microtasks run inside goja after every call into the runtime.
func (ex *execution) runLoop() error {
	l := &ex.loop
	if l.live {
		return ex.runLive()
	}
	for {
		if more, err := ex.hostStep(); err != nil {
			return err
		} else if more {
			continue
		}
		t := l.next()
		if t == nil {
			return nil
		}
		if l.fired >= MaxTimerCallbacks || t.due > TimerHorizon.Milliseconds() {
			// A browser would keep the page running; say what was cut short
			// beside the console rather than in it.
			ex.notice(fmt.Sprintf(
				"%d pending timer(s) dropped: the event loop stops after %d timer callbacks or %s of virtual time",
				len(l.byID), MaxTimerCallbacks, TimerHorizon))
			return nil
		}
		l.fired++
		l.now = t.due
		if err := ex.fire(t, l.now); err != nil {
			return err
		}
	}
}

// fire runs one due timer at now: an interval is queued again (in a live
// session a late one does not replay the runs it missed; on the virtual
// clock now is its due time, so it never is late), a timeout forgotten;
// then its callback, or its animation frame, and the microtasks after it.
func (ex *execution) fire(t *timer, now int64) error {
	l := &ex.loop
	if t.interval > 0 {
		if t.due += t.interval; t.due <= now {
			t.due = now + t.interval
		}
		l.schedule(t)
	} else {
		delete(l.byID, t.id)
	}
	if t.frame > 0 {
		if err := ex.runFrame(t.frame); err != nil {
			return err
		}
	} else if _, err := t.fn(goja.Undefined(), t.args...); err != nil {
		return err
	}
	return ex.afterTask()
}

// Animation frames tick at 60 Hz of the virtual clock: frame k is due at
// k*1000/60 ms. requestAnimationFrame queues a callback for the next frame;
// callbacks queued while a frame runs wait for the one after, as in
// browsers, so a rAF loop advances 16.7 ms a step and ends at the loop's
// bounds like an interval.
type frameQueue struct {
	nextID    int64
	callbacks []frameCallback
	pending   bool // a frame timer is scheduled
}

type frameCallback struct {
	id int64
	fn goja.Callable
}

const frameRate = 60

func frameTime(k int64) float64 { return float64(k) * 1000 / frameRate }

func (ex *execution) requestAnimationFrame(c goja.FunctionCall) goja.Value {
	fn, ok := goja.AssertFunction(c.Argument(0))
	if !ok {
		panic(ex.rt.NewTypeError("Failed to execute 'requestAnimationFrame' on 'Window': The callback provided as parameter 1 is not a function."))
	}
	f := &ex.life.frames
	f.nextID++
	f.callbacks = append(f.callbacks, frameCallback{id: f.nextID, fn: fn})
	if !f.pending {
		f.pending = true
		l := &ex.loop
		k := l.now*frameRate/1000 + 1
		if l.live {
			k = ex.clockMs()*frameRate/1000 + 1
		}
		l.nextID++
		t := &timer{id: l.nextID, due: int64(math.Ceil(frameTime(k))), frame: k}
		l.add(t)
	}
	return ex.rt.ToValue(f.nextID)
}

func (ex *execution) cancelAnimationFrame(c goja.FunctionCall) goja.Value {
	id := c.Argument(0).ToInteger()
	f := &ex.life.frames
	for i, cb := range f.callbacks {
		if cb.id == id {
			f.callbacks = append(f.callbacks[:i], f.callbacks[i+1:]...)
			break
		}
	}
	return goja.Undefined()
}

// runFrame runs the callbacks queued before frame k started.
func (ex *execution) runFrame(k int64) error {
	f := &ex.life.frames
	cbs := f.callbacks
	f.callbacks, f.pending = nil, false
	ts := ex.rt.ToValue(frameTime(k))
	for _, cb := range cbs {
		if _, err := cb.fn(goja.Undefined(), ts); err != nil {
			return err
		}
	}
	return nil
}

// clockMs is the execution's clock in whole milliseconds: real time since
// the start, or the virtual clock where timers have run ahead of it.
func (ex *execution) clockMs() int64 {
	if ex.start.IsZero() {
		return ex.loop.now
	}
	return max(time.Since(ex.start).Milliseconds(), ex.loop.now)
}

// maxLiveCallbacks bounds the timer callbacks one turn of a live session
// runs; the rest stay due, for the next turn.
const maxLiveCallbacks = 1000

// peek is the earliest live timer, left in the queue; nil when none is left.
func (l *loop) peek() *timer {
	for l.queue.Len() > 0 {
		t := l.queue[0]
		if l.byID[t.id] == t {
			return t
		}
		heap.Pop(&l.queue)
	}
	return nil
}

// runLive is one turn of a live session's event loop: host call results
// (waited for within the turn's context), then the timers and frames the
// wall clock has reached, at most maxLiveCallbacks of them.
func (ex *execution) runLive() error {
	l := &ex.loop
	ran := 0
	for {
		if more, err := ex.hostStep(); err != nil {
			return err
		} else if more {
			continue
		}
		t := l.peek()
		now := ex.clockMs()
		if t == nil || t.due > now {
			return nil
		}
		if ran >= maxLiveCallbacks {
			ex.notice(fmt.Sprintf("timers ran %d callbacks in one turn of the live page; the rest waited for the next", maxLiveCallbacks))
			return nil
		}
		ran++
		heap.Pop(&l.queue)
		if err := ex.fire(t, now); err != nil {
			return err
		}
	}
}

// nextDue is how long until the earliest pending timer or frame of a live
// session is due (0 when overdue); false when none is pending.
func (ex *execution) nextDue() (time.Duration, bool) {
	t := ex.loop.peek()
	if t == nil {
		return 0, false
	}
	return max(time.Duration(t.due-ex.clockMs())*time.Millisecond, 0), true
}
