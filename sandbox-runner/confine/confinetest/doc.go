// Package confinetest helps tests that confine a process: it re-executes
// the test binary the way the supervisor starts a runner (as nobody,
// optionally in the runner's namespaces), so the confinement is applied to
// a child and judged from outside.
package confinetest
