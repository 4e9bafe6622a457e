// Package isolate is the isolate runtime: it starts sandbox-runner
// processes confined in namespaces and a cgroup of their own, speaks to them
// through ipc, classifies how an execution ended from what the kernel says
// (exit signal, OOM counter), keeps an adaptive pool of pre-started runners
// and the table of one isolate per content block, bounded by MAX_ISOLATES
// with least-recently-used eviction. It also keeps live sessions (session.go:
// a block's page kept alive in its isolate, driven by events and timer
// ticks), which pin their isolate against the idle reaper and, where it can
// choose, against eviction, and end with it. It owns one instance's run directory
// and cgroup subtree (an flock shows it is alive; dead instances' litter is
// reaped), samples the kernel's figures once for every reader, and reports
// whether it can start runners. Blocks themselves (names, persistence) are
// the block service's, above it.
package isolate
