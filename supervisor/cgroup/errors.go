package cgroup

import "errors"

var (
	// ErrNoCgroups is returned by groups created when no cgroup hierarchy is
	// writable: the isolate runs, but without kernel limits or figures.
	ErrNoCgroups = errors.New("cgroup: no writable cgroup hierarchy, isolates run without kernel limits")
	// ErrInvalidID is returned for group ids or manager names that are not a
	// single safe path segment.
	ErrInvalidID = errors.New("cgroup: invalid id")
	// ErrExists is returned when a group with the same id is still live.
	ErrExists = errors.New("cgroup: group already exists")
	// ErrClosed is returned by Create after Close.
	ErrClosed = errors.New("cgroup: manager closed")
	// ErrNotEmpty is returned when processes are still in a group after
	// the bounded wait that follows a kill.
	ErrNotEmpty = errors.New("cgroup: processes remain in group after kill")
)
