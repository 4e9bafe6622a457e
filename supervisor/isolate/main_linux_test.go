package isolate

import (
	"context"
	"fmt"
	"os"
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
	mgr    *Manager
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
	mgr, err := NewManager(cfg, cg, opts...)
	if err != nil {
		cg.Close()
		t.Fatal(err)
	}
	env.mgr = mgr
	t.Cleanup(func() {
		var pids []int
		for _, iso := range append(mgr.Isolates(), mgr.Pooled()...) {
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
	})
	return env
}

func (e *testEnv) exec(t *testing.T, id, js string) *Result {
	t.Helper()
	res, err := e.mgr.Execute(context.Background(), Block{ID: id, Code: Code{HTML: `<div id="x">old</div>`, CSS: "#x{color:red}", JavaScript: js}})
	if err != nil {
		t.Fatalf("execute %s: %v", id, err)
	}
	return res
}
