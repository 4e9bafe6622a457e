package isolate

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	plugin "github.com/hashicorp/go-plugin"
	"github.com/hashicorp/go-plugin/runner"

	"github.com/symposium/symposium/ipc"
	"github.com/symposium/symposium/supervisor/cgroup"
)

// State of an isolate.
type State string

const (
	StateIdle    State = "idle"    // started, in the pool or bound but not running
	StateRunning State = "running" // at least one execution in flight
	StateDead    State = "dead"
)

// process is the runner process as the runtime needs it; procRunner in
// service, a fake in unit tests.
type process interface {
	Done() <-chan struct{}
	Pid() int
	Signal() (syscall.Signal, bool)
	Kill(ctx context.Context) error // kills and waits for the exit
	SendKill() error                // kills and returns at once
}

// cgroupOps bounds concurrent cgroup teardowns: each blocks an OS thread in
// cgroupfs (a v1 freeze, an rmdir waiting for RCU), and a burst of
// evictions must not grow the supervisor's threads without bound.
var cgroupOps = make(chan struct{}, 4)

// Isolate is one confined sandbox-runner process and its cgroup. Its cgroup
// stays inside the runtime: figures leave it only through a Sample.
type Isolate struct {
	ID      string
	Created time.Time

	client  *plugin.Client // nil for fakes
	sb      ipc.Sandbox
	proc    process
	group   *cgroup.Group // nil for fakes
	limits  cgroup.Limits
	mode    cgroup.Mode
	seccomp ProcessStatus // read once after the handshake: confinement is final by then
	secOK   bool

	blockID    atomic.Pointer[string]
	executions atomic.Int64
	sessions   atomic.Int32 // live sessions; mirrors the slot's set, written under Runtime.mu
	inflight   atomic.Int32
	lastUsed   atomic.Int64 // unix nanos
	killedBy   atomic.Pointer[Kind]
	closeOnce  sync.Once

	deathRead chan struct{} // closed once deathKind/deathMsg are set
	deathKind Kind
	deathMsg  string
}

// spawner starts isolates.
type spawner struct {
	runnerPath string
	runDir     func() (string, error) // our socket directory, recreated if it vanished
	cgroups    *cgroup.Manager
	limits     cgroup.Limits
	logger     *slog.Logger
	seq        atomic.Int64
	ns         nsPolicy
}

// spawn starts one runner in its own cgroup and waits for its handshake.
func (s *spawner) spawn(ctx context.Context) (*Isolate, error) {
	dir, err := s.runDir()
	if err != nil {
		return nil, fmt.Errorf("%w: run dir: %w", ErrSpawn, err)
	}
	id := "iso-" + strconv.FormatInt(time.Now().UnixNano()%1e9, 36) + "-" + strconv.FormatInt(s.seq.Add(1), 10)
	group, err := s.cgroups.Create(id, s.limits)
	if err != nil {
		return nil, fmt.Errorf("%w: cgroup: %w", ErrSpawn, err)
	}
	iso := s.newIsolate(id, group)

	cfg := &plugin.ClientConfig{
		HandshakeConfig:     ipc.Handshake,
		Plugins:             ipc.Plugins(nil),
		AllowedProtocols:    []plugin.Protocol{plugin.ProtocolGRPC},
		GRPCBrokerMultiplex: true,
		SkipHostEnv:         true, // never hand the supervisor's secrets to an isolate
		StartTimeout:        10 * time.Second,
		Logger:              hclogTo(slogWriter{s.logger}),
		SyncStderr:          slogWriter{s.logger}, // a served runner's stderr, relayed over gRPC
		UnixSocketConfig:    &plugin.UnixSocketConfig{TempDir: dir},
		RunnerFunc: func(_ hclogLogger, cmd *exec.Cmd, sockDir string) (runner.Runner, error) {
			cmd.Path = s.runnerPath
			cmd.Args = []string{s.runnerPath}
			r, err := newProcRunner(cmd, sockDir, group, &s.ns, s.limits.MemoryBytes, nil, slogWriter{s.logger})
			if err != nil {
				return nil, err
			}
			iso.proc = r
			return r, nil
		},
	}
	iso.client = plugin.NewClient(cfg)
	rpc, err := iso.client.Client()
	if err != nil {
		iso.destroy()
		// go-plugin flattens our runner's ErrSpawn into text: say it once.
		return nil, fmt.Errorf("%w: %s", ErrSpawn, strings.ReplaceAll(err.Error(), ErrSpawn.Error()+": ", ""))
	}
	raw, err := rpc.Dispense(ipc.PluginName)
	if err != nil {
		iso.destroy()
		return nil, fmt.Errorf("%w: %v", ErrSpawn, err)
	}
	iso.sb = raw.(ipc.Sandbox)
	iso.seccomp, err = ProcStatus(iso.PID())
	iso.secOK = err == nil
	return iso, nil
}

// newIsolate is an isolate in group, not yet started.
func (s *spawner) newIsolate(id string, group *cgroup.Group) *Isolate {
	iso := &Isolate{ID: id, Created: time.Now(), group: group, limits: s.limits, mode: s.cgroups.Detection().Mode, deathRead: make(chan struct{})}
	iso.lastUsed.Store(time.Now().UnixNano())
	return iso
}

// spawnMode starts the runner in a diagnostic mode (no plugin handshake)
// under the same confinement as a served isolate.
func (s *spawner) spawnMode(_ context.Context, args ...string) (*Isolate, error) {
	id := "diag-" + strconv.FormatInt(s.seq.Add(1), 10)
	group, err := s.cgroups.Create(id, s.limits)
	if err != nil {
		return nil, fmt.Errorf("%w: cgroup: %v", ErrSpawn, err)
	}
	iso := s.newIsolate(id, group)
	cmd := exec.Command(s.runnerPath, args...)
	cmd.Env = []string{}
	r, err := newProcRunner(cmd, "", group, &s.ns, s.limits.MemoryBytes, nil, nil)
	if err == nil {
		err = r.Start(context.Background())
	}
	if err != nil {
		_ = group.Remove()
		return nil, err
	}
	iso.proc = r
	return iso, nil
}

// PID is the runner's process id in the supervisor's PID namespace.
func (i *Isolate) PID() int {
	if i.proc == nil {
		return 0
	}
	return i.proc.Pid()
}

// BlockID is the block this isolate serves ("" while pooled).
func (i *Isolate) BlockID() string {
	if p := i.blockID.Load(); p != nil {
		return *p
	}
	return ""
}

// State reports whether the isolate is idle, running or dead.
func (i *Isolate) State() State {
	if i.Dead() {
		return StateDead
	}
	if i.inflight.Load() > 0 {
		return StateRunning
	}
	return StateIdle
}

// Dead reports whether the runner process has exited.
func (i *Isolate) Dead() bool {
	if i.proc == nil {
		return true
	}
	select {
	case <-i.proc.Done():
		return true
	default:
		return false
	}
}

// Executions counts the executions this isolate has run.
func (i *Isolate) Executions() int64 { return i.executions.Load() }

// Sessions counts the live sessions this isolate holds.
func (i *Isolate) Sessions() int { return int(i.sessions.Load()) }

// LastUsed is when the isolate last finished an execution or session turn.
func (i *Isolate) LastUsed() time.Time { return time.Unix(0, i.lastUsed.Load()) }

// execute runs one block. Outcomes of the block's own code come back in the
// Result; the supervisor always gets one.
func (i *Isolate) execute(ctx context.Context, req ipc.Request) *Result {
	defer i.executions.Add(1)
	res, _ := i.call(ctx, req.BlockID, req.Code.CSS, req.Timeout, func(ctx context.Context) (ipc.Response, error) {
		return i.sb.Execute(ctx, req)
	}, nil)
	return res
}

// call runs one request in the runner and turns what came back into a
// Result. The runner enforces the deadline itself; the supervisor allows a
// short grace and then kills the process, so a wedged runner cannot hold a
// slot; beforeKill, if set, runs first. A session error (ipc.IsSessionError:
// nothing ran, the runner is fine) returns as an error with no Result.
func (i *Isolate) call(ctx context.Context, blockID, css string, timeout time.Duration, rpc func(context.Context) (ipc.Response, error), beforeKill func()) (*Result, error) {
	start := time.Now()
	i.inflight.Add(1)
	defer func() {
		i.inflight.Add(-1)
		i.lastUsed.Store(time.Now().UnixNano())
	}()

	callCtx, cancel := context.WithTimeout(ctx, timeout+time.Second)
	defer cancel()
	resp, err := rpc(callCtx)
	if err != nil && ipc.IsSessionError(err) {
		return nil, err
	}
	res := &Result{BlockID: blockID, CSS: css, PID: i.PID()}
	if err != nil {
		if callCtx.Err() != nil && ctx.Err() == nil {
			if beforeKill != nil {
				beforeKill()
			}
			i.kill(KindTimeout)
		}
		res.Kind, res.Message = i.classify(err)
	} else {
		res.HTML, res.CSS, res.Logs, res.Notices = resp.HTML, resp.CSS, resp.Logs, resp.Notices
		switch {
		case resp.TimedOut:
			res.Kind = KindTimeout
			res.Message = fmt.Sprintf("the script ran past its %s time limit and was stopped", timeout)
		case resp.OutOfMemory:
			res.Kind = KindOOM
			res.Message = fmt.Sprintf("the script used nearly all of its %d MiB memory limit and was stopped", i.limits.MemoryBytes>>20)
		case resp.Error != nil:
			res.Kind = KindScript
			res.Message = resp.Error.Message
			res.Stack = resp.Error.Stack
		default:
			res.Kind = KindOK
		}
	}
	if i.group != nil {
		if u, err := i.group.Usage(); err == nil {
			res.Memory = u.MemoryBytes
			res.CPUMicro = u.CPUUsec
		}
	}
	res.Duration = float64(time.Since(start).Microseconds()) / 1000
	return res, nil
}

// classify turns a failed call into an outcome. If the runner died, the
// death watcher has already read the kernel's verdict (exit signal, cgroup
// OOM counter) before the cgroup was removed.
func (i *Isolate) classify(callErr error) (Kind, string) {
	select {
	case <-i.deathRead:
		return i.deathKind, i.deathMsg
	case <-time.After(2 * time.Second):
	}
	if k := i.killedBy.Load(); k != nil && *k == KindTimeout {
		return KindTimeout, "the script did not stop at its time limit and its isolate was killed"
	}
	if errors.Is(callErr, context.Canceled) {
		return KindCrash, "the request was cancelled"
	}
	return KindCrash, "the isolate did not answer"
}

// readDeath records why the runner died, from the kernel's own figures. It
// must run before the cgroup is removed.
func (i *Isolate) readDeath() {
	kind, msg := KindCrash, "the isolate exited unexpectedly"
	sig, signaled := i.proc.Signal()
	var n uint64
	if i.group != nil {
		n, _ = i.group.OOMKills()
	}
	switch {
	case i.killedBy.Load() != nil && *i.killedBy.Load() == KindTimeout:
		kind, msg = KindTimeout, "the script did not stop at its time limit and its isolate was killed"
	case n > 0:
		kind, msg = KindOOM, fmt.Sprintf("the script used more than its %d MiB memory limit and the kernel stopped it", i.limits.MemoryBytes>>20)
	case signaled && sig == syscall.SIGSYS:
		kind, msg = KindSeccomp, "the isolate attempted a forbidden system call and was stopped by seccomp"
	case signaled:
		msg = "the isolate was ended by signal " + sig.String()
	}
	i.deathKind, i.deathMsg = kind, msg
	close(i.deathRead)
}

// warm runs a trivial block once, so that a pooled runner has paid its
// first-execution costs (page faults, lazily built JavaScript prototypes)
// before a user's block arrives. It does not count as an execution.
func (i *Isolate) warm() {
	i.execute(context.Background(), ipc.Request{Code: Code{HTML: `<p id="w"></p>`, JavaScript: `document.getElementById('w').textContent = 'warm'; console.log(1)`}, Timeout: time.Second})
	i.executions.Store(0)
}

// kill ends the runner at once (the whole cgroup), remembering why.
func (i *Isolate) kill(why Kind) {
	i.killedBy.CompareAndSwap(nil, &why)
	var err error = cgroup.ErrNoCgroups
	if i.group != nil {
		err = i.group.Kill()
	}
	if err != nil && i.proc != nil {
		_ = i.proc.Kill(context.Background())
	}
}

// destroy kills the runner and removes its cgroup and socket directory.
func (i *Isolate) destroy() {
	ok := KindOK
	i.killedBy.CompareAndSwap(nil, &ok) // every destroy is on purpose
	i.closeOnce.Do(func() {
		if i.group != nil {
			cgroupOps <- struct{}{}
			defer func() { <-cgroupOps }()
			_ = i.group.Kill()
		}
		if i.client != nil {
			i.client.Kill()
		} else if i.proc != nil {
			_ = i.proc.Kill(context.Background())
		}
		if i.group != nil {
			_ = i.group.Remove()
		}
	})
}
