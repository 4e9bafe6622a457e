// Package selftest proves, from inside a confined sandbox-runner, that the
// confinement holds: it tries each forbidden thing (exec, fork, sockets,
// file opens, ptrace, mount, setuid, namespaces, signals) and reports the
// errno the seccomp filter answered with. Each attempt is built so that the
// kernel alone would answer differently (success, EFAULT, EBADF, EINVAL,
// ESRCH), so a denial is the filter's doing, and so that a success undoes
// itself and can never replace the process (exec gets an unmapped argv).
// Only mount and setuid would also get EPERM from the kernel, the runner
// having no capabilities; the filter answers them first all the same.
package selftest
