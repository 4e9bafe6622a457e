package main

import (
	"context"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"testing"
	"time"

	"github.com/symposium/symposium/sandbox-runner/engine"
)

// The memory bombs of issue 11, one per shape.
var bombs = map[string]string{
	"array push":      `const keep = []; for (;;) keep.push(new Array(1 << 16).fill(1.5))`,
	"string doubling": `let s = "x"; const keep = []; for (;;) { s = s + s; keep.push(s); }`,
	"object growth":   `const o = {}; for (let i = 0; ; i++) o["key" + i] = {i};`,
}

func footprint() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64() - s[1].Value.Uint64()
}

// TestHeapWatchStopsBombs: in process, with soft limits 96 MiB above the
// test's own footprint, each bomb ends as OutOfMemory (not a timeout, not a
// script error) within 1 s of the watch firing, and the memory comes back.
func TestHeapWatchStopsBombs(t *testing.T) {
	for name, js := range bombs {
		t.Run(name, func(t *testing.T) {
			runtime.GC()
			debug.FreeOSMemory()
			base := footprint()
			w := &heapWatch{footprint: base + 96<<20, live: base + 96<<20, every: watchEvery}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			ctx, stop := w.watch(ctx)
			start := time.Now()
			res := engine.Execute(ctx, engine.Block{JavaScript: js}, engine.Options{})
			end := time.Now()
			stop()
			fired := time.Unix(0, w.fired.Load())
			if w.fired.Load() == 0 || !res.OutOfMemory || res.TimedOut || res.Error != nil {
				t.Fatalf("after %v: fired=%v result %+v; want OutOfMemory", end.Sub(start), w.fired.Load() != 0, res)
			}
			if d := end.Sub(fired); d > time.Second {
				t.Fatalf("Execute returned %v after the watch fired; want under 1 s", d)
			}
			debug.FreeOSMemory()
			t.Logf("fired after %v, stopped %v later; footprint at the end +%d MiB",
				fired.Sub(start).Round(time.Millisecond), end.Sub(fired).Round(time.Microsecond), (int64(footprint())-int64(base))>>20)
		})
	}
}

// TestHeapWatchLeavesOrdinaryScriptsAlone: a script that allocates and
// drops far more than the soft limit in total, but never holds it, runs to
// the end.
func TestHeapWatchLeavesOrdinaryScriptsAlone(t *testing.T) {
	runtime.GC()
	base := footprint()
	w := &heapWatch{footprint: base + 96<<20, live: base + 96<<20, every: watchEvery}
	debug.SetMemoryLimit(int64(base + 64<<20)) // as GOMEMLIMIT does in service, below the watch
	defer debug.SetMemoryLimit(-1)
	ctx, stop := w.watch(context.Background())
	defer stop()
	res := engine.Execute(ctx, engine.Block{JavaScript: `
		let n = 0, last = [];
		for (let i = 0; i < 200; i++) { const s = "x".repeat(1 << 20); last = [s]; n += s.length > 0; }
		console.log(n)`}, engine.Options{})
	if res.OutOfMemory || res.Error != nil || len(res.Logs) != 1 || res.Logs[0].Message != "200" {
		t.Fatalf("an ordinary script: %+v", res)
	}
}

func TestSoftLimitsFollowTheCgroupLimit(t *testing.T) {
	w := newHeapWatch(128 << 20)
	if w.footprint != 112<<20 || w.live != 48<<20 {
		t.Fatalf("128 MiB limit: footprint %d live %d; want 112 and 48 MiB", w.footprint, w.live)
	}
	if newHeapWatch(0) != nil {
		t.Fatal("a watch without a limit")
	}
}
