package cgroup

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
)

// inGuest is set by guesttest's init: we run in the root of a private
// cgroup namespace on a pure cgroup v2 kernel, next to an idle sibling
// process, as under docker run --privileged --cgroupns=private.
func inGuest() bool { return os.Getenv("SYMPOSIUM_IN_GUEST") == "1" }

// TestSelfDelegation: New moved every process of the namespace root into
// the supervisor leaf and enabled the controllers for the isolates.
func TestSelfDelegation(t *testing.T) {
	if !inGuest() {
		t.Skip("needs the cgroup v2 guest (supervisor/cgroup/guesttest/run.sh)")
	}
	m := newManager(t)
	if d := m.Detection(); d.Mode != ModeV2 || d.Layout != "unified" {
		t.Fatalf("detection %+v, want v2 on a unified layout", d)
	}
	const root = "/sys/fs/cgroup" // the namespace root, our own cgroup
	if p, err := procs(root); err != nil || len(p) != 0 {
		t.Fatalf("namespace root still holds %v (%v)", p, err)
	}
	leaf, err := procs(filepath.Join(root, supervisorLeaf))
	if err != nil {
		t.Fatal(err)
	}
	sibling, _ := strconv.Atoi(os.Getenv("SYMPOSIUM_GUEST_SIBLING_PID"))
	if !slices.Contains(leaf, os.Getpid()) || !slices.Contains(leaf, sibling) {
		t.Fatalf("supervisor leaf holds %v, want us (%d) and the sibling (%d)", leaf, os.Getpid(), sibling)
	}
	for _, d := range []string{root, parentDirs(m)[0]} {
		if !hasControllers(filepath.Join(d, "cgroup.subtree_control")) {
			b, _ := os.ReadFile(filepath.Join(d, "cgroup.subtree_control"))
			t.Fatalf("%s/cgroup.subtree_control = %q, want memory cpu pids", d, b)
		}
	}
	// A second Manager (another name) reuses the delegation instead of
	// nesting another leaf.
	m2, err := New(WithName(testName(t) + "-2"))
	if err != nil {
		t.Fatal(err)
	}
	defer m2.Close()
	if got, want := filepath.Dir(parentDirs(m2)[0]), root; got != want {
		t.Fatalf("second manager's parent under %s, want %s", got, want)
	}
}
