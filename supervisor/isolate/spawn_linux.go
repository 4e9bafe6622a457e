package isolate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	hclog "github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin/runner"

	"github.com/symposium/symposium/supervisor/cgroup"
)

// sandboxUID is the unprivileged user every runner runs as ("nobody").
const sandboxUID = 65534

// namespaces a runner gets: no network, no view of other processes, its own
// IPC, hostname and mounts, and a cgroup namespace so host paths do not leak.
const namespaces = syscall.CLONE_NEWNET | syscall.CLONE_NEWPID | syscall.CLONE_NEWIPC |
	syscall.CLONE_NEWUTS | syscall.CLONE_NEWNS | syscall.CLONE_NEWCGROUP

// namespaceNames are the namespaces above, as health reports them.
var namespaceNames = []string{"net", "pid", "ipc", "uts", "mount", "cgroup"}

// nsPolicy remembers whether the kernel lets us create namespaces. Without
// CAP_SYS_ADMIN (an unprivileged container) clone fails with EPERM; the
// runner then starts without them, still as nobody, with no_new_privs,
// seccomp, rlimits and death with the supervisor, and the supervisor says
// so once, loudly, and in health.
type nsPolicy struct {
	off    atomic.Bool
	once   sync.Once
	logger *slog.Logger
}

func (p *nsPolicy) flags() uintptr {
	if p != nil && p.off.Load() {
		return 0
	}
	return namespaces
}

// names lists the namespaces runners get now.
func (p *nsPolicy) names() []string {
	if p.flags() == 0 {
		return []string{}
	}
	return namespaceNames
}

// Namespaces lists the namespaces runners get now: none once the kernel
// refused them (health reports it).
func (r *Runtime) Namespaces() []string {
	if r.sp == nil {
		return namespaceNames
	}
	return r.sp.ns.names()
}

func (p *nsPolicy) disable(err error) {
	p.off.Store(true)
	p.once.Do(func() {
		if p.logger != nil {
			p.logger.Error("NO NAMESPACES: the kernel refused to create them (no CAP_SYS_ADMIN, as in an unprivileged container); runners start without network, PID, IPC, UTS, mount and cgroup namespaces, confined only by uid 65534, no_new_privs, seccomp and rlimits",
				"err", err)
		}
	})
}

// attacher is the part of a cgroup the spawner needs.
type attacher interface {
	FD() (int, bool)
	Attach(pid int) error
}

// procRunner is the go-plugin runner.Runner for a confined runner process.
// go-plugin's RunnerFunc hands us the *exec.Cmd it built (it carries the
// handshake cookie and socket directory in its environment); we add the
// confinement to that same command.
type procRunner struct {
	cmd    *exec.Cmd
	group  attacher
	ns     *nsPolicy
	stdout io.ReadCloser
	stderr io.ReadCloser

	// The runner's ends of its stdout and stderr, closed here once it has
	// started: our ends then read to EOF after it exits, which os/exec's
	// own pipes do not promise (Wait closes them).
	childEnds []*os.File

	waitOnce sync.Once
	done     chan struct{}
	state    *os.ProcessState
	waitErr  error
}

func newProcRunner(cmd *exec.Cmd, sockDir string, group attacher, ns *nsPolicy, memLimit int64, extraArgs []string, stderrLog io.Writer) (*procRunner, error) {
	// The runner, as nobody, creates its socket in the directory go-plugin made.
	if sockDir != "" {
		if err := os.Chown(sockDir, sandboxUID, sandboxUID); err != nil {
			return nil, fmt.Errorf("%w: socket dir: %v", ErrSpawn, err)
		}
	}
	cmd.Args = append(cmd.Args, extraArgs...)
	confineCmd(cmd, memLimit, ns.flags())
	r := &procRunner{cmd: cmd, group: group, ns: ns, done: make(chan struct{})}
	outR, outW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		outR.Close()
		outW.Close()
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = outW, errW
	r.stdout, r.stderr, r.childEnds = outR, errR, []*os.File{outW, errW}
	if stderrLog != nil {
		// What a runner says before its handshake (say, why it could not
		// confine itself) reaches our log; go-plugin's own is silenced.
		r.stderr = teeCloser{io.TeeReader(r.stderr, stderrLog), r.stderr}
	}
	return r, nil
}

// confineCmd sets what the kernel gives a runner at birth: namespaces, the
// unprivileged user, death with the supervisor, and a bare environment.
func confineCmd(cmd *exec.Cmd, memLimit int64, cloneflags uintptr) {
	cmd.Stdin = nil
	cmd.Dir = "/"
	// Transparent huge pages would charge an idle runner 2 MiB per touched
	// heap region; small pages keep it to what it uses.
	cmd.Env = append(cmd.Env, "TZ=UTC", "GOTRACEBACK=none", "GODEBUG=disablethp=1")
	if memLimit > 0 {
		cmd.Env = append(cmd.Env, "SYMPOSIUM_MEMORY_LIMIT="+strconv.FormatInt(memLimit, 10))
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags: cloneflags,
		Pdeathsig:  syscall.SIGKILL, // runners die with the supervisor
		Credential: &syscall.Credential{Uid: sandboxUID, Gid: sandboxUID, Groups: []uint32{}},
		Setsid:     true,
	}
}

// startIn starts cmd inside group: directly with CLONE_INTO_CGROUP on v2;
// on v1, gated until it has been attached. If the kernel refuses the
// namespaces (EPERM), ns is told and a copy of cmd without them is started
// instead; startIn returns the command it started.
func startIn(cmd *exec.Cmd, group attacher, ns *nsPolicy) (*exec.Cmd, error) {
	env := cmd.Env
	err := startOnce(cmd, group)
	if err == nil || ns == nil || cmd.SysProcAttr.Cloneflags == 0 || !errors.Is(err, syscall.EPERM) {
		return cmd, err
	}
	ns.disable(err)
	attr := *cmd.SysProcAttr
	attr.Cloneflags, attr.UseCgroupFD, attr.CgroupFD = 0, false, 0
	again := &exec.Cmd{Path: cmd.Path, Args: cmd.Args, Env: env, Dir: cmd.Dir, Stdout: cmd.Stdout, Stderr: cmd.Stderr, SysProcAttr: &attr}
	return again, startOnce(again, group)
}

func startOnce(cmd *exec.Cmd, group attacher) error {
	var gate *os.File
	if fd, ok := group.FD(); ok {
		cmd.SysProcAttr.UseCgroupFD = true
		cmd.SysProcAttr.CgroupFD = fd
	} else {
		pr, pw, err := os.Pipe()
		if err != nil {
			return err
		}
		defer pr.Close()
		gate = pw
		cmd.ExtraFiles = []*os.File{pr}
		cmd.Env = append(cmd.Env, "SYMPOSIUM_GATE_FD=3")
	}
	if err := cmd.Start(); err != nil {
		if gate != nil {
			gate.Close()
		}
		return fmt.Errorf("%w: %w", ErrSpawn, err)
	}
	if gate == nil {
		return nil
	}
	defer gate.Close()
	// Without writable cgroups the runner goes on with rlimits, seccomp and
	// the wall-clock kill only; the supervisor reports that mode loudly.
	if err := group.Attach(cmd.Process.Pid); err != nil && !errors.Is(err, cgroup.ErrNoCgroups) {
		_ = cmd.Process.Kill()
		return fmt.Errorf("%w: attach to cgroup: %v", ErrSpawn, err)
	}
	if _, err := gate.Write([]byte{1}); err != nil {
		_ = cmd.Process.Kill()
		return fmt.Errorf("%w: release: %v", ErrSpawn, err)
	}
	return nil
}

func (r *procRunner) Start(context.Context) error {
	cmd, err := startIn(r.cmd, r.group, r.ns)
	r.cmd = cmd
	for _, f := range r.childEnds {
		f.Close()
	}
	if err != nil {
		r.stdout.Close()
		r.stderr.Close()
		return err
	}
	go r.wait()
	return nil
}

func (r *procRunner) wait() {
	r.waitOnce.Do(func() {
		r.waitErr = r.cmd.Wait()
		r.state = r.cmd.ProcessState
		close(r.done)
		// go-plugin reads our ends to EOF; give it a moment, then release
		// the descriptors.
		time.AfterFunc(time.Second, func() {
			r.stdout.Close()
			r.stderr.Close()
		})
	})
}

// Done is closed when the process has exited and been reaped.
func (r *procRunner) Done() <-chan struct{} { return r.done }

// Signal reports the signal that ended the process, if any.
func (r *procRunner) Signal() (syscall.Signal, bool) {
	select {
	case <-r.done:
	default:
		return 0, false
	}
	if r.state == nil {
		return 0, false
	}
	ws, ok := r.state.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() {
		return 0, false
	}
	return ws.Signal(), true
}

func (r *procRunner) Wait(ctx context.Context) error {
	select {
	case <-r.done:
		return r.waitErr
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (r *procRunner) Kill(context.Context) error {
	if r.cmd.Process == nil {
		return nil
	}
	select {
	case <-r.done:
		return nil
	default:
	}
	err := r.cmd.Process.Kill()
	<-r.done
	return err
}

func (r *procRunner) SendKill() error {
	if r.cmd.Process == nil {
		return os.ErrProcessDone
	}
	return r.cmd.Process.Kill()
}

func (r *procRunner) Pid() int {
	if r.cmd.Process == nil {
		return 0
	}
	return r.cmd.Process.Pid
}

func (r *procRunner) Diagnose(context.Context) string { return "" }
func (r *procRunner) Stdout() io.ReadCloser           { return r.stdout }
func (r *procRunner) Stderr() io.ReadCloser           { return r.stderr }
func (r *procRunner) Name() string                    { return r.cmd.Path }
func (r *procRunner) ID() string                      { return strconv.Itoa(r.Pid()) }

func (r *procRunner) PluginToHost(n, a string) (string, string, error) { return n, a, nil }
func (r *procRunner) HostToPlugin(n, a string) (string, string, error) { return n, a, nil }

var _ runner.Runner = (*procRunner)(nil)

type teeCloser struct {
	io.Reader
	io.Closer
}

// hclogTo silences go-plugin's own logging:
// the manager logs every death itself, with the kernel's reason, and killing
// isolates on purpose is routine.
func hclogTo(w io.Writer) hclog.Logger {
	return hclog.New(&hclog.LoggerOptions{Name: "go-plugin", Level: hclog.Off, Output: w})
}
