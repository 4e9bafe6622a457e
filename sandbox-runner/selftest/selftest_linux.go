package selftest

import (
	"errors"
	"os"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/symposium/symposium/sandbox-runner/confine"
)

// probe is one forbidden thing: try returns the errno it got (0 on success)
// and undoes whatever a success did.
type probe struct {
	name   string
	want   unix.Errno // what the seccomp filter answers
	detail string     // what is tried, and what the kernel alone would say
	try    func() unix.Errno
}

var probes = []probe{
	{"exec", unix.EPERM, "execve(/bin/true) with an unmapped argv: without the filter EFAULT, so the process can never be replaced", tryExec},
	{"fork", unix.EPERM, "clone(SIGCHLD), a plain fork: without the filter the child exits at once", tryFork},
	{"clone3", unix.ENOSYS, "clone3(NULL, 0): without the filter EINVAL", tryClone3},
	{"socket AF_INET", unix.EPERM, "socket(AF_INET, SOCK_STREAM)", trySocket(unix.AF_INET)},
	{"socket AF_UNIX", unix.EPERM, "socket(AF_UNIX, SOCK_STREAM)", trySocket(unix.AF_UNIX)},
	{"connect", unix.EPERM, "connect(-1, 127.0.0.1:80): without the filter EBADF", tryConnect},
	{"open read", unix.EACCES, "openat(/etc/passwd, O_RDONLY)", tryOpenRead},
	{"open write", unix.EACCES, "openat(" + writePath + ", O_WRONLY|O_CREAT)", tryOpenWrite},
	{"ptrace", unix.EPERM, "ptrace(PTRACE_ATTACH, parent)", tryPtrace},
	{"mount", unix.EPERM, "mount(tmpfs, /tmp)", tryMount},
	{"setuid", unix.EPERM, "setuid(0)", trySetuid},
	{"unshare", unix.EPERM, "unshare(CLONE_NEWUSER): without the filter EINVAL in a threaded process", tryUnshare},
	{"kill", unix.EPERM, "kill(1, 0)", tryKill},
}

// Run tries each forbidden thing; the caller must have applied confine.
func Run() Report {
	var r Report
	if s, err := confine.Current(); err == nil {
		r.NoNewPrivs, r.SeccompMode = s.NoNewPrivs, s.SeccompMode
	}
	r.UID = os.Getuid()
	r.AllDenied = true
	for _, p := range probes {
		a := Attempt{Name: p.name, Detail: p.detail}
		got := p.try()
		if got != 0 {
			a.Errno = unix.ErrnoName(got)
		}
		a.Denied = got == p.want
		if !a.Denied {
			a.Detail += "; want " + unix.ErrnoName(p.want)
			r.AllDenied = false
		}
		r.Attempts = append(r.Attempts, a)
	}
	return r
}

func errnoOf(err error) unix.Errno {
	var e unix.Errno
	if errors.As(err, &e) {
		return e
	}
	return 0
}

func tryExec() unix.Errno {
	path, err := unix.BytePtrFromString("/bin/true")
	if err != nil {
		return unix.EINVAL
	}
	// Address 8 is never mapped: the kernel fails the argv copy before
	// the point of no return.
	_, _, e := unix.RawSyscall(unix.SYS_EXECVE, uintptr(unsafe.Pointer(path)), 8, 0)
	return e
}

// tryFork forks; a child exits at once without touching the Go runtime
// (nosplit, raw syscalls only, like syscall.forkAndExecInChild) and stays a
// zombie until this process exits.
//
//go:nosplit
//go:norace
func tryFork() unix.Errno {
	pid, _, e := syscall.RawSyscall6(syscall.SYS_CLONE, uintptr(syscall.SIGCHLD), 0, 0, 0, 0, 0)
	if e == 0 && pid == 0 {
		syscall.RawSyscall(syscall.SYS_EXIT_GROUP, 0, 0, 0)
	}
	return unix.Errno(e)
}

func tryClone3() unix.Errno {
	_, _, e := unix.RawSyscall(unix.SYS_CLONE3, 0, 0, 0)
	return e
}

func trySocket(domain int) func() unix.Errno {
	return func() unix.Errno {
		fd, err := unix.Socket(domain, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		if err == nil {
			_ = unix.Close(fd)
		}
		return errnoOf(err)
	}
}

func tryConnect() unix.Errno {
	return errnoOf(unix.Connect(-1, &unix.SockaddrInet4{Port: 80, Addr: [4]byte{127, 0, 0, 1}}))
}

func tryOpenRead() unix.Errno {
	fd, err := unix.Openat(unix.AT_FDCWD, "/etc/passwd", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err == nil {
		_ = unix.Close(fd)
	}
	return errnoOf(err)
}

const writePath = "/tmp/symposium-selftest"

func tryOpenWrite() unix.Errno {
	fd, err := unix.Openat(unix.AT_FDCWD, writePath, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_CLOEXEC, 0o600)
	if err == nil {
		_ = unix.Close(fd)
		_ = unix.Unlink(writePath)
	}
	return errnoOf(err)
}

func tryPtrace() unix.Errno {
	ppid := unix.Getppid()
	err := unix.PtraceAttach(ppid)
	if err == nil {
		_ = unix.PtraceDetach(ppid)
	}
	return errnoOf(err)
}

func tryMount() unix.Errno {
	err := unix.Mount("tmpfs", "/tmp", "tmpfs", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "size=1m")
	if err == nil {
		_ = unix.Unmount("/tmp", unix.MNT_DETACH)
	}
	return errnoOf(err)
}

func trySetuid() unix.Errno {
	// Raw: the libc/AllThreadsSyscall wrappers would try every thread.
	_, _, e := unix.RawSyscall(unix.SYS_SETUID, 0, 0, 0)
	return e
}

func tryUnshare() unix.Errno {
	return errnoOf(unix.Unshare(unix.CLONE_NEWUSER))
}

func tryKill() unix.Errno {
	return errnoOf(unix.Kill(1, 0))
}
