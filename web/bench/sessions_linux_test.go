package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/symposium/symposium/supervisor/cgroup"
	"github.com/symposium/symposium/supervisor/isolate"
	"github.com/symposium/symposium/supervisor/isolate/isolatetest"
	"github.com/symposium/symposium/supervisor/session"
)

// Interactive blocks (issue 15): the server-side cost of one user event,
// a counter click, from the event arriving to the new page answered. Over
// HTTP (the real binary, a keep-alive client on loopback) and through the
// session manager directly (no HTTP, no JSON): the difference is the web
// layer's share. The browser's share (bridge + morph) is measured by the
// UI's chromedp benchmark.

const (
	counterHTML = `<button id="inc">+</button> <span id="n">0</span>`
	counterJS   = `let n = 0; const out = document.getElementById('n'); document.getElementById('inc').addEventListener('click', () => { out.textContent = ++n })`
)

// BenchmarkSessionEvent/http: POST /api/content-block/:id/sessions/:sid/events.
// BenchmarkSessionEvent/manager: session.Manager.Event on a real runtime.
func BenchmarkSessionEvent(b *testing.B) {
	b.Run("http", func(b *testing.B) {
		s, _ := start(b, "SESSION_EVENTS_PER_SECOND=10000")
		js, _ := json.Marshal(map[string]any{"blockId": "bench-counter", "code": map[string]string{"html": counterHTML, "javascript": counterJS}})
		s.execute(b, js)
		resp, err := client.Post(s.url+"/api/content-block/bench-counter/sessions", "application/json", strings.NewReader("{}"))
		if err != nil {
			b.Fatal(err)
		}
		var opened struct {
			SessionID string `json:"sessionId"`
		}
		json.NewDecoder(resp.Body).Decode(&opened)
		resp.Body.Close()
		if resp.StatusCode != 201 {
			b.Fatalf("open: %d", resp.StatusCode)
		}
		url := s.url + "/api/content-block/bench-counter/sessions/" + opened.SessionID + "/events"
		click := []byte(`{"type":"click","target":"#inc"}`)
		post := func() []byte {
			resp, err := client.Post(url, "application/json", bytes.NewReader(click))
			if err != nil {
				b.Fatal(err)
			}
			out, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Fatalf("event: %d %s", resp.StatusCode, out)
			}
			return out
		}
		for range 20 {
			post() // warm: the engine's first turns compile the handler
		}
		d := make([]time.Duration, 0, b.N)
		b.ResetTimer()
		for range b.N {
			t0 := time.Now()
			post()
			d = append(d, time.Since(t0))
		}
		b.StopTimer()
		if out := post(); !bytes.Contains(out, []byte(fmt.Sprintf(`\u003e%d\u003c/span`, b.N+21))) {
			b.Fatalf("the counter lost clicks: %s", out)
		}
		reportLatency(b, d)
	})
	b.Run("manager", func(b *testing.B) {
		rt, _ := runtimeFor(b, 16)
		m := session.New(rt, session.Config{EventsPerSecond: -1})
		b.Cleanup(m.Shutdown)
		ctx := context.Background()
		turn, err := m.Open(ctx, "bench", "bench-counter", isolate.Code{HTML: counterHTML, JavaScript: counterJS}, nil, true)
		if err != nil || turn.Ended {
			b.Fatalf("open: %v %+v", err, turn)
		}
		ev := isolate.UserEvent{Type: "click", Target: "#inc"}
		for range 20 {
			if _, err := m.Event(ctx, "bench", "bench-counter", turn.SessionID, ev); err != nil {
				b.Fatal(err)
			}
		}
		d := make([]time.Duration, 0, b.N)
		b.ResetTimer()
		for range b.N {
			t0 := time.Now()
			if _, err := m.Event(ctx, "bench", "bench-counter", turn.SessionID, ev); err != nil {
				b.Fatal(err)
			}
			d = append(d, time.Since(t0))
		}
		b.StopTimer()
		reportLatency(b, d)
	})
}

// BenchmarkSessionMemory opens live sessions of the counter in one isolate
// until SESSIONS_PER_ISOLATE refuses one, and reports the isolate's cgroup
// memory per session (memory.current after the last open, less after the
// first, over the sessions between) and how many fit.
func BenchmarkSessionMemory(b *testing.B) {
	const perIsolate = 32
	for range b.N {
		rt, _ := runtimeFor(b, perIsolate)
		ctx := context.Background()
		var first, last uint64
		n := 0
		for i := range perIsolate + 1 {
			turn, err := rt.OpenSession(ctx, "bench-mem", fmt.Sprintf("i-bench~%d", i), isolate.Code{HTML: counterHTML, JavaScript: counterJS}, nil, true)
			if errors.Is(err, isolate.ErrSessionLimit) {
				break
			}
			if err != nil || turn.Ended {
				b.Fatalf("open %d: %v %+v", i, err, turn)
			}
			if i == 0 {
				first = turn.Memory
			}
			last = turn.Memory
			n++
		}
		if n != perIsolate {
			b.Fatalf("%d sessions fit, want SESSIONS_PER_ISOLATE=%d", n, perIsolate)
		}
		b.ReportMetric(float64(n), "sessions/isolate")
		if last > first {
			b.ReportMetric(float64(last-first)/float64(n-1)/1024, "KiB/session")
		}
		b.ReportMetric(float64(last)/(1<<20), "isolate-MiB")
		rt.Close()
	}
}

// runtimeFor is a real isolate runtime with its own cgroup and run dir.
func runtimeFor(b *testing.B, perIsolate int) (*isolate.Runtime, *cgroup.Manager) {
	b.Helper()
	isolatetest.NeedRoot(b)
	name := fmt.Sprintf("symposium-sessbench-%d-%d", os.Getpid(), time.Now().UnixNano()%1e6)
	cg, err := cgroup.New(cgroup.WithName(name))
	if err != nil {
		b.Fatal(err)
	}
	rt, err := isolate.New(isolate.Config{RunnerPath: os.Getenv("SANDBOX_RUNNER"), RunDir: "/run/" + name, PoolSize: 1,
		MaxSessionsPerIsolate: perIsolate, Limits: cgroup.Limits{MemoryBytes: 256 << 20, CPU: 1, Pids: 64}}, cg)
	if err != nil {
		cg.Close()
		b.Fatal(err)
	}
	b.Cleanup(func() {
		rt.Close()
		cg.Close()
	})
	return rt, cg
}
