package selftest

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/symposium/symposium/sandbox-runner/confine"
	"github.com/symposium/symposium/sandbox-runner/confine/confinetest"
)

// The tests re-execute this test binary as the supervisor starts the
// runner: uid/gid 65534, optionally in fresh namespaces. The child runs the
// selftest, confined or not, and prints the report as JSON.
const (
	childEnv = "SELFTEST_TEST_CHILD"
	nobody   = confinetest.Nobody
)

func TestMain(m *testing.M) {
	if mode := os.Getenv(childEnv); mode != "" {
		if mode == "confined" {
			if err := confine.Apply(confine.Options{}); err != nil {
				fmt.Fprintln(os.Stderr, "child:", err)
				os.Exit(2)
			}
		}
		if err := json.NewEncoder(os.Stdout).Encode(Run()); err != nil {
			os.Exit(2)
		}
		os.Exit(0)
	}
	code := m.Run()
	children.Cleanup()
	os.Exit(code)
}

var children = &confinetest.Children{Env: childEnv}

func requireRoot(t *testing.T) { confinetest.RequireRoot(t) }

// runChild runs the selftest in a child as nobody and returns its report.
func runChild(t *testing.T, mode string, cloneflags uintptr) Report {
	t.Helper()
	cmd := children.Command(t, t.Context(), mode, cloneflags)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("child: %v, stderr %q", err, stderr.String())
	}
	var r Report
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("report %q: %v", out, err)
	}
	return r
}

const runnerNamespaces = confinetest.Namespaces

// wantErrno is, per attempt, the errno the seccomp filter must answer.
var wantErrno = map[string]string{
	"exec":           "EPERM",
	"fork":           "EPERM",
	"clone3":         "ENOSYS",
	"socket AF_INET": "EPERM",
	"socket AF_UNIX": "EPERM",
	"connect":        "EPERM",
	"open read":      "EACCES",
	"open write":     "EACCES",
	"ptrace":         "EPERM",
	"mount":          "EPERM",
	"setuid":         "EPERM",
	"unshare":        "EPERM",
	"kill":           "EPERM",
}

// TestConfinedSelftest: confined, every forbidden thing is answered with the
// filter's errno, in one surviving process, as the runner will be started.
func TestConfinedSelftest(t *testing.T) {
	requireRoot(t)
	for _, s := range []struct {
		name  string
		flags uintptr
	}{{"nobody", 0}, {"nobody+namespaces", runnerNamespaces}} {
		t.Run(s.name, func(t *testing.T) {
			r := runChild(t, "confined", s.flags)
			if !r.NoNewPrivs || r.SeccompMode != confine.SeccompModeFilter || r.UID != nobody {
				t.Errorf("noNewPrivs %v seccompMode %d uid %d, want true 2 %d", r.NoNewPrivs, r.SeccompMode, r.UID, nobody)
			}
			if len(r.Attempts) != len(wantErrno) {
				t.Errorf("%d attempts, want %d", len(r.Attempts), len(wantErrno))
			}
			for _, a := range r.Attempts {
				want, ok := wantErrno[a.Name]
				if !ok {
					t.Errorf("unexpected attempt %q", a.Name)
				}
				if !a.Denied || a.Errno != want {
					t.Errorf("%s: denied %v errno %q, want %s (%s)", a.Name, a.Denied, a.Errno, want, a.Detail)
				}
			}
			if !r.AllDenied {
				t.Error("allDenied false")
			}
		})
	}
}

// kernelEPERM are the attempts the kernel itself refuses to nobody with
// the same errno as the filter (no capabilities).
var kernelEPERM = map[string]bool{"mount": true, "setuid": true}

// TestUnconfinedControl: without confine, the same attempts succeed or fail
// with another errno, so the denials above are the filter's doing.
func TestUnconfinedControl(t *testing.T) {
	requireRoot(t)
	r := runChild(t, "unconfined", runnerNamespaces)
	if r.NoNewPrivs || r.SeccompMode != 0 {
		t.Fatalf("control child is confined: %+v", r)
	}
	for _, a := range r.Attempts {
		if a.Denied != kernelEPERM[a.Name] {
			t.Errorf("%s unconfined: denied %v errno %q", a.Name, a.Denied, a.Errno)
		}
		t.Logf("%s unconfined: errno %q", a.Name, a.Errno)
	}
	if r.AllDenied {
		t.Error("allDenied true without confinement")
	}
}
