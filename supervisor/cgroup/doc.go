// Package cgroup owns the kernel resource limits of each isolate: it puts
// every sandbox-runner process in its own cgroup (v2, v1 or, when no
// hierarchy is writable, none), sets memory, CPU and pids limits, reads the
// kernel's own accounting (usage, peak, throttling, OOM kills, pressure),
// kills whole groups and removes them. The parent group (CGROUP_NAME) may be
// shared by several supervisors on a host: each owns a subtree (Sub) that it
// alone removes; Reap removes a subtree whose owner is gone (the isolate
// runtime decides that from its locks); the parent goes with the last one.
// The parsers read from a root directory, so they are tested on temp trees.
//
// On cgroup v2 the Manager delegates to itself the way container inits do:
// when its own cgroup holds processes and controllers must be enabled, it
// moves those processes into a "supervisor" leaf first ("no internal
// processes" rule). The same code runs inside a systemd unit with
// Delegate=yes; see symposium.service.example.
package cgroup
