package monitor

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"sync"
	"time"

	"github.com/shirou/gopsutil/v3/cpu"
	"github.com/shirou/gopsutil/v3/load"
	"github.com/shirou/gopsutil/v3/process"

	"github.com/symposium/symposium/supervisor/isolate"
)

// Source is what the monitor reads isolates from: the runtime's one sample.
type Source interface {
	Sample() isolate.Sample
}

// Thresholds for alerts; the defaults are the seed's. An alert is raised
// when its figure goes above the threshold and cleared only once the figure
// has stayed below the threshold less ClearMargin for ClearAfter, so a
// figure hovering at the line raises one alert, not one a second.
type Thresholds struct {
	IsolateMemoryPercent float64       // of the isolate's memory limit; 80
	TotalMemoryBytes     uint64        // supervisor RSS plus every isolate's memory.current; 500 MB
	CPUPercent           float64       // machine CPU (all processes), averaged over CPUWindow; 70
	CPUWindow            time.Duration // sustained over; 30s
	CapacityPercent      float64       // isolates in use of the maximum; 80
	ClearMargin          float64       // fraction of the threshold to fall below it by to clear; 0 means 0.1
	ClearAfter           time.Duration // and stay there this long; 0 means 10s
}

// DefaultThresholds are the seed's values.
func DefaultThresholds() Thresholds {
	return Thresholds{IsolateMemoryPercent: 80, TotalMemoryBytes: 500 << 20, CPUPercent: 70, CPUWindow: 30 * time.Second,
		CapacityPercent: 80, ClearMargin: defaultClearMargin, ClearAfter: defaultClearAfter}
}

const (
	defaultClearMargin = 0.1
	defaultClearAfter  = 10 * time.Second
)

// CPUSource reads the CPU figures the monitor samples; the default reads
// /proc through gopsutil, tests inject their own.
type CPUSource interface {
	// MachinePercent is the busy share of all cores, every process
	// counted, since the previous call: 0-100.
	MachinePercent() (float64, error)
	// ProcessTime is the CPU time (user+system) this process has used.
	ProcessTime() (time.Duration, error)
}

// procCPU is the CPUSource of the real machine.
type procCPU struct{ self *process.Process }

func newProcCPU(self *process.Process) procCPU {
	// The first cpu.Percent(0) call sets gopsutil's baseline.
	_, _ = cpu.Percent(0, false)
	return procCPU{self: self}
}

func (p procCPU) MachinePercent() (float64, error) {
	v, err := cpu.Percent(0, false)
	if err != nil {
		return 0, err
	}
	if len(v) != 1 {
		return 0, fmt.Errorf("monitor: cpu.Percent returned %d figures", len(v))
	}
	return v[0], nil
}

func (p procCPU) ProcessTime() (time.Duration, error) {
	if p.self == nil {
		return 0, fmt.Errorf("monitor: no handle on this process")
	}
	t, err := p.self.Times() // /proc/self/stat utime + stime
	if err != nil {
		return 0, err
	}
	return time.Duration((t.User + t.System) * float64(time.Second)), nil
}

// Alert is one threshold crossing, raised once, or its end, cleared once.
// It names a block by id only: names belong to the block store (and to a
// tenant), so the UI, which has them, shows the name.
type Alert struct {
	Type      string    `json:"type"`  // isolate-memory, total-memory, cpu, capacity
	State     string    `json:"state"` // raised or cleared
	Level     string    `json:"level"` // warning (raised) or info (cleared)
	Message   string    `json:"message"`
	Value     float64   `json:"value"`
	Threshold float64   `json:"threshold"`
	IsolateID string    `json:"isolateId,omitempty"`
	BlockID   string    `json:"blockId,omitempty"`
	Time      time.Time `json:"time"`
	RaisedAt  time.Time `json:"raisedAt,omitzero"` // on a cleared alert: when it was raised
	// On a CPU alert, the window's average split by who used it (shares of
	// all cores): the machine figure counts every process, not only ours.
	SupervisorCPUPercent *float64 `json:"supervisorCPUPercent,omitempty"`
	IsolatesCPUPercent   *float64 `json:"isolatesCPUPercent,omitempty"`
}

// Alert states.
const (
	Raised  = "raised"
	Cleared = "cleared"
)

// System is the machine and the supervisor process. CPU figures are
// shares of all cores (0-100), so they add up and compare.
type System struct {
	CPUCount        int        `json:"count"`
	LoadAverage     [3]float64 `json:"loadAverage"`
	CPUUsagePercent float64    `json:"usagePercent"` // the machine: every process
	// SupervisorCPUPercent is this process alone since the last sample;
	// IsolatesCPUPercent the isolates' cgroups (the runtime's figures).
	SupervisorCPUPercent float64 `json:"supervisorCPUPercent"`
	IsolatesCPUPercent   float64 `json:"isolatesCPUPercent"`
	HeapUsed             uint64  `json:"heapUsed"`  // bytes
	HeapTotal            uint64  `json:"heapTotal"` // bytes
	RSS                  uint64  `json:"rss"`       // bytes
}

// IsolateSample is one isolate's figures at a moment, as the runtime
// sampled them.
type IsolateSample = isolate.IsolateSample

// Sample is one round of figures: the machine's and the runtime's sample,
// which every reader (the API, Prometheus, the dashboard) shares.
type Sample struct {
	Time        time.Time         `json:"time"`
	System      System            `json:"system"`
	Isolates    []IsolateSample   `json:"isolates"`
	TotalMemory uint64            `json:"totalMemory"` // bytes: supervisor RSS + isolates
	IsolateMem  uint64            `json:"isolateMemory"`
	Pooled      int               `json:"pooled"`
	Executing   int               `json:"executing"`
	MaxIsolates int               `json:"maxIsolates"`
	Outcomes    []isolate.Outcome `json:"outcomes"`
	Health      isolate.Health    `json:"health"`
}

const keepAlerts = 50

// Monitor samples and alerts. Its alerts live in memory only: a restarted
// supervisor starts with none (an alert is about this process's figures).
type Monitor struct {
	src      Source
	th       Thresholds
	logger   *slog.Logger
	every    time.Duration
	onSample func(Sample)
	onAlert  func(Alert)
	self     *process.Process
	cpu      CPUSource
	now      func() time.Time
	cores    int

	mu       sync.Mutex
	latest   Sample
	alerts   []Alert
	cpuHist  []cpuPoint
	active   map[string]*alertState // alerts currently raised, by key
	lastProc procPoint              // the supervisor's CPU time at the last sample
}

type cpuPoint struct {
	at                   time.Time
	machine, sup, isoPct float64
}

type procPoint struct {
	at  time.Time
	cpu time.Duration
	pct float64 // share of all cores since the point before
}

// alertState is a raised alert: what was raised, and since when its
// figure has been below the clear line (zero while it is not).
type alertState struct {
	raised Alert
	below  time.Time
}

// Option configures a Monitor.
type Option func(*Monitor)

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option { return func(m *Monitor) { m.logger = l } }

// WithInterval sets the sampling interval (default 1s).
func WithInterval(d time.Duration) Option { return func(m *Monitor) { m.every = d } }

// OnSample is called after each round; it must not block.
func OnSample(fn func(Sample)) Option { return func(m *Monitor) { m.onSample = fn } }

// OnAlert is called for each alert raised and each cleared; it must not block.
func OnAlert(fn func(Alert)) Option { return func(m *Monitor) { m.onAlert = fn } }

// WithCPUSource replaces the machine's CPU figures (for tests).
func WithCPUSource(c CPUSource) Option { return func(m *Monitor) { m.cpu = c } }

// WithClock replaces time.Now (for tests).
func WithClock(now func() time.Time) Option { return func(m *Monitor) { m.now = now } }

// New returns a monitor; call Run to start sampling.
func New(src Source, th Thresholds, opts ...Option) *Monitor {
	m := &Monitor{src: src, th: th, logger: slog.New(slog.DiscardHandler), every: time.Second,
		now: time.Now, cores: runtime.NumCPU()}
	for _, o := range opts {
		o(m)
	}
	m.init()
	m.self, _ = process.NewProcess(int32(os.Getpid()))
	if m.cpu == nil {
		m.cpu = newProcCPU(m.self)
	}
	return m
}

// init fills the zero thresholds with their defaults.
func (m *Monitor) init() {
	if m.th.ClearMargin <= 0 {
		m.th.ClearMargin = defaultClearMargin
	}
	if m.th.ClearAfter <= 0 {
		m.th.ClearAfter = defaultClearAfter
	}
	if m.active == nil {
		m.active = map[string]*alertState{}
	}
	if m.cores <= 0 {
		m.cores = 1
	}
}

// Run samples until ctx ends.
func (m *Monitor) Run(ctx context.Context) {
	t := time.NewTicker(m.every)
	defer t.Stop()
	for {
		m.Sample()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Latest returns the last round: the machine's figures of the last Sample
// (retaken if older than the interval) with the runtime's current sample,
// which itself reads the kernel at most once an interval and anew whenever
// its table changed. Alerts are evaluated by Sample only.
func (m *Monitor) Latest() Sample {
	m.mu.Lock()
	fresh := !m.latest.Time.IsZero() && m.now().Sub(m.latest.Time) < m.every
	s := m.latest
	m.mu.Unlock()
	if !fresh {
		return m.Sample()
	}
	return m.compose(s.Time, s.System, m.src.Sample())
}

func (m *Monitor) compose(at time.Time, sys System, rs isolate.Sample) Sample {
	s := Sample{Time: at, System: sys, Isolates: rs.Isolates, IsolateMem: rs.MemoryBytes,
		Pooled: rs.Pooled, Executing: rs.Executing, MaxIsolates: rs.MaxIsolates, Outcomes: rs.Outcomes, Health: rs.Health}
	s.TotalMemory = s.System.RSS + s.IsolateMem
	// The runtime's isolate figures are of one core each.
	var iso float64
	for _, is := range rs.Isolates {
		iso += is.CPUPercent
	}
	s.System.IsolatesCPUPercent = iso / float64(max(s.System.CPUCount, 1))
	return s
}

// Alerts returns the kept alerts (raised and cleared), oldest first.
func (m *Monitor) Alerts() []Alert {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]Alert(nil), m.alerts...)
}

// Sample takes one round of figures now and evaluates the alerts.
func (m *Monitor) Sample() Sample {
	at := m.now()
	sys := m.system(at)
	s := m.compose(at, sys, m.src.Sample())
	m.mu.Lock()
	m.latest = s
	// A full table is normal (idle isolates are evicted as needed): the
	// pressure is how many are executing at once.
	fired := m.evaluate(s, s.Executing, s.MaxIsolates)
	m.mu.Unlock()
	for _, a := range fired {
		args := []any{"type", a.Type, "message", a.Message}
		if a.BlockID != "" {
			args = append(args, "block", a.BlockID)
		}
		if a.State == Cleared {
			m.logger.Info("resource alert cleared", args...)
		} else {
			m.logger.Warn("resource alert", args...)
		}
		if m.onAlert != nil {
			m.onAlert(a)
		}
	}
	if m.onSample != nil {
		m.onSample(s)
	}
	return s
}

func (m *Monitor) system(at time.Time) System {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	s := System{CPUCount: m.cores, HeapUsed: ms.HeapAlloc, HeapTotal: ms.HeapSys}
	if p, err := m.cpu.MachinePercent(); err == nil {
		s.CPUUsagePercent = p
	}
	if t, err := m.cpu.ProcessTime(); err == nil {
		// A figure over a few milliseconds (an API call's extra sample
		// right after the tick) is noise: keep the last one until half an
		// interval has passed.
		m.mu.Lock()
		prev := m.lastProc
		switch {
		case prev.at.IsZero() || t < prev.cpu:
			m.lastProc = procPoint{at: at, cpu: t}
		case at.Sub(prev.at) >= m.every/2:
			m.lastProc = procPoint{at: at, cpu: t, pct: float64(t-prev.cpu) / float64(at.Sub(prev.at)) / float64(m.cores) * 100}
		}
		s.SupervisorCPUPercent = m.lastProc.pct
		m.mu.Unlock()
	}
	if l, err := load.Avg(); err == nil {
		s.LoadAverage = [3]float64{l.Load1, l.Load5, l.Load15}
	}
	if m.self != nil {
		if mi, err := m.self.MemoryInfo(); err == nil {
			s.RSS = mi.RSS
		}
	}
	return s
}

// evaluate raises an alert when a figure goes above its threshold, once,
// and clears it, once, when the figure has stayed below the threshold less
// the margin for ClearAfter. Called with m.mu held.
func (m *Monitor) evaluate(s Sample, inUse, maxIsolates int) []Alert {
	var fired []Alert
	// check handles one figure: over says it is past its threshold, cur is
	// the alert it raises, clearMsg what its clearing says.
	check := func(key string, value, threshold float64, over bool, cur Alert, clearMsg string) {
		st, raised := m.active[key]
		switch {
		case !raised && over:
			cur.State, cur.Level, cur.Time, cur.Value, cur.Threshold = Raised, "warning", s.Time, value, threshold
			m.active[key] = &alertState{raised: cur}
			fired = append(fired, cur)
		case raised && value < threshold*(1-m.th.ClearMargin):
			if st.below.IsZero() {
				st.below = s.Time
			}
			if s.Time.Sub(st.below) >= m.th.ClearAfter {
				fired = append(fired, m.cleared(key, st, s.Time, value, clearMsg))
			}
		case raised:
			st.below = time.Time{}
		}
	}
	clearLine := func(th float64) float64 { return th * (1 - m.th.ClearMargin) }

	// An isolate that ended (deleted, evicted, died) has no figure to fall:
	// its alert ends with it.
	// Keyed by isolate and block: a pooled isolate bound anew is another alert.
	memKey := func(is IsolateSample) string { return "mem:" + is.ID + "/" + is.BlockID }
	live := map[string]bool{}
	for _, is := range s.Isolates {
		live[memKey(is)] = true
	}
	for key, st := range m.active {
		if st.raised.Type == "isolate-memory" && !live[key] {
			fired = append(fired, m.cleared(key, st, s.Time, 0, "the isolate ended"))
		}
	}
	for _, is := range s.Isolates {
		if !is.StatsOK || is.Stats.MemoryLimit == 0 {
			continue
		}
		pct := float64(is.Stats.MemoryCurrent) / float64(is.Stats.MemoryLimit) * 100
		th := m.th.IsolateMemoryPercent
		check(memKey(is), pct, th, pct > th, Alert{
			Type: "isolate-memory", IsolateID: is.ID, BlockID: is.BlockID,
			Message: fmt.Sprintf("the isolate uses %.0f%% of its memory limit (%.0f of %.0f MB)", pct,
				float64(is.Stats.MemoryCurrent)/(1<<20), float64(is.Stats.MemoryLimit)/(1<<20)),
		}, fmt.Sprintf("the isolate uses %.0f%% of its memory limit, below %.0f%%", pct, clearLine(th)))
	}

	totalMB := float64(s.TotalMemory) / (1 << 20)
	limitMB := float64(m.th.TotalMemoryBytes) / (1 << 20)
	check("total-memory", totalMB, limitMB, totalMB > limitMB, Alert{
		Type:    "total-memory",
		Message: fmt.Sprintf("supervisor and isolates use %.0f MB, above %.0f MB", totalMB, limitMB),
	}, fmt.Sprintf("supervisor and isolates use %.0f MB, below %.0f MB", totalMB, clearLine(limitMB)))

	// An extra sample between ticks (an API call's) would weigh a few
	// milliseconds like a whole interval: the window keeps one a tick.
	if n := len(m.cpuHist); n == 0 || s.Time.Sub(m.cpuHist[n-1].at) >= m.every/2 {
		m.cpuHist = append(m.cpuHist, cpuPoint{at: s.Time, machine: s.System.CPUUsagePercent,
			sup: s.System.SupervisorCPUPercent, isoPct: s.System.IsolatesCPUPercent})
	}
	cut := s.Time.Add(-m.th.CPUWindow)
	for len(m.cpuHist) > 0 && m.cpuHist[0].at.Before(cut) {
		m.cpuHist = m.cpuHist[1:]
	}
	// A load counts once it has lasted the window (one interval's slack
	// for the sampling); until then its average says nothing.
	if len(m.cpuHist) > 1 && s.Time.Sub(m.cpuHist[0].at) >= m.th.CPUWindow-m.every {
		var mach, sup, iso float64
		for _, p := range m.cpuHist {
			mach, sup, iso = mach+p.machine, sup+p.sup, iso+p.isoPct
		}
		n := float64(len(m.cpuHist))
		mach, sup, iso = mach/n, sup/n, iso/n
		others := max(mach-sup-iso, 0)
		th := m.th.CPUPercent
		check("cpu", mach, th, mach > th, Alert{
			Type: "cpu", SupervisorCPUPercent: &sup, IsolatesCPUPercent: &iso,
			Message: fmt.Sprintf("%.0f%% on average over %s, every process counted (isolates %.0f%%, supervisor %.0f%%, other processes %.0f%%)",
				mach, m.th.CPUWindow, iso, sup, others),
		}, fmt.Sprintf("%.0f%% on average over %s, below %.0f%%", mach, m.th.CPUWindow, clearLine(th)))
	}

	if maxIsolates > 0 {
		pct := float64(inUse) / float64(maxIsolates) * 100
		// At the threshold counts: 8 of 10 executing at 80% is the alert.
		th := m.th.CapacityPercent
		check("capacity", pct, th, pct >= th, Alert{
			Type:    "capacity",
			Message: fmt.Sprintf("%d of %d isolates executing at once (%.0f%%)", inUse, maxIsolates, pct),
		}, fmt.Sprintf("%d of %d isolates executing at once, below %.0f%%", inUse, maxIsolates, clearLine(th)))
	}
	m.alerts = append(m.alerts, fired...)
	if n := len(m.alerts); n > keepAlerts {
		m.alerts = append([]Alert(nil), m.alerts[n-keepAlerts:]...)
	}
	return fired
}

// cleared ends a raised alert and returns its clearing. Called with m.mu held.
func (m *Monitor) cleared(key string, st *alertState, at time.Time, value float64, msg string) Alert {
	delete(m.active, key)
	a := st.raised
	a.State, a.Level, a.Time, a.RaisedAt, a.Value, a.Message = Cleared, "info", at, st.raised.Time, value, msg
	a.SupervisorCPUPercent, a.IsolatesCPUPercent = nil, nil
	return a
}

// Find returns the sampled figures of the isolate bound to a block id, or
// with that isolate id.
func (s Sample) Find(id string) (IsolateSample, bool) {
	for _, is := range s.Isolates {
		if is.BlockID == id || is.ID == id {
			return is, true
		}
	}
	return IsolateSample{}, false
}
