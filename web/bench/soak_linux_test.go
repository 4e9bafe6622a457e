package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// procFigures are the supervisor's own figures, read from the kernel
// (and goroutines from /api/metrics, when it reports them).
type procFigures struct {
	rssKB, fds, threads int
	goroutines          int // -1: not reported
}

func (f procFigures) String() string {
	g := "n/a"
	if f.goroutines >= 0 {
		g = strconv.Itoa(f.goroutines)
	}
	return fmt.Sprintf("RSS %d kB, %d fds, %d threads, goroutines %s", f.rssKB, f.fds, f.threads, g)
}

func (s *server) figures(tb testing.TB) procFigures {
	tb.Helper()
	pid := s.cmd.Process.Pid
	st, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		tb.Fatal(err)
	}
	var f procFigures
	for _, l := range strings.Split(string(st), "\n") {
		k, v, _ := strings.Cut(l, ":")
		n, _ := strconv.Atoi(strings.Fields(v + " 0")[0])
		switch k {
		case "VmRSS":
			f.rssKB = n
		case "Threads":
			f.threads = n
		}
	}
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		tb.Fatal(err)
	}
	f.fds = len(fds)
	f.goroutines = -1
	if resp, err := client.Get(s.url + "/api/metrics"); err == nil {
		var m map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&m)
		resp.Body.Close()
		if g, ok := m["goroutines"].(float64); ok {
			f.goroutines = int(g)
		}
	}
	return f
}

// hostile blocks a soak mixes in, each answered with a known outcome.
var hostile = []struct{ name, html, js, want string }{
	{"loop", "", `while (true) {}`, `"kind":"timeout"`},
	// Under load a bomb may reach its deadline before its memory limit.
	{"bomb", "", `const a = []; for (;;) a.push(new Array(1e6).fill(1.5))`, `"kind":"oom"|"kind":"timeout"`},
	{"sort", "", `const a = [1,2,3]; a.sort(() => { a.length = 0; return 1 })`, `"success"`},
	{"huge", "<p id=p></p>", `document.getElementById('p').textContent = 'x'.repeat(3 << 20)`, `"kind":"output_too_large"`},
	{"throw", "", `throw new Error('no')`, `"kind":"script"`},
}

// containsAny reports whether out holds one of the '|'-separated wants.
func containsAny(out []byte, wants string) bool {
	for _, w := range strings.Split(wants, "|") {
		if bytes.Contains(out, []byte(w)) {
			return true
		}
	}
	return false
}

// soak runs mixed load against s for d: warm re-executions, new blocks,
// deletes during executions, and hostile blocks; it fails on any answer
// that is not a clean outcome and reports the supervisor's figures at the
// start, once the isolate table has filled (a fifth of d in), and at the
// end.
func soak(tb testing.TB, s *server, d time.Duration) (before, warm, after procFigures, n map[string]int64) {
	before = s.figures(tb)
	warmed := make(chan procFigures, 1)
	time.AfterFunc(d/5, func() { warmed <- s.figures(tb) })
	var counts sync.Map
	count := func(k string) {
		v, _ := counts.LoadOrStore(k, new(atomic.Int64))
		v.(*atomic.Int64).Add(1)
	}
	post := func(payload []byte, want string) {
		resp, err := client.Post(s.url+"/api/execute-content-block", "application/json", bytes.NewReader(payload))
		if err != nil {
			tb.Errorf("execute: %v", err)
			return
		}
		out, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		switch {
		case resp.StatusCode == 200 && containsAny(out, want):
			count("ok")
		case resp.StatusCode == 409 || resp.StatusCode == 503 && bytes.Contains(out, []byte("no_capacity")):
			count(strconv.Itoa(resp.StatusCode)) // deleted meanwhile, or every isolate busy
		default:
			tb.Errorf("execute: %d %.300s (want %s)", resp.StatusCode, out, want)
		}
	}
	stop := time.Now().Add(d)
	var wg sync.WaitGroup
	worker := func(w int) {
		defer wg.Done()
		for i := 0; time.Now().Before(stop); i++ {
			switch i % 6 {
			case 0, 1: // warm
				post(body(fmt.Sprintf("soak-warm-%d", w), "list100"), `"success":true`)
			case 2: // a new block, rotating over 40 ids
				post(body(fmt.Sprintf("soak-new-%d-%d", w, i%40), "text"), `"success":true`)
			case 3: // delete a block, possibly in flight
				id := fmt.Sprintf("soak-new-%d-%d", w, (i+1)%40)
				go post(body(id, "text"), `"success":true`)
				req, _ := http.NewRequest("DELETE", s.url+"/api/content-block/"+id, nil)
				if resp, err := client.Do(req); err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					count("delete " + strconv.Itoa(resp.StatusCode))
				}
			default:
				h := hostile[(i/6+w)%len(hostile)]
				js, _ := json.Marshal(map[string]any{"blockId": fmt.Sprintf("soak-%s-%d", h.name, w), "code": map[string]string{"html": h.html, "javascript": h.js}})
				post(js, h.want)
			}
		}
	}
	for w := range 4 {
		wg.Add(1)
		go worker(w)
	}
	wg.Wait()
	time.Sleep(500 * time.Millisecond) // stray deletes' executions
	n = map[string]int64{}
	counts.Range(func(k, v any) bool { n[k.(string)] = v.(*atomic.Int64).Load(); return true })
	after = s.figures(tb)
	return before, <-warmed, after, n
}

// soakDuration is SOAK_DURATION (default def).
func soakDuration(tb testing.TB, def time.Duration) time.Duration {
	if v := os.Getenv("SOAK_DURATION"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			tb.Fatalf("SOAK_DURATION=%q: %v", v, err)
		}
		return d
	}
	return def
}

var soakEnv = []string{"EXECUTION_TIMEOUT_MS=1000", "ISOLATE_MEMORY_MB=64", "MAX_ISOLATES=16", "POOL_SIZE=2"}

// BenchmarkSoak: make bench runs it for 10 minutes (SOAK_DURATION).
func BenchmarkSoak(b *testing.B) {
	s, _ := start(b, soakEnv...)
	d := soakDuration(b, 10*time.Minute)
	b.ResetTimer()
	before, warm, after, n := soak(b, s, d)
	b.StopTimer()
	b.Logf("soak %s: %v", d, n)
	b.Logf("start: %s", before)
	b.Logf("warm:  %s", warm)
	b.Logf("end:   %s", after)
	b.ReportMetric(float64(after.rssKB), "end-RSS-kB")
	b.ReportMetric(float64(after.rssKB-warm.rssKB), "RSS-growth-after-warm-kB")
	b.ReportMetric(float64(after.fds-warm.fds), "fd-growth-after-warm")
	b.ReportMetric(float64(n["ok"]), "clean-outcomes")
}

// TestSoakShort is the soak for a few seconds (SOAK_DURATION, default 5s)
// in make test: every answer a clean outcome, and the supervisor's
// descriptors and memory back within bounds at the end.
func TestSoakShort(t *testing.T) {
	s, _ := start(t, soakEnv...)
	d := soakDuration(t, 5*time.Second)
	before, warm, after, n := soak(t, s, d)
	t.Logf("soak %s: %v", d, n)
	t.Logf("start: %s", before)
	t.Logf("warm:  %s", warm)
	t.Logf("end:   %s", after)
	if n["ok"] == 0 {
		t.Fatal("no execution succeeded")
	}
	// Bounds, not speed, once the isolate table is full (each live isolate
	// holds a few descriptors): a leak of one descriptor per request, or
	// of the outputs refused, would pass these by far.
	if after.fds > warm.fds+48 {
		t.Errorf("descriptors grew from %d (warm) to %d", warm.fds, after.fds)
	}
	if after.rssKB > warm.rssKB+200<<10 {
		t.Errorf("RSS grew from %d kB (warm) to %d kB", warm.rssKB, after.rssKB)
	}
}
