package main

import (
	"debug/elf"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Roles of this binary: PID 1 of the guest, the "container" (a process in
// a private cgroup namespace, like docker run --privileged on a v2 host)
// that runs the tests, the idle sibling that shares the container's
// namespace root with the tests, and a host-side check that a binary is
// static.
func main() {
	role := "init"
	if len(os.Args) > 1 {
		role = os.Args[1]
	}
	var err error
	switch role {
	case "init":
		err = guestInit()
	case "container":
		err = container()
	case "idle":
		for {
			unix.Pause() // not select{}: the runtime calls that a deadlock
		}
	case "check-static":
		err = checkStatic(os.Args[2:])
	default:
		err = fmt.Errorf("unknown role %q", role)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "guesttest:", err)
		if role == "init" {
			powerOff()
		}
		os.Exit(1)
	}
}

// checkStatic fails for any dynamically linked binary: the initramfs has no
// libc or loader.
func checkStatic(paths []string) error {
	for _, p := range paths {
		f, err := elf.Open(p)
		if err != nil {
			return err
		}
		dynamic := slices.ContainsFunc(f.Progs, func(p *elf.Prog) bool { return p.Type == elf.PT_INTERP })
		f.Close()
		if dynamic {
			return fmt.Errorf("%s is dynamically linked; build it static (CGO_ENABLED=0, or -ldflags '-extldflags -static' with cgo)", p)
		}
	}
	return nil
}

func guestInit() error {
	for _, m := range []struct{ src, dst, fs string }{
		{"proc", "/proc", "proc"},
		{"sysfs", "/sys", "sysfs"},
		{"devtmpfs", "/dev", "devtmpfs"},
		{"cgroup2", "/sys/fs/cgroup", "cgroup2"},
		{"tmpfs", "/tmp", "tmpfs"},
	} {
		if err := os.MkdirAll(m.dst, 0o755); err != nil {
			return err
		}
		if err := unix.Mount(m.src, m.dst, m.fs, 0, ""); err != nil {
			return fmt.Errorf("mount %s: %w", m.dst, err)
		}
	}
	if err := loUp(); err != nil {
		return fmt.Errorf("lo up: %w", err)
	}
	if err := loadEnv("/guest.env"); err != nil {
		return err
	}
	// The host side of the simulated container: controllers enabled down
	// to /container, where the container's processes live.
	if err := os.WriteFile("/sys/fs/cgroup/cgroup.subtree_control", []byte("+memory +cpu +pids"), 0); err != nil {
		return err
	}
	if err := os.Mkdir("/sys/fs/cgroup/container", 0o755); err != nil {
		return err
	}
	fd, err := unix.Open("/sys/fs/cgroup/container", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	cmd := exec.Command("/init", "container")
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.Env = os.Environ()
	// Into /container at clone time, then a new cgroup namespace rooted
	// there (unshare runs after the clone) and a mount namespace for its
	// own cgroup2 mount.
	cmd.SysProcAttr = &syscall.SysProcAttr{
		UseCgroupFD: true, CgroupFD: fd,
		Unshareflags: unix.CLONE_NEWCGROUP | unix.CLONE_NEWNS,
	}
	err = cmd.Run()
	verdict := "PASS"
	if err != nil {
		verdict = "FAIL (" + err.Error() + ")"
	}
	fmt.Println("=== GUEST DONE:", verdict)
	powerOff()
	return nil
}

// loadEnv sets the KEY=VALUE lines run.sh wrote (the kernel command line
// cannot carry values with spaces to init).
func loadEnv(path string) error {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			os.Setenv(k, v)
		}
	}
	return nil
}

func loUp() error {
	s, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(s)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return err
	}
	if err := unix.IoctlIfreq(s, unix.SIOCGIFFLAGS, ifr); err != nil {
		return err
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	return unix.IoctlIfreq(s, unix.SIOCSIFFLAGS, ifr)
}

func powerOff() {
	unix.Sync()
	_ = unix.Reboot(unix.LINUX_REBOOT_CMD_POWER_OFF)
	// No ACPI power-off: a reboot ends QEMU too under -no-reboot.
	_ = unix.Reboot(unix.LINUX_REBOOT_CMD_RESTART)
	time.Sleep(time.Hour)
}

// container runs every /tests/*.test binary from the root of its cgroup
// namespace, next to an idle sibling, as a container's entrypoint would.
func container() error {
	// Our own cgroup2 mount, showing the namespace root at its top.
	if err := unix.Unmount("/sys/fs/cgroup", unix.MNT_DETACH); err != nil {
		return err
	}
	if err := unix.Mount("cgroup2", "/sys/fs/cgroup", "cgroup2", 0, ""); err != nil {
		return err
	}
	idle := exec.Command("/init", "idle")
	if err := idle.Start(); err != nil {
		return err
	}
	defer idle.Process.Kill()

	tests, err := filepath.Glob("/tests/*.test")
	if err != nil || len(tests) == 0 {
		return fmt.Errorf("no /tests/*.test (%v)", err)
	}
	env := append(os.Environ(), "CI=true", "SYMPOSIUM_IN_GUEST=1",
		fmt.Sprintf("SYMPOSIUM_GUEST_SIBLING_PID=%d", idle.Process.Pid))
	args := append([]string{"-test.v", "-test.count=1", "-test.timeout=240s"}, strings.Fields(os.Getenv("GUEST_TEST_ARGS"))...)
	var failed []string
	for _, t := range tests {
		name := strings.TrimSuffix(filepath.Base(t), ".test")
		fmt.Printf("=== GUEST RUN %s\n", name)
		cmd := exec.Command(t, args...)
		cmd.Dir = filepath.Join("/tests", name) // the package dir, with its testdata
		if _, err := os.Stat(cmd.Dir); err != nil {
			cmd.Dir = "/tmp"
		}
		cmd.Env, cmd.Stdout, cmd.Stderr = env, os.Stdout, os.Stdout
		err := cmd.Run()
		verdict := "PASS"
		if err != nil {
			verdict = "FAIL (" + err.Error() + ")"
			failed = append(failed, name)
		}
		fmt.Printf("=== GUEST RESULT %s: %s\n", name, verdict)
	}
	if len(failed) > 0 {
		return errors.New("failed: " + strings.Join(failed, " "))
	}
	return nil
}
