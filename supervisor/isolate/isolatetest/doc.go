// Package isolatetest helps tests and benchmarks that need real isolates:
// it builds the sandbox-runner binary where an unprivileged runner can
// execute it, and says when the machine cannot run isolates at all.
package isolatetest
