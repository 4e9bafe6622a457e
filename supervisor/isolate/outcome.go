package isolate

import "regexp"

// Kind says how an execution ended. Outcomes caused by the block's own code
// are data, not Go errors: the API answers them with 200 and success=false.
type Kind string

const (
	KindOK      Kind = "ok"
	KindScript  Kind = "script"  // the script threw
	KindTimeout Kind = "timeout" // the deadline interrupted it, or the supervisor killed it
	KindOOM     Kind = "oom"     // the kernel's OOM killer ended the runner (cgroup counter)
	KindSeccomp Kind = "seccomp" // the runner was killed by SIGSYS
	KindCrash   Kind = "crash"   // the runner died for any other reason
)

// blockID is what every storage backend accepts as a block id.
var blockID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// ValidBlockID reports whether id may name a block: 1-64 letters, digits,
// '_' or '-'. The API and the live socket both check it.
func ValidBlockID(id string) bool { return blockID.MatchString(id) }

// Code is a content block's source.
type Code struct {
	HTML       string `json:"html"`
	CSS        string `json:"css"`
	JavaScript string `json:"javascript"`
}

// Log is one console entry.
type Log struct {
	Level   string `json:"level"`
	Message string `json:"message"`
}

// Result is what one execution produced.
type Result struct {
	BlockID  string
	HTML     string
	CSS      string
	Logs     []Log
	Kind     Kind
	Message  string // human-readable message for a non-OK kind
	Stack    string
	Duration float64 // milliseconds, end to end in the supervisor
	PID      int
	Memory   uint64 // cgroup memory.current after the execution, bytes
	CPUMicro uint64 // cgroup CPU usage so far, microseconds
}

// OK reports whether the block ran to completion.
func (r *Result) OK() bool { return r.Kind == KindOK }
