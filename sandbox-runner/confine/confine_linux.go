package confine

import (
	"fmt"
	"os"
	"runtime"
	"sync/atomic"

	seccomp "github.com/seccomp/libseccomp-golang"
	"golang.org/x/sys/unix"
)

var applied atomic.Bool

// Apply confines the whole process, every thread at once: RLIMIT_NOFILE,
// RLIMIT_CORE=0 and RLIMIT_FSIZE, PR_SET_NO_NEW_PRIVS, then the seccomp
// filter of policy_linux.go loaded with TSYNC. It may be called once.
func Apply(opts Options) error {
	if !applied.CompareAndSwap(false, true) {
		return ErrApplied
	}
	limits := []struct {
		resource int
		value    uint64
	}{
		{unix.RLIMIT_NOFILE, opts.noFile()},
		{unix.RLIMIT_CORE, 0},
		{unix.RLIMIT_FSIZE, opts.FileSize},
	}
	for _, l := range limits {
		if err := unix.Setrlimit(l.resource, &unix.Rlimit{Cur: l.value, Max: l.value}); err != nil {
			return fmt.Errorf("%w %d: %w", ErrRlimit, l.resource, err)
		}
	}

	filter, err := buildFilter()
	if err != nil {
		return err
	}
	defer filter.Release()

	// no_new_privs is per thread; TSYNC copies it to the other threads
	// together with the filter, so both must happen on this thread.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("%w: %w", ErrNoNewPrivs, err)
	}
	if err := filter.Load(); err != nil {
		return fmt.Errorf("%w: load: %w", ErrFilter, err)
	}
	return nil
}

// Current reports the calling thread's no_new_privs bit and seccomp mode. It
// only uses prctl, which the filter allows for exactly these two queries.
func Current() (Status, error) {
	nnp, err := unix.PrctlRetInt(unix.PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0)
	if err != nil {
		return Status{}, fmt.Errorf("%w: PR_GET_NO_NEW_PRIVS: %w", ErrStatus, err)
	}
	mode, err := unix.PrctlRetInt(unix.PR_GET_SECCOMP, 0, 0, 0, 0)
	if err != nil {
		return Status{}, fmt.Errorf("%w: PR_GET_SECCOMP: %w", ErrStatus, err)
	}
	return Status{NoNewPrivs: nnp == 1, SeccompMode: mode}, nil
}

func buildFilter() (*seccomp.ScmpFilter, error) {
	// API level 3 brings KILL_PROCESS; 2 already brings TSYNC, which
	// NewFilter requests but silently drops when unsupported.
	api, err := seccomp.GetAPI()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnsupported, err)
	}
	if api < 3 {
		return nil, fmt.Errorf("%w: libseccomp API level %d, need 3", ErrUnsupported, api)
	}
	filter, err := seccomp.NewFilter(seccomp.ActKillProcess)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFilter, err)
	}
	if err := addRules(filter); err != nil {
		filter.Release()
		return nil, fmt.Errorf("%w: %w", ErrFilter, err)
	}
	return filter, nil
}

func addRules(f *seccomp.ScmpFilter) error {
	// A foreign ABI (32-bit x86 on amd64, say) is not covered by the
	// policy: kill, like any unlisted syscall.
	if err := f.SetBadArchAction(seccomp.ActKillProcess); err != nil {
		return err
	}
	for _, name := range allowed {
		if err := rule(f, name, seccomp.ActAllow); err != nil {
			return err
		}
	}
	for _, d := range denied {
		act := seccomp.ActErrno.SetReturnCode(int16(d.errno))
		for _, name := range d.names {
			if err := rule(f, name, act); err != nil {
				return err
			}
		}
	}
	for _, opt := range allowedPrctl {
		if err := rule(f, "prctl", seccomp.ActAllow, onArg0(seccomp.CompareEqual, opt, 0)); err != nil {
			return err
		}
	}
	// Signals only to the process's own threads (Go preempts with tgkill).
	pid := uint64(os.Getpid())
	if err := rule(f, "tgkill", seccomp.ActAllow, onArg0(seccomp.CompareEqual, pid, 0)); err != nil {
		return err
	}
	if err := rule(f, "tgkill", seccomp.ActErrno.SetReturnCode(int16(unix.EPERM)), onArg0(seccomp.CompareNotEqual, pid, 0)); err != nil {
		return err
	}
	// clone may make threads, never processes; a thread with namespace
	// flags matches neither rule and kills.
	if err := rule(f, "clone", seccomp.ActAllow,
		onArg0(seccomp.CompareMaskedEqual, unix.CLONE_THREAD|cloneNamespaces, unix.CLONE_THREAD)); err != nil {
		return err
	}
	return rule(f, "clone", seccomp.ActErrno.SetReturnCode(int16(unix.EPERM)),
		onArg0(seccomp.CompareMaskedEqual, unix.CLONE_THREAD, 0))
}

// rule adds one rule; a name this architecture (or this libseccomp) does
// not know is skipped: nothing can call it, or the default kills it.
func rule(f *seccomp.ScmpFilter, name string, act seccomp.ScmpAction, conds ...seccomp.ScmpCondition) error {
	call, err := seccomp.GetSyscallFromName(name)
	if err != nil {
		return nil
	}
	if len(conds) == 0 {
		err = f.AddRule(call, act)
	} else {
		err = f.AddRuleConditional(call, act, conds)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// onArg0 compares a syscall's first argument: arg0 op a, or for
// CompareMaskedEqual, arg0 & a == b.
func onArg0(op seccomp.ScmpCompareOp, a, b uint64) seccomp.ScmpCondition {
	return seccomp.ScmpCondition{Argument: 0, Op: op, Operand1: a, Operand2: b}
}
