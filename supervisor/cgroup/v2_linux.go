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
	"sync"

	"golang.org/x/sys/unix"
)

// v2Controllers must be enabled for isolates; "+memory +cpu +pids" form.
var v2Controllers = []string{"memory", "cpu", "pids"}

type v2 struct {
	log    *slog.Logger
	mount  string   // cgroup2 mount point, for Path
	parent string   // <own>/<name>[/<sub>]: the isolates' parent
	chain  []string // the dirs we made from the delegation root down to parent
	owned  bool     // a Sub: ours alone, removed whole on close
}

func setupV2(log *slog.Logger, ms []mount, cgPath, name string) (*v2, error) {
	if cgPath == "" {
		return nil, errors.New("no cgroup2 entry in /proc/self/cgroup")
	}
	var own, point string
	for _, m := range ms {
		if d, ok := hostDir(m, cgPath); m.v2 && ok {
			own, point = d, m.point
			break
		}
	}
	if own == "" {
		return nil, fmt.Errorf("no cgroup2 mount shows our cgroup %s", cgPath)
	}
	// An earlier Manager already moved us into the supervisor leaf: the
	// delegation root is its parent, not the leaf (no nesting).
	if filepath.Base(own) == supervisorLeaf && hasControllers(filepath.Join(filepath.Dir(own), "cgroup.subtree_control")) {
		own = filepath.Dir(own)
	}
	avail, err := readString(filepath.Join(own, "cgroup.controllers"))
	if err != nil {
		return nil, err
	}
	for _, c := range v2Controllers {
		if !slices.Contains(strings.Fields(avail), c) {
			return nil, fmt.Errorf("controller %s not available in %s (have %q): not delegated to us", c, own, avail)
		}
	}
	if err := probe(own); err != nil {
		return nil, err
	}
	if err := delegate(log, own); err != nil {
		return nil, fmt.Errorf("self-delegation in %s: %w", own, err)
	}
	b := &v2{log: log, mount: point, parent: filepath.Join(own, name)}
	b.chain = []string{b.parent}
	if err := b.ensure(); err != nil {
		return nil, errors.Join(err, rmdirIfEmpty(b.parent))
	}
	return b, nil
}

// ensure (re)creates our dirs with the controllers enabled for children.
func (b *v2) ensure() error {
	for _, d := range b.chain {
		if err := mkdir(d); err != nil {
			return err
		}
		if hasControllers(filepath.Join(d, "cgroup.subtree_control")) {
			continue
		}
		if err := writeFile(filepath.Join(d, "cgroup.subtree_control"), enableList()); err != nil {
			return err
		}
	}
	return nil
}

func (b *v2) sub(name string) (backend, error) {
	s := &v2{log: b.log, mount: b.mount, parent: filepath.Join(b.parent, name), owned: true}
	s.chain = append(append([]string(nil), b.chain...), s.parent)
	if err := s.ensure(); err != nil {
		return nil, errors.Join(err, rmdirIfEmpty(s.parent))
	}
	return s, nil
}

func (b *v2) children() ([]string, error) { return subdirs(b.parent) }

func (b *v2) populated(name string) (bool, error) {
	return populatedTree(filepath.Join(b.parent, name))
}

func (b *v2) reap(name string) error { return b.removeTree(filepath.Join(b.parent, name)) }

// removeTree kills and removes dir and every group below it, deepest first.
func (b *v2) removeTree(dir string) error {
	names, err := subdirs(dir)
	if err != nil {
		return err
	}
	var errs []error
	for _, n := range names {
		errs = append(errs, b.removeTree(filepath.Join(dir, n)))
	}
	g := &v2Group{mount: b.mount, dir: dir, fdNum: -1}
	return errors.Join(append(errs, g.remove())...)
}

func enableList() string {
	var s []string
	for _, c := range v2Controllers {
		s = append(s, "+"+c)
	}
	return strings.Join(s, " ")
}

func hasControllers(subtreeControl string) bool {
	s, err := readString(subtreeControl)
	if err != nil {
		return false
	}
	for _, c := range v2Controllers {
		if !slices.Contains(strings.Fields(s), c) {
			return false
		}
	}
	return true
}

// delegate enables our controllers in own's subtree. A non-root cgroup with
// processes cannot do that ("no internal processes"), so, as container inits
// do, every process in own first moves into the supervisor leaf.
func delegate(log *slog.Logger, own string) error {
	ctl := filepath.Join(own, "cgroup.subtree_control")
	if hasControllers(ctl) {
		return nil
	}
	// The root cgroup (no cgroup.type) is exempt from the rule.
	_, statErr := os.Stat(filepath.Join(own, "cgroup.type"))
	isRoot := errors.Is(statErr, os.ErrNotExist)
	leaf := filepath.Join(own, supervisorLeaf)
	var err error
	// Processes may fork into own while we move them: retry a few rounds.
	for range 10 {
		if !isRoot {
			if err = moveAll(log, own, leaf); err != nil {
				return err
			}
		}
		if err = writeFile(ctl, enableList()); err == nil || !errors.Is(err, unix.EBUSY) {
			return err
		}
	}
	return err
}

func moveAll(log *slog.Logger, from, leaf string) error {
	pids, err := procs(from)
	if err != nil || len(pids) == 0 {
		return err
	}
	if err := mkdir(leaf); err != nil {
		return err
	}
	for _, pid := range pids {
		err := writeFile(filepath.Join(leaf, "cgroup.procs"), strconv.Itoa(pid))
		if err != nil && !errors.Is(err, unix.ESRCH) {
			return err
		}
	}
	log.Info("cgroup v2: moved our cgroup's processes into a leaf", "leaf", leaf, "pids", len(pids))
	return nil
}

func (b *v2) group(id string) *v2Group {
	return &v2Group{mount: b.mount, dir: filepath.Join(b.parent, id), fdNum: -1}
}

func (b *v2) create(id string, l Limits) (groupImpl, error) {
	g := b.group(id)
	err := os.Mkdir(g.dir, 0o755)
	if errors.Is(err, os.ErrNotExist) {
		// Our subtree was removed under us: recreate it, loudly.
		b.log.Warn("cgroup v2: our parent group vanished; recreating it", "dir", b.parent)
		if err = b.ensure(); err == nil {
			err = os.Mkdir(g.dir, 0o755)
		}
	}
	if err != nil {
		return nil, err
	}
	fd, err := unix.Open(g.dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err == nil {
		g.fdNum = fd
		err = g.setLimits(l)
	}
	if err != nil {
		return nil, errors.Join(err, g.remove())
	}
	return g, nil
}

// close removes our subtree whole when we own it, then every dir above it
// that no other instance uses; the supervisor leaf stays, since our own
// processes live there.
func (b *v2) close() error {
	var err error
	if b.owned {
		err = b.removeTree(b.parent)
	}
	for i := len(b.chain) - 1; i >= 0; i-- {
		if b.owned && i == len(b.chain)-1 {
			continue
		}
		err = errors.Join(err, rmdirIfEmpty(b.chain[i]))
	}
	return err
}

type v2Group struct {
	mount string
	dir   string

	mu    sync.Mutex
	fdNum int // -1 once closed
	hot   hotFiles
}

func (g *v2Group) file(name string) string { return filepath.Join(g.dir, name) }

func (g *v2Group) setLimits(l Limits) error {
	if l.MemoryBytes > 0 {
		if err := writeFile(g.file("memory.max"), strconv.FormatInt(l.MemoryBytes, 10)); err != nil {
			return err
		}
		// No swap for isolates; the file is absent without swap accounting.
		if err := writeFile(g.file("memory.swap.max"), "0"); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	if l.CPU > 0 {
		if err := writeFile(g.file("cpu.max"), fmt.Sprintf("%d %d", quotaUsec(l.CPU), cfsPeriodUsec)); err != nil {
			return err
		}
	}
	if l.Pids > 0 {
		if err := writeFile(g.file("pids.max"), strconv.FormatInt(l.Pids, 10)); err != nil {
			return err
		}
	}
	return nil
}

func (g *v2Group) path() string { return strings.TrimPrefix(g.dir, g.mount) }

func (g *v2Group) fd() (int, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.fdNum, g.fdNum >= 0
}

func (g *v2Group) attach(pid int) error {
	return writeFile(g.file("cgroup.procs"), strconv.Itoa(pid))
}

func (g *v2Group) usage() (Usage, error) {
	mem, err := g.hot.uint(g.file("memory.current"))
	if err != nil {
		return Usage{}, err
	}
	cpu, err := g.hot.field(g.file("cpu.stat"), "usage_usec")
	return Usage{MemoryBytes: mem, CPUUsec: cpu}, err
}

func (g *v2Group) stats() (Stats, error) {
	var s Stats
	var err error
	read := func(name string) uint64 {
		v, e := readUint(g.file(name))
		err = errors.Join(err, e)
		return v
	}
	kv := func(name string) map[string]uint64 {
		m, e := readKV(g.file(name))
		err = errors.Join(err, e)
		return m
	}
	s.MemoryCurrent = read("memory.current")
	// memory.peak arrived in Linux 5.19.
	if v, e := readUint(g.file("memory.peak")); e == nil {
		s.MemoryPeak = v
	} else if !errors.Is(e, os.ErrNotExist) {
		err = errors.Join(err, e)
	}
	s.MemoryLimit = read("memory.max")
	s.OOMKills = kv("memory.events")["oom_kill"]
	cpu := kv("cpu.stat")
	s.CPUUsageUsec, s.CPUUserUsec, s.CPUSystemUsec = cpu["usage_usec"], cpu["user_usec"], cpu["system_usec"]
	s.ThrottledPeriods, s.ThrottledUsec = cpu["nr_throttled"], cpu["throttled_usec"]
	s.PidsCurrent = read("pids.current")
	s.PidsLimit = read("pids.max")
	var e1, e2 error
	s.MemoryPressure, e1 = readPressure(g.file("memory.pressure"))
	s.CPUPressure, e2 = readPressure(g.file("cpu.pressure"))
	return s, errors.Join(err, e1, e2)
}

func (g *v2Group) oomKills() (uint64, error) {
	kv, err := readKV(g.file("memory.events"))
	return kv["oom_kill"], err
}

func (g *v2Group) kill() error {
	// cgroup.kill (Linux 5.14) kills the whole subtree atomically, forks
	// included.
	if err := writeFile(g.file("cgroup.kill"), "1"); err != nil {
		if _, statErr := os.Stat(g.dir); errors.Is(statErr, os.ErrNotExist) {
			return nil
		}
		return err
	}
	return killUntilEmpty([]string{g.dir})
}

func (g *v2Group) remove() error {
	if err := g.kill(); err != nil {
		return err
	}
	g.mu.Lock()
	if g.fdNum >= 0 {
		unix.Close(g.fdNum)
		g.fdNum = -1
	}
	g.mu.Unlock()
	g.hot.close()
	return rmdir(g.dir)
}
