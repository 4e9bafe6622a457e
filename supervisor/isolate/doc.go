// Package isolate is the isolate runtime: it starts sandbox-runner
// processes confined in namespaces and a cgroup of their own, speaks to them
// through ipc, classifies how an execution ended from what the kernel says
// (exit signal, OOM counter), keeps an adaptive pool of pre-started runners
// and the table of one isolate per content block, bounded by MAX_ISOLATES
// with least-recently-used eviction. It owns one instance's run directory
// and cgroup subtree (an flock shows it is alive; dead instances' litter is
// reaped), samples the kernel's figures once for every reader, and reports
// whether it can start runners. Blocks themselves (names, persistence) are
// the block service's, above it.
package isolate
