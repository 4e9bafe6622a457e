package isolate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/symposium/symposium/supervisor/cgroup"
	"github.com/symposium/symposium/supervisor/isolate/isolatetest"
)

func TestExecuteRendersInConfinedProcess(t *testing.T) {
	env := newTestManager(t, Config{PoolSize: 1})
	res := env.exec(t, "text", `document.getElementById('x').textContent = 'hi'; console.log('set', document.getElementById('x').textContent);`)
	if res.Kind != KindOK {
		t.Fatalf("kind %s: %s", res.Kind, res.Message)
	}
	if res.HTML != `<div id="x">hi</div>` {
		t.Fatalf("html = %q", res.HTML)
	}
	if len(res.Logs) != 1 || res.Logs[0].Level != "log" || res.Logs[0].Message != "set hi" {
		t.Fatalf("logs = %+v", res.Logs)
	}
	if res.PID == 0 || res.PID == os.Getpid() {
		t.Fatalf("pid %d is not a separate process", res.PID)
	}
	iso, ok := env.mgr.find("text")
	if !ok {
		t.Fatal("isolate not listed")
	}
	// The kernel's own view of the process: unprivileged, seccomp filter,
	// no_new_privs, and namespaces other than ours.
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", iso.PID()))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Uid:\t65534", "Gid:\t65534", "Seccomp:\t2", "NoNewPrivs:\t1"} {
		if !strings.Contains(string(status), want) {
			t.Errorf("/proc/<runner>/status lacks %q", want)
		}
	}
	for _, ns := range []string{"net", "pid", "ipc", "uts", "mnt", "cgroup"} {
		mine, _ := os.Readlink("/proc/self/ns/" + ns)
		theirs, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/%s", iso.PID(), ns))
		if err != nil || mine == theirs {
			t.Errorf("runner shares the %s namespace (%s vs %s, %v)", ns, mine, theirs, err)
		}
	}
	st := env.stats(t, "text")
	if is, ok := env.mgr.Sample().Find("text"); !ok || !is.SeccompOK || is.Seccomp.SeccompMode != 2 || !is.Seccomp.NoNewPrivs || is.Stats.MemoryLimit != 128<<20 {
		t.Fatalf("the sample does not show the isolate's confinement: %+v", is)
	}
	if st.MemoryLimit != 128<<20 || st.PidsLimit != 32 || st.MemoryCurrent == 0 || st.PidsCurrent == 0 {
		t.Fatalf("cgroup figures do not reflect the runner: %+v", st)
	}
}

func TestEachExecutionIsFresh(t *testing.T) {
	env := newTestManager(t, Config{PoolSize: 1})
	env.exec(t, "a", `globalThis.leak = 42; window.leak2 = 1;`)
	res := env.exec(t, "a", `console.log(typeof leak, typeof leak2)`)
	if res.Kind != KindOK || len(res.Logs) != 1 || res.Logs[0].Message != "undefined undefined" {
		t.Fatalf("state leaked between executions: %+v %s", res.Logs, res.Message)
	}
}

func TestScriptErrorIsData(t *testing.T) {
	env := newTestManager(t, Config{PoolSize: 1})
	res := env.exec(t, "err", `null.x`)
	if res.Kind != KindScript || !strings.Contains(res.Message, "TypeError") || res.Stack == "" {
		t.Fatalf("want script TypeError with stack, got %s %q %q", res.Kind, res.Message, res.Stack)
	}
	// The isolate survives its block's error.
	if res := env.exec(t, "err", `console.log('ok')`); res.Kind != KindOK {
		t.Fatalf("isolate did not survive a script error: %s", res.Message)
	}
}

func TestEndlessLoopTimesOut(t *testing.T) {
	env := newTestManager(t, Config{PoolSize: 1, ExecTimeout: 300 * time.Millisecond})
	start := time.Now()
	res := env.exec(t, "loop", `while (true) {}`)
	if res.Kind != KindTimeout {
		t.Fatalf("want timeout, got %s: %s", res.Kind, res.Message)
	}
	if el := time.Since(start); el > 3*time.Second {
		t.Fatalf("timeout took %s", el)
	}
	if res := env.exec(t, "loop", `console.log('after')`); res.Kind != KindOK {
		t.Fatalf("isolate unusable after an interrupted script: %s %s", res.Kind, res.Message)
	}
}

// TestMemoryBombEndsAsOOM: whichever wall stops the bomb, the runner's heap
// watch (an answer) or the kernel's cgroup limit (a death read from
// oom_kill), the outcome is oom and the block runs again afterwards. The
// kernel's own kill is proved in the cgroup package with a plain hog, and
// the heap watch's timing in oom_linux_test.go.
func TestMemoryBombEndsAsOOM(t *testing.T) {
	env := newTestManager(t, Config{PoolSize: 1, ExecTimeout: 30 * time.Second,
		Limits: cgroup.Limits{MemoryBytes: 64 << 20, CPU: 1, Pids: 32}})
	env.exec(t, "bomb", `console.log('warm')`)
	res := env.exec(t, "bomb", `const keep = []; for (;;) { keep.push(new Array(1 << 20).fill(7)); }`)
	if res.Kind != KindOOM {
		t.Fatalf("want oom, got %s: %s", res.Kind, res.Message)
	}
	again := env.exec(t, "bomb", `console.log('alive')`)
	if again.Kind != KindOK {
		t.Fatalf("block not served after OOM: %s %s", again.Kind, again.Message)
	}
}

func TestCPUQuotaHolds(t *testing.T) {
	const quota = 0.2
	env := newTestManager(t, Config{PoolSize: 1, ExecTimeout: 10 * time.Second,
		Limits: cgroup.Limits{MemoryBytes: 128 << 20, CPU: quota, Pids: 32}})
	env.exec(t, "busy", `1`)
	before := env.stats(t, "busy")
	start := time.Now()
	res := env.exec(t, "busy", `const end = Date.now() + 3000; let n = 0; while (Date.now() < end) { n++; }`)
	wall := time.Since(start)
	after := env.stats(t, "busy")
	if res.Kind != KindOK {
		t.Fatalf("busy block: %s %s", res.Kind, res.Message)
	}
	used := float64(after.CPUUsageUsec-before.CPUUsageUsec) / float64(wall.Microseconds())
	t.Logf("CPU used %.3f cores of a %.2f quota over %s; throttled %d periods", used, quota, wall, after.ThrottledPeriods-before.ThrottledPeriods)
	if used < quota*0.85 || used > quota*1.15 {
		t.Fatalf("CPU %.3f cores is not within 15%% of the %.2f quota", used, quota)
	}
	if after.ThrottledPeriods <= before.ThrottledPeriods {
		t.Fatal("the kernel never throttled the busy isolate")
	}
}

func TestStatsMoveWithWork(t *testing.T) {
	env := newTestManager(t, Config{PoolSize: 1, ExecTimeout: 10 * time.Second})
	env.exec(t, "work", `1`)
	idle := env.stats(t, "work")
	done := make(chan *Result)
	go func() {
		done <- env.exec(t, "work", `const a = []; for (let i = 0; i < 40; i++) a.push('x'.repeat(1 << 20) + i); const end = Date.now() + 1500; while (Date.now() < end) {} console.log(a.length)`)
	}()
	// Sampled while the script runs: memory at its largest sample (under
	// the guest's software emulation the 40 MiB may not all be there at
	// any one fixed instant), the rest from the latest.
	var busy cgroup.Stats
	var most uint64
	var res *Result
	for res == nil {
		select {
		case res = <-done:
		case <-time.After(250 * time.Millisecond):
			busy = env.stats(t, "work")
			most = max(most, busy.MemoryCurrent)
		}
	}
	busy.MemoryCurrent = most
	if busy.MemoryCurrent == 0 {
		t.Fatal("the execution ended before any sample of it was taken")
	}
	if res.Kind != KindOK {
		t.Fatalf("%s %s", res.Kind, res.Message)
	}
	t.Logf("idle memory %d KiB, busy %d KiB; cpu %d -> %d us", idle.MemoryCurrent>>10, busy.MemoryCurrent>>10, idle.CPUUsageUsec, busy.CPUUsageUsec)
	if busy.MemoryCurrent < idle.MemoryCurrent+20<<20 {
		t.Errorf("memory.current did not grow with a 40 MiB allocation: %d -> %d", idle.MemoryCurrent, busy.MemoryCurrent)
	}
	if busy.CPUUsageUsec < idle.CPUUsageUsec+100_000 {
		t.Errorf("CPU usage did not grow with a busy second: %d -> %d", idle.CPUUsageUsec, busy.CPUUsageUsec)
	}
	if busy.MemoryPeak < busy.MemoryCurrent {
		t.Errorf("peak %d below current %d", busy.MemoryPeak, busy.MemoryCurrent)
	}
}

func TestSelftestAsInService(t *testing.T) {
	env := newTestManager(t, Config{NoPool: true})
	out, err := env.mgr.Selftest(context.Background())
	if err != nil {
		t.Fatalf("selftest: %v\n%s", err, out)
	}
	var r struct {
		AllDenied   bool `json:"allDenied"`
		SeccompMode int  `json:"seccompMode"`
		NoNewPrivs  bool `json:"noNewPrivs"`
		UID         int  `json:"uid"`
		Attempts    []struct {
			Name   string `json:"name"`
			Denied bool   `json:"denied"`
			Errno  string `json:"errno"`
		} `json:"attempts"`
	}
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("report: %v\n%s", err, out)
	}
	if !r.AllDenied || r.SeccompMode != 2 || !r.NoNewPrivs || r.UID != 65534 || len(r.Attempts) < 8 {
		t.Fatalf("selftest report: %s", out)
	}
	for _, a := range r.Attempts {
		if !a.Denied {
			t.Errorf("%s was not denied", a.Name)
		}
	}
}

func TestSeccompKillIsClassified(t *testing.T) {
	env := newTestManager(t, Config{NoPool: true})
	iso, err := env.mgr.sp.spawnMode(context.Background(), "selftest", "--trip")
	if err != nil {
		t.Fatal(err)
	}
	defer iso.destroy()
	<-iso.proc.Done()
	iso.readDeath()
	if iso.deathKind != KindSeccomp {
		t.Fatalf("a runner killed by its seccomp filter was classified %s (%s)", iso.deathKind, iso.deathMsg)
	}
}

// A full table of idle isolates makes room: the least recently used one is
// evicted (its runner ends, its cgroup goes) and its block runs again later
// in a new one. Only when every isolate executes is a new block refused.
func TestFullTableEvictsLeastRecentlyUsed(t *testing.T) {
	env := newTestManager(t, Config{PoolSize: 1, MaxIsolates: 2, ExecTimeout: 10 * time.Second})
	one := env.exec(t, "one", `1`)
	two := env.exec(t, "two", `1`)
	env.exec(t, "one", `1`) // "two" is now the least recently used
	env.exec(t, "three", `1`)
	waitEvent(t, env, EventEvicted, "two")
	if _, ok := env.mgr.find("two"); ok {
		t.Fatal("the least recently used isolate is still bound")
	}
	waitGone(t, two.PID)
	if again := env.exec(t, "one", `1`); again.PID != one.PID {
		t.Fatalf("the recently used block lost its isolate: pid %d, was %d", again.PID, one.PID)
	}
	if res := env.exec(t, "two", `1`); res.Kind != KindOK {
		t.Fatalf("the evicted block does not run again: %s %s", res.Kind, res.Message)
	}

	// Both isolates executing: a third block is refused, then served once
	// one has finished.
	slow := `const end = Date.now() + 1500; while (Date.now() < end) {}`
	var wg sync.WaitGroup
	for _, id := range []string{"one", "two"} {
		wg.Add(1)
		go func() { defer wg.Done(); env.exec(t, id, slow) }()
	}
	time.Sleep(500 * time.Millisecond)
	if _, err := env.mgr.Run(context.Background(), "four", Code{JavaScript: "1"}, nil); !errors.Is(err, ErrCapacity) {
		t.Fatalf("want ErrCapacity with every isolate executing, got %v", err)
	}
	wg.Wait()
	if res := env.exec(t, "four", `1`); res.Kind != KindOK {
		t.Fatal(res.Message)
	}
}

func TestConcurrentFirstRequestsShareOneIsolate(t *testing.T) {
	env := newTestManager(t, Config{NoPool: true})
	var wg sync.WaitGroup
	pids := make([]int, 6)
	for i := range pids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pids[i] = env.exec(t, "shared", `1`).PID
		}()
	}
	wg.Wait()
	for _, p := range pids[1:] {
		if p != pids[0] {
			t.Fatalf("one block got several isolates: %v", pids)
		}
	}
}

func TestEndEndsTheBlocksIsolate(t *testing.T) {
	env := newTestManager(t, Config{PoolSize: 1})
	first := env.exec(t, "u", `1`)
	if !env.mgr.End("u") || env.mgr.Live("u") {
		t.Fatal("End did not end the isolate")
	}
	waitGone(t, first.PID)
	if env.mgr.End("nope") {
		t.Fatal("End reported an isolate for an unknown block")
	}
}

func TestIdleIsolatesAreReaped(t *testing.T) {
	env := newTestManager(t, Config{NoPool: true, IdleTimeout: 200 * time.Millisecond})
	res := env.exec(t, "idle", `1`)
	waitEvent(t, env, EventIdle, "idle")
	if _, ok := env.mgr.find("idle"); ok {
		t.Fatal("idle isolate still listed")
	}
	waitGone(t, res.PID)
	// The block is still known: the next execution starts a new isolate.
	if again := env.exec(t, "idle", `1`); again.Kind != KindOK || again.PID == res.PID {
		t.Fatalf("re-execution after idle reap: %s pid %d", again.Kind, again.PID)
	}
}

func TestDeadRunnerIsReplaced(t *testing.T) {
	env := newTestManager(t, Config{PoolSize: 1})
	res := env.exec(t, "d", `1`)
	if err := syscall.Kill(res.PID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	e := waitEvent(t, env, EventDied, "d")
	if e.Kind != KindCrash {
		t.Fatalf("a SIGKILLed runner is a crash, got %s", e.Kind)
	}
	again := env.exec(t, "d", `1`)
	if again.Kind != KindOK || again.PID == res.PID {
		t.Fatalf("block not re-served: %s %d", again.Kind, again.PID)
	}
}

func TestPoolServesNewBlocks(t *testing.T) {
	env := newTestManager(t, Config{PoolSize: 2})
	deadline := time.Now().Add(10 * time.Second)
	for len(env.mgr.pool.list()) < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	pooled := map[int]bool{}
	for _, iso := range env.mgr.pool.list() {
		pooled[iso.PID()] = true
	}
	if len(pooled) != 2 {
		t.Fatalf("pool did not fill: %d", len(pooled))
	}
	res := env.exec(t, "p", `1`)
	if !pooled[res.PID] {
		t.Fatalf("new block did not get a pre-started runner (pid %d, pool %v)", res.PID, pooled)
	}
}

func waitEvent(t *testing.T, env *testEnv, typ EventType, block string) Event {
	t.Helper()
	timeout := time.After(15 * time.Second)
	for {
		select {
		case e := <-env.events:
			if e.Type == typ && e.BlockID == block {
				return e
			}
		case <-timeout:
			t.Fatalf("no %s event for %s", typ, block)
		}
	}
}

func waitGone(t *testing.T, pid int) {
	t.Helper()
	for i := 0; i < 500; i++ {
		if err := syscall.Kill(pid, 0); err != nil {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("process %d still alive", pid)
}

// A runner that fails before its handshake (it could not confine itself,
// say) is a spawn error, and what it said reaches the supervisor's log.
func TestRunnerStartupFailureIsLogged(t *testing.T) {
	needRoot(t)
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skip("the failing runner is a shell script; this machine (the v2 guest) has no /bin/sh")
	}
	dir, err := os.MkdirTemp("", "symposium-badrunner-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	os.Chmod(dir, 0o755)
	bad := dir + "/sandbox-runner"
	if err := os.WriteFile(bad, []byte("#!/bin/sh\necho 'sandbox-runner: confine: no seccomp here' >&2\nexit 2\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	var logs isolatetest.LogBuffer
	name := fmt.Sprintf("symposium-test-bad-%d", os.Getpid())
	cg, err := cgroup.New(cgroup.WithName(name))
	if err != nil {
		t.Fatal(err)
	}
	defer cg.Close()
	mgr, err := New(Config{RunnerPath: bad, RunDir: "/run/" + name, NoPool: true}, cg, WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	if err != nil {
		t.Fatal(err)
	}
	defer mgr.Close()
	_, err = mgr.Run(context.Background(), "b", Code{JavaScript: "1"}, nil)
	if !errors.Is(err, ErrSpawn) {
		t.Fatalf("want ErrSpawn, got %v", err)
	}
	if h := mgr.Health(); h.OK || !strings.Contains(h.Reason, "cannot start") {
		t.Fatalf("health after a failed start: %+v", h)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(logs.String(), "no seccomp here") {
		if time.Now().After(deadline) {
			t.Fatalf("the runner's message is not in the log:\n%s", logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
