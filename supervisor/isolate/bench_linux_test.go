package isolate

import (
	"context"
	"fmt"
	"testing"
	"time"
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
