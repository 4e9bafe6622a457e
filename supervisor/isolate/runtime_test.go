package isolate

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/symposium/symposium/ipc"
)

// A fake runtime: the real table, eviction, capacity, pool and health, with
// runners that are goroutines. No root, no cgroups, no processes.

type fakeProc struct {
	pid  int
	done chan struct{}
	once sync.Once
}

func (p *fakeProc) Done() <-chan struct{}          { return p.done }
func (p *fakeProc) Pid() int                       { return p.pid }
func (p *fakeProc) Signal() (syscall.Signal, bool) { return syscall.SIGKILL, true }
func (p *fakeProc) Kill(context.Context) error {
	p.once.Do(func() { close(p.done) })
	return nil
}
func (p *fakeProc) SendKill() error { return p.Kill(context.Background()) }

// fakeSandbox runs "blocks" by their JavaScript keyword and keeps live
// sessions as click counters.
type fakeSandbox struct {
	release chan struct{}

	mu       sync.Mutex
	live     map[string]*fakePage
	closed   []string
	overlaps int // turns of one session that ran at once (must stay 0)
}

type fakePage struct {
	clicks int
	inTurn bool
}

func (f *fakeSandbox) Execute(ctx context.Context, req ipc.Request) (ipc.Response, error) {
	if req.Code.JavaScript == "slow" {
		select {
		case <-f.release:
		case <-ctx.Done():
			return ipc.Response{}, ctx.Err()
		}
	}
	return ipc.Response{HTML: "ran " + req.BlockID, CSS: req.Code.CSS, Notices: []string{"n"}, OutOfMemory: req.Code.JavaScript == "oom"}, nil
}
func (f *fakeSandbox) ServeHost(ipc.HostServer) {}

func (f *fakeSandbox) OpenSession(ctx context.Context, req ipc.SessionRequest) (ipc.SessionResponse, error) {
	if req.Code.JavaScript == "nopage" {
		return ipc.SessionResponse{Response: ipc.Response{TimedOut: true}, Ended: true, NextTimer: -1}, nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.live == nil {
		f.live = map[string]*fakePage{}
	}
	if f.live[req.SessionID] != nil {
		return ipc.SessionResponse{}, ipc.ErrSessionExists
	}
	f.live[req.SessionID] = &fakePage{}
	return ipc.SessionResponse{Response: ipc.Response{HTML: "0", CSS: req.Code.CSS}, NextTimer: -1}, nil
}

func (f *fakeSandbox) Dispatch(ctx context.Context, id string, ev ipc.Event, timeout time.Duration) (ipc.SessionResponse, error) {
	f.mu.Lock()
	p := f.live[id]
	if p == nil {
		f.mu.Unlock()
		return ipc.SessionResponse{}, ipc.ErrNoSession
	}
	if p.inTurn {
		f.overlaps++
	}
	p.inTurn = true
	f.mu.Unlock()
	defer func() { f.mu.Lock(); p.inTurn = false; f.mu.Unlock() }()
	switch ev.Type {
	case "miss":
		return ipc.SessionResponse{}, &ipc.TargetError{Message: "engine: no element matches " + ev.Target}
	case "<odd>":
		return ipc.SessionResponse{}, &ipc.EventError{Message: "invalid event: type <odd>"}
	case "loop": // the runner interrupts the handler at its deadline: the page ends
		f.mu.Lock()
		delete(f.live, id)
		f.mu.Unlock()
		return ipc.SessionResponse{Response: ipc.Response{TimedOut: true, HTML: "stuck"}, Ended: true, NextTimer: -1}, nil
	case "hang": // a wedged runner: only the supervisor's deadline ends it
		<-ctx.Done()
		return ipc.SessionResponse{}, ctx.Err()
	case "slow":
		time.Sleep(2 * time.Millisecond)
	}
	f.mu.Lock()
	p.clicks++
	n := p.clicks
	f.mu.Unlock()
	return ipc.SessionResponse{Response: ipc.Response{HTML: strconv.Itoa(n), Logs: []ipc.Log{{Level: "log", Message: ev.Type}}}, NextTimer: 10 * time.Millisecond}, nil
}

func (f *fakeSandbox) Tick(ctx context.Context, id string, timeout time.Duration) (ipc.SessionResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.live[id] == nil {
		return ipc.SessionResponse{}, ipc.ErrNoSession
	}
	return ipc.SessionResponse{Response: ipc.Response{HTML: strconv.Itoa(f.live[id].clicks)}, NextTimer: -1}, nil
}

func (f *fakeSandbox) CloseSession(ctx context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.live, id)
	f.closed = append(f.closed, id)
	return nil
}

type fakeWorld struct {
	rt      *Runtime
	release chan struct{}
	pids    atomic.Int64
	fail    atomic.Bool
	started atomic.Int64
	// startDelay is how long a fake start takes, in nanoseconds.
	startDelay atomic.Int64
}

func newFake(t *testing.T, cfg Config, opts ...Option) *fakeWorld {
	t.Helper()
	cfg.RunnerPath = "fake"
	cfg.defaults()
	w := &fakeWorld{release: make(chan struct{})}
	w.rt = newRuntime(cfg, opts...)
	w.rt.spawn = func(context.Context) (*Isolate, error) {
		if w.fail.Load() {
			err := fmt.Errorf("%w: fork/exec fake: permission denied", ErrSpawn)
			w.rt.health.failed(err)
			return nil, err
		}
		w.started.Add(1)
		if d := w.startDelay.Load(); d > 0 {
			time.Sleep(time.Duration(d))
		}
		p := &fakeProc{pid: int(w.pids.Add(1)), done: make(chan struct{})}
		iso := &Isolate{ID: fmt.Sprintf("fake-%d", p.pid), Created: time.Now(), sb: &fakeSandbox{release: w.release}, proc: p, deathRead: make(chan struct{})}
		iso.lastUsed.Store(time.Now().UnixNano())
		w.rt.health.startedOne()
		go func() {
			<-p.done
			iso.readDeath()
			w.rt.onDeath(iso)
		}()
		return iso, nil
	}
	w.rt.start()
	t.Cleanup(func() { w.rt.Close() })
	return w
}

func (w *fakeWorld) run(t *testing.T, id, js string) (*Result, error) {
	t.Helper()
	return w.rt.Run(context.Background(), id, Code{JavaScript: js}, nil)
}

func TestFakeSixBlocksThroughThreeIsolates(t *testing.T) {
	w := newFake(t, Config{MaxIsolates: 3, PoolSize: 1})
	pids := map[string]int{}
	for i := range 6 {
		id := fmt.Sprintf("b%d", i)
		res, err := w.run(t, id, "1")
		if err != nil || res.HTML != "ran "+id {
			t.Fatalf("block %s with none busy: %v %+v", id, err, res)
		}
		pids[id] = res.PID
	}
	if n := len(w.rt.isolates()); n != 3 {
		t.Fatalf("%d live isolates, want MAX_ISOLATES=3", n)
	}
	live := w.rt.LiveBlocks()
	for _, id := range []string{"b3", "b4", "b5"} {
		if !live[id] {
			t.Fatalf("the most recent blocks should be live: %v", live)
		}
	}
	// b0 was evicted; it runs again in a new isolate, evicting b3 (the
	// least recently used now).
	res, err := w.run(t, "b0", "1")
	if err != nil || res.PID == pids["b0"] {
		t.Fatalf("evicted block: %v pid %d (was %d)", err, res.PID, pids["b0"])
	}
	if w.rt.Live("b3") || !w.rt.Live("b4") {
		t.Fatalf("eviction is not least recently used first: %v", w.rt.LiveBlocks())
	}
	// Using b4 makes b5 the next one out.
	w.run(t, "b4", "1")
	w.run(t, "b1", "1")
	if w.rt.Live("b5") || !w.rt.Live("b4") {
		t.Fatalf("recency not honoured: %v", w.rt.LiveBlocks())
	}
}

func TestFakeCapacityOnlyWhenAllExecute(t *testing.T) {
	w := newFake(t, Config{MaxIsolates: 3, PoolSize: 1})
	var wg sync.WaitGroup
	for i := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := w.run(t, fmt.Sprintf("slow%d", i), "slow"); err != nil {
				t.Errorf("slow block: %v", err)
			}
		}()
	}
	deadline := time.Now().Add(5 * time.Second)
	for w.rt.Sample().Executing < 3 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if _, err := w.run(t, "fourth", "1"); !errors.Is(err, ErrCapacity) {
		t.Fatalf("with every isolate executing: %v, want ErrCapacity", err)
	}
	// A block that already has an isolate is not refused: it waits its turn.
	done := make(chan error, 1)
	go func() { _, err := w.run(t, "slow0", "1"); done <- err }()
	w.release <- struct{}{} // one slow block finishes
	if err := <-done; err != nil {
		t.Fatalf("a bound block while the table is busy: %v", err)
	}
	if _, err := w.run(t, "fourth", "1"); err != nil {
		t.Fatalf("after one finished: %v", err)
	}
	close(w.release)
	wg.Wait()
}

func TestFakeOutcomesAndNotices(t *testing.T) {
	w := newFake(t, Config{MaxIsolates: 2, PoolSize: 1})
	res, err := w.run(t, "m", "oom")
	if err != nil || res.Kind != KindOOM || len(res.Notices) != 1 {
		t.Fatalf("out of memory answer: %v %+v", err, res)
	}
	w.run(t, "m", "1")
	w.run(t, "n", "1")
	counts := map[Kind]uint64{}
	for _, o := range w.rt.Sample().Outcomes {
		counts[o.Kind] = o.Count
		if o.Count > 0 && o.Buckets[len(o.Buckets)-1] != o.Count {
			t.Fatalf("histogram of %s does not hold every run: %+v", o.Kind, o)
		}
	}
	if counts[KindOK] != 2 || counts[KindOOM] != 1 {
		t.Fatalf("outcome counts %v", counts)
	}
}

func TestFakeDeadIsolateIsReplacedAndEnd(t *testing.T) {
	w := newFake(t, Config{MaxIsolates: 2, PoolSize: 1})
	first, _ := w.run(t, "d", "1")
	iso, _ := w.rt.find("d")
	iso.proc.Kill(context.Background())
	deadline := time.Now().Add(5 * time.Second)
	for w.rt.Live("d") && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	again, err := w.run(t, "d", "1")
	if err != nil || again.PID == first.PID {
		t.Fatalf("dead isolate not replaced: %v %d", err, again.PID)
	}
	if !w.rt.End("d") || w.rt.Live("d") || w.rt.End("d") {
		t.Fatal("End")
	}
}

func TestFakeHealthFollowsStarts(t *testing.T) {
	w := newFake(t, Config{MaxIsolates: 2, PoolSize: 1, HealthInterval: 300 * time.Millisecond})
	if h := w.rt.Health(); !h.OK {
		t.Fatalf("fresh runtime: %+v", h)
	}
	for deadline := time.Now().Add(5 * time.Second); len(w.rt.pool.list()) < 1 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	w.fail.Store(true)
	if _, err := w.run(t, "a", "1"); err != nil { // the pooled runner still serves
		t.Fatalf("pool hit: %v", err)
	}
	if _, err := w.run(t, "b", "1"); !errors.Is(err, ErrSpawn) {
		t.Fatalf("no runner can start: %v", err)
	}
	if h := w.rt.Health(); h.OK || h.Reason == "" {
		t.Fatalf("health with a failing runner: %+v", h)
	}
	w.fail.Store(false)
	deadline := time.Now().Add(10 * time.Second)
	for !w.rt.Health().OK && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if h := w.rt.Health(); !h.OK {
		t.Fatalf("health did not recover: %+v", h)
	}
	// Idle: the health watcher proves a runner can start, and says so.
	time.Sleep(time.Second)
	if h := w.rt.Health(); !h.OK || time.Since(h.LastStarted) > 400*time.Millisecond && time.Since(h.LastServed) > 400*time.Millisecond {
		t.Fatalf("idle runtime lost its health: %+v", h)
	}
}

func TestFakePoolGrowsWithTheRateOfNewBlocks(t *testing.T) {
	w := newFake(t, Config{MaxIsolates: 500, PoolSize: 1, PoolMax: 6})
	w.startDelay.Store(int64(20 * time.Millisecond)) // a start as slow as here, measured by the pool
	if _, target := w.rt.pool.size(); target != 1 {
		t.Fatalf("idle pool target %d, want POOL_SIZE", target)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 40 {
				if _, err := w.run(t, fmt.Sprintf("n%d-%d", g, i), "1"); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	_, target := w.rt.pool.size()
	if target <= 1 || target > 6 {
		t.Fatalf("pool target %d after a burst of 320 new blocks: want above POOL_SIZE and at most POOL_MAX", target)
	}
	// Once the burst is over the target falls back and trim ends the extra.
	time.Sleep(rateWindow + 100*time.Millisecond)
	w.rt.pool.trim()
	if ready, target := w.rt.pool.size(); target != 1 || ready > 1 {
		t.Fatalf("after the burst: %d ready, target %d; want POOL_SIZE", ready, target)
	}
}
