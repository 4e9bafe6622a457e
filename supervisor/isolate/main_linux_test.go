package isolate

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/symposium/symposium/supervisor/cgroup"
	"github.com/symposium/symposium/supervisor/isolate/isolatetest"
)

var runnerPath string

// TestMain builds the runner unless SANDBOX_RUNNER names one (make test does).
func TestMain(m *testing.M) { isolatetest.Main(m, &runnerPath) }

func needRoot(t testing.TB) { isolatetest.NeedRoot(t) }

type testEnv struct {
	mgr    *Runtime
	cg     *cgroup.Manager
	events chan Event
}

func newTestManager(t testing.TB, cfg Config, opts ...Option) *testEnv {
	t.Helper()
	needRoot(t)
	name := fmt.Sprintf("symposium-test-%d-%d", os.Getpid(), time.Now().UnixNano()%1e6)
	cg, err := cgroup.New(cgroup.WithName(name))
	if err != nil {
		t.Fatal(err)
	}
	if cg.Detection().Mode == cgroup.ModeNone && os.Getenv("CI") == "true" {
		t.Fatalf("no writable cgroups under CI: %s", cg.Detection().Reason)
	}
	cfg.RunnerPath = runnerPath
	if cfg.RunDir == "" {
		cfg.RunDir = "/run/" + name
	}
	if cfg.Limits.MemoryBytes == 0 {
		cfg.Limits = cgroup.Limits{MemoryBytes: 128 << 20, CPU: 1, Pids: 32}
	}
	env := &testEnv{cg: cg, events: make(chan Event, 1000)}
	opts = append(opts, WithEvents(func(e Event) {
		select {
		case env.events <- e:
		default:
		}
	}))
	mgr, err := New(cfg, cg, opts...)
	if err != nil {
		cg.Close()
		t.Fatal(err)
	}
	env.mgr = mgr
	t.Cleanup(func() {
		var pids []int
		for _, iso := range append(mgr.isolates(), mgr.pool.list()...) {
			pids = append(pids, iso.PID())
		}
		if err := mgr.Close(); err != nil {
			t.Errorf("manager close: %v", err)
		}
		if err := cg.Close(); err != nil {
			t.Errorf("cgroup close: %v", err)
		}
		for _, pid := range pids {
			if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err == nil {
				if st, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); !strings.Contains(string(st), ") Z") {
					t.Errorf("runner %d still alive after Close", pid)
				}
			}
		}
		if _, err := os.Stat(cfg.RunDir); err == nil {
			t.Errorf("run dir %s left behind", cfg.RunDir)
		}
		assertNoCgroup(t, name)
	})
	return env
}

func (e *testEnv) exec(t *testing.T, id, js string) *Result {
	t.Helper()
	res, err := e.mgr.Run(context.Background(), id, Code{HTML: `<div id="x">old</div>`, CSS: "#x{color:red}", JavaScript: js}, nil)
	if err != nil {
		t.Fatalf("execute %s: %v", id, err)
	}
	return res
}

// stats reads the kernel's figures for the block's isolate now.
func (e *testEnv) stats(t testing.TB, block string) cgroup.Stats {
	t.Helper()
	iso, ok := e.mgr.find(block)
	if !ok {
		t.Fatalf("no live isolate for %s", block)
	}
	st, err := iso.group.Stats()
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// assertNoCgroup fails if a cgroup dir named name is left in any hierarchy.
func assertNoCgroup(t testing.TB, name string) {
	t.Helper()
	for _, pat := range []string{"/sys/fs/cgroup/" + name, "/sys/fs/cgroup/*/" + name, "/sys/fs/cgroup/*/*/" + name, "/sys/fs/cgroup/*/*/*/" + name} {
		if m, _ := filepath.Glob(pat); len(m) > 0 {
			t.Errorf("cgroup left behind: %v", m)
		}
	}
}
