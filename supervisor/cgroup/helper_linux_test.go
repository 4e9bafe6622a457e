package cgroup

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// The tests re-exec the test binary as the workload inside a group: env
// helperEnv names the mode, helperArg its argument.
const (
	helperEnv = "SYMPOSIUM_CGROUP_HELPER"
	helperArg = "SYMPOSIUM_CGROUP_HELPER_ARG"
)

func TestMain(m *testing.M) {
	if mode := os.Getenv(helperEnv); mode != "" {
		os.Exit(runHelper(mode, os.Getenv(helperArg)))
	}
	os.Exit(m.Run())
}

// runHelper is the child side. Every mode but "none" waits for a line on
// stdin first (the gate: the parent attaches it before releasing it), then
// works, prints one line and blocks until killed or stdin closes.
func runHelper(mode, arg string) int {
	if mode == "none" {
		return helperNone()
	}
	in := bufio.NewReader(os.Stdin)
	fmt.Println("started")
	if _, err := in.ReadString('\n'); err != nil {
		return 3
	}
	switch mode {
	case "idle":
		fmt.Println("ready")
	case "hog":
		// Touch every page so it is charged; keep it all reachable.
		var keep [][]byte
		for i := 0; i < 4096; i++ {
			b := make([]byte, 1<<20)
			for j := 0; j < len(b); j += 4096 {
				b[j] = 1
			}
			keep = append(keep, b)
		}
		fmt.Println("survived", len(keep))
	case "alloc":
		mib, _ := strconv.Atoi(arg)
		b := make([]byte, mib<<20)
		for j := 0; j < len(b); j += 4096 {
			b[j] = 1
		}
		fmt.Println("ready")
		defer runtime.KeepAlive(b)
	case "spin":
		// Demand every CPU so the quota, not contention, is the bound.
		for range runtime.GOMAXPROCS(0) {
			go func() {
				for {
				}
			}()
		}
		fmt.Println("ready")
	case "bomb":
		// Fork until the kernel refuses; the group kill ends the children.
		n := 0
		for ; n < 64; n++ {
			_, err := forkPauser()
			if errors.Is(err, syscall.EAGAIN) {
				fmt.Println("EAGAIN after", n)
				break
			}
			if err != nil {
				fmt.Println("error", err)
				break
			}
		}
		if n == 64 {
			fmt.Println("no limit after", n)
		}
	case "tree":
		pid, err := forkPauser()
		if err != nil {
			fmt.Println("error", err)
			return 1
		}
		fmt.Println("grandchild", pid)
	default:
		return 2
	}
	_, _ = in.ReadString('\n') // until the parent closes stdin or kills us
	return 0
}

// forkPauser forks a single-threaded child that only waits for signals.
// A raw fork, not os/exec: the child must not need a Go runtime, new
// threads or any binary outside the test (the guest has no /bin). The child
// runs only this nosplit loop of raw syscalls.
//
//go:nosplit
func forkPauser() (int, error) {
	pid, _, errno := syscall.RawSyscall(syscall.SYS_CLONE, uintptr(syscall.SIGCHLD), 0, 0)
	if errno != 0 {
		return 0, errno
	}
	if pid == 0 {
		for {
			syscall.RawSyscall(syscall.SYS_PAUSE, 0, 0, 0)
		}
	}
	return int(pid), nil
}

// helperNone runs in a private mount namespace where every cgroup mount is
// remounted read-only, so nothing is writable; it reports what New made of
// that. Bind remounts change only this namespace's copy of the mounts.
func helperNone() int {
	ms, err := readMounts("/proc/self/mountinfo")
	if err != nil {
		fmt.Println("error", err)
		return 1
	}
	for _, m := range ms {
		if err := unix.Mount("", m.point, "", unix.MS_REMOUNT|unix.MS_BIND|unix.MS_RDONLY, ""); err != nil {
			fmt.Println("error remount", m.point, err)
			return 1
		}
	}
	mgr, err := New(WithName("symposium-none-test"))
	if err != nil {
		fmt.Println("error", err)
		return 1
	}
	d := mgr.Detection()
	g, err := mgr.Create("one", Limits{MemoryBytes: 1 << 20})
	if err != nil {
		fmt.Println("error create", err)
		return 1
	}
	s, statsErr := g.Stats()
	fd, fdOK := g.FD()
	fmt.Printf("mode=%s writable=%t layout=%s stats_nocgroups=%t zero=%t attach_nocgroups=%t fd=%d/%t kill=%v remove=%v close=%v\n",
		d.Mode, d.Writable, d.Layout, errors.Is(statsErr, ErrNoCgroups), s == (Stats{}),
		errors.Is(g.Attach(os.Getpid()), ErrNoCgroups), fd, fdOK, g.Kill(), g.Remove(), mgr.Close())
	fmt.Println("reason=" + d.Reason)
	return 0
}

// child is a helper process in a group.
type child struct {
	t     *testing.T
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan string
	done  chan error
}

// startChild starts a helper the way the supervisor starts a runner: into
// the group with CLONE_INTO_CGROUP where the group has an fd (v2), else
// gated and attached (v1).
func startChild(t *testing.T, g *Group, mode, arg string, extra ...string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+mode, helperArg+"="+arg)
	cmd.Env = append(cmd.Env, extra...)
	cmd.Stderr = os.Stderr
	fd, hasFD := g.FD()
	if hasFD {
		cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: fd}
	}
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{t: t, cmd: cmd, stdin: in, lines: make(chan string, 16), done: make(chan error, 1)}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			c.lines <- sc.Text()
		}
		close(c.lines)
		c.done <- cmd.Wait()
	}()
	t.Cleanup(func() {
		// The group kill also ends forked grandchildren, which hold the
		// stdout pipe open.
		if err := g.Kill(); err != nil {
			t.Errorf("Kill: %v", err)
		}
		_ = cmd.Process.Kill()
		_ = c.stdin.Close()
		<-c.done
	})
	c.expect("started")
	if !hasFD {
		if err := g.Attach(cmd.Process.Pid); err != nil {
			t.Fatalf("attach: %v", err)
		}
	}
	return c
}

func (c *child) release() {
	if _, err := io.WriteString(c.stdin, "go\n"); err != nil {
		c.t.Fatal(err)
	}
}

// expect waits for the next line and checks its prefix; returns the line.
func (c *child) expect(prefix string) string {
	c.t.Helper()
	select {
	case l, ok := <-c.lines:
		if !ok {
			c.t.Fatalf("helper exited, wanted %q", prefix)
		}
		if !strings.HasPrefix(l, prefix) {
			c.t.Fatalf("helper said %q, wanted %q", l, prefix)
		}
		return l
	case <-time.After(60 * time.Second):
		c.t.Fatalf("no %q from helper in 60s", prefix)
	}
	return ""
}

// wait returns how the helper ended.
func (c *child) wait() error {
	c.t.Helper()
	for range c.lines {
	}
	select {
	case err := <-c.done:
		c.done <- err // for Cleanup
		return err
	case <-time.After(60 * time.Second):
		c.t.Fatal("helper did not exit in 60s")
	}
	return nil
}

func killedBy(err error) (syscall.Signal, bool) {
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return 0, false
	}
	ws, ok := ee.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() {
		return 0, false
	}
	return ws.Signal(), true
}
