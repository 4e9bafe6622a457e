// Package confine makes the sandbox-runner confine itself before any user
// code runs: no_new_privs, tight rlimits and a seccomp filter, loaded on every
// thread at once (TSYNC). Once confined the process can keep serving gRPC on
// sockets it already holds and nothing else: there is no file system, no new
// process, no new socket and no privilege change.
//
// The filter's default action kills the process. Named dangerous syscalls
// return EPERM (EACCES for the file system, ENOSYS for clone3) instead, so a
// probe reports them and the runner survives it. The whole policy lives in
// policy_linux.go.
//
// This is the only cgo in the project (libseccomp; build needs
// libseccomp-dev).
package confine
