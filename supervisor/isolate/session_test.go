package isolate

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/symposium/symposium/ipc"
)

// Live sessions through the real table, eviction, reaper and pool, with
// fake runners (runtime_test.go): no root.

// endings records WithSessionsEnded calls.
type endings struct {
	mu  sync.Mutex
	got []string // "block why id,id"
}

func (e *endings) option() Option {
	return WithSessionsEnded(func(b string, ids []string, why EventType) {
		e.mu.Lock()
		e.got = append(e.got, fmt.Sprintf("%s %s %s", b, why, strings.Join(ids, ",")))
		e.mu.Unlock()
	})
}

func (e *endings) list() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.got...)
}

// waitFor polls cond for up to 5 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func (w *fakeWorld) open(t *testing.T, block, sid string) *Turn {
	t.Helper()
	turn, err := w.rt.OpenSession(context.Background(), block, sid, Code{CSS: "p{}", JavaScript: "page"}, nil, true)
	if err != nil || turn.Ended {
		t.Fatalf("open %s/%s: %v %+v", block, sid, err, turn)
	}
	return turn
}

func (w *fakeWorld) click(t *testing.T, block, sid string) *Turn {
	t.Helper()
	turn, err := w.rt.Dispatch(context.Background(), block, sid, UserEvent{Type: "click", Target: "button"})
	if err != nil {
		t.Fatalf("click %s/%s: %v", block, sid, err)
	}
	return turn
}

func TestFakeSessionTurnsKeepTheirPage(t *testing.T) {
	w := newFake(t, Config{MaxIsolates: 2, PoolSize: 1})
	first := w.open(t, "c", "s1")
	if first.HTML != "0" || first.CSS != "p{}" || first.Kind != KindOK || first.SessionID != "s1" || first.IsolateID == "" || first.PID == 0 || first.NextTimer >= 0 {
		t.Fatalf("first render %+v", first)
	}
	w.open(t, "c", "s2")
	var last *Turn
	for range 3 {
		last = w.click(t, "c", "s1")
	}
	if last.HTML != "3" || last.Ended || last.NextTimer != 10*time.Millisecond || last.IsolateID != first.IsolateID || len(last.Logs) != 1 {
		t.Fatalf("after 3 clicks: %+v", last)
	}
	if got := w.click(t, "c", "s2"); got.HTML != "1" {
		t.Fatalf("the second session shares the first's page: %q", got.HTML)
	}
	if tick, err := w.rt.Tick(context.Background(), "c", "s1"); err != nil || tick.HTML != "3" {
		t.Fatalf("tick: %v %+v", err, tick)
	}
	// Turns are not executions: the outcome metrics count runs only.
	iso, _ := w.rt.find("c")
	for _, o := range w.rt.Sample().Outcomes {
		if o.Count != 0 {
			t.Fatalf("session turns counted as %s executions: %d", o.Kind, o.Count)
		}
	}
	if iso.Executions() != 0 || iso.Sessions() != 2 {
		t.Fatalf("isolate counts: %d executions, %d sessions", iso.Executions(), iso.Sessions())
	}
	if is, ok := w.rt.Sample().Find("c"); !ok || is.Sessions != 2 {
		t.Fatalf("the sample does not show the sessions: %+v", is)
	}
	// A Run of the same block shares the isolate and leaves the pages alone.
	if res, err := w.run(t, "c", "1"); err != nil || res.PID != first.PID {
		t.Fatalf("run beside sessions: %v %+v", err, res)
	}
	if got := w.click(t, "c", "s1"); got.HTML != "4" {
		t.Fatalf("after a run: %q", got.HTML)
	}
	w.rt.CloseSession("c", "s1")
	if _, err := w.rt.Dispatch(context.Background(), "c", "s1", UserEvent{Type: "click"}); !errors.Is(err, ErrNoSession) {
		t.Fatalf("after close: %v", err)
	}
	sb := iso.sb.(*fakeSandbox)
	if sb.closed[0] != "s1" || iso.Sessions() != 1 {
		t.Fatalf("close did not reach the runner: %v", sb.closed)
	}
}

func TestFakeSessionTurnsRunOneAtATime(t *testing.T) {
	w := newFake(t, Config{MaxIsolates: 2, PoolSize: 1})
	w.open(t, "c", "s")
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := w.rt.Dispatch(context.Background(), "c", "s", UserEvent{Type: "slow"}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	iso, _ := w.rt.find("c")
	sb := iso.sb.(*fakeSandbox)
	if got := w.click(t, "c", "s"); got.HTML != "21" || sb.overlaps != 0 {
		t.Fatalf("20 concurrent events: count %s, %d overlapping turns", got.HTML, sb.overlaps)
	}
}

func TestFakeSessionErrors(t *testing.T) {
	w := newFake(t, Config{MaxIsolates: 2, PoolSize: 1, MaxSessionsPerIsolate: 2})
	ctx := context.Background()
	if _, err := w.rt.Dispatch(ctx, "c", "nobody", UserEvent{Type: "click"}); !errors.Is(err, ErrNoSession) {
		t.Fatalf("unknown block: %v", err)
	}
	w.open(t, "c", "s1")
	if _, err := w.rt.Tick(ctx, "c", "nobody"); !errors.Is(err, ErrNoSession) {
		t.Fatalf("unknown session: %v", err)
	}
	_, err := w.rt.Dispatch(ctx, "c", "s1", UserEvent{Type: "miss", Target: "#nope"})
	if !errors.Is(err, ErrNoTarget) || !errors.Is(err, ipc.ErrNoTarget) || err.Error() != "engine: no element matches #nope" {
		t.Fatalf("no target: %v", err)
	}
	_, err = w.rt.Dispatch(ctx, "c", "s1", UserEvent{Type: "<odd>"})
	if !errors.Is(err, ErrInvalidEvent) || errors.Is(err, ErrNoTarget) || !errors.Is(err, ipc.ErrInvalidEvent) || err.Error() != "invalid event: type <odd>" {
		t.Fatalf("invalid event: %v", err)
	}
	if got := w.click(t, "c", "s1"); got.HTML != "1" {
		t.Fatalf("the session did not survive a missed target and an invalid event: %+v", got)
	}
	// The limit counts live sessions; a first render that kept no page
	// does not take a place.
	if turn, err := w.rt.OpenSession(ctx, "c", "dud", Code{JavaScript: "nopage"}, nil, false); err != nil || !turn.Ended || turn.Kind != KindTimeout {
		t.Fatalf("a first render that timed out: %v %+v", err, turn)
	}
	w.open(t, "c", "s2")
	if _, err := w.rt.OpenSession(ctx, "c", "s3", Code{}, nil, false); !errors.Is(err, ErrSessionLimit) {
		t.Fatalf("third session with MaxSessionsPerIsolate 2: %v", err)
	}
	if _, err := w.rt.OpenSession(ctx, "c", "s2", Code{}, nil, false); !errors.Is(err, ErrSessionExists) {
		t.Fatalf("an id in use: %v", err)
	}
	w.rt.CloseSession("c", "s2")
	w.open(t, "c", "s3")
	// A handler the runner interrupts ends its session, and only it.
	turn, err := w.rt.Dispatch(ctx, "c", "s1", UserEvent{Type: "loop"})
	if err != nil || turn.Kind != KindTimeout || !turn.Ended || turn.NextTimer >= 0 || !strings.Contains(turn.Message, "time limit") {
		t.Fatalf("endless handler: %v %+v", err, turn)
	}
	if _, err := w.rt.Dispatch(ctx, "c", "s1", UserEvent{Type: "click"}); !errors.Is(err, ErrNoSession) {
		t.Fatalf("after the session ended: %v", err)
	}
	if got := w.click(t, "c", "s3"); got.HTML != "1" {
		t.Fatalf("the other session: %+v", got)
	}
}

func TestFakeSessionsEndWithTheirIsolate(t *testing.T) {
	var e endings
	w := newFake(t, Config{MaxIsolates: 2, PoolSize: 1}, e.option())
	ctx := context.Background()
	w.open(t, "a", "a2")
	w.open(t, "a", "a1")
	if !w.rt.End("a") {
		t.Fatal("End")
	}
	if got := e.list(); !reflect.DeepEqual(got, []string{"a isolate.terminated a1,a2"}) {
		t.Fatalf("End told %v", got)
	}
	if _, err := w.rt.Dispatch(ctx, "a", "a1", UserEvent{Type: "click"}); !errors.Is(err, ErrNoSession) {
		t.Fatalf("after End: %v", err)
	}

	// A death the runtime did not ask for.
	w.open(t, "d", "d1")
	iso, _ := w.rt.find("d")
	iso.proc.Kill(ctx)
	waitFor(t, "the death's notice", func() bool { return len(e.list()) == 2 })
	if got := e.list()[1]; got != "d isolate.died d1" {
		t.Fatalf("death told %q", got)
	}
	if _, err := w.rt.Tick(ctx, "d", "d1"); !errors.Is(err, ErrNoSession) {
		t.Fatalf("after death: %v", err)
	}

	// A new session on a block whose isolate died gets a new isolate.
	w.open(t, "d", "d2")
	if _, err := w.rt.Run(ctx, "x", Code{JavaScript: "1"}, nil); err != nil {
		t.Fatal(err)
	}
	// The table is full (d with a session, x without, x the more recent):
	// the isolate without sessions goes first.
	if _, err := w.rt.Run(ctx, "y", Code{JavaScript: "1"}, nil); err != nil {
		t.Fatal(err)
	}
	if !w.rt.Live("d") || w.rt.Live("x") {
		t.Fatalf("eviction ended the isolate with sessions: %v", w.rt.LiveBlocks())
	}
	// With sessions everywhere, the least recently used goes, and says so.
	w.open(t, "y", "y1")
	w.click(t, "y", "y1")
	if _, err := w.rt.Run(ctx, "z", Code{JavaScript: "1"}, nil); err != nil {
		t.Fatal(err)
	}
	if w.rt.Live("d") || !w.rt.Live("y") {
		t.Fatalf("eviction among isolates with sessions is not LRU: %v", w.rt.LiveBlocks())
	}
	if got := e.list(); len(got) != 3 || got[2] != "d isolate.evicted d2" {
		t.Fatalf("eviction told %v", got)
	}
	w.rt.Close()
	if got := e.list(); len(got) != 4 || got[3] != "y isolate.terminated y1" {
		t.Fatalf("Close told %v", got)
	}
	if _, err := w.rt.OpenSession(ctx, "y", "y9", Code{}, nil, false); !errors.Is(err, ErrClosed) {
		t.Fatalf("open after Close: %v", err)
	}
}

func TestFakeIdleReaperSparesIsolatesWithSessions(t *testing.T) {
	var e endings
	w := newFake(t, Config{MaxIsolates: 4, PoolSize: 1, IdleTimeout: 50 * time.Millisecond}, e.option())
	w.open(t, "live", "s")
	if _, err := w.run(t, "plain", "1"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the plain isolate's idle end", func() bool { return !w.rt.Live("plain") })
	time.Sleep(150 * time.Millisecond)
	if !w.rt.Live("live") {
		t.Fatal("the idle reaper ended an isolate holding a live session")
	}
	if got := w.click(t, "live", "s"); got.HTML != "1" {
		t.Fatalf("%+v", got)
	}
	w.rt.CloseSession("live", "s")
	waitFor(t, "the isolate's idle end once its session closed", func() bool { return !w.rt.Live("live") })
	if got := e.list(); len(got) != 0 {
		t.Fatalf("no session ended with an isolate, yet %v", got)
	}
}

func TestFakeWedgedTurnKillsTheRunner(t *testing.T) {
	var e endings
	w := newFake(t, Config{MaxIsolates: 2, PoolSize: 1, ExecTimeout: 100 * time.Millisecond}, e.option())
	ctx := context.Background()
	first := w.open(t, "h", "stuck")
	w.open(t, "h", "other")
	start := time.Now()
	turn, err := w.rt.Dispatch(ctx, "h", "stuck", UserEvent{Type: "hang"})
	if err != nil || turn.Kind != KindTimeout || !turn.Ended || turn.CSS != "p{}" {
		t.Fatalf("a runner that does not answer: %v %+v", err, turn)
	}
	if d := time.Since(start); d < 1100*time.Millisecond || d > 4*time.Second {
		t.Fatalf("killed after %v; want the timeout plus 1 s", d)
	}
	waitFor(t, "the other session's end", func() bool { return len(e.list()) == 1 })
	if got := e.list()[0]; got != "h isolate.died other" {
		t.Fatalf("told %q", got)
	}
	if _, err := w.rt.Dispatch(ctx, "h", "other", UserEvent{Type: "click"}); !errors.Is(err, ErrNoSession) {
		t.Fatalf("a session of the killed runner: %v", err)
	}
	again := w.open(t, "h", "stuck")
	if again.PID == first.PID {
		t.Fatal("the block kept its killed runner")
	}
}

// EndIdle (a tenant's isolate quota making room) spares an isolate that
// holds live sessions and ends one that holds none.
func TestFakeEndIdleSparesIsolatesWithSessions(t *testing.T) {
	var e endings
	w := newFake(t, Config{MaxIsolates: 3, PoolSize: 1}, e.option())
	w.open(t, "viewed", "s1")
	if _, err := w.rt.Run(context.Background(), "plain", Code{JavaScript: "page"}, nil); err != nil {
		t.Fatal(err)
	}
	if w.rt.EndIdle("viewed") {
		t.Fatal("EndIdle ended an isolate holding a live session")
	}
	if !w.rt.Live("viewed") || len(e.list()) != 0 {
		t.Fatalf("the viewed block lost its isolate or its session: live %v, endings %v", w.rt.Live("viewed"), e.list())
	}
	if !w.rt.EndIdle("plain") || w.rt.Live("plain") {
		t.Fatal("EndIdle did not end the idle isolate without sessions")
	}
	if w.rt.EndIdle("absent") {
		t.Fatal("EndIdle reported ending a block that has no isolate")
	}
}
