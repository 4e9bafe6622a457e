// Package cgroup owns the kernel resource limits of each isolate: it puts
// every sandbox-runner process in its own cgroup (v2, v1 or, when no
// hierarchy is writable, none), sets memory, CPU and pids limits, reads the
// kernel's own accounting (usage, peak, throttling, OOM kills, pressure),
// kills whole groups and removes them, including groups left behind by a
// crashed run.
//
// On cgroup v2 the Manager delegates to itself the way container inits do:
// when its own cgroup holds processes and controllers must be enabled, it
// moves those processes into a "supervisor" leaf first ("no internal
// processes" rule). The same code runs inside a systemd unit with
// Delegate=yes; see symposium.service.example.
package cgroup
