package main

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/symposium/symposium/ipc"
)

// counter is a block whose button counts its clicks.
var counter = ipc.Code{
	HTML:       `<button id="b">0</button>`,
	JavaScript: `let n = 0; const b = document.getElementById('b'); b.addEventListener('click', () => { n++; b.textContent = String(n); console.log('click', n); });`,
}

func openCounter(t *testing.T, e runnerExecutor, id string) ipc.SessionResponse {
	t.Helper()
	resp, err := e.OpenSession(context.Background(), ipc.SessionRequest{Request: ipc.Request{Code: counter, Timeout: 5 * time.Second}, SessionID: id}, nil)
	if err != nil || resp.Ended || resp.Error != nil || resp.HTML != `<button id="b">0</button>` {
		t.Fatalf("open %s: %v %+v", id, err, resp)
	}
	return resp
}

func TestExecutorKeepsLiveSessions(t *testing.T) {
	e := newExecutor()
	ctx := context.Background()
	openCounter(t, e, "a")
	openCounter(t, e, "b")
	var resp ipc.SessionResponse
	var err error
	for range 3 {
		if resp, err = e.Dispatch(ctx, "a", ipc.Event{Type: "click", Target: "#b"}, time.Second); err != nil {
			t.Fatal(err)
		}
	}
	if resp.HTML != `<button id="b">3</button>` || resp.Ended || len(resp.Logs) != 1 || resp.Logs[0].Message != "click 3" || resp.NextTimer >= 0 {
		t.Fatalf("after 3 clicks: %+v", resp)
	}
	if resp, _ := e.Dispatch(ctx, "b", ipc.Event{Type: "click", Target: "button"}, time.Second); resp.HTML != `<button id="b">1</button>` {
		t.Fatalf("the second session is not independent: %q", resp.HTML)
	}
	_, err = e.Dispatch(ctx, "a", ipc.Event{Type: "click", Target: "#nope"}, time.Second)
	var te *ipc.TargetError
	if !errors.As(err, &te) || !strings.Contains(te.Message, "#nope") {
		t.Fatalf("unknown target: %v; want a TargetError naming it", err)
	}
	if _, err := e.Dispatch(ctx, "a", ipc.Event{Type: "<x>", Target: "#b"}, time.Second); !errors.Is(err, ipc.ErrInvalidEvent) {
		t.Fatalf("invalid event: %v", err)
	}
	if _, err := e.Tick(ctx, "zz", time.Second); !errors.Is(err, ipc.ErrNoSession) {
		t.Fatalf("unknown session: %v", err)
	}
	if _, err := e.OpenSession(ctx, ipc.SessionRequest{Request: ipc.Request{Code: counter}, SessionID: "a"}, nil); !errors.Is(err, ipc.ErrSessionExists) {
		t.Fatalf("a taken id: %v", err)
	}
	e.CloseSession("a")
	if _, err := e.Dispatch(ctx, "a", ipc.Event{Type: "click", Target: "#b"}, time.Second); !errors.Is(err, ipc.ErrNoSession) || e.count() != 1 {
		t.Fatalf("after close: %v, %d live", err, e.count())
	}
}

func TestExecutorTimersOnRealTime(t *testing.T) {
	e := newExecutor()
	ctx := context.Background()
	resp, err := e.OpenSession(ctx, ipc.SessionRequest{Request: ipc.Request{Timeout: time.Second, Code: ipc.Code{HTML: `<p id="p">0</p>`,
		JavaScript: `let n = 0; setInterval(() => { document.getElementById('p').textContent = String(++n) }, 50)`}}, SessionID: "clock"}, nil)
	if err != nil || resp.Ended || resp.NextTimer < 0 || resp.NextTimer > 50*time.Millisecond {
		t.Fatalf("open a clock: %v %+v", err, resp)
	}
	time.Sleep(resp.NextTimer + 10*time.Millisecond)
	resp, err = e.Tick(ctx, "clock", time.Second)
	if err != nil || resp.HTML != `<p id="p">1</p>` || resp.NextTimer < 0 {
		t.Fatalf("tick: %v %+v", err, resp)
	}
}

// TestExecutorTurnEndsAtItsDeadline: an endless handler answers TimedOut and
// Ended once; the session is then gone, the others live on.
func TestExecutorTurnEndsAtItsDeadline(t *testing.T) {
	e := newExecutor()
	ctx := context.Background()
	resp, err := e.OpenSession(ctx, ipc.SessionRequest{Request: ipc.Request{Timeout: time.Second, Code: ipc.Code{HTML: `<button>x</button>`,
		JavaScript: `document.querySelector('button').onclick = () => { for (;;) {} }`}}, SessionID: "loop"}, nil)
	if err != nil || resp.Ended {
		t.Fatalf("open: %v %+v", err, resp)
	}
	openCounter(t, e, "other")
	start := time.Now()
	resp, err = e.Dispatch(ctx, "loop", ipc.Event{Type: "click", Target: "button"}, 200*time.Millisecond)
	if err != nil || !resp.TimedOut || !resp.Ended {
		t.Fatalf("endless handler: %v %+v", err, resp)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("the turn took %v", d)
	}
	if _, err := e.Dispatch(ctx, "loop", ipc.Event{Type: "click", Target: "button"}, time.Second); !errors.Is(err, ipc.ErrNoSession) {
		t.Fatalf("after the turn that ended it: %v", err)
	}
	if resp, err := e.Dispatch(ctx, "other", ipc.Event{Type: "click", Target: "#b"}, time.Second); err != nil || resp.HTML != `<button id="b">1</button>` {
		t.Fatalf("the other session: %v %+v", err, resp)
	}
	// A first render that times out keeps nothing.
	resp, err = e.OpenSession(ctx, ipc.SessionRequest{Request: ipc.Request{Timeout: 100 * time.Millisecond, Code: ipc.Code{JavaScript: `for (;;) {}`}}, SessionID: "dud"}, nil)
	if err != nil || !resp.Ended || !resp.TimedOut || e.count() != 1 {
		t.Fatalf("a render that never ends: %v %+v (%d live)", err, resp, e.count())
	}
}

func TestExecutorSessionCap(t *testing.T) {
	e := newExecutor()
	if e.max != 256 {
		t.Fatalf("the cap is %d", e.max)
	}
	e.max = 4
	var wg sync.WaitGroup
	errs := make(chan error, 10)
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := e.OpenSession(context.Background(), ipc.SessionRequest{Request: ipc.Request{Code: counter, Timeout: 5 * time.Second}, SessionID: fmt.Sprint(i)}, nil)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	refused := 0
	for err := range errs {
		if errors.Is(err, ipc.ErrSessionLimit) {
			refused++
		} else if err != nil {
			t.Fatal(err)
		}
	}
	if refused != 6 || e.count() != 4 {
		t.Fatalf("10 opens against a cap of 4: %d refused, %d live", refused, e.count())
	}
}

// TestHeapWatchCoversSessionTurns: a click handler that bombs ends its
// session as OutOfMemory, and its memory comes back.
func TestHeapWatchCoversSessionTurns(t *testing.T) {
	runtime.GC()
	debug.FreeOSMemory()
	base := footprint()
	w := watched{next: newExecutor(), watch: &heapWatch{footprint: base + 96<<20, live: base + 96<<20, every: watchEvery}}
	ctx := context.Background()
	resp, err := w.OpenSession(ctx, ipc.SessionRequest{Request: ipc.Request{Timeout: 20 * time.Second, Code: ipc.Code{HTML: `<button>x</button>`,
		JavaScript: `document.querySelector('button').onclick = () => { const keep = []; for (;;) keep.push(new Array(1 << 16).fill(1.5)) }`}}, SessionID: "bomb"}, nil)
	if err != nil || resp.Ended {
		t.Fatalf("open: %v %+v", err, resp)
	}
	openCounter(t, w, "calm")
	start := time.Now()
	resp, err = w.Dispatch(ctx, "bomb", ipc.Event{Type: "click", Target: "button"}, 20*time.Second)
	if err != nil || !resp.OutOfMemory || resp.TimedOut || !resp.Ended {
		t.Fatalf("after %v: %v %+v; want OutOfMemory and Ended", time.Since(start), err, resp)
	}
	if _, err := w.Dispatch(ctx, "bomb", ipc.Event{Type: "click", Target: "button"}, time.Second); !errors.Is(err, ipc.ErrNoSession) {
		t.Fatalf("after the bomb: %v", err)
	}
	if resp, err := w.Dispatch(ctx, "calm", ipc.Event{Type: "click", Target: "#b"}, time.Second); err != nil || resp.OutOfMemory || resp.HTML != `<button id="b">1</button>` {
		t.Fatalf("the other session after the bomb: %v %+v", err, resp)
	}
	t.Logf("stopped after %v; footprint +%d MiB", time.Since(start).Round(time.Millisecond), (int64(footprint())-int64(base))>>20)
}

// BenchmarkExecutorClick is a counter click in process, without gRPC: the
// runner's share of a session turn (BenchmarkSessionClick in
// supervisor/isolate is the whole path).
func BenchmarkExecutorClick(b *testing.B) {
	e := newExecutor()
	ctx := context.Background()
	if _, err := e.OpenSession(ctx, ipc.SessionRequest{Request: ipc.Request{Code: counter, Timeout: 5 * time.Second}, SessionID: "s", Annotate: true}, nil); err != nil {
		b.Fatal(err)
	}
	ev := ipc.Event{Type: "click", Target: "#b"}
	for b.Loop() {
		if _, err := e.Dispatch(ctx, "s", ev, 5*time.Second); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkExecutorExecute runs the same block fresh each time, for scale.
func BenchmarkExecutorExecute(b *testing.B) {
	e := newExecutor()
	ctx := context.Background()
	for b.Loop() {
		e.Execute(ctx, ipc.Request{Code: counter, Timeout: 5 * time.Second}, nil)
	}
}
