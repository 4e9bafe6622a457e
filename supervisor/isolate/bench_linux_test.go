package isolate

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/symposium/symposium/ipc"
)

// BenchmarkManagerExecuteWarm is the supervisor-side cost of a warm
// execution without HTTP: gRPC to the confined runner, goja, stats.
func BenchmarkManagerExecuteWarm(b *testing.B) {
	env := newTestManager(b, Config{PoolSize: 1})
	code := Code{HTML: `<div id="x">old</div>`, CSS: "#x{color:red}", JavaScript: `document.getElementById('x').textContent = 'hi'; console.log('set', document.getElementById('x').textContent);`}
	ctx := context.Background()
	if _, err := env.mgr.Run(ctx, "warm", code, nil); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if res, err := env.mgr.Run(ctx, "warm", code, nil); err != nil || res.Kind != KindOK {
			b.Fatal(err, res.Message)
		}
	}
}

// BenchmarkIdleIsolateMemory reports what the kernel charges an idle
// isolate (memory.current / memory.usage_in_bytes) after it ran a block.
// On v2 the runner is born in its cgroup, so every page counts; on v1 what
// it touched before being attached stays with the supervisor.
func BenchmarkIdleIsolateMemory(b *testing.B) {
	env := newTestManager(b, Config{NoPool: true, MaxIsolates: 1000})
	ctx := context.Background()
	var sum float64
	for i := 0; i < b.N; i++ {
		id := fmt.Sprintf("idle-%d", i)
		res, err := env.mgr.Run(ctx, id, Code{HTML: `<div id="x">old</div>`, JavaScript: `document.getElementById('x').textContent = 'hi'`}, nil)
		if err != nil || res.Kind != KindOK {
			b.Fatal(err, res)
		}
		time.Sleep(100 * time.Millisecond)
		sum += float64(env.stats(b, id).MemoryCurrent)
		env.mgr.End(id)
	}
	b.ReportMetric(sum/float64(b.N)/(1<<20), "MiB/isolate")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkManagerNewBlock runs a block never seen before on a pre-started,
// warmed runner, without HTTP and with the in-memory block store: what a
// new block costs the supervisor besides durable storage.
func BenchmarkManagerNewBlock(b *testing.B) {
	env := newTestManager(b, Config{PoolSize: 2, MaxIsolates: 1000, IdleTimeout: time.Hour})
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		for len(env.mgr.pool.list()) < 2 {
			time.Sleep(time.Millisecond)
		}
		id := fmt.Sprintf("new-%d", i)
		b.StartTimer()
		res, err := env.mgr.Run(ctx, id, Code{HTML: `<div id="x">old</div>`, JavaScript: `document.getElementById('x').textContent = 'hi'`}, nil)
		if err != nil || res.Kind != KindOK {
			b.Fatal(err, res)
		}
		b.StopTimer()
		env.mgr.End(id)
		b.StartTimer()
	}
}

// BenchmarkRuntimeNewBlockFullTable runs a block never seen before while
// the table is full of idle isolates: the least recently used is evicted
// (its ending is off the request's path) and a pooled runner takes its
// place. Without HTTP or storage.
func BenchmarkRuntimeNewBlockFullTable(b *testing.B) {
	env := newTestManager(b, Config{PoolSize: 2, MaxIsolates: 4, IdleTimeout: time.Hour})
	ctx := context.Background()
	code := Code{HTML: `<div id="x">old</div>`, JavaScript: `document.getElementById('x').textContent = 'hi'`}
	for i := range 4 {
		if _, err := env.mgr.Run(ctx, fmt.Sprintf("fill-%d", i), code, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		for len(env.mgr.pool.list()) < 2 {
			time.Sleep(time.Millisecond)
		}
		b.StartTimer()
		res, err := env.mgr.Run(ctx, fmt.Sprintf("full-%d", i), code, nil)
		if err != nil || res.Kind != KindOK {
			b.Fatal(err, res)
		}
	}
}

// BenchmarkSessionClick is one counter click in a live session through the
// runtime, without HTTP: gRPC to the confined runner, the listener, the
// serialised body, the cgroup's figures. It reports the p50 and p99 of the
// turns (issue 15's target: p50 <= 1 ms on 2 cores).
func BenchmarkSessionClick(b *testing.B) {
	env := newTestManager(b, Config{PoolSize: 1})
	ctx := context.Background()
	if _, err := env.mgr.OpenSession(ctx, "click", "s", counterCode, nil, true); err != nil {
		b.Fatal(err)
	}
	ev := UserEvent{Type: "click", Target: "#b"}
	for range 20 { // warm the runner's path
		if _, err := env.mgr.Dispatch(ctx, "click", "s", ev); err != nil {
			b.Fatal(err)
		}
	}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		turn, err := env.mgr.Dispatch(ctx, "click", "s", ev)
		lat = append(lat, time.Since(start))
		if err != nil || turn.Kind != KindOK {
			b.Fatal(err, turn)
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds())/1e3, "p50-µs")
	b.ReportMetric(float64(lat[min(len(lat)-1, len(lat)*99/100)].Nanoseconds())/1e3, "p99-µs")
}

// BenchmarkSessionMemory is what a live session costs its isolate's cgroup
// (memory.current, or memory.usage_in_bytes on v1) for a small block: the
// figure before and after opening 50 counter sessions, per session. Then it
// opens more until one is refused (the heap watch's oom, the kernel's, or
// the runner's cap of 256) and reports how many were live. It measures
// once whatever b.N is: one round opens a few hundred runtimes.
func BenchmarkSessionMemory(b *testing.B) {
	const n = 50
	env := newTestManager(b, Config{NoPool: true, MaxSessionsPerIsolate: 1 << 20, IdleTimeout: time.Hour})
	ctx := context.Background()
	limit := env.mgr.Config().Limits.MemoryBytes
	block := "mem"
	if _, err := env.mgr.Run(ctx, block, counterCode, nil); err != nil {
		b.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	before := env.stats(b, block).MemoryCurrent
	for j := range n {
		env.openSession(b, block, fmt.Sprint("s", j), counterCode)
	}
	time.Sleep(100 * time.Millisecond)
	after := env.stats(b, block).MemoryCurrent
	perSession := (float64(after) - float64(before)) / n
	live, why := n, "the runner's cap"
	for live < ipc.MaxRunnerSessions {
		turn, err := env.mgr.OpenSession(ctx, block, fmt.Sprint("s", live), counterCode, nil, false)
		if err != nil {
			why = err.Error()
			break
		}
		if turn.Ended {
			why = string(turn.Kind) + ": " + turn.Message
			break
		}
		live++
	}
	full := uint64(0)
	if env.mgr.Live(block) {
		full = env.stats(b, block).MemoryCurrent
	}
	b.Logf("%d MiB limit: %.0f KiB before, +%.0f KiB per session over %d; %d live sessions at %d MiB, then %s",
		limit>>20, float64(before)/1024, perSession/1024, n, live, full>>20, why)
	b.ReportMetric(perSession/1024, "KiB/session")
	b.ReportMetric(float64(live), "sessions/isolate")
	b.ReportMetric(0, "ns/op")
}
