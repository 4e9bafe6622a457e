package engine

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// captureGuardLog points the recovered-panic log at a buffer for one test.
func captureGuardLog(t *testing.T) *bytes.Buffer {
	var b bytes.Buffer
	old := panicLog
	panicLog = &b
	t.Cleanup(func() { panicLog = old })
	return &b
}

// TestGuardSortComparatorPanics pins a goja bug: a comparator that shrinks
// the array it sorts makes goja's sort index past the end (a Go "index out
// of range" panic, not a JS exception). It must end as a script error, and
// the next execution must run normally.
func TestGuardSortComparatorPanics(t *testing.T) {
	for name, js := range map[string]string{
		"length":    `const a=[1,2,3]; a.sort(() => { a.length = 0; return 1 })`,
		"pop":       `const a=[1,2,3]; a.sort(() => { a.pop(); return 1 })`,
		"shift":     `const a=[1,2,3]; a.sort(() => { a.shift(); return 1 })`,
		"splice":    `const a=[1,2,3]; a.sort(() => { a.splice(0); return 1 })`,
		"microtask": `console.log("before"); Promise.resolve().then(() => { const a=[1,2,3]; a.sort(() => { a.length = 0; return 1 }) })`,
		"timer":     `setTimeout(() => { const a=[1,2,3,4]; a.sort(() => { a.pop(); return -1 }) }, 10)`,
		"async":     `(async () => { await null; const a=[5,4,3]; a.sort(() => { a.splice(1); return 1 }) })()`,
	} {
		t.Run(name, func(t *testing.T) {
			log := captureGuardLog(t)
			res := execute(t, Block{HTML: `<p id="x">x</p>`, CSS: "p{}", JavaScript: js}, Options{})
			if res.Error == nil || res.TimedOut || res.OutOfMemory {
				t.Fatalf("want a script error, got %+v", res)
			}
			if !strings.Contains(res.Error.Message, "JavaScript engine failed") || strings.Contains(res.Error.Message, "goroutine") {
				t.Fatalf("message %q: want the engine-failure text, no Go stack", res.Error.Message)
			}
			if res.CSS != "p{}" {
				t.Fatalf("CSS %q not passed through", res.CSS)
			}
			if !strings.Contains(log.String(), "index out of range") || !strings.Contains(log.String(), "goroutine") {
				t.Fatalf("the Go panic and stack did not reach the log: %q", log.String())
			}
			after := execute(t, Block{HTML: `<p id="x">x</p>`, JavaScript: `document.getElementById("x").textContent = [3,1,2].sort().join()`}, Options{})
			if after.Error != nil || after.HTML != `<p id="x">1,2,3</p>` {
				t.Fatalf("the next execution: %+v", after)
			}
		})
	}
}

// panicky is a Context whose Done panics once execute derives from it: a
// Go panic on the execution's own goroutine, outside goja and the DOM, as a
// fault in any native would be.
type panicky struct{ context.Context }

func (panicky) Done() <-chan struct{} { panic("native probe: deliberate Go panic") }

func TestGuardNativePanicProbe(t *testing.T) {
	log := captureGuardLog(t)
	res := Execute(panicky{context.Background()}, Block{HTML: `<p>x</p>`, JavaScript: `console.log(1)`}, Options{})
	if res.Error == nil || !strings.Contains(res.Error.Message, "native probe: deliberate Go panic") || res.TimedOut {
		t.Fatalf("want a script error naming the panic, got %+v", res)
	}
	if !strings.Contains(log.String(), "guard_test.go") {
		t.Fatalf("the stack in the log does not point at the panic: %q", log.String())
	}
}

// TestGuardHeapLimitIsOutOfMemory: an execution its context ended with
// ErrHeapLimit (the runner's heap watch) is OutOfMemory, not TimedOut; an
// ordinary deadline stays TimedOut.
func TestGuardHeapLimitIsOutOfMemory(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	time.AfterFunc(30*time.Millisecond, func() { cancel(ErrHeapLimit) })
	res := Execute(ctx, Block{JavaScript: `const keep = []; for (;;) keep.push({})`}, Options{})
	if !res.OutOfMemory || res.TimedOut || res.Error != nil {
		t.Fatalf("heap-limit stop: %+v", res)
	}
	// Also while the loop waits outside JavaScript.
	ctx, cancel = context.WithCancelCause(context.Background())
	time.AfterFunc(30*time.Millisecond, func() { cancel(ErrHeapLimit) })
	res = Execute(ctx, Block{JavaScript: `symposium.getData("k").then(v => console.log(v))`}, Options{Host: blockingHost{}})
	if !res.OutOfMemory || res.TimedOut {
		t.Fatalf("heap-limit stop while the loop waits for the host: %+v", res)
	}
	dctx, dcancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer dcancel()
	res = Execute(dctx, Block{JavaScript: `for (;;) {}`}, Options{})
	if !res.TimedOut || res.OutOfMemory {
		t.Fatalf("deadline: %+v", res)
	}
}

// blockingHost answers nothing until the execution ends.
type blockingHost struct{}

func (blockingHost) SaveData(ctx context.Context, _ string, _ []byte) error {
	<-ctx.Done()
	return ctx.Err()
}
func (blockingHost) GetData(ctx context.Context, _ string) ([]byte, bool, error) {
	<-ctx.Done()
	return nil, false, ctx.Err()
}
func (blockingHost) DeleteData(ctx context.Context, _ string) error { <-ctx.Done(); return ctx.Err() }
func (blockingHost) Fetch(ctx context.Context, _ string) (int, string, []byte, error) {
	<-ctx.Done()
	return 0, "", nil, ctx.Err()
}
