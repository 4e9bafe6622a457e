package isolate

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/symposium/symposium/supervisor/cgroup"
)

// Live sessions in real, confined runners (root; see main_linux_test.go).

// counterCode is a block whose button counts its clicks.
var counterCode = Code{
	HTML:       `<button id="b">0</button>`,
	CSS:        `button{font-weight:bold}`,
	JavaScript: `let n = 0; const b = document.getElementById('b'); b.addEventListener('click', () => { b.textContent = String(++n); console.log('clicks', n); });`,
}

func (e *testEnv) openSession(t testing.TB, block, sid string, code Code) *Turn {
	t.Helper()
	turn, err := e.mgr.OpenSession(context.Background(), block, sid, code, nil, false)
	if err != nil || turn.Ended || turn.Kind != KindOK {
		t.Fatalf("open %s/%s: %v %+v", block, sid, err, turn)
	}
	return turn
}

func (e *testEnv) clickTurn(t testing.TB, block, sid string) *Turn {
	t.Helper()
	turn, err := e.mgr.Dispatch(context.Background(), block, sid, UserEvent{Type: "click", Target: "#b"})
	if err != nil || turn.Kind != KindOK || turn.Ended {
		t.Fatalf("click %s/%s: %v %+v", block, sid, err, turn)
	}
	return turn
}

func TestSessionCounterCountsClicks(t *testing.T) {
	env := newTestManager(t, Config{PoolSize: 1})
	first := env.openSession(t, "counter", "one", counterCode)
	if first.HTML != `<button id="b">0</button>` || first.CSS != counterCode.CSS || first.PID == 0 || first.IsolateID == "" || first.NextTimer >= 0 {
		t.Fatalf("first render %+v", first)
	}
	env.openSession(t, "counter", "two", counterCode)
	var turn *Turn
	for range 3 {
		turn = env.clickTurn(t, "counter", "one")
	}
	if turn.HTML != `<button id="b">3</button>` || len(turn.Logs) != 1 || turn.Logs[0].Message != "clicks 3" {
		t.Fatalf("after 3 clicks: html %q logs %+v", turn.HTML, turn.Logs)
	}
	if turn.PID != first.PID || turn.IsolateID != first.IsolateID || turn.Memory == 0 {
		t.Fatalf("the turn's figures: pid %d (first %d), isolate %s, memory %d", turn.PID, first.PID, turn.IsolateID, turn.Memory)
	}
	// Two sessions of one block in one isolate hold their own pages.
	other := env.clickTurn(t, "counter", "two")
	if other.HTML != `<button id="b">1</button>` || other.IsolateID != first.IsolateID {
		t.Fatalf("the second session: %q in %s", other.HTML, other.IsolateID)
	}
	// The annotated page carries node ids, and an event may name one.
	ann, err := env.mgr.OpenSession(context.Background(), "counter", "annotated", counterCode, nil, true)
	if err != nil || !strings.Contains(ann.HTML, "data-symposium-node=") {
		t.Fatalf("annotated open: %v %q", err, ann.HTML)
	}
	var node int64
	if _, err := fmt.Sscanf(ann.HTML[strings.Index(ann.HTML, `data-symposium-node="`)+len(`data-symposium-node="`):], "%d", &node); err != nil {
		t.Fatalf("no node id in %q", ann.HTML)
	}
	byNode, err := env.mgr.Dispatch(context.Background(), "counter", "annotated", UserEvent{Type: "click", Node: node})
	if err != nil || !strings.Contains(byNode.HTML, ">1</button>") {
		t.Fatalf("click by node %d: %v %+v", node, err, byNode)
	}
	_, err = env.mgr.Dispatch(context.Background(), "counter", "one", UserEvent{Type: "click", Target: "#missing"})
	if !errors.Is(err, ErrNoTarget) || !strings.Contains(err.Error(), "#missing") {
		t.Fatalf("unknown target: %v; want ErrNoTarget naming it", err)
	}
	if again := env.clickTurn(t, "counter", "one"); again.HTML != `<button id="b">4</button>` {
		t.Fatalf("the session after a missed target: %q", again.HTML)
	}
	env.mgr.CloseSession("counter", "one")
	if _, err := env.mgr.Dispatch(context.Background(), "counter", "one", UserEvent{Type: "click", Target: "#b"}); !errors.Is(err, ErrNoSession) {
		t.Fatalf("after close: %v", err)
	}
}

func TestSessionEndlessHandlerTimesOut(t *testing.T) {
	env := newTestManager(t, Config{PoolSize: 1, ExecTimeout: 300 * time.Millisecond})
	code := Code{HTML: `<button id="b">go</button>`, JavaScript: `document.getElementById('b').onclick = () => { for (;;) {} }`}
	first := env.openSession(t, "loop", "stuck", code)
	env.openSession(t, "loop", "calm", counterCode)
	start := time.Now()
	turn, err := env.mgr.Dispatch(context.Background(), "loop", "stuck", UserEvent{Type: "click", Target: "#b"})
	if err != nil || turn.Kind != KindTimeout || !turn.Ended || !strings.Contains(turn.Message, "time limit") {
		t.Fatalf("endless handler: %v %+v", err, turn)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("the timeout took %v", d)
	}
	if _, err := env.mgr.Dispatch(context.Background(), "loop", "stuck", UserEvent{Type: "click", Target: "#b"}); !errors.Is(err, ErrNoSession) {
		t.Fatalf("the ended session: %v", err)
	}
	// The runner interrupted the handler: the isolate and its other
	// session live on, and it still runs blocks.
	if calm := env.clickTurn(t, "loop", "calm"); calm.PID != first.PID || calm.HTML != `<button id="b">1</button>` {
		t.Fatalf("the other session: %+v", calm)
	}
	if res := env.exec(t, "loop", `console.log('after')`); res.Kind != KindOK || res.PID != first.PID {
		t.Fatalf("run after the timeout: %s %s (pid %d, was %d)", res.Kind, res.Message, res.PID, first.PID)
	}
}

func TestSessionLimitPerIsolate(t *testing.T) {
	env := newTestManager(t, Config{PoolSize: 1, MaxSessionsPerIsolate: 3})
	for i := range 3 {
		env.openSession(t, "lim", fmt.Sprint("s", i), counterCode)
	}
	if _, err := env.mgr.OpenSession(context.Background(), "lim", "s3", counterCode, nil, false); !errors.Is(err, ErrSessionLimit) {
		t.Fatalf("a fourth session: %v; want ErrSessionLimit", err)
	}
	env.mgr.CloseSession("lim", "s0")
	env.openSession(t, "lim", "s3", counterCode)
}

func TestSessionsEndWithTheirIsolate(t *testing.T) {
	var e endings
	env := newTestManager(t, Config{PoolSize: 1}, e.option())
	env.openSession(t, "end", "b", counterCode)
	env.openSession(t, "end", "a", counterCode)
	if !env.mgr.End("end") {
		t.Fatal("End")
	}
	if got := e.list(); len(got) != 1 || got[0] != "end isolate.terminated a,b" {
		t.Fatalf("End told %v", got)
	}
	if _, err := env.mgr.Dispatch(context.Background(), "end", "a", UserEvent{Type: "click", Target: "#b"}); !errors.Is(err, ErrNoSession) {
		t.Fatalf("after End: %v", err)
	}
	// A runner that dies under its sessions.
	env.openSession(t, "die", "c", counterCode)
	iso, _ := env.mgr.find("die")
	if err := iso.proc.SendKill(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); len(e.list()) < 2; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no notice of the death: %v", e.list())
		}
	}
	if got := e.list()[1]; got != "die isolate.died c" {
		t.Fatalf("death told %q", got)
	}
	if _, err := env.mgr.Tick(context.Background(), "die", "c"); !errors.Is(err, ErrNoSession) {
		t.Fatalf("after the death: %v", err)
	}
	if turn := env.openSession(t, "die", "c", counterCode); turn.PID == iso.PID() {
		t.Fatal("a new session reused the dead runner")
	}
}

// TestSessionMemoryBombEndsAsOOM: a handler that allocates without end is
// stopped by the runner's heap watch (or the kernel), ends its session as
// oom, and the block's isolate serves again.
func TestSessionMemoryBombEndsAsOOM(t *testing.T) {
	env := newTestManager(t, Config{PoolSize: 1, ExecTimeout: 30 * time.Second,
		Limits: cgroup.Limits{MemoryBytes: 64 << 20, CPU: 1, Pids: 32}})
	code := Code{HTML: `<button id="b">x</button>`, JavaScript: `document.getElementById('b').onclick = () => { const keep = []; for (;;) keep.push(new Array(1 << 20).fill(7)); }`}
	env.openSession(t, "bomb", "s", code)
	turn, err := env.mgr.Dispatch(context.Background(), "bomb", "s", UserEvent{Type: "click", Target: "#b"})
	if err != nil || turn.Kind != KindOOM || !turn.Ended {
		t.Fatalf("bomb: %v %+v", err, turn)
	}
	if res := env.exec(t, "bomb", `console.log('alive')`); res.Kind != KindOK {
		t.Fatalf("block not served after the bomb: %s %s", res.Kind, res.Message)
	}
	env.openSession(t, "bomb", "again", counterCode)
}

// TestSessionsRunConcurrently: two sessions clicked from their own
// goroutines while the block also runs; each count is its own.
func TestSessionsRunConcurrently(t *testing.T) {
	env := newTestManager(t, Config{PoolSize: 1})
	env.openSession(t, "conc", "x", counterCode)
	env.openSession(t, "conc", "y", counterCode)
	var wg sync.WaitGroup
	for _, sid := range []string{"x", "y", "x", "y"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 10 {
				if _, err := env.mgr.Dispatch(context.Background(), "conc", sid, UserEvent{Type: "click", Target: "#b"}); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range 5 {
			if res, err := env.mgr.Run(context.Background(), "conc", counterCode, nil); err != nil || res.Kind != KindOK {
				t.Error(err, res)
			}
		}
	}()
	wg.Wait()
	for _, sid := range []string{"x", "y"} {
		if got := env.clickTurn(t, "conc", sid); got.HTML != `<button id="b">21</button>` {
			t.Fatalf("session %s after 20 concurrent clicks and one more: %q", sid, got.HTML)
		}
	}
}

// TestSessionScriptErrorKeepsThePage: a first render that throws answers
// as Run does (kind script) and the page stays live, as in a browser.
func TestSessionScriptErrorKeepsThePage(t *testing.T) {
	env := newTestManager(t, Config{PoolSize: 1})
	code := counterCode
	code.JavaScript += "; null.x"
	turn, err := env.mgr.OpenSession(context.Background(), "err", "s", code, nil, false)
	if err != nil || turn.Kind != KindScript || turn.Ended || !strings.Contains(turn.Message, "TypeError") {
		t.Fatalf("a throwing first render: %v %+v", err, turn)
	}
	if got := env.clickTurn(t, "err", "s"); got.HTML != `<button id="b">1</button>` {
		t.Fatalf("after the error: %q", got.HTML)
	}
}
