package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strconv"
	"syscall"

	hclog "github.com/hashicorp/go-hclog"
	plugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/symposium/symposium/ipc"
	"github.com/symposium/symposium/sandbox-runner/confine"
	"github.com/symposium/symposium/sandbox-runner/selftest"
)

// Environment set by the supervisor.
const (
	envGateFD      = "SYMPOSIUM_GATE_FD"      // fd to read one byte from before doing anything (cgroup v1 attach)
	envMemoryLimit = "SYMPOSIUM_MEMORY_LIMIT" // the cgroup memory limit in bytes
)

func main() {
	waitForGate()
	setMemoryLimit()
	if len(os.Args) > 1 && os.Args[1] == "selftest" {
		if len(os.Args) > 2 && os.Args[2] == "--trip" {
			trip()
		}
		os.Exit(runSelftest(os.Stdout))
	}
	serve()
}

// waitForGate blocks until the supervisor has put this process into its
// cgroup. cgroup v1 has no CLONE_INTO_CGROUP, so the supervisor starts us,
// attaches us, then writes one byte.
func waitForGate() {
	s := os.Getenv(envGateFD)
	if s == "" {
		return
	}
	fd, err := strconv.Atoi(s)
	if err != nil {
		fatal("bad %s: %v", envGateFD, err)
	}
	f := os.NewFile(uintptr(fd), "gate")
	var b [1]byte
	if _, err := io.ReadFull(f, b[:]); err != nil || b[0] != 1 {
		// The supervisor closed the gate without releasing us: it gave up.
		os.Exit(3)
	}
	_ = f.Close()
}

// setMemoryLimit keeps the Go heap below the cgroup limit so the collector
// works hard before the kernel's OOM killer has to step in.
func setMemoryLimit() {
	limit, err := strconv.ParseInt(os.Getenv(envMemoryLimit), 10, 64)
	if err != nil || limit <= 0 {
		return
	}
	debug.SetMemoryLimit(limit * 3 / 4)
}

func serve() {
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig: ipc.Handshake,
		Plugins:         ipc.Plugins(watchHeap(newExecutor(), memoryLimit())), // memwatch.go
		Logger:          hclog.NewNullLogger(),
		// go-plugin calls this after it has created the listener and its
		// stdio pipes and before it announces itself: the last moment at
		// which the runner still needs the file system, and the first at
		// which no request can have arrived.
		GRPCServer: func(opts []grpc.ServerOption) *grpc.Server {
			if err := confine.Apply(confine.Options{}); err != nil {
				fatal("confine: %v", err)
			}
			// A few standing workers serve requests instead of a new
			// goroutine per call.
			return grpc.NewServer(append(opts, grpc.NumStreamWorkers(4))...)
		},
	})
}

// runSelftest confines the process exactly as in service, then tries each
// forbidden thing and prints the report. Exit 0 only if all were denied.
func runSelftest(w io.Writer) int {
	if err := confine.Apply(confine.Options{}); err != nil {
		fatal("confine: %v", err)
	}
	r := selftest.Run()
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		fmt.Fprintf(os.Stderr, "sandbox-runner: writing the report: %v\n", err)
		return 1
	}
	if !r.AllDenied {
		return 1
	}
	return 0
}

// trip confines the process and then makes a system call that is on no
// list (acct), so the filter's default action must kill it with SIGSYS. The
// supervisor uses it to prove that a seccomp kill is seen and classified.
func trip() {
	if err := confine.Apply(confine.Options{}); err != nil {
		fatal("confine: %v", err)
	}
	_, _, errno := syscall.RawSyscall(syscall.SYS_ACCT, 0, 0, 0)
	fatal("acct returned %v instead of the process being killed", errno)
}

func fatal(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "sandbox-runner: "+format+"\n", args...)
	os.Exit(2)
}
