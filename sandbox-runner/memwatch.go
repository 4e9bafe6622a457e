package main

import (
	"context"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/symposium/symposium/ipc"
	"github.com/symposium/symposium/sandbox-runner/engine"
)

// The heap watch stops a script whose memory runs away while the runner
// can still answer, so a memory bomb ends as "oom" within milliseconds of
// its limit, not after seconds of collector thrash or a kernel kill. The
// cgroup's limit stays the backstop, for an allocation made in one native
// step (a huge array or string) that no watch can interrupt.
const (
	// watchEvery is the poll period while an execution runs; reading the
	// three metrics costs about a microsecond.
	watchEvery = 5 * time.Millisecond
	// liveShare of the cgroup limit: a live heap (as marked by the last
	// collection) this large stops the script; it is what stops most bombs.
	// With GOGC at 100 the collector lets the heap reach twice the live
	// heap, so at 3/8 of the limit that goal reaches GOMEMLIMIT (3/4):
	// from there the memory limit, not GOGC, paces the collector, which
	// then runs ever more often for ever less room, the thrash that made
	// bombs take seconds. Garbage does not count, only marked objects, so
	// churn alone never trips it.
	liveNum, liveDen = 3, 8
	// softShare of the cgroup limit is a footprint (memory the Go runtime
	// holds from the OS) that stops the script whatever is live: the
	// backstop for growth too fast for a collection to mark it, such as a
	// string doubling, with room left below the limit to render the answer.
	softNum, softDen = 7, 8
)

var heapSamples = []string{
	"/memory/classes/total:bytes",
	"/memory/classes/heap/released:bytes",
	"/gc/heap/live:bytes",
}

// heapWatch polls the runtime's own memory figures while an execution runs.
type heapWatch struct {
	footprint uint64 // stop at this footprint
	live      uint64 // or at this live heap
	every     time.Duration
	fired     atomic.Int64 // unix nanoseconds of the last stop, for tests and logs
}

// newHeapWatch derives the soft limits from the cgroup limit; nil when the
// runner has none (a runner started by hand).
func newHeapWatch(limit int64) *heapWatch {
	if limit <= 0 {
		return nil
	}
	l := uint64(limit)
	return &heapWatch{footprint: l / softDen * softNum, live: l / liveDen * liveNum, every: watchEvery}
}

// memoryLimit is the cgroup limit the supervisor passed, or 0.
func memoryLimit() int64 {
	n, err := strconv.ParseInt(os.Getenv(envMemoryLimit), 10, 64)
	if err != nil || n <= 0 {
		return 0
	}
	return n
}

// over reports whether the heap has passed a soft limit.
func (w *heapWatch) over(s []metrics.Sample) bool {
	metrics.Read(s)
	total, released, live := s[0].Value.Uint64(), s[1].Value.Uint64(), s[2].Value.Uint64()
	return total-released >= w.footprint || live >= w.live
}

// watch returns ctx cancelled with engine.ErrHeapLimit once the heap passes
// a soft limit; stop ends the watch.
func (w *heapWatch) watch(ctx context.Context) (_ context.Context, stop func()) {
	ctx, cancel := context.WithCancelCause(ctx)
	done := make(chan struct{})
	go func() {
		s := make([]metrics.Sample, len(heapSamples))
		for i, n := range heapSamples {
			s[i].Name = n
		}
		t := time.NewTicker(w.every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				if w.over(s) {
					w.fired.Store(time.Now().UnixNano())
					cancel(engine.ErrHeapLimit)
					return
				}
			}
		}
	}()
	return ctx, func() {
		close(done)
		cancel(nil)
	}
}

// watched runs each execution and each session turn under the heap watch:
// a live page that passes a soft limit ends as OutOfMemory like a run does.
type watched struct {
	next  runnerExecutor
	watch *heapWatch
}

// watchHeap wraps e; without a limit there is nothing to watch against.
func watchHeap(e runnerExecutor, limit int64) runnerExecutor {
	w := newHeapWatch(limit)
	if w == nil {
		return e
	}
	return watched{next: e, watch: w}
}

// guard runs one call under the watch and gives a stopped bomb's memory back.
func guard[R any](w watched, ctx context.Context, call func(context.Context) (R, error), oom func(R) bool) (R, error) {
	ctx, stop := w.watch.watch(ctx)
	resp, err := call(ctx)
	stop()
	if err == nil && oom(resp) {
		// The bomb is garbage now (its session was released with it); give
		// it back before the next call.
		debug.FreeOSMemory()
	}
	return resp, err
}

func ranOut(r ipc.Response) bool            { return r.OutOfMemory }
func turnRanOut(r ipc.SessionResponse) bool { return r.OutOfMemory }

func (w watched) Execute(ctx context.Context, req ipc.Request, host ipc.Host) (ipc.Response, error) {
	return guard(w, ctx, func(ctx context.Context) (ipc.Response, error) { return w.next.Execute(ctx, req, host) }, ranOut)
}

func (w watched) OpenSession(ctx context.Context, req ipc.SessionRequest, host ipc.Host) (ipc.SessionResponse, error) {
	return guard(w, ctx, func(ctx context.Context) (ipc.SessionResponse, error) { return w.next.OpenSession(ctx, req, host) }, turnRanOut)
}

func (w watched) Dispatch(ctx context.Context, id string, ev ipc.Event, timeout time.Duration) (ipc.SessionResponse, error) {
	return guard(w, ctx, func(ctx context.Context) (ipc.SessionResponse, error) { return w.next.Dispatch(ctx, id, ev, timeout) }, turnRanOut)
}

func (w watched) Tick(ctx context.Context, id string, timeout time.Duration) (ipc.SessionResponse, error) {
	return guard(w, ctx, func(ctx context.Context) (ipc.SessionResponse, error) { return w.next.Tick(ctx, id, timeout) }, turnRanOut)
}

// CloseSession runs nothing of the block's: there is nothing to watch.
func (w watched) CloseSession(id string) { w.next.CloseSession(id) }
