// Package bench holds Symposium's end-to-end benchmarks (`make bench`): the
// real supervisor binary serving HTTP on loopback, the real runner in its
// namespaces, cgroup and seccomp filter, driven by an HTTP client with the
// reference blocks from ../../sandbox-runner/engine/testdata/bench-blocks.
// The in-process floor (goja running the same DOM code) is the engine
// package's own benchmark, run in the same `make bench`.
package bench
