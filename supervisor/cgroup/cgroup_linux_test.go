package cgroup

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

const mib = 1 << 20

// skipOrFail skips when the machine truly lacks what the test needs, but
// fails under CI=true, where a skip would hide a broken setup.
func skipOrFail(t *testing.T, why string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s (CI=true: not skipping)", why)
	}
	t.Skip(why)
}

var nonWord = regexp.MustCompile(`[^A-Za-z0-9]+`)

// testName is unique per test and process so that parallel runs, other
// engineers' tests and a running server never share a parent group.
func testName(t *testing.T) string {
	return fmt.Sprintf("symposium-test-%s-%d", nonWord.ReplaceAllString(t.Name(), "-"), os.Getpid())
}

func newManager(t *testing.T, opts ...Option) *Manager {
	t.Helper()
	if os.Geteuid() != 0 {
		skipOrFail(t, "cgroup tests need root")
	}
	opts = append([]Option{WithName(testName(t)), WithLogger(slog.New(slog.NewTextHandler(t.Output(), nil)))}, opts...)
	m, err := New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	if d := m.Detection(); d.Mode == ModeNone {
		skipOrFail(t, "no writable cgroup hierarchy: "+d.Reason)
	}
	parents := parentDirs(m)
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		for _, d := range parents {
			if _, err := os.Stat(d); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("parent group %s still there after Close (stat: %v)", d, err)
			}
		}
	})
	return m
}

func parentDirs(m *Manager) []string {
	switch b := m.be.(type) {
	case *v1:
		return b.dirs()
	case *v2:
		return []string{b.parent}
	}
	return nil
}

func groupDirs(g *Group) []string {
	switch i := g.impl.(type) {
	case *v1Group:
		return i.dirs()
	case *v2Group:
		return []string{i.dir}
	}
	return nil
}

// kernelFile is the path of one interface file of g (controller is
// ignored on v2).
func kernelFile(g *Group, controller, name string) string {
	switch i := g.impl.(type) {
	case *v1Group:
		return i.file(controller, name)
	case *v2Group:
		return i.file(name)
	}
	return ""
}

func mustStats(t *testing.T, g *Group) Stats {
	t.Helper()
	s, err := g.Stats()
	if err != nil {
		t.Fatalf("Stats: %v", err)
	}
	return s
}

func TestDetection(t *testing.T) {
	m := newManager(t)
	d := m.Detection()
	if !d.Writable || (d.Mode != ModeV1 && d.Mode != ModeV2) {
		t.Fatalf("detection %+v", d)
	}
	if inGuest() && d.Mode != ModeV2 {
		t.Fatalf("detection %+v: the guest kernel has cgroup v2 only", d)
	}
	if !slices.Contains([]string{"unified", "hybrid", "legacy"}, d.Layout) {
		t.Fatalf("layout %q", d.Layout)
	}
	for _, p := range parentDirs(m) {
		if _, err := os.Stat(filepath.Join(p, "cgroup.procs")); err != nil {
			t.Fatalf("parent group missing: %v", err)
		}
	}
	t.Logf("detection: %+v", d)
}

func TestIDs(t *testing.T) {
	m := newManager(t)
	for _, id := range []string{"", "..", "a/b", "memory.max", "x y"} {
		if _, err := m.Create(id, Limits{}); !errors.Is(err, ErrInvalidID) {
			t.Errorf("Create(%q) = %v, want ErrInvalidID", id, err)
		}
	}
	if _, err := m.Create("dup", Limits{}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Create("dup", Limits{}); !errors.Is(err, ErrExists) {
		t.Fatalf("second Create = %v, want ErrExists", err)
	}
	if _, err := New(WithName(supervisorLeaf)); !errors.Is(err, ErrInvalidID) {
		t.Fatalf("New(WithName(supervisor)) = %v, want ErrInvalidID", err)
	}
}

// TestChildLandsInGroup: the child is in the group per /proc/<pid>/cgroup;
// on v2 it got there at clone time through the group's fd.
func TestChildLandsInGroup(t *testing.T) {
	m := newManager(t)
	g, err := m.Create("lands", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	_, hasFD := g.FD()
	if hasFD != (m.Detection().Mode == ModeV2) {
		t.Fatalf("FD available = %t in mode %s", hasFD, m.Detection().Mode)
	}
	c := startChild(t, g, "idle", "")
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", c.cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	want := ":memory:" + g.Path() + "\n"
	if m.Detection().Mode == ModeV2 {
		want = "0::" + g.Path() + "\n"
	}
	if !strings.Contains(string(b), want) {
		t.Fatalf("/proc/pid/cgroup = %q, want a line %q", b, want)
	}
	pids, err := procs(groupDirs(g)[0])
	if err != nil || !slices.Contains(pids, c.cmd.Process.Pid) {
		t.Fatalf("cgroup.procs = %v (%v), want pid %d", pids, err, c.cmd.Process.Pid)
	}
}

func TestMemoryLimitOOMKill(t *testing.T) {
	m := newManager(t)
	const limit = 64 * mib
	g, err := m.Create("oom", Limits{MemoryBytes: limit})
	if err != nil {
		t.Fatal(err)
	}
	c := startChild(t, g, "hog", "")
	c.release()
	err = c.wait()
	if sig, ok := killedBy(err); !ok || sig != syscall.SIGKILL {
		t.Fatalf("hog ended with %v, want SIGKILL by the OOM killer", err)
	}
	n, err := g.OOMKills()
	if err != nil || n != 1 {
		t.Fatalf("OOMKills = %d, %v; want 1", n, err)
	}
	s := mustStats(t, g)
	if s.OOMKills != 1 || s.MemoryLimit != limit {
		t.Fatalf("stats %+v: want OOMKills 1, MemoryLimit %d", s, limit)
	}
	// The charge that tips a group over its limit is counted in the peak
	// before the OOM kill, so the peak may pass the limit by a few pages.
	if s.MemoryPeak < limit*9/10 || s.MemoryPeak > limit+1<<20 {
		t.Fatalf("MemoryPeak %d, want close to the %d limit", s.MemoryPeak, limit)
	}
}

func TestCPUQuota(t *testing.T) {
	m := newManager(t)
	const cores = 0.2
	g, err := m.Create("cpu", Limits{CPU: cores})
	if err != nil {
		t.Fatal(err)
	}
	c := startChild(t, g, "spin", "")
	c.release()
	c.expect("ready")
	time.Sleep(300 * time.Millisecond) // let the spinners settle into the quota
	s0, t0 := mustStats(t, g), time.Now()
	time.Sleep(2 * time.Second)
	s1, t1 := mustStats(t, g), time.Now()
	used := float64(s1.CPUUsageUsec-s0.CPUUsageUsec) / float64(t1.Sub(t0).Microseconds())
	t.Logf("CPU used %.3f cores with a %.2f quota; throttled %d periods, %d us", used, cores, s1.ThrottledPeriods, s1.ThrottledUsec)
	if used < cores*0.85 || used > cores*1.15 {
		t.Fatalf("CPU used %.3f cores, want %.2f within 15%%", used, cores)
	}
	if s1.ThrottledPeriods == 0 || s1.ThrottledUsec == 0 {
		t.Fatalf("no throttling recorded: %+v", s1)
	}
	if s1.CPUUserUsec == 0 {
		t.Fatalf("no user CPU recorded: %+v", s1)
	}
}

func TestPidsLimit(t *testing.T) {
	m := newManager(t)
	g, err := m.Create("pids", Limits{Pids: 8})
	if err != nil {
		t.Fatal(err)
	}
	c := startChild(t, g, "bomb", "")
	c.release()
	line := c.expect("EAGAIN after")
	s := mustStats(t, g)
	t.Logf("%s; pids.current %d", line, s.PidsCurrent)
	if s.PidsLimit != 8 || s.PidsCurrent > 8 || s.PidsCurrent < 2 {
		t.Fatalf("PidsLimit %d PidsCurrent %d, want limit 8 and the group full", s.PidsLimit, s.PidsCurrent)
	}
}

// TestStatsMove: figures follow the work, and match the kernel's files.
func TestStatsMove(t *testing.T) {
	m := newManager(t)
	g, err := m.Create("stats", Limits{MemoryBytes: 256 * mib, CPU: 1, Pids: 32})
	if err != nil {
		t.Fatal(err)
	}
	c := startChild(t, g, "alloc", "48")
	before := mustStats(t, g)
	u0, err := g.Usage() // opens the hot files; the next read must be fresh
	if err != nil {
		t.Fatal(err)
	}
	c.release()
	c.expect("ready")
	after := mustStats(t, g)
	t.Logf("before %+v\nafter %+v", before, after)
	if after.MemoryCurrent < before.MemoryCurrent+40*mib {
		t.Fatalf("memory current %d -> %d after touching 48 MiB", before.MemoryCurrent, after.MemoryCurrent)
	}
	if after.MemoryPeak < after.MemoryCurrent || after.CPUUsageUsec <= before.CPUUsageUsec || after.PidsCurrent < 1 {
		t.Fatalf("stats did not move: %+v", after)
	}
	// Usage, the hot-path read, agrees with Stats.
	u, err := g.Usage()
	if err != nil {
		t.Fatal(err)
	}
	if d := int64(u.MemoryBytes) - int64(after.MemoryCurrent); d > 4*mib || d < -4*mib || u.CPUUsec < after.CPUUsageUsec {
		t.Fatalf("Usage %+v disagrees with Stats %+v", u, after)
	}
	if u.MemoryBytes < u0.MemoryBytes+40*mib || u.CPUUsec <= u0.CPUUsec {
		t.Fatalf("Usage did not move from %+v to %+v", u0, u)
	}

	// The same figures, read straight from the kernel's files.
	mode := m.Detection().Mode
	readU := func(controller, name string) uint64 {
		t.Helper()
		v, err := readUint(kernelFile(g, controller, name))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if got := readU("memory", map[Mode]string{ModeV1: "memory.limit_in_bytes", ModeV2: "memory.max"}[mode]); got != 256*mib || after.MemoryLimit != got {
		t.Fatalf("memory limit file %d, Stats %d", got, after.MemoryLimit)
	}
	if got := readU("pids", "pids.max"); got != 32 || after.PidsLimit != got {
		t.Fatalf("pids.max %d, Stats %d", got, after.PidsLimit)
	}
	cur := readU("memory", map[Mode]string{ModeV1: "memory.usage_in_bytes", ModeV2: "memory.current"}[mode])
	if diff := int64(cur) - int64(after.MemoryCurrent); diff > 4*mib || diff < -4*mib {
		t.Fatalf("memory current file %d, Stats %d", cur, after.MemoryCurrent)
	}
	if mode == ModeV2 {
		if b, _ := readString(kernelFile(g, "", "cpu.max")); b != "100000 100000" {
			t.Fatalf("cpu.max = %q", b)
		}
		if after.MemoryPressure == nil || after.CPUPressure == nil {
			t.Fatalf("no PSI on v2: %+v", after)
		}
	} else {
		if q := readU("cpu", "cpu.cfs_quota_us"); q != 100000 {
			t.Fatalf("cfs_quota_us = %d", q)
		}
		if after.MemoryPressure != nil || after.CPUPressure != nil {
			t.Fatalf("PSI reported on v1: %+v", after)
		}
	}
}

// gone reports whether pid no longer runs (absent, or a zombie waiting
// for a parent that is not us).
func gone(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	_, rest, _ := strings.Cut(string(b), ") ")
	return strings.HasPrefix(rest, "Z") || strings.HasPrefix(rest, "X")
}

func TestKillLeavesNoProcess(t *testing.T) {
	m := newManager(t)
	g, err := m.Create("kill", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	c := startChild(t, g, "tree", "")
	c.release()
	gc, err := strconv.Atoi(strings.TrimPrefix(c.expect("grandchild "), "grandchild "))
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Kill(); err != nil {
		t.Fatalf("Kill: %v", err)
	}
	for _, d := range groupDirs(g) {
		if p, err := procs(d); err != nil || len(p) != 0 {
			t.Fatalf("%s/cgroup.procs = %v, %v after Kill", d, p, err)
		}
	}
	if sig, ok := killedBy(c.wait()); !ok || sig != syscall.SIGKILL {
		t.Fatal("child not SIGKILLed")
	}
	deadline := time.Now().Add(5 * time.Second)
	for !gone(gc) {
		if time.Now().After(deadline) {
			t.Fatalf("grandchild %d still running after Kill", gc)
		}
		time.Sleep(10 * time.Millisecond)
	}
	// The group stays usable until Remove.
	if _, err := g.Stats(); err != nil {
		t.Fatalf("Stats after Kill: %v", err)
	}
}

func TestRemoveLeavesNoDirectory(t *testing.T) {
	m := newManager(t)
	g, err := m.Create("rm", Limits{MemoryBytes: 64 * mib, Pids: 16})
	if err != nil {
		t.Fatal(err)
	}
	c := startChild(t, g, "idle", "")
	c.release()
	c.expect("ready")
	dirs := groupDirs(g)
	if err := g.Remove(); err != nil {
		t.Fatalf("Remove: %v", err)
	}
	for _, d := range dirs {
		if _, err := os.Stat(d); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("%s still there after Remove (%v)", d, err)
		}
	}
	if _, ok := killedBy(c.wait()); !ok {
		t.Fatal("child survived Remove")
	}
	if _, err := m.Create("rm", Limits{}); err != nil {
		t.Fatalf("Create after Remove: %v", err)
	}
}

// TestInstancesShareTheParent: two instances' subtrees under one parent
// (default settings on one host). New removes nothing; one instance's Close
// leaves the other's groups alone; Reap removes a dead instance's subtree
// with its processes; the last Close removes the parent.
func TestInstancesShareTheParent(t *testing.T) {
	top := newManager(t)
	a, err := top.Sub("i-a")
	if err != nil {
		t.Fatal(err)
	}
	ga, err := a.Create("iso", Limits{Pids: 16})
	if err != nil {
		t.Fatal(err)
	}
	ca := startChild(t, ga, "idle", "")
	ca.release()
	ca.expect("ready")

	// Another process's New with the same name: a's group and child live on.
	other, err := New(WithName(testName(t)))
	if err != nil {
		t.Fatal(err)
	}
	b, err := other.Sub("i-b")
	if err != nil {
		t.Fatal(err)
	}
	gb, err := b.Create("iso", Limits{Pids: 16})
	if err != nil {
		t.Fatal(err)
	}
	cb := startChild(t, gb, "idle", "")
	cb.release()
	cb.expect("ready")
	if gone(ca.cmd.Process.Pid) {
		t.Fatal("a second New killed the first instance's isolate")
	}
	names, _ := top.Children()
	if !slices.Contains(names, "i-a") || !slices.Contains(names, "i-b") {
		t.Fatalf("children %v, want both instances", names)
	}
	if busy, err := top.Populated("i-b"); err != nil || !busy {
		t.Fatalf("Populated(i-b) = %v, %v", busy, err)
	}
	if err := top.Reap("i-a"); !errors.Is(err, ErrExists) {
		t.Fatalf("Reap of our own live subtree = %v, want ErrExists", err)
	}

	// b's owner "dies" without Close: a Manager that does not own it reaps it.
	if err := top.Reap("i-b"); err != nil {
		t.Fatal(err)
	}
	if _, ok := killedBy(cb.wait()); !ok {
		t.Fatal("a reaped subtree's process survived")
	}
	for _, d := range groupDirs(gb) {
		if _, err := os.Stat(filepath.Dir(d)); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("reaped subtree %s still there (%v)", filepath.Dir(d), err)
		}
	}
	if gone(ca.cmd.Process.Pid) {
		t.Fatal("reaping b killed a's isolate")
	}
	_ = other.Close() // its parent is still in use by a: stays

	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if _, ok := killedBy(ca.wait()); !ok {
		t.Fatal("a's Close left its isolate running")
	}
	parents := parentDirs(top)
	if err := top.Close(); err != nil {
		t.Fatal(err)
	}
	for _, d := range parents {
		if _, err := os.Stat(d); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("the last Close left the parent %s (%v)", d, err)
		}
	}
}

// TestSubtreeIsRecreated: someone removes our subtree; Create recreates it.
func TestSubtreeIsRecreated(t *testing.T) {
	top := newManager(t)
	s, err := top.Sub("i-heal")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := top.Reap("i-other"); err != nil { // nothing there: fine
		t.Fatal(err)
	}
	// Remove the (empty) subtree behind the Manager's back.
	for _, p := range parentDirs(top) {
		_ = os.Remove(filepath.Join(p, "i-heal"))
	}
	g, err := s.Create("iso", Limits{Pids: 16})
	if err != nil {
		t.Fatalf("Create after the subtree vanished: %v", err)
	}
	if err := g.Remove(); err != nil {
		t.Fatal(err)
	}
}

func TestCloseLeavesNothing(t *testing.T) {
	if os.Geteuid() != 0 {
		skipOrFail(t, "cgroup tests need root")
	}
	m, err := New(WithName(testName(t)))
	if err != nil {
		t.Fatal(err)
	}
	if m.Detection().Mode == ModeNone {
		skipOrFail(t, "no writable cgroup hierarchy: "+m.Detection().Reason)
	}
	var kids []*child
	for _, id := range []string{"a", "b"} {
		g, err := m.Create(id, Limits{MemoryBytes: 64 * mib})
		if err != nil {
			t.Fatal(err)
		}
		c := startChild(t, g, "tree", "")
		c.release()
		c.expect("grandchild")
		kids = append(kids, c)
	}
	parents := parentDirs(m)
	if err := m.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	for _, c := range kids {
		if _, ok := killedBy(c.wait()); !ok {
			t.Fatal("child survived Close")
		}
	}
	for _, d := range parents {
		if _, err := os.Stat(d); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("%s still there after Close (%v)", d, err)
		}
	}
	if _, err := m.Create("c", Limits{}); !errors.Is(err, ErrClosed) {
		t.Fatalf("Create after Close = %v, want ErrClosed", err)
	}
}

// TestNoneMode runs New in a private mount namespace where every cgroup
// mount is read-only: detection must probe, find nothing writable, and
// degrade to none.
func TestNoneMode(t *testing.T) {
	if os.Geteuid() != 0 {
		skipOrFail(t, "mount namespaces need root")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=none")
	cmd.SysProcAttr = &syscall.SysProcAttr{Unshareflags: unix.CLONE_NEWNS} // Go makes / private first
	out, err := cmd.CombinedOutput()
	t.Logf("%s", out)
	if err != nil {
		t.Fatalf("helper: %v", err)
	}
	want := "mode=none writable=false"
	if !strings.Contains(string(out), want) ||
		!strings.Contains(string(out), "stats_nocgroups=true zero=true attach_nocgroups=true fd=-1/false kill=<nil> remove=<nil> close=<nil>") ||
		!strings.Contains(string(out), "read-only file system") {
		t.Fatalf("want %q, ErrNoCgroups from Stats/Attach, no-op Kill/Remove and a read-only reason", want)
	}
}

func BenchmarkCreateRemove(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("needs root")
	}
	m, err := New(WithName(fmt.Sprintf("symposium-bench-%d", os.Getpid())))
	if err != nil || m.Detection().Mode == ModeNone {
		b.Skip("no cgroups", err)
	}
	defer m.Close()
	for i := 0; b.Loop(); i++ {
		g, err := m.Create(strconv.Itoa(i), Limits{MemoryBytes: 64 * mib, CPU: 0.5, Pids: 64})
		if err != nil {
			b.Fatal(err)
		}
		if err := g.Remove(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkStats(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("needs root")
	}
	m, err := New(WithName(fmt.Sprintf("symposium-bench-%d", os.Getpid())))
	if err != nil || m.Detection().Mode == ModeNone {
		b.Skip("no cgroups", err)
	}
	defer m.Close()
	g, err := m.Create("stats", Limits{MemoryBytes: 64 * mib})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := g.Stats(); err != nil {
			b.Fatal(err)
		}
	}
}
