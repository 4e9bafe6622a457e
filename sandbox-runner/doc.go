// Command sandbox-runner is one Symposium isolate: a go-plugin gRPC plugin
// process that the supervisor starts in fresh namespaces and a cgroup of its
// own, as an unprivileged user. Before it serves any request it confines
// itself (no_new_privs, rlimits, a seccomp allowlist), then runs each content
// block in a fresh JavaScript runtime.
//
// Usage:
//
//	sandbox-runner            serve (only when started by the supervisor)
//	sandbox-runner selftest   confine as in service, try each forbidden thing, print a JSON report
//	sandbox-runner selftest --trip   confine, then make an unlisted system call: the kernel must kill it (SIGSYS)
//
// It links no web, database or cloud code: the supervisor owns all of that.
package main
