package selftest

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/symposium/symposium/sandbox-runner/confine"
)

// The tests re-execute this test binary as the supervisor starts the
// runner: uid/gid 65534, optionally in fresh namespaces. The child runs the
// selftest, confined or not, and prints the report as JSON.
const (
	childEnv = "SELFTEST_TEST_CHILD"
	nobody   = 65534
)

func TestMain(m *testing.M) {
	if mode := os.Getenv(childEnv); mode != "" {
		if mode == "confined" {
			if err := confine.Apply(confine.Options{}); err != nil {
				fmt.Fprintln(os.Stderr, "child:", err)
				os.Exit(2)
			}
		}
		if err := json.NewEncoder(os.Stdout).Encode(Run()); err != nil {
			os.Exit(2)
		}
		os.Exit(0)
	}
	code := m.Run()
	if binDir != "" {
		_ = os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// requireRoot skips without root (or seccomp) unless CI=true, where a
// missing feature is a failure.
func requireRoot(t *testing.T) {
	t.Helper()
	missing := ""
	if os.Geteuid() != 0 {
		missing = "root"
	} else if b, err := os.ReadFile("/proc/self/status"); err != nil || !strings.Contains(string(b), "\nSeccomp:") {
		missing = "seccomp"
	}
	if missing == "" {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("needs %s (CI=true: not skipping)", missing)
	}
	t.Skipf("needs %s", missing)
}

var (
	binOnce sync.Once
	binDir  string // world-readable copy of the test binary: go test's is in a 0700 dir
	binErr  error
)

func childBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		binDir, binErr = os.MkdirTemp("", "selftest-test-")
		if binErr != nil {
			return
		}
		if binErr = os.Chmod(binDir, 0o755); binErr != nil {
			return
		}
		var b []byte
		if b, binErr = os.ReadFile(os.Args[0]); binErr != nil {
			return
		}
		binErr = os.WriteFile(filepath.Join(binDir, "child"), b, 0o755)
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return filepath.Join(binDir, "child")
}

// runChild runs the selftest in a child as nobody and returns its report.
func runChild(t *testing.T, mode string, cloneflags uintptr) Report {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), childBinary(t), "-test.run=^$")
	cmd.Env = []string{childEnv + "=" + mode, "TZ=UTC"}
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Credential: &syscall.Credential{Uid: nobody, Gid: nobody, Groups: []uint32{}},
		Cloneflags: cloneflags,
		Pdeathsig:  syscall.SIGKILL,
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("child: %v, stderr %q", err, stderr.String())
	}
	var r Report
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("report %q: %v", out, err)
	}
	return r
}

// runnerNamespaces are the namespaces the supervisor starts the runner in.
const runnerNamespaces = syscall.CLONE_NEWNET | syscall.CLONE_NEWPID | syscall.CLONE_NEWIPC |
	syscall.CLONE_NEWUTS | syscall.CLONE_NEWNS | syscall.CLONE_NEWCGROUP

// wantErrno is, per attempt, the errno the seccomp filter must answer.
var wantErrno = map[string]string{
	"exec":           "EPERM",
	"fork":           "EPERM",
	"clone3":         "ENOSYS",
	"socket AF_INET": "EPERM",
	"socket AF_UNIX": "EPERM",
	"connect":        "EPERM",
	"open read":      "EACCES",
	"open write":     "EACCES",
	"ptrace":         "EPERM",
	"mount":          "EPERM",
	"setuid":         "EPERM",
	"unshare":        "EPERM",
	"kill":           "EPERM",
}

// TestConfinedSelftest: confined, every forbidden thing is answered with the
// filter's errno, in one surviving process, as the runner will be started.
func TestConfinedSelftest(t *testing.T) {
	requireRoot(t)
	for _, s := range []struct {
		name  string
		flags uintptr
	}{{"nobody", 0}, {"nobody+namespaces", runnerNamespaces}} {
		t.Run(s.name, func(t *testing.T) {
			r := runChild(t, "confined", s.flags)
			if !r.NoNewPrivs || r.SeccompMode != confine.SeccompModeFilter || r.UID != nobody {
				t.Errorf("noNewPrivs %v seccompMode %d uid %d, want true 2 %d", r.NoNewPrivs, r.SeccompMode, r.UID, nobody)
			}
			if len(r.Attempts) != len(wantErrno) {
				t.Errorf("%d attempts, want %d", len(r.Attempts), len(wantErrno))
			}
			for _, a := range r.Attempts {
				want, ok := wantErrno[a.Name]
				if !ok {
					t.Errorf("unexpected attempt %q", a.Name)
				}
				if !a.Denied || a.Errno != want {
					t.Errorf("%s: denied %v errno %q, want %s (%s)", a.Name, a.Denied, a.Errno, want, a.Detail)
				}
			}
			if !r.AllDenied {
				t.Error("allDenied false")
			}
		})
	}
}

// kernelEPERM are the attempts the kernel itself refuses to nobody with
// the same errno as the filter (no capabilities).
var kernelEPERM = map[string]bool{"mount": true, "setuid": true}

// TestUnconfinedControl: without confine, the same attempts succeed or fail
// with another errno, so the denials above are the filter's doing.
func TestUnconfinedControl(t *testing.T) {
	requireRoot(t)
	r := runChild(t, "unconfined", runnerNamespaces)
	if r.NoNewPrivs || r.SeccompMode != 0 {
		t.Fatalf("control child is confined: %+v", r)
	}
	for _, a := range r.Attempts {
		if a.Denied != kernelEPERM[a.Name] {
			t.Errorf("%s unconfined: denied %v errno %q", a.Name, a.Denied, a.Errno)
		}
		t.Logf("%s unconfined: errno %q", a.Name, a.Errno)
	}
	if r.AllDenied {
		t.Error("allDenied true without confinement")
	}
}
