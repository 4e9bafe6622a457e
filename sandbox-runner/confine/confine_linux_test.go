package confine

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	seccomp "github.com/seccomp/libseccomp-golang"

	"github.com/symposium/symposium/sandbox-runner/confine/confinetest"
	"golang.org/x/sys/unix"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// The tests re-execute this test binary as the runner is started: uid/gid
// 65534, optionally in fresh namespaces. The child confines itself and does
// one thing (childEnv names it); the parent judges from outside.
const (
	childEnv  = "CONFINE_TEST_CHILD"
	socketEnv = "CONFINE_TEST_SOCKET"
	nobody    = confinetest.Nobody
)

const runnerNamespaces = confinetest.Namespaces

var modes = map[string]func() error{
	"acct":    childAcct,
	"clone3":  childClone3,
	"twice":   childTwice,
	"runtime": childRuntime,
	"bench":   childBench,
}

func TestMain(m *testing.M) {
	if mode := os.Getenv(childEnv); mode != "" {
		if err := modes[mode](); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(2)
		}
		os.Exit(0)
	}
	code := m.Run()
	children.Cleanup()
	os.Exit(code)
}

var children = &confinetest.Children{Env: childEnv}

func requireRoot(t *testing.T) { confinetest.RequireRoot(t) }

func childBinary(t *testing.T) string { return children.Binary(t) }

func child(t *testing.T, ctx context.Context, mode string, cloneflags uintptr, env ...string) *exec.Cmd {
	return children.Command(t, ctx, mode, cloneflags, env...)
}

// setups are the two ways the tests start children.
var setups = []struct {
	name  string
	flags uintptr
}{
	{"nobody", 0},
	{"nobody+namespaces", runnerNamespaces},
}

func childAcct() error {
	if err := Apply(Options{}); err != nil {
		return err
	}
	fmt.Println("applied")
	_, _, e := unix.RawSyscall(unix.SYS_ACCT, 0, 0, 0)
	return fmt.Errorf("acct returned (errno %v) instead of killing", e)
}

// TestUnlistedSyscallKillsProcess: acct is in no list, so the default
// action applies: the kernel kills the whole process with SIGSYS.
func TestUnlistedSyscallKillsProcess(t *testing.T) {
	requireRoot(t)
	named := slices.Contains(allowed, "acct")
	for _, d := range denied {
		named = named || slices.Contains(d.names, "acct")
	}
	if named {
		t.Fatal("acct is named in the policy; pick another unlisted syscall")
	}
	for _, s := range setups {
		t.Run(s.name, func(t *testing.T) {
			cmd := child(t, t.Context(), "acct", s.flags)
			var stderr strings.Builder
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if string(out) != "applied\n" {
				t.Fatalf("child did not get past Apply: stdout %q, stderr %q", out, stderr.String())
			}
			var exitErr *exec.ExitError
			if !errors.As(err, &exitErr) {
				t.Fatalf("child exited cleanly: %v", err)
			}
			ws := exitErr.Sys().(syscall.WaitStatus)
			if !ws.Signaled() || ws.Signal() != syscall.SIGSYS {
				t.Fatalf("wait status %v, want killed by SIGSYS; stderr %q", ws, stderr.String())
			}
		})
	}
}

func childClone3() error {
	if err := Apply(Options{}); err != nil {
		return err
	}
	// A NULL struct: without the filter the kernel answers EINVAL.
	_, _, e := unix.RawSyscall(unix.SYS_CLONE3, 0, 0, 0)
	fmt.Println(unix.ErrnoName(e))
	return nil
}

// TestClone3IsENOSYS: clone3 gets ENOSYS (so glibc falls back to clone,
// whose flags the filter can check) rather than a kill or EPERM.
func TestClone3IsENOSYS(t *testing.T) {
	requireRoot(t)
	for _, s := range setups {
		t.Run(s.name, func(t *testing.T) {
			out, err := child(t, t.Context(), "clone3", s.flags).CombinedOutput()
			if err != nil {
				t.Fatalf("child: %v: %s", err, out)
			}
			if got := strings.TrimSpace(string(out)); got != "ENOSYS" {
				t.Fatalf("clone3 got %q, want ENOSYS", got)
			}
		})
	}
}

func childTwice() error {
	if err := Apply(Options{}); err != nil {
		return err
	}
	err := Apply(Options{})
	fmt.Println(errors.Is(err, ErrApplied))
	return nil
}

// TestApplyTwice: a second Apply is refused instead of being killed by the
// first filter (loading a filter is not on the allowlist).
func TestApplyTwice(t *testing.T) {
	requireRoot(t)
	out, err := child(t, t.Context(), "twice", 0).CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v: %s", err, out)
	}
	if got := strings.TrimSpace(string(out)); got != "true" {
		t.Fatalf("second Apply: errors.Is(err, ErrApplied) = %s, want true", got)
	}
}

// childRuntime is the runner's life in small: a gRPC server on a unix
// listener made before Apply, then a workout of the runtime, then serving
// until stdin closes.
func childRuntime() error {
	lis, err := net.Listen("unix", os.Getenv(socketEnv))
	if err != nil {
		return err
	}
	srv := grpc.NewServer()
	healthpb.RegisterHealthServer(srv, health.NewServer())
	if err := Apply(Options{}); err != nil {
		return err
	}
	go func() { _ = srv.Serve(lis) }()
	if err := workout(); err != nil {
		return err
	}
	fmt.Println("ready")
	_ = os.Stdout.Sync() // go-plugin does this after its handshake line
	_, _ = io.Copy(io.Discard, os.Stdin)
	srv.GracefulStop()
	return nil
}

// workout makes the runtime create and destroy OS threads, collect, return
// memory to the kernel, run timers and install a signal handler.
func workout() error {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt)
	defer signal.Stop(sigs)

	const threads = 32
	errs := make(chan error, threads)
	var wg sync.WaitGroup
	for range threads {
		wg.Go(func() {
			// Locked and never unlocked: the goroutine needs its own
			// new thread, which exits with it.
			runtime.LockOSThread()
			s, err := Current()
			if err == nil && (!s.NoNewPrivs || s.SeccompMode != SeccompModeFilter) {
				err = fmt.Errorf("new thread not confined: %+v", s)
			}
			time.Sleep(20 * time.Millisecond)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return err
		}
	}

	big := make([]byte, 64<<20)
	for i := 0; i < len(big); i += 4096 {
		big[i] = 1 // fault every page in
	}
	runtime.KeepAlive(big)
	big = nil
	for range 5 {
		runtime.GC()
	}
	debug.FreeOSMemory()

	fired := make(chan struct{})
	time.AfterFunc(10*time.Millisecond, func() { close(fired) })
	ticker := time.NewTicker(5 * time.Millisecond)
	for range 3 {
		<-ticker.C
	}
	ticker.Stop()
	<-fired
	return nil
}

// TestRuntimeKeepsWorking: after Apply the Go runtime (new threads, GC,
// freeing memory, timers, signals) and a gRPC server keep working, every
// thread is confined (TSYNC) and the rlimits are in place, as the kernel
// reports them in /proc.
func TestRuntimeKeepsWorking(t *testing.T) {
	requireRoot(t)
	for _, s := range setups {
		t.Run(s.name, func(t *testing.T) {
			// Beside the binary: t.TempDir's parent is not searchable by nobody.
			sockDir, err := os.MkdirTemp(filepath.Dir(childBinary(t)), "sock-")
			if err != nil {
				t.Fatal(err)
			}
			if err := os.Chown(sockDir, nobody, nobody); err != nil {
				t.Fatal(err)
			}
			sock := filepath.Join(sockDir, "grpc.sock")

			ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
			defer cancel()
			cmd := child(t, ctx, "runtime", s.flags, socketEnv+"="+sock)
			stdin, err := cmd.StdinPipe()
			if err != nil {
				t.Fatal(err)
			}
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			var stderr strings.Builder
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			line, _ := bufio.NewReader(stdout).ReadString('\n')
			if line != "ready\n" {
				_ = cmd.Wait()
				t.Fatalf("child not ready: %q, %v, stderr %q", line, cmd.ProcessState, stderr.String())
			}

			checkProc(t, cmd.Process.Pid)
			checkHealth(t, ctx, sock)

			_ = stdin.Close()
			if err := cmd.Wait(); err != nil {
				t.Fatalf("child: %v (%v), stderr %q", err, cmd.ProcessState, stderr.String())
			}
		})
	}
}

// checkProc reads the confined child's state from /proc, as root.
func checkProc(t *testing.T, pid int) {
	t.Helper()
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/status", pid))
	if err != nil || len(tasks) == 0 {
		t.Fatalf("no tasks for %d: %v", pid, err)
	}
	for _, task := range tasks {
		b, err := os.ReadFile(task)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"\nNoNewPrivs:\t1\n", "\nSeccomp:\t2\n", "\nSeccomp_filters:\t1\n", "\nUid:\t65534\t65534\t65534\t65534\n"} {
			if !strings.Contains(string(b), want) {
				t.Errorf("%s lacks %q", task, want)
			}
		}
	}
	t.Logf("%d threads, all confined", len(tasks))

	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/limits", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Max open files", "Max core file size", "Max file size"} {
		var fields []string
		for l := range strings.Lines(string(b)) {
			if strings.HasPrefix(l, want) {
				fields = strings.Fields(strings.TrimPrefix(l, want))
			}
		}
		wantValue := "0"
		if want == "Max open files" {
			wantValue = fmt.Sprint(defaultNoFile)
		}
		if len(fields) < 2 || fields[0] != wantValue || fields[1] != wantValue {
			t.Errorf("%s = %v, want soft and hard %s", want, fields, wantValue)
		}
	}
}

// checkHealth makes gRPC calls over two connections, some concurrent.
func checkHealth(t *testing.T, ctx context.Context, sock string) {
	t.Helper()
	for range 2 {
		conn, err := grpc.NewClient("unix://"+sock, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			t.Fatal(err)
		}
		client := healthpb.NewHealthClient(conn)
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				resp, err := client.Check(ctx, &healthpb.HealthCheckRequest{})
				if err != nil {
					t.Errorf("Check: %v", err)
					return
				}
				if resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
					t.Errorf("status %v, want SERVING", resp.GetStatus())
				}
			})
		}
		wg.Wait()
		_ = conn.Close()
	}
}

// TestPolicyPerArch builds the filter for amd64 and arm64 alone (no kernel
// involved): every policy name must exist on at least one of them (a typo
// would otherwise be skipped silently), and names missing on one are
// skipped there without error.
func TestPolicyPerArch(t *testing.T) {
	names := append([]string{"prctl", "tgkill", "clone"}, allowed...)
	for _, d := range denied {
		names = append(names, d.names...)
	}
	arches := []seccomp.ScmpArch{seccomp.ArchAMD64, seccomp.ArchARM64}
	for _, name := range names {
		var missing []string
		for _, arch := range arches {
			if nr, err := seccomp.GetSyscallFromNameByArch(name, arch); err != nil || nr < 0 {
				missing = append(missing, arch.String())
			}
		}
		if len(missing) == len(arches) {
			t.Errorf("%q is a syscall on neither amd64 nor arm64", name)
		} else if len(missing) > 0 {
			t.Logf("%s: not on %v, skipped there", name, missing)
		}
	}

	native, err := seccomp.GetNativeArch()
	if err != nil {
		t.Fatal(err)
	}
	for _, arch := range arches {
		t.Run(arch.String(), func(t *testing.T) {
			f, err := seccomp.NewFilter(seccomp.ActKillProcess)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Release()
			if arch != native {
				if err := f.AddArch(arch); err != nil {
					t.Fatal(err)
				}
				if err := f.RemoveArch(native); err != nil {
					t.Fatal(err)
				}
			}
			if err := addRules(f); err != nil {
				t.Fatal(err)
			}
			// ExportBPFMem needs libseccomp 2.6; Debian 12 has 2.5.
			out, err := os.Create(filepath.Join(t.TempDir(), "filter.bpf"))
			if err != nil {
				t.Fatal(err)
			}
			defer out.Close()
			if err := f.ExportBPF(out); err != nil {
				t.Fatal(err)
			}
			fi, err := out.Stat()
			if err != nil {
				t.Fatal(err)
			}
			if fi.Size() == 0 {
				t.Fatal("empty filter")
			}
			t.Logf("%s filter: %d BPF instructions", arch, fi.Size()/8)
		})
	}
}

const benchEnv = "CONFINE_TEST_BENCH" // "apply N" or "skip N"

// childBench times N getppid calls, a cheap allowed syscall, so the time
// is the kernel entry plus the filter.
func childBench() error {
	var what string
	var n int
	if _, err := fmt.Sscan(os.Getenv(benchEnv), &what, &n); err != nil {
		return err
	}
	if what == "apply" {
		if err := Apply(Options{}); err != nil {
			return err
		}
	}
	start := time.Now()
	for range n {
		unix.Getppid()
	}
	fmt.Println(time.Since(start).Nanoseconds())
	return nil
}

// BenchmarkSyscall measures what the filter adds to every syscall: the
// loop runs in a child (as root: only the timing matters), with and without
// Apply, and its time is reported as ns/op, process start-up excluded.
func BenchmarkSyscall(b *testing.B) {
	for _, c := range []struct{ name, what string }{{"unconfined", "skip"}, {"confined", "apply"}} {
		b.Run(c.name, func(b *testing.B) {
			cmd := exec.CommandContext(b.Context(), os.Args[0], "-test.run=^$")
			cmd.Env = []string{childEnv + "=bench", benchEnv + "=" + c.what + " " + strconv.Itoa(b.N)}
			out, err := cmd.Output()
			if err != nil {
				b.Fatal(err)
			}
			ns, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(ns/float64(b.N), "ns/op")
		})
	}
}
