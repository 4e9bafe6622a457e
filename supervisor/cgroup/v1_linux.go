package cgroup

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// v1Controllers are the hierarchies an isolate joins on cgroup v1; memory
// comes first because Path reports it.
var v1Controllers = []string{"memory", "cpu", "cpuacct", "pids", "freezer"}

// cfsPeriodUsec is the CFS period for CPU quotas (the kernel default).
const cfsPeriodUsec = 100000

// userHZ is USER_HZ, the unit of cpuacct.stat; a constant 100 on Linux.
const userHZ = 100

type v1 struct {
	log      *slog.Logger
	memMount string              // where the memory hierarchy is mounted, for Path
	parents  map[string]string   // controller -> <mount><own>/<name>[/<sub>]
	chains   map[string][]string // controller -> the dirs we made down to parents[c]
	owned    bool                // a Sub: ours alone, removed whole on close
}

func setupV1(log *slog.Logger, ms []mount, own map[string]string, name string) (*v1, error) {
	b := &v1{log: log, parents: map[string]string{}, chains: map[string][]string{}}
	for _, c := range v1Controllers {
		cg, ok := own[c]
		if !ok {
			return nil, fmt.Errorf("controller %s not in /proc/self/cgroup", c)
		}
		i := slices.IndexFunc(ms, func(m mount) bool { return slices.Contains(m.controllers, c) })
		if i < 0 {
			return nil, fmt.Errorf("controller %s not mounted", c)
		}
		dir, ok := hostDir(ms[i], cg)
		if !ok {
			return nil, fmt.Errorf("our %s cgroup %s is outside mount %s", c, cg, ms[i].point)
		}
		b.parents[c] = filepath.Join(dir, name)
		b.chains[c] = []string{b.parents[c]}
		if c == "memory" {
			b.memMount = ms[i].point
		}
	}
	var made []string
	for _, dir := range b.dirs() {
		if err := mkdir(dir); err != nil {
			b.rmdirs(made)
			return nil, err
		}
		made = append(made, dir)
		if err := probe(dir); err != nil {
			b.rmdirs(made)
			return nil, err
		}
	}
	return b, nil
}

// ensure (re)creates our dirs in every hierarchy.
func (b *v1) ensure() error {
	for _, c := range v1Controllers {
		for _, d := range b.chains[c] {
			if err := mkdir(d); err != nil {
				return err
			}
		}
	}
	return nil
}

func (b *v1) sub(name string) (backend, error) {
	s := &v1{log: b.log, memMount: b.memMount, parents: map[string]string{}, chains: map[string][]string{}, owned: true}
	for _, c := range v1Controllers {
		s.parents[c] = filepath.Join(b.parents[c], name)
		s.chains[c] = append(append([]string(nil), b.chains[c]...), s.parents[c])
	}
	if err := s.ensure(); err != nil {
		return nil, errors.Join(err, s.close())
	}
	return s, nil
}

func (b *v1) children() ([]string, error) { return b.childNames(b.parents) }

// childNames is the union of child group names under dirs (controller -> dir).
func (b *v1) childNames(dirs map[string]string) ([]string, error) {
	var ids []string
	seen := map[string]bool{}
	for _, c := range v1Controllers {
		if seen[dirs[c]] {
			continue
		}
		seen[dirs[c]] = true
		names, err := subdirs(dirs[c])
		if err != nil {
			return nil, err
		}
		for _, n := range names {
			if !slices.Contains(ids, n) {
				ids = append(ids, n)
			}
		}
	}
	return ids, nil
}

func (b *v1) populated(name string) (bool, error) {
	for _, d := range b.group(name).dirs() {
		if ok, err := populatedTree(d); ok || err != nil {
			return ok, err
		}
	}
	return false, nil
}

func (b *v1) reap(name string) error { return b.removeTree(b.group(name).dir) }

// removeTree kills and removes the group at dirs (controller -> dir) and
// every group below it, deepest first.
func (b *v1) removeTree(dirs map[string]string) error {
	names, err := b.childNames(dirs)
	if err != nil {
		return err
	}
	var errs []error
	for _, n := range names {
		sub := map[string]string{}
		for c, d := range dirs {
			sub[c] = filepath.Join(d, n)
		}
		errs = append(errs, b.removeTree(sub))
	}
	g := &v1Group{memMount: b.memMount, dir: dirs}
	return errors.Join(append(errs, g.remove())...)
}

// dirs are the parent dirs, once each (cpu and cpuacct are often co-mounted).
func (b *v1) dirs() []string {
	var ds []string
	for _, c := range v1Controllers {
		if !slices.Contains(ds, b.parents[c]) {
			ds = append(ds, b.parents[c])
		}
	}
	return ds
}

func (b *v1) rmdirs(dirs []string) {
	for _, d := range dirs {
		if err := rmdir(d); err != nil {
			b.log.Warn("cgroup v1: rmdir", "err", err)
		}
	}
}

func (b *v1) group(id string) *v1Group {
	g := &v1Group{memMount: b.memMount, dir: map[string]string{}}
	for _, c := range v1Controllers {
		g.dir[c] = filepath.Join(b.parents[c], id)
	}
	return g
}

func (b *v1) create(id string, l Limits) (groupImpl, error) {
	g := b.group(id)
	var made []string
	for _, d := range g.dirs() {
		err := os.Mkdir(d, 0o755)
		if errors.Is(err, os.ErrNotExist) {
			// Our subtree was removed under us: recreate it, loudly.
			b.log.Warn("cgroup v1: our parent group vanished; recreating it", "dir", filepath.Dir(d))
			if err = b.ensure(); err == nil {
				err = os.Mkdir(d, 0o755)
			}
		}
		if err != nil {
			b.rmdirs(made)
			return nil, err
		}
		made = append(made, d)
	}
	if err := g.setLimits(l); err != nil {
		b.rmdirs(made)
		return nil, err
	}
	return g, nil
}

// close removes our subtree whole when we own it, then every dir above it
// that no other instance uses.
func (b *v1) close() error {
	var err error
	if b.owned {
		err = b.removeTree(b.parents)
	}
	done := map[string]bool{}
	for _, c := range v1Controllers {
		ch := b.chains[c]
		for i := len(ch) - 1; i >= 0; i-- {
			if (b.owned && i == len(ch)-1) || done[ch[i]] {
				continue
			}
			done[ch[i]] = true
			err = errors.Join(err, rmdirIfEmpty(ch[i]))
		}
	}
	return err
}

type v1Group struct {
	memMount string
	dir      map[string]string // controller -> group dir
	hot      hotFiles
}

func (g *v1Group) dirs() []string {
	var ds []string
	for _, c := range v1Controllers {
		if !slices.Contains(ds, g.dir[c]) {
			ds = append(ds, g.dir[c])
		}
	}
	return ds
}

func (g *v1Group) file(controller, name string) string {
	return filepath.Join(g.dir[controller], name)
}

func (g *v1Group) setLimits(l Limits) error {
	if l.MemoryBytes > 0 {
		v := strconv.FormatInt(l.MemoryBytes, 10)
		if err := writeFile(g.file("memory", "memory.limit_in_bytes"), v); err != nil {
			return err
		}
		// memory+swap equal to memory: the isolate may not swap. The file
		// exists only with swap accounting on.
		if err := writeFile(g.file("memory", "memory.memsw.limit_in_bytes"), v); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	if l.CPU > 0 {
		if err := writeFile(g.file("cpu", "cpu.cfs_period_us"), strconv.Itoa(cfsPeriodUsec)); err != nil {
			return err
		}
		if err := writeFile(g.file("cpu", "cpu.cfs_quota_us"), strconv.FormatInt(quotaUsec(l.CPU), 10)); err != nil {
			return err
		}
	}
	if l.Pids > 0 {
		if err := writeFile(g.file("pids", "pids.max"), strconv.FormatInt(l.Pids, 10)); err != nil {
			return err
		}
	}
	return nil
}

// quotaUsec converts cores to a CFS quota per period; the kernel refuses
// quotas under 1ms.
func quotaUsec(cores float64) int64 {
	return max(int64(cores*cfsPeriodUsec), 1000)
}

func (g *v1Group) path() string {
	return strings.TrimPrefix(g.dir["memory"], g.memMount)
}

func (g *v1Group) fd() (int, bool) { return -1, false }

func (g *v1Group) attach(pid int) error {
	for _, d := range g.dirs() {
		if err := writeFile(filepath.Join(d, "cgroup.procs"), strconv.Itoa(pid)); err != nil {
			return err
		}
	}
	return nil
}

func (g *v1Group) stats() (Stats, error) {
	var s Stats
	var err error
	read := func(controller, name string) uint64 {
		v, e := readUint(g.file(controller, name))
		err = errors.Join(err, e)
		return v
	}
	kv := func(controller, name string) map[string]uint64 {
		m, e := readKV(g.file(controller, name))
		err = errors.Join(err, e)
		return m
	}
	s.MemoryCurrent = read("memory", "memory.usage_in_bytes")
	s.MemoryPeak = read("memory", "memory.max_usage_in_bytes")
	s.MemoryLimit = unlimitedV1(read("memory", "memory.limit_in_bytes"))
	s.OOMKills = kv("memory", "memory.oom_control")["oom_kill"]
	s.CPUUsageUsec = read("cpuacct", "cpuacct.usage") / 1000
	acct := kv("cpuacct", "cpuacct.stat")
	s.CPUUserUsec = acct["user"] * 1e6 / userHZ
	s.CPUSystemUsec = acct["system"] * 1e6 / userHZ
	cpu := kv("cpu", "cpu.stat")
	s.ThrottledPeriods = cpu["nr_throttled"]
	s.ThrottledUsec = cpu["throttled_time"] / 1000
	s.PidsCurrent = read("pids", "pids.current")
	s.PidsLimit = read("pids", "pids.max")
	return s, err
}

func (g *v1Group) usage() (Usage, error) {
	mem, err := g.hot.uint(g.file("memory", "memory.usage_in_bytes"))
	if err != nil {
		return Usage{}, err
	}
	ns, err := g.hot.uint(g.file("cpuacct", "cpuacct.usage"))
	return Usage{MemoryBytes: mem, CPUUsec: ns / 1000}, err
}

// unlimitedV1 maps v1's "no limit" (PAGE_COUNTER_MAX pages, ~2^63 bytes) to 0.
func unlimitedV1(v uint64) uint64 {
	if v >= 1<<62 {
		return 0
	}
	return v
}

func (g *v1Group) oomKills() (uint64, error) {
	kv, err := readKV(g.file("memory", "memory.oom_control"))
	return kv["oom_kill"], err
}

// kill freezes the group so nothing can fork while we SIGKILL the snapshot,
// then thaws it so the signals are delivered.
func (g *v1Group) kill() error {
	state := g.file("freezer", "freezer.state")
	if err := writeFile(state, "FROZEN"); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil // group already gone
		}
		return err
	}
	// A task in uninterruptible sleep can keep the group FREEZING; the kill
	// loop below copes, so the wait is short.
	for deadline := time.Now().Add(time.Second); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		if s, _ := readString(state); s == "FROZEN" {
			break
		}
	}
	_, killErr := killAll(g.dirs())
	if err := writeFile(state, "THAWED"); err != nil {
		return errors.Join(killErr, err)
	}
	return errors.Join(killErr, killUntilEmpty(g.dirs()))
}

func (g *v1Group) remove() error {
	if err := g.kill(); err != nil {
		return err
	}
	g.hot.close()
	var err error
	for _, d := range g.dirs() {
		err = errors.Join(err, rmdir(d))
	}
	return err
}
