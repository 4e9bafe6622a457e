package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// End-to-end tests of the isolate runtime through the binary: capacity by
// recency, instances that own what they touch, self-healing and health.

func blockBody(id, js string) map[string]any {
	return map[string]any{"blockId": id, "code": map[string]any{"html": `<p id="p"></p>`, "javascript": js}}
}

// Six blocks through three isolates, none busy: all succeed, and an evicted
// block runs again. With three all executing a slow block, a fourth gets 503
// with Retry-After and succeeds once one has finished.
func TestCapacityByRecency(t *testing.T) {
	name := fmt.Sprintf("symposium-e2e-lru-%d", os.Getpid())
	in := launch(t, name, "DATA_DIR="+t.TempDir(), "MAX_ISOLATES=3", "RATE_LIMIT=0", "EXECUTION_TIMEOUT_MS=10000")
	for i := range 6 {
		id := fmt.Sprintf("b%d", i)
		if st, m := in.post("/api/execute-content-block", blockBody(id, `document.getElementById('p').textContent = 'ran'`)); st != 200 || m["html"] != `<p id="p">ran</p>` {
			t.Fatalf("block %s with none busy: %d %v", id, st, m)
		}
	}
	_, metrics := in.get("/api/metrics")
	if !strings.Contains(metrics, `"activeIsolates":3`) {
		t.Fatalf("want 3 live isolates: %s", metrics)
	}
	if st, m := in.post("/api/update-content-block", map[string]any{"blockId": "b0", "code": map[string]any{}}); st != 200 || m["success"] != true {
		t.Fatalf("the evicted block b0 does not run again: %d %v", st, m)
	}

	slow := `const end = Date.now() + 2000; while (Date.now() < end) {}`
	var wg sync.WaitGroup
	for _, id := range []string{"s1", "s2", "s3"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if st, m := in.post("/api/execute-content-block", blockBody(id, slow)); st != 200 {
				t.Errorf("slow %s: %d %v", id, st, m)
			}
		}()
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, m := in.get("/api/metrics")
		if strings.Contains(m, `"executing":3`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("three slow blocks never executed at once: %s", m)
		}
		time.Sleep(20 * time.Millisecond)
	}
	resp, err := httpPost(in.url+"/api/execute-content-block", blockBody("fourth", "1"))
	if err != nil {
		t.Fatal(err)
	}
	if resp.status != 503 || resp.retryAfter == "" || !strings.Contains(resp.body, "no_capacity") {
		t.Fatalf("fourth block with all three executing: %d Retry-After %q %s", resp.status, resp.retryAfter, resp.body)
	}
	wg.Wait()
	if st, m := in.post("/api/execute-content-block", blockBody("fourth", "1")); st != 200 {
		t.Fatalf("fourth block after one finished: %d %v", st, m)
	}
}

// Two binaries with the default RUN_DIR and CGROUP_NAME on one host, in any
// start and stop order, both keep serving; a kill -9 leaves litter that the
// next start reaps; afterwards nothing is left.
func TestTwoDefaultInstancesOwnWhatTheyTouch(t *testing.T) {
	const runDir, cgName = "/run/symposium", "symposium"
	if _, err := os.Stat(runDir); err == nil {
		t.Skip(runDir + " is in use on this host (a `make run`?): the default-settings test would share it")
	}
	defaults := func() []string {
		return []string{"DATA_DIR=" + t.TempDir(), "RUN_DIR=" + runDir, "CGROUP_NAME=" + cgName, "RATE_LIMIT=0"}
	}
	var (
		mu       sync.Mutex
		live     = map[string]*instance{}
		failures []string
		checks   atomic.Int64
		pids     = map[int]bool{}
	)
	setLive := func(key string, in *instance) {
		mu.Lock()
		defer mu.Unlock()
		if in == nil {
			delete(live, key)
		} else {
			live[key] = in
		}
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	// Every block on every live instance answers 200, throughout.
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				mu.Lock()
				var ins []*instance
				for _, in := range live {
					ins = append(ins, in)
				}
				mu.Unlock()
				for _, in := range ins {
					r, err := httpPost(in.url+"/api/execute-content-block", blockBody(fmt.Sprintf("w%d-%d", w, i%4), "1"))
					mu.Lock()
					if _, still := live[in.name+in.url]; still && (err != nil || r.status != 200) {
						failures = append(failures, fmt.Sprintf("%s: %v %d %s", in.url, err, r.status, r.body))
					}
					mu.Unlock()
					checks.Add(1)
				}
				time.Sleep(5 * time.Millisecond)
			}
		}()
	}
	start := func() *instance {
		in := launch(t, cgName, defaults()...)
		setLive(in.name+in.url, in)
		return in
	}
	remember := func(in *instance) {
		mu.Lock()
		defer mu.Unlock()
		for _, p := range in.runnerPids() {
			pids[p] = true
		}
	}
	settle := func() { time.Sleep(400 * time.Millisecond) }

	a := start()
	b := start()
	settle()
	remember(a)
	remember(b)
	setLive(b.name+b.url, nil)
	b.cmd.Process.Signal(syscall.SIGTERM)
	if err := b.wait(); err != nil {
		t.Fatalf("B's stop: %v", err)
	}
	settle() // A serves on alone
	b = start()
	settle()
	remember(a)
	remember(b)
	setLive(a.name+a.url, nil)
	a.cmd.Process.Kill() // kill -9: A leaves its lock, run dir and cgroup subtree
	a.wait()
	settle()
	a = start() // reaps what the old A left
	settle()
	remember(a)
	remember(b)
	close(stop)
	wg.Wait()
	if len(failures) > 0 {
		t.Fatalf("%d of %d requests failed, e.g. %v", len(failures), checks.Load(), failures[:min(3, len(failures))])
	}
	if checks.Load() < 20 {
		t.Fatalf("only %d requests checked", checks.Load())
	}
	ents, _ := os.ReadDir(runDir)
	if len(ents) != 4 { // two live instances: a dir and a lock each
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Fatalf("after the restarts %s holds %v, want the two live instances' dirs and locks only", runDir, names)
	}
	for _, in := range []*instance{a, b} {
		in.cmd.Process.Signal(syscall.SIGTERM)
		if err := in.wait(); err != nil {
			t.Fatalf("stop: %v", err)
		}
	}
	for p := range pids {
		if alive(p) {
			t.Errorf("runner %d outlived its supervisor", p)
		}
	}
	if dirs := cgroupDirs(cgName); len(dirs) != 0 {
		t.Errorf("cgroups left behind: %v", dirs)
	}
	if _, err := os.Stat(runDir); err == nil {
		t.Errorf("%s left behind", runDir)
	}
}

// The run directory deleted under a running supervisor: live isolates keep
// serving and new blocks get runners again (the directory is recreated).
func TestRunDirDeletedIsSurvived(t *testing.T) {
	name := fmt.Sprintf("symposium-e2e-rundir-%d", os.Getpid())
	in := launch(t, name, "DATA_DIR="+t.TempDir(), "RATE_LIMIT=0", "HEALTH_INTERVAL=1s")
	if st, m := in.post("/api/execute-content-block", blockBody("before", "1")); st != 200 {
		t.Fatalf("%d %v", st, m)
	}
	if err := os.RemoveAll("/run/" + name); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"before", "after1", "after2", "after3"} {
		if st, m := in.post("/api/execute-content-block", blockBody(id, "1")); st != 200 {
			t.Fatalf("%s after the run dir was deleted: %d %v", id, st, m)
		}
	}
	time.Sleep(1500 * time.Millisecond) // the health watcher re-made our lock
	locks, _ := filepath.Glob("/run/" + name + "/i-*.lock")
	if len(locks) != 1 {
		t.Fatalf("lock not recreated: %v", locks)
	}
	if st, h := in.get("/api/health"); st != 200 || strings.Contains(h, "cannot start") {
		t.Fatalf("health after the run dir came back: %s", h)
	}
}

// Health is degraded, with the reason, while no runner can start, and ok
// again once one can.
func TestHealthFollowsTheRunner(t *testing.T) {
	// A directory the runners' user (nobody) can reach, unlike t.TempDir().
	dir, err := os.MkdirTemp("", "symposium-health-runner-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	runner := filepath.Join(dir, "sandbox-runner")
	src, err := os.Open(bins.runner)
	if err != nil {
		t.Fatal(err)
	}
	dst, err := os.OpenFile(runner, os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(dst, src)
	src.Close()
	dst.Close()
	name := fmt.Sprintf("symposium-e2e-health-%d", os.Getpid())
	in := launch(t, name, "DATA_DIR="+t.TempDir(), "SANDBOX_RUNNER="+runner, "HEALTH_INTERVAL=1s", "RATE_LIMIT=0")
	waitHealth := func(want string) string {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for {
			_, h := in.get("/api/health")
			if strings.Contains(h, `"status":"`+want+`"`) {
				return h
			}
			if time.Now().After(deadline) {
				t.Fatalf("health never %s: %s", want, h)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	waitHealth("ok")
	if err := os.Chmod(runner, 0o644); err != nil {
		t.Fatal(err)
	}
	// New blocks use up the pool (however many runners it had started by
	// then); then no runner can start, and a new block is refused.
	refused := false
	for i := range 20 {
		st, m := in.post("/api/execute-content-block", blockBody("h"+strconv.Itoa(i), "1"))
		if st == 200 {
			continue
		}
		if e, _ := m["error"].(map[string]any); st != 503 || e["code"] != "runner_unavailable" {
			t.Fatalf("a new block while no runner starts: %d %v", st, m)
		}
		refused = true
		break
	}
	if !refused {
		t.Fatal("20 new blocks ran although no runner can start")
	}
	h := waitHealth("degraded")
	if !strings.Contains(h, "cannot start a sandbox runner") {
		t.Fatalf("degraded without the reason: %s", h)
	}
	if err := os.Chmod(runner, 0o755); err != nil {
		t.Fatal(err)
	}
	waitHealth("ok")
	if st, m := in.post("/api/execute-content-block", blockBody("refused", "1")); st != 200 {
		t.Fatalf("after the runner came back: %d %v", st, m)
	}
}

type httpAnswer struct {
	status     int
	retryAfter string
	body       string
}

func httpPost(url string, body any) (httpAnswer, error) {
	js, _ := json.Marshal(body)
	resp, err := httpClient.Post(url, "application/json", bytes.NewReader(js))
	if err != nil {
		return httpAnswer{}, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return httpAnswer{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After"), body: string(b)}, nil
}

// httpClient keeps enough idle connections for the load test's clients.
var httpClient = &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 128, MaxConnsPerHost: 128}}

// promValue is the value of an unlabelled metric in a Prometheus text page.
func promValue(page, name string) string {
	for _, line := range strings.Split(page, "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			return v
		}
	}
	return ""
}

// threadsOf reads a process's thread count from /proc.
func threadsOf(pid int) string {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "Threads:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "?"
}

// rssOf reads a process's resident set from /proc, in bytes: the total, and
// the part that is file pages (the embedded store's mmap).
func rssOf(pid int) (total, file uint64) {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for _, line := range strings.Split(string(b), "\n") {
		k, v, _ := strings.Cut(line, ":")
		kb, _ := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
		switch k {
		case "VmRSS":
			total = kb << 10
		case "RssFile":
			file = kb << 10
		}
	}
	return total, file
}

// A bounded load over loopback: 10,000 requests from 64 clients over 200
// distinct blocks through MAX_ISOLATES=50. As on a real site, a few blocks
// are hot: nine requests in ten go to 40 of them (which stay live), one in
// ten to the other 160, each of which evicts the least recently used idle
// isolate and takes a pooled runner (about a thousand evictions; a uniform
// walk would spawn for nearly every request and take minutes here). Every
// answer is 200, or 503 no_capacity (only ever sent while every isolate is
// executing); no other 5xx. The supervisor's RSS after the last thousand is
// within 10% of its RSS after the first thousand.
func TestLoadThroughAFullTable(t *testing.T) {
	if os.Getenv("SYMPOSIUM_IN_GUEST") == "1" {
		t.Skip("a load test of the host: 10,000 requests under the guest's software emulation outlast its time bound")
	}
	const total, clients, blocks, hot = 10000, 64, 200, 40
	name := fmt.Sprintf("symposium-e2e-load-%d", os.Getpid())
	in := launch(t, name, "DATA_DIR="+t.TempDir(), "MAX_ISOLATES=50", "RATE_LIMIT=0", "LOG_LEVEL=warn")
	var (
		next          atomic.Int64
		ok, busy, bad atomic.Int64
		mu            sync.Mutex
		badSeen       []string
		firstDone     = make(chan struct{})
	)
	// RSS every 20 ms, by how many requests were sent: the first and the
	// last thousand are each the mean of their samples, not one reading of
	// a heap that breathes with every collection.
	// The 200 blocks exist before the load: creating a block is a durable
	// write that grows the embedded store (its mmap counts in RSS) once.
	for i := range blocks {
		if r, err := httpPost(in.url+"/api/execute-content-block", blockBody(fmt.Sprintf("load-%d", i), `document.getElementById("p").textContent = "n"`)); err != nil || r.status != 200 {
			t.Fatalf("creating block %d: %v %d %s", i, err, r.status, r.body)
		}
	}
	// The same load for a while first, uncounted: the table fills with the
	// hot blocks and the pool grows to the rate of new blocks (both by
	// design), so the two windows compare a steady state, which is where a
	// leak would show.
	var warm sync.WaitGroup
	var warmNext atomic.Int64
	for c := range clients {
		warm.Add(1)
		go func() {
			defer warm.Done()
			for n := warmNext.Add(1); n <= 2000; n = warmNext.Add(1) {
				k := int(n)*7 + c*13
				id := fmt.Sprintf("load-%d", k%hot)
				if n%10 == 0 {
					id = fmt.Sprintf("load-%d", hot+(k/10)%(blocks-hot))
				}
				httpPost(in.url+"/api/execute-content-block", blockBody(id, `document.getElementById("p").textContent = "n"`))
			}
		}()
	}
	warm.Wait()
	type mark struct{ n, rss, file uint64 }
	var marks []mark
	sampling := make(chan struct{})
	go func() {
		for {
			select {
			case <-sampling:
				return
			case <-time.After(20 * time.Millisecond):
			}
			r, f := rssOf(in.cmd.Process.Pid)
			mu.Lock()
			marks = append(marks, mark{uint64(next.Load()), r, f})
			mu.Unlock()
		}
	}()
	began := time.Now()
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				n := next.Add(1)
				if n > total {
					return
				}
				// A fixed walk: client c visits the blocks in its own order.
				k := int(n)*7 + c*13
				id := fmt.Sprintf("load-%d", k%hot)
				if n%10 == 0 {
					id = fmt.Sprintf("load-%d", hot+(k/10)%(blocks-hot))
				}
				r, err := httpPost(in.url+"/api/execute-content-block", blockBody(id, `document.getElementById("p").textContent = "n"`))
				switch {
				case err == nil && r.status == 200:
					ok.Add(1)
				case err == nil && r.status == 503 && strings.Contains(r.body, "no_capacity"):
					busy.Add(1)
				default:
					bad.Add(1)
					mu.Lock()
					if len(badSeen) < 5 {
						badSeen = append(badSeen, fmt.Sprintf("%v %d %s", err, r.status, r.body))
					}
					mu.Unlock()
				}
				if n == 1000 {
					close(firstDone)
				}
			}
		}()
	}
	<-firstDone
	_, prom := in.get("/metrics")
	gFirst, hFirst := promValue(prom, "go_goroutines"), promValue(prom, "go_memstats_heap_inuse_bytes")
	thFirst := threadsOf(in.cmd.Process.Pid)
	wg.Wait()
	close(sampling)
	_, prom = in.get("/metrics")
	t.Logf("after the first thousand and at the end: goroutines %v, %v; Go heap in use %v, %v bytes; threads %s, %s", gFirst, promValue(prom, "go_goroutines"),
		hFirst, promValue(prom, "go_memstats_heap_inuse_bytes"), thFirst, threadsOf(in.cmd.Process.Pid))
	mean := func(lo, hi uint64) (rss, file uint64) {
		mu.Lock()
		defer mu.Unlock()
		var n uint64
		for _, m := range marks {
			if m.n > lo && m.n <= hi {
				rss, file, n = rss+m.rss, file+m.file, n+1
			}
		}
		if n == 0 {
			return 0, 0
		}
		return rss / n, file / n
	}
	rssFirst, fileFirst := mean(0, 1000)
	rssFinal, fileFinal := mean(total-1000, total+clients)
	t.Logf("supervisor RSS, mean over the first thousand %.1f MiB (file pages %.1f), over the last %.1f MiB (file pages %.1f)",
		float64(rssFirst)/(1<<20), float64(fileFirst)/(1<<20), float64(rssFinal)/(1<<20), float64(fileFinal)/(1<<20))
	el := time.Since(began)
	t.Logf("%d requests in %s (%.0f/s): %d ok, %d no_capacity, %d bad",
		total, el.Round(time.Millisecond), float64(total)/el.Seconds(), ok.Load(), busy.Load(), bad.Load())
	if bad.Load() > 0 {
		t.Fatalf("%d answers were neither 200 nor 503 no_capacity, e.g. %v", bad.Load(), badSeen)
	}
	if ok.Load() < total/2 {
		t.Fatalf("only %d of %d succeeded", ok.Load(), total)
	}
	if rssFirst == 0 || rssFinal > rssFirst*11/10 || rssFinal < rssFirst*9/10 {
		t.Fatalf("supervisor RSS not flat: %.1f MiB after the first thousand, %.1f MiB at the end", float64(rssFirst)/(1<<20), float64(rssFinal)/(1<<20))
	}
	if _, m := in.get("/api/metrics"); !strings.Contains(m, `"maxIsolates":50`) {
		t.Fatalf("metrics: %s", m)
	}
}
