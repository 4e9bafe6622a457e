package cgroup

import (
	"os"
	"path/filepath"
	"testing"
)

// The parsers read from a root directory, so they run here on a temp tree
// without root or cgroups.

func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestReadMountsFromATree(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"mountinfo": `25 30 0:22 / /sys/fs/cgroup rw,nosuid - tmpfs tmpfs ro,mode=755
26 25 0:23 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory
27 25 0:24 /docker/abc /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct
28 25 0:25 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw
29 25 0:26 / /mnt/with\040space rw - cgroup cgroup rw,pids
`})
	ms, err := readMounts(filepath.Join(dir, "mountinfo"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 4 {
		t.Fatalf("mounts %+v, want 4 cgroup mounts", ms)
	}
	if ms[1].root != "/docker/abc" || len(ms[1].controllers) != 2 || !ms[2].v2 || ms[3].point != "/mnt/with space" {
		t.Fatalf("parsed %+v", ms)
	}
	if got := layoutOf(ms); got != "hybrid" {
		t.Fatalf("layout %s, want hybrid", got)
	}
	if d, ok := hostDir(ms[1], "/docker/abc/x"); !ok || d != "/sys/fs/cgroup/cpu,cpuacct/x" {
		t.Fatalf("hostDir through a bind mount = %q %v", d, ok)
	}
	if _, ok := hostDir(ms[1], "/elsewhere"); ok {
		t.Fatal("hostDir outside the mount's root should fail")
	}
}

func TestV2StatsFromATree(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"memory.current": "1048576\n", "memory.peak": "2097152\n", "memory.max": "max\n",
		"memory.events": "low 0\nhigh 0\nmax 3\noom 1\noom_kill 2\n",
		"cpu.stat":      "usage_usec 900\nuser_usec 600\nsystem_usec 300\nnr_periods 10\nnr_throttled 4\nthrottled_usec 50\n",
		"pids.current":  "7\n", "pids.max": "32\n",
		"memory.pressure": "some avg10=1.50 avg60=0.25 avg300=0.00 total=1234\nfull avg10=0.50 avg60=0.00 avg300=0.00 total=99\n",
		"cpu.pressure":    "some avg10=0.00 avg60=0.00 avg300=0.00 total=5\n",
	})
	g := &v2Group{dir: dir, fdNum: -1}
	st, err := g.stats()
	if err != nil {
		t.Fatal(err)
	}
	want := Stats{MemoryCurrent: 1 << 20, MemoryPeak: 2 << 20, MemoryLimit: 0, OOMKills: 2, CPUUsageUsec: 900, CPUUserUsec: 600,
		CPUSystemUsec: 300, ThrottledUsec: 50, ThrottledPeriods: 4, PidsCurrent: 7, PidsLimit: 32}
	mp, cp := st.MemoryPressure, st.CPUPressure
	st.MemoryPressure, st.CPUPressure = nil, nil
	if st != want {
		t.Fatalf("stats %+v, want %+v", st, want)
	}
	if mp == nil || mp.Some10 != 1.5 || mp.Some60 != 0.25 || mp.SomeTotalUsec != 1234 || mp.FullTotalUsec != 99 || cp == nil || cp.SomeTotalUsec != 5 {
		t.Fatalf("pressure %+v %+v", mp, cp)
	}
	u, err := g.usage()
	if err != nil || u.MemoryBytes != 1<<20 || u.CPUUsec != 900 {
		t.Fatalf("usage %+v %v", u, err)
	}
	if n, err := g.oomKills(); err != nil || n != 2 {
		t.Fatalf("oomKills %d %v", n, err)
	}
}

func TestV1StatsFromATree(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"memory/memory.usage_in_bytes": "4096\n", "memory/memory.max_usage_in_bytes": "8192\n",
		"memory/memory.limit_in_bytes": "9223372036854771712\n", "memory/memory.oom_control": "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n",
		"cpuacct/cpuacct.usage": "5000000\n", "cpuacct/cpuacct.stat": "user 3\nsystem 2\n",
		"cpu/cpu.stat":      "nr_periods 9\nnr_throttled 2\nthrottled_time 7000\n",
		"pids/pids.current": "3\n", "pids/pids.max": "max\n",
	})
	g := &v1Group{memMount: dir, dir: map[string]string{}}
	for _, c := range v1Controllers {
		g.dir[c] = filepath.Join(dir, c)
	}
	st, err := g.stats()
	if err != nil {
		t.Fatal(err)
	}
	want := Stats{MemoryCurrent: 4096, MemoryPeak: 8192, MemoryLimit: 0, OOMKills: 1, CPUUsageUsec: 5000, CPUUserUsec: 30000,
		CPUSystemUsec: 20000, ThrottledUsec: 7, ThrottledPeriods: 2, PidsCurrent: 3, PidsLimit: 0}
	if st != want {
		t.Fatalf("stats %+v, want %+v", st, want)
	}
	if g.path() != "/memory" {
		t.Fatalf("path %q", g.path())
	}
}

func TestPopulatedTreeAndChildren(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"i-a/iso-1/cgroup.procs": "", "i-b/iso-2/cgroup.procs": "4242\n", "i-b/cgroup.procs": ""})
	if busy, err := populatedTree(filepath.Join(dir, "i-a")); err != nil || busy {
		t.Fatalf("i-a populated = %v %v", busy, err)
	}
	if busy, err := populatedTree(filepath.Join(dir, "i-b")); err != nil || !busy {
		t.Fatalf("i-b populated = %v %v", busy, err)
	}
	b := &v2{parent: dir}
	names, err := b.children()
	if err != nil || len(names) != 2 {
		t.Fatalf("children %v %v", names, err)
	}
}
