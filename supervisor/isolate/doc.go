// Package isolate owns the lifecycle of sandbox-runner processes: starting a
// runner confined in namespaces and a cgroup of its own, speaking to it over
// go-plugin gRPC, classifying how an execution ended from what the kernel
// says (exit signal, OOM counter), keeping a pool of pre-started runners, and
// the table of one isolate per content block with its capacity and idle
// limits.
package isolate
