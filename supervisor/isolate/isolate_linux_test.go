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
	iso, ok := env.mgr.Find("text")
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
	st, err := iso.Group().Stats()
	if err != nil {
		t.Fatal(err)
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

func TestMemoryBombIsOOMKilledByKernel(t *testing.T) {
	env := newTestManager(t, Config{PoolSize: 1, ExecTimeout: 30 * time.Second,
		Limits: cgroup.Limits{MemoryBytes: 64 << 20, CPU: 1, Pids: 32}})
	first := env.exec(t, "bomb", `console.log('warm')`)
	res := env.exec(t, "bomb", `const keep = []; for (;;) { keep.push(new Array(1 << 20).fill(7)); }`)
	if res.Kind != KindOOM {
		t.Fatalf("want oom, got %s: %s", res.Kind, res.Message)
	}
	waitEvent(t, env, EventDied, "bomb")
	// The dead runner is replaced: the block runs again in a new process.
	again := env.exec(t, "bomb", `console.log('alive')`)
	if again.Kind != KindOK || again.PID == first.PID {
		t.Fatalf("block not served by a fresh isolate after OOM: %s pid %d (was %d)", again.Kind, again.PID, first.PID)
	}
}

func TestCPUQuotaHolds(t *testing.T) {
	const quota = 0.2
	env := newTestManager(t, Config{PoolSize: 1, ExecTimeout: 10 * time.Second,
		Limits: cgroup.Limits{MemoryBytes: 128 << 20, CPU: quota, Pids: 32}})
	env.exec(t, "busy", `1`)
	iso, _ := env.mgr.Find("busy")
	before, err := iso.Group().Stats()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	res := env.exec(t, "busy", `const end = Date.now() + 3000; let n = 0; while (Date.now() < end) { n++; }`)
	wall := time.Since(start)
	after, _ := iso.Group().Stats()
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
	iso, _ := env.mgr.Find("work")
	idle, _ := iso.Group().Stats()
	done := make(chan *Result)
	go func() {
		done <- env.exec(t, "work", `const a = []; for (let i = 0; i < 40; i++) a.push('x'.repeat(1 << 20) + i); const end = Date.now() + 1500; while (Date.now() < end) {} console.log(a.length)`)
	}()
	time.Sleep(1 * time.Second)
	busy, _ := iso.Group().Stats()
	res := <-done
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

func TestCapacityAndAlertFreeRejection(t *testing.T) {
	env := newTestManager(t, Config{NoPool: true, MaxIsolates: 2})
	env.exec(t, "one", `1`)
	env.exec(t, "two", `1`)
	_, err := env.mgr.Execute(context.Background(), Block{ID: "three", Code: Code{JavaScript: "1"}})
	if !errors.Is(err, ErrCapacity) {
		t.Fatalf("want ErrCapacity, got %v", err)
	}
	// A known block still runs when the table is full.
	if res := env.exec(t, "one", `1`); res.Kind != KindOK {
		t.Fatal(res.Message)
	}
	if err := env.mgr.Terminate(context.Background(), "two"); err != nil {
		t.Fatal(err)
	}
	if res := env.exec(t, "three", `1`); res.Kind != KindOK {
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

func TestUpdateMergesAndUnknownIs404(t *testing.T) {
	env := newTestManager(t, Config{PoolSize: 1})
	first := env.exec(t, "u", `document.getElementById('x').textContent = 'one'`)
	js := `document.getElementById('x').textContent = 'two'`
	res, err := env.mgr.Update(context.Background(), "u", Patch{JavaScript: &js})
	if err != nil {
		t.Fatal(err)
	}
	if res.HTML != `<div id="x">two</div>` || res.CSS != "#x{color:red}" || res.PID != first.PID {
		t.Fatalf("update did not merge in the same isolate: %q %q pid %d vs %d", res.HTML, res.CSS, res.PID, first.PID)
	}
	if _, err := env.mgr.Update(context.Background(), "nope", Patch{JavaScript: &js}); !errors.Is(err, ErrUnknownBlock) {
		t.Fatalf("want ErrUnknownBlock, got %v", err)
	}
	if err := env.mgr.Terminate(context.Background(), "nope"); !errors.Is(err, ErrUnknownBlock) {
		t.Fatalf("want ErrUnknownBlock, got %v", err)
	}
}

func TestIdleIsolatesAreReaped(t *testing.T) {
	env := newTestManager(t, Config{NoPool: true, IdleTimeout: 200 * time.Millisecond})
	res := env.exec(t, "idle", `1`)
	waitEvent(t, env, EventIdle, "idle")
	if _, ok := env.mgr.Find("idle"); ok {
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
	for len(env.mgr.Pooled()) < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	pooled := map[int]bool{}
	for _, iso := range env.mgr.Pooled() {
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
	mgr, err := NewManager(Config{RunnerPath: bad, RunDir: "/run/" + name, NoPool: true}, cg, WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	if err != nil {
		t.Fatal(err)
	}
	defer mgr.Close()
	_, err = mgr.Execute(context.Background(), Block{ID: "b", Code: Code{JavaScript: "1"}})
	if !errors.Is(err, ErrSpawn) {
		t.Fatalf("want ErrSpawn, got %v", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(logs.String(), "no seccomp here") {
		if time.Now().After(deadline) {
			t.Fatalf("the runner's message is not in the log:\n%s", logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
