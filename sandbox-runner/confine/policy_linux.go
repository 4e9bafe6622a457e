package confine

import "golang.org/x/sys/unix"

// The seccomp policy, in one place. Anything not named here kills the
// process (SECCOMP_RET_KILL_PROCESS). Names are resolved by libseccomp for
// the native architecture (amd64, arm64); a name that does not exist there
// (fork on arm64, say) is skipped.

// allowed is what the Go runtime, glibc's thread start (cgo links glibc's
// pthread_create) and a gRPC server on an already-listening unix socket need.
var allowed = []string{
	// memory
	"brk", "madvise", "mmap", "mprotect", "mremap", "munmap",
	// threads (clone is conditional, below)
	"arch_prctl", "exit", "exit_group", "futex", "gettid", "rseq",
	"sched_getaffinity", "sched_yield", "set_robust_list",
	// signals (tgkill is conditional, below)
	"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sigaltstack",
	// time and timers
	"clock_getres", "clock_gettime", "clock_nanosleep", "gettimeofday",
	"nanosleep", "restart_syscall", "setitimer",
	"timer_create", "timer_delete", "timer_gettime", "timer_settime",
	// I/O on descriptors the process already holds; pread64 is how the
	// runtime re-reads the cgroup CPU limit files it opened at start-up.
	"close", "fcntl", "fdatasync", "fstat", "fsync",
	"pread64", "read", "readv", "write", "writev",
	// the network poller
	"epoll_create1", "epoll_ctl", "epoll_pwait", "epoll_pwait2", "epoll_wait",
	"eventfd2",
	// serving on the listener the supervisor handed over
	"accept4", "getpeername", "getsockname", "getsockopt", "recvfrom",
	"recvmsg", "sendmsg", "sendto", "setsockopt", "shutdown",
	// identity and entropy
	"getegid", "geteuid", "getgid", "getpid", "getppid", "getrandom",
	"getuid", "uname",
}

// allowedPrctl are the prctl options allowed (argument 0); any other kills.
var allowedPrctl = []uint64{
	unix.PR_GET_NO_NEW_PRIVS, // Current
	unix.PR_GET_SECCOMP,      // Current
	unix.PR_SET_VMA,          // the runtime names its anonymous mappings
}

// cloneNamespaces are the clone flags that create namespaces; clone may not
// combine them with CLONE_THREAD. CLONE_NEWTIME shares its bit with the exit
// signal, which is why it is not here (it needs CAP_SYS_ADMIN anyway).
const cloneNamespaces = unix.CLONE_NEWCGROUP | unix.CLONE_NEWIPC | unix.CLONE_NEWNET |
	unix.CLONE_NEWNS | unix.CLONE_NEWPID | unix.CLONE_NEWUSER | unix.CLONE_NEWUTS

// A denial answers a named forbidden syscall with an errno instead of
// killing, so the selftest can report each in one process and a probing
// script cannot take the runner down.
type denial struct {
	errno unix.Errno
	names []string
}

var denied = []denial{
	// There is no file system once confined.
	{unix.EACCES, []string{
		"creat", "open", "openat", "openat2", "open_by_handle_at", "name_to_handle_at",
		"access", "faccessat", "faccessat2", "lstat", "newfstatat", "readlink",
		"readlinkat", "stat", "statfs", "statx",
		"chdir", "chmod", "chown", "fchmodat", "fchownat", "lchown", "link", "linkat",
		"mkdir", "mkdirat", "mknod", "mknodat", "rename", "renameat", "renameat2",
		"rmdir", "symlink", "symlinkat", "truncate", "unlink", "unlinkat", "utimensat",
	}},
	{unix.EPERM, []string{
		// no new programs or processes (clone without CLONE_THREAD is below)
		"execve", "execveat", "fork", "vfork",
		// no new sockets: the listener already exists
		"bind", "connect", "listen", "socket", "socketpair",
		// no reaching into or signalling other processes
		"kill", "tkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo",
		"pidfd_getfd", "pidfd_open", "pidfd_send_signal",
		"process_vm_readv", "process_vm_writev", "ptrace",
		// no mounts, namespaces or root changes
		"chroot", "fsconfig", "fsmount", "fsopen", "fspick", "mount", "mount_setattr",
		"move_mount", "open_tree", "pivot_root", "setns", "umount2", "unshare",
		// no identity changes
		"capset", "setfsgid", "setfsuid", "setgid", "setgroups", "setregid",
		"setresgid", "setresuid", "setreuid", "setuid",
		// kernel attack surface
		"add_key", "bpf", "io_uring_enter", "io_uring_register", "io_uring_setup",
		"keyctl", "perf_event_open", "request_key", "userfaultfd",
		// machine administration
		"adjtimex", "clock_adjtime", "clock_settime", "delete_module", "finit_module",
		"init_module", "ioperm", "iopl", "kexec_file_load", "kexec_load", "reboot",
		"setdomainname", "sethostname", "settimeofday", "swapoff", "swapon", "syslog",
	}},
	// No descriptor the runner holds is a terminal; esbuild's Transform (the
	// syntax lowering) asks whether stderr is one on every call.
	{unix.ENOTTY, []string{"ioctl"}},
	// glibc's pthread_create tries clone3 first and falls back to clone on
	// ENOSYS; clone3 passes its flags in memory, which seccomp cannot read.
	{unix.ENOSYS, []string{"clone3"}},
}
