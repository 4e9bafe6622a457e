package isolate

import "github.com/symposium/symposium/ipc"

// Kind says how an execution ended. Outcomes caused by the block's own code
// are data, not Go errors: the API answers them with 200 and success=false.
type Kind string

const (
	KindOK      Kind = "ok"
	KindScript  Kind = "script"  // the script threw
	KindTimeout Kind = "timeout" // the deadline interrupted it, or the supervisor killed it
	KindOOM     Kind = "oom"     // the kernel's OOM killer ended the runner, or its heap watch stopped the script
	KindSeccomp Kind = "seccomp" // the runner was killed by SIGSYS
	KindCrash   Kind = "crash"   // the runner died for any other reason
	// KindOutputTooLarge: the output passed a size limit; the block
	// service decides it (the runtime never does), so it is not in Kinds.
	KindOutputTooLarge Kind = "output_too_large"
)

// Kinds lists every outcome, in a stable order (metrics, tests).
var Kinds = []Kind{KindOK, KindScript, KindTimeout, KindOOM, KindSeccomp, KindCrash}

// Code is a content block's source: the one host-side type, shared with ipc.
type Code = ipc.Code

// Log is one console entry: the one host-side type, shared with ipc.
type Log = ipc.Log

// Result is what one execution produced: the one host-side result type,
// which the block service stores and every transport answers.
type Result struct {
	BlockID  string
	HTML     string
	CSS      string
	Logs     []Log
	Notices  []string // what an author needs to know that a browser would not say
	Kind     Kind
	Message  string // human-readable message for a non-OK kind
	Stack    string
	Duration float64 // milliseconds, end to end in the supervisor
	PID      int
	Memory   uint64 // cgroup memory.current after the execution, bytes
	CPUMicro uint64 // cgroup CPU usage so far, microseconds
	// Page is the sanitised document for the output, built once by the
	// block service's renderer and stored with it; empty without one.
	Page    string
	Removed []Removal // what the sanitiser took out of HTML to build Page
}

// Removal is one kind of markup the output page's sanitiser removed.
type Removal struct {
	What  string `json:"what"`
	Count int    `json:"count"`
	Why   string `json:"why"`
}

// OK reports whether the block ran to completion.
func (r *Result) OK() bool { return r.Kind == KindOK }
