package confinetest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// Nobody is the uid and gid runners run as.
const Nobody = 65534

// Namespaces are the namespaces the supervisor starts a runner in.
const Namespaces = syscall.CLONE_NEWNET | syscall.CLONE_NEWPID | syscall.CLONE_NEWIPC |
	syscall.CLONE_NEWUTS | syscall.CLONE_NEWNS | syscall.CLONE_NEWCGROUP

// RequireRoot skips without root (or seccomp) unless CI=true, where a
// missing feature is a failure.
func RequireRoot(t testing.TB) {
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

// Children re-executes the test binary with Env set to a mode; the test's
// TestMain runs that mode instead of the tests.
type Children struct {
	Env string

	once sync.Once
	dir  string // world-readable copy of the test binary: go test's is in a 0700 dir
	err  error
}

// Binary returns the copy of the test binary that nobody can execute.
func (c *Children) Binary(t testing.TB) string {
	t.Helper()
	c.once.Do(func() {
		if c.dir, c.err = os.MkdirTemp("", "confinetest-"); c.err != nil {
			return
		}
		if c.err = os.Chmod(c.dir, 0o755); c.err != nil {
			return
		}
		var b []byte
		if b, c.err = os.ReadFile(os.Args[0]); c.err != nil {
			return
		}
		c.err = os.WriteFile(filepath.Join(c.dir, "child"), b, 0o755)
	})
	if c.err != nil {
		t.Fatal(c.err)
	}
	return filepath.Join(c.dir, "child")
}

// Command prepares a child in mode, as nobody, with the given clone flags
// and the runner's environment plus env.
func (c *Children) Command(t testing.TB, ctx context.Context, mode string, cloneflags uintptr, env ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.CommandContext(ctx, c.Binary(t), "-test.run=^$")
	cmd.Env = append([]string{c.Env + "=" + mode, "TZ=UTC"}, env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Credential: &syscall.Credential{Uid: Nobody, Gid: Nobody, Groups: []uint32{}},
		Cloneflags: cloneflags,
		Pdeathsig:  syscall.SIGKILL,
	}
	return cmd
}

// Cleanup removes the binary's copy; call it from TestMain.
func (c *Children) Cleanup() {
	if c.dir != "" {
		_ = os.RemoveAll(c.dir)
	}
}
