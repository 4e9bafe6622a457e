package isolate

import (
	"bytes"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/symposium/symposium/supervisor/isolate/isolatetest"
)

type noCgroup struct{}

func (noCgroup) FD() (int, bool)  { return 0, false }
func (noCgroup) Attach(int) error { return nil }

// startSleep starts sleep confined as a runner is, through startIn.
func startSleep(t *testing.T, ns *nsPolicy) *exec.Cmd {
	t.Helper()
	cmd := exec.Command("/usr/bin/sleep", "5")
	cmd.Env = []string{}
	confineCmd(cmd, 0, ns.flags())
	cmd, err := startIn(cmd, noCgroup{}, ns)
	if err != nil {
		t.Fatalf("startIn: %v", err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return cmd
}

// Without CAP_SYS_ADMIN (an unprivileged container) the kernel refuses the
// namespaces with EPERM: the runner starts without them, still as nobody,
// and the runtime says so once. The test runs itself again with
// CAP_SYS_ADMIN dropped (setpriv), as root otherwise.
func TestNoNamespacesFallback(t *testing.T) {
	if os.Getenv("SYMPOSIUM_IN_GUEST") == "1" {
		t.Skip("needs /usr/bin/sleep and setpriv, which the cgroup v2 guest lacks; it runs on the host")
	}
	isolatetest.NeedRoot(t)
	if os.Getenv("SYMPOSIUM_TEST_NO_SYS_ADMIN") == "1" {
		var log bytes.Buffer
		ns := &nsPolicy{logger: slog.New(slog.NewTextHandler(&log, nil))}
		for range 2 {
			cmd := startSleep(t, ns)
			if cmd.SysProcAttr.Cloneflags != 0 {
				t.Fatalf("started with namespaces without CAP_SYS_ADMIN")
			}
			if cmd.SysProcAttr.Credential.Uid != sandboxUID || cmd.SysProcAttr.Pdeathsig != syscall.SIGKILL {
				t.Fatalf("the fallback lost the user or Pdeathsig: %+v", cmd.SysProcAttr)
			}
		}
		if got := ns.names(); len(got) != 0 {
			t.Fatalf("namespaces reported: %v, want none", got)
		}
		if n := strings.Count(log.String(), "NO NAMESPACES"); n != 1 {
			t.Fatalf("logged %d times, want once:\n%s", n, log.String())
		}
		return
	}
	// With CAP_SYS_ADMIN: namespaces, as always.
	ns := &nsPolicy{}
	if cmd := startSleep(t, ns); cmd.SysProcAttr.Cloneflags != namespaces || len(ns.names()) != 6 {
		t.Fatalf("as root: cloneflags %#x, names %v", cmd.SysProcAttr.Cloneflags, ns.names())
	}
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Fatalf("setpriv (util-linux) is needed to drop CAP_SYS_ADMIN: %v", err)
	}
	self, _ := os.Executable()
	child := exec.Command(setpriv, "--bounding-set=-sys_admin", "--inh-caps=-sys_admin", self, "-test.run=^TestNoNamespacesFallback$", "-test.count=1", "-test.v")
	child.Env = append(os.Environ(), "SYMPOSIUM_TEST_NO_SYS_ADMIN=1", "SANDBOX_RUNNER="+runnerPath) // built once
	out, err := child.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS") {
		t.Fatalf("without CAP_SYS_ADMIN: %v\n%s", err, out)
	}
}
