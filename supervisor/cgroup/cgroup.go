package cgroup

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
)

// Mode is the cgroup flavour the Manager drives.
type Mode string

const (
	ModeV2   Mode = "v2"
	ModeV1   Mode = "v1"
	ModeNone Mode = "none"
)

// Detection says what New found on this machine and why it chose its Mode.
type Detection struct {
	Mode     Mode
	Layout   string // unified, hybrid, legacy or none: what is mounted
	Writable bool   // a probe group could be created and removed
	Reason   string // why Mode is none (or why v2 was passed over), human readable
}

// Limits are the per-isolate kernel limits; a zero field means unlimited.
type Limits struct {
	MemoryBytes int64
	CPU         float64 // cores: 0.5 = 50ms of CPU per 100ms period
	Pids        int64
}

// Stats are the kernel's own figures for one group. Limits of 0 mean
// unlimited. Pressure is nil where the kernel keeps no per-group PSI (v1).
type Stats struct {
	MemoryCurrent, MemoryPeak, MemoryLimit, OOMKills                          uint64
	CPUUsageUsec, CPUUserUsec, CPUSystemUsec, ThrottledUsec, ThrottledPeriods uint64
	PidsCurrent, PidsLimit                                                    uint64
	MemoryPressure, CPUPressure                                               *Pressure
}

// Pressure is one PSI file (memory.pressure, cpu.pressure).
type Pressure struct {
	Some10, Some60, Some300, Full10, Full60, Full300 float64
	SomeTotalUsec, FullTotalUsec                     uint64
}

// Option configures New.
type Option func(*config)

type config struct {
	log      *slog.Logger
	name     string
	procRoot string
}

// WithLogger sets the logger; the default discards.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.log = l } }

// WithName sets the name of our parent group (default "symposium"), so that
// tests and a running server on the same machine do not collide.
func WithName(name string) Option { return func(c *config) { c.name = name } }

// WithProcRoot reads mountinfo and the process's cgroup from dir instead of
// /proc/self, so detection can be tested on a temp tree.
func WithProcRoot(dir string) Option { return func(c *config) { c.procRoot = dir } }

// backend is one cgroup flavour (v1 or v2) rooted at one parent group; nil
// means none.
type backend interface {
	create(id string, l Limits) (groupImpl, error)
	// sub is a backend for the child subtree name, created if missing.
	sub(name string) (backend, error)
	children() ([]string, error)
	// reap kills every process under child name and removes its subtree.
	reap(name string) error
	populated(name string) (bool, error)
	// close removes our parent: with everything under it when we own it,
	// only if empty when it is shared with other instances.
	close() error
}

type groupImpl interface {
	path() string
	fd() (int, bool)
	attach(pid int) error
	stats() (Stats, error)
	usage() (Usage, error)
	oomKills() (uint64, error)
	kill() error
	remove() error
}

// Manager creates, watches and removes the cgroups of isolates.
type Manager struct {
	log *slog.Logger
	det Detection
	be  backend

	mu     sync.Mutex
	groups map[string]*Group
	subs   map[string]*Manager
	up     *Manager // the Manager whose Sub this is; nil at the top
	name   string
	closed bool
}

// New detects the cgroup mode and prepares our parent group(s), which
// several supervisors on one host may share: New removes nothing that is
// already there (each instance owns a Sub and reaps only subtrees whose
// owner is gone). When no hierarchy is writable it still returns a
// Manager, in ModeNone.
func New(opts ...Option) (*Manager, error) {
	c := config{log: slog.New(slog.DiscardHandler), name: "symposium", procRoot: "/proc/self"}
	for _, o := range opts {
		o(&c)
	}
	// "supervisor" is the v2 leaf our own processes move into.
	if !validSegment(c.name) || c.name == supervisorLeaf {
		return nil, fmt.Errorf("%w: name %q", ErrInvalidID, c.name)
	}
	be, det, err := newBackend(c.log, c.name, c.procRoot)
	if err != nil {
		return nil, err
	}
	c.log.Info("cgroup mode", "mode", det.Mode, "layout", det.Layout, "writable", det.Writable, "reason", det.Reason)
	return &Manager{log: c.log, det: det, be: be, name: c.name, groups: map[string]*Group{}, subs: map[string]*Manager{}}, nil
}

// Sub returns a Manager for the child subtree name of m's parent, owned by
// the caller alone: its Close removes the whole subtree. A subtree that
// disappears while in use (someone removed it) is recreated by Create.
func (m *Manager) Sub(name string) (*Manager, error) {
	if !validSegment(name) || name == supervisorLeaf {
		return nil, fmt.Errorf("%w: subtree %q", ErrInvalidID, name)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, ErrClosed
	}
	if _, ok := m.subs[name]; ok {
		return nil, fmt.Errorf("%w: subtree %s", ErrExists, name)
	}
	if _, ok := m.groups[name]; ok {
		return nil, fmt.Errorf("%w: %s", ErrExists, name)
	}
	s := &Manager{log: m.log, det: m.det, up: m, name: name, groups: map[string]*Group{}, subs: map[string]*Manager{}}
	if m.be != nil {
		be, err := m.be.sub(name)
		if err != nil {
			return nil, fmt.Errorf("cgroup: subtree %s: %w", name, err)
		}
		s.be = be
	}
	m.subs[name] = s
	return s, nil
}

// Children lists the subtrees and groups directly under m's parent,
// including other instances' (nil in ModeNone).
func (m *Manager) Children() ([]string, error) {
	if m.be == nil {
		return nil, nil
	}
	return m.be.children()
}

// Populated reports whether any process lives under child name.
func (m *Manager) Populated(name string) (bool, error) {
	if m.be == nil || !validSegment(name) {
		return false, nil
	}
	return m.be.populated(name)
}

// Reap kills every process under child name of m's parent and removes it
// with its descendants: litter of an instance that died without cleaning
// up. It refuses m's own live groups and subtrees.
func (m *Manager) Reap(name string) error {
	if !validSegment(name) {
		return fmt.Errorf("%w: %q", ErrInvalidID, name)
	}
	m.mu.Lock()
	_, g := m.groups[name]
	_, s := m.subs[name]
	m.mu.Unlock()
	if g || s {
		return fmt.Errorf("%w: %s is ours and live", ErrExists, name)
	}
	if m.be == nil {
		return nil
	}
	return m.be.reap(name)
}

// Detection reports what New found.
func (m *Manager) Detection() Detection { return m.det }

// Create makes the group for one isolate and applies its limits. In ModeNone
// it returns a Group whose figures are zero and whose methods report
// ErrNoCgroups (Kill and Remove are no-ops).
func (m *Manager) Create(id string, l Limits) (*Group, error) {
	if !validSegment(id) {
		return nil, fmt.Errorf("%w: group %q", ErrInvalidID, id)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, ErrClosed
	}
	if _, ok := m.groups[id]; ok {
		return nil, fmt.Errorf("%w: %s", ErrExists, id)
	}
	g := &Group{m: m, id: id}
	if m.be != nil {
		impl, err := m.be.create(id, l)
		if err != nil {
			return nil, fmt.Errorf("cgroup: create %s: %w", id, err)
		}
		g.impl = impl
	}
	m.groups[id] = g
	return g, nil
}

// Close kills and removes every group of ours, then our parent groups: a
// Sub's with all it holds; a shared parent only once no other instance has a
// subtree in it. On v2 the supervisor leaf stays: our own processes live in it.
func (m *Manager) Close() error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil
	}
	m.closed = true
	groups := make([]*Group, 0, len(m.groups))
	for _, g := range m.groups {
		groups = append(groups, g)
	}
	m.mu.Unlock()

	var errs []error
	for _, g := range groups {
		if err := g.Remove(); err != nil {
			errs = append(errs, err)
		}
	}
	if m.be != nil {
		if err := m.be.close(); err != nil {
			errs = append(errs, err)
		}
	}
	if m.up != nil {
		m.up.mu.Lock()
		delete(m.up.subs, m.name)
		m.up.mu.Unlock()
	}
	return errors.Join(errs...)
}

func (m *Manager) forget(id string) {
	m.mu.Lock()
	delete(m.groups, id)
	m.mu.Unlock()
}

// Group is the cgroup of one isolate.
type Group struct {
	m    *Manager
	id   string
	impl groupImpl // nil in ModeNone
}

// Path is the cgroup path for display: on v2 relative to the cgroup2 mount,
// on v1 the path in the memory hierarchy; "" in ModeNone.
func (g *Group) Path() string {
	if g.impl == nil {
		return ""
	}
	return g.impl.path()
}

// FD returns an O_PATH directory fd of the group for
// SysProcAttr{UseCgroupFD: true, CgroupFD: fd} (CLONE_INTO_CGROUP). It is
// v2 only; on v1 and none it returns false and the caller uses Attach. The
// fd stays owned by the Group and is closed by Remove.
func (g *Group) FD() (int, bool) {
	if g.impl == nil {
		return -1, false
	}
	return g.impl.fd()
}

// Attach moves pid (with all its threads) into the group in every
// hierarchy. Start the process gated, Attach, then let it run: work done
// before Attach is not limited.
func (g *Group) Attach(pid int) error {
	if g.impl == nil {
		return ErrNoCgroups
	}
	return g.impl.attach(pid)
}

// Stats reads the kernel's figures for the group.
func (g *Group) Stats() (Stats, error) {
	if g.impl == nil {
		return Stats{}, ErrNoCgroups
	}
	return g.impl.stats()
}

// Usage is the two figures the supervisor reports with every execution.
type Usage struct {
	MemoryBytes uint64
	CPUUsec     uint64
}

// Usage reads only current memory and total CPU: two files instead of a
// dozen, for the hot path.
func (g *Group) Usage() (Usage, error) {
	if g.impl == nil {
		return Usage{}, ErrNoCgroups
	}
	return g.impl.usage()
}

// OOMKills is how many processes the kernel OOM killer killed in the group.
func (g *Group) OOMKills() (uint64, error) {
	if g.impl == nil {
		return 0, ErrNoCgroups
	}
	return g.impl.oomKills()
}

// Kill SIGKILLs every process in the group and returns once the group is
// empty, or ErrNotEmpty after a bounded wait.
func (g *Group) Kill() error {
	if g.impl == nil {
		return nil
	}
	return g.impl.kill()
}

// Remove kills the group's processes and removes the group in every
// hierarchy.
func (g *Group) Remove() error {
	if g.impl == nil {
		g.m.forget(g.id)
		return nil
	}
	if err := g.impl.remove(); err != nil {
		return fmt.Errorf("cgroup: remove %s: %w", g.id, err)
	}
	g.m.forget(g.id)
	return nil
}

const supervisorLeaf = "supervisor"

// validSegment accepts one path segment that cannot escape its parent or
// clash with the kernel's interface files (those all contain a dot).
func validSegment(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
		default:
			return false
		}
	}
	return true
}
