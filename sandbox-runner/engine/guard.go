package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
)

// ErrHeapLimit is the cancellation cause the runner's heap watch gives the
// Execute context when the heap passes its soft limit: Execute then ends as
// OutOfMemory instead of TimedOut.
var ErrHeapLimit = errors.New("the runner's heap passed its soft limit")

// maxPanicStack bounds the Go stack a recovered panic writes to the log.
const maxPanicStack = 4 << 10

// panicLog receives the Go stack of a recovered panic. In the runner,
// stderr is the isolate's channel into the supervisor's log (go-plugin
// copies it line by line), and the engine runs nowhere else.
var panicLog io.Writer = os.Stderr

// Execute runs b in a fresh runtime until its event loop is idle, the script
// fails, or ctx ends. A Go panic below it (goja, the DOM, the engine's own
// natives) ends the execution as a script error rather than the process:
// the runtime it broke is discarded with the execution, and the Go stack
// goes to the log, not to the script.
func Execute(ctx context.Context, b Block, opts Options) (res Result) {
	defer func() {
		if r := recover(); r != nil {
			res = panicResult(ctx, b, r, debug.Stack())
		}
	}()
	return executeUnguarded(ctx, b, opts)
}

// panicResult is the answer for an execution a Go panic ended. What the
// script logged before is lost with its runtime; the message says so.
func panicResult(ctx context.Context, b Block, r any, stack []byte) Result {
	// One line: the supervisor logs each line of a runner's stderr as an
	// entry, and a block that trips the same fault on every run must not
	// write fifty entries a time.
	one := strings.NewReplacer("\n\t", " ", "\n", " | ").Replace(strings.TrimSpace(string(stack)))
	if len(one) > maxPanicStack {
		one = one[:maxPanicStack] + " ..."
	}
	fmt.Fprintf(panicLog, "sandbox-runner: recovered panic in engine: %v; stack: %s\n", r, one)
	res := Result{CSS: b.CSS}
	if overHeapLimit(ctx) {
		res.OutOfMemory = true
		return res
	}
	res.Error = &ScriptError{
		Message: fmt.Sprintf("InternalError: the JavaScript engine failed while running this script (%v); the run was stopped and its output discarded", r),
	}
	return res
}

// overHeapLimit reports whether ctx ended because of the heap watch.
func overHeapLimit(ctx context.Context) bool {
	return errors.Is(context.Cause(ctx), ErrHeapLimit)
}
