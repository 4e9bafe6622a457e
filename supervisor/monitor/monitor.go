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

	"github.com/symposium/symposium/supervisor/cgroup"
	"github.com/symposium/symposium/supervisor/isolate"
)

// Source is what the monitor reads isolates from.
type Source interface {
	Isolates() []*isolate.Isolate
	Config() isolate.Config
}

// Thresholds for alerts; the defaults are the seed's.
type Thresholds struct {
	IsolateMemoryPercent float64       // of the isolate's memory limit; 80
	TotalMemoryBytes     uint64        // supervisor RSS plus every isolate's memory.current; 500 MB
	CPUPercent           float64       // machine CPU; 70
	CPUWindow            time.Duration // sustained over; 30s
	CapacityPercent      float64       // isolates in use of the maximum; 80
}

// DefaultThresholds are the seed's values.
func DefaultThresholds() Thresholds {
	return Thresholds{IsolateMemoryPercent: 80, TotalMemoryBytes: 500 << 20, CPUPercent: 70, CPUWindow: 30 * time.Second, CapacityPercent: 80}
}

// Alert is one threshold crossing.
type Alert struct {
	Type      string    `json:"type"` // isolate-memory, total-memory, cpu, capacity
	Level     string    `json:"level"`
	Message   string    `json:"message"`
	Value     float64   `json:"value"`
	Threshold float64   `json:"threshold"`
	IsolateID string    `json:"isolateId,omitempty"`
	BlockID   string    `json:"blockId,omitempty"`
	Time      time.Time `json:"time"`
}

// System is the machine and the supervisor process.
type System struct {
	CPUCount        int        `json:"count"`
	LoadAverage     [3]float64 `json:"loadAverage"`
	CPUUsagePercent float64    `json:"usagePercent"`
	HeapUsed        uint64     `json:"heapUsed"`  // bytes
	HeapTotal       uint64     `json:"heapTotal"` // bytes
	RSS             uint64     `json:"rss"`       // bytes
}

// IsolateSample is one isolate's kernel figures at a moment.
type IsolateSample struct {
	ID         string       `json:"id"`
	BlockID    string       `json:"blockId"`
	PID        int          `json:"pid"`
	CPUPercent float64      `json:"cpuPercent"`
	Stats      cgroup.Stats `json:"stats"`
}

// Sample is one round of figures.
type Sample struct {
	Time        time.Time       `json:"time"`
	System      System          `json:"system"`
	Isolates    []IsolateSample `json:"isolates"`
	TotalMemory uint64          `json:"totalMemory"` // bytes: supervisor RSS + isolates
	IsolateMem  uint64          `json:"isolateMemory"`
}

const keepAlerts = 50

// Monitor samples and alerts.
type Monitor struct {
	src      Source
	th       Thresholds
	logger   *slog.Logger
	every    time.Duration
	onSample func(Sample)
	onAlert  func(Alert)
	self     *process.Process

	mu      sync.Mutex
	latest  Sample
	alerts  []Alert
	prevCPU map[string]cpuMark
	cpuHist []cpuPoint
	active  map[string]bool // alert keys currently raised (edge-triggered)
}

type cpuMark struct {
	usec uint64
	at   time.Time
}

type cpuPoint struct {
	at  time.Time
	pct float64
}

// Option configures a Monitor.
type Option func(*Monitor)

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option { return func(m *Monitor) { m.logger = l } }

// WithInterval sets the sampling interval (default 1s).
func WithInterval(d time.Duration) Option { return func(m *Monitor) { m.every = d } }

// OnSample is called after each round; it must not block.
func OnSample(fn func(Sample)) Option { return func(m *Monitor) { m.onSample = fn } }

// OnAlert is called for each new alert; it must not block.
func OnAlert(fn func(Alert)) Option { return func(m *Monitor) { m.onAlert = fn } }

// New returns a monitor; call Run to start sampling.
func New(src Source, th Thresholds, opts ...Option) *Monitor {
	m := &Monitor{src: src, th: th, logger: slog.New(slog.DiscardHandler), every: time.Second,
		prevCPU: map[string]cpuMark{}, active: map[string]bool{}}
	for _, o := range opts {
		o(m)
	}
	m.self, _ = process.NewProcess(int32(os.Getpid()))
	// The first cpu.Percent(0) call sets gopsutil's baseline.
	_, _ = cpu.Percent(0, false)
	return m
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

// Latest returns the last sample.
func (m *Monitor) Latest() Sample {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.latest
}

// Alerts returns the kept alerts, oldest first.
func (m *Monitor) Alerts() []Alert {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]Alert(nil), m.alerts...)
}

// Sample takes one round of figures now and evaluates the alerts.
func (m *Monitor) Sample() Sample {
	now := time.Now()
	s := Sample{Time: now, System: m.system()}
	isos := m.src.Isolates()
	m.mu.Lock()
	seen := map[string]cpuMark{}
	for _, iso := range isos {
		st, err := iso.Group().Stats()
		if err != nil {
			continue
		}
		is := IsolateSample{ID: iso.ID, BlockID: iso.BlockID(), PID: iso.PID(), Stats: st}
		if prev, ok := m.prevCPU[iso.ID]; ok && now.After(prev.at) && st.CPUUsageUsec >= prev.usec {
			is.CPUPercent = float64(st.CPUUsageUsec-prev.usec) / float64(now.Sub(prev.at).Microseconds()) * 100
		}
		seen[iso.ID] = cpuMark{usec: st.CPUUsageUsec, at: now}
		s.Isolates = append(s.Isolates, is)
		s.IsolateMem += st.MemoryCurrent
	}
	m.prevCPU = seen
	s.TotalMemory = s.System.RSS + s.IsolateMem
	m.latest = s
	fired := m.evaluate(s, len(isos), m.src.Config().MaxIsolates)
	m.mu.Unlock()
	for _, a := range fired {
		m.logger.Warn("resource alert", "type", a.Type, "message", a.Message)
		if m.onAlert != nil {
			m.onAlert(a)
		}
	}
	if m.onSample != nil {
		m.onSample(s)
	}
	return s
}

func (m *Monitor) system() System {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	s := System{CPUCount: runtime.NumCPU(), HeapUsed: ms.HeapAlloc, HeapTotal: ms.HeapSys}
	if p, err := cpu.Percent(0, false); err == nil && len(p) == 1 {
		s.CPUUsagePercent = p[0]
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

// evaluate raises an alert when a figure crosses its threshold, once, and
// re-arms it when the figure falls back. Called with m.mu held.
func (m *Monitor) evaluate(s Sample, inUse, maxIsolates int) []Alert {
	var fired []Alert
	raise := func(key string, over bool, a Alert) {
		if over && !m.active[key] {
			a.Time = s.Time
			a.Level = "warning"
			fired = append(fired, a)
		}
		if over {
			m.active[key] = true
		} else {
			delete(m.active, key)
		}
	}
	for _, is := range s.Isolates {
		if is.Stats.MemoryLimit == 0 {
			continue
		}
		pct := float64(is.Stats.MemoryCurrent) / float64(is.Stats.MemoryLimit) * 100
		raise("mem:"+is.ID, pct > m.th.IsolateMemoryPercent, Alert{
			Type: "isolate-memory", Value: pct, Threshold: m.th.IsolateMemoryPercent, IsolateID: is.ID, BlockID: is.BlockID,
			Message: fmt.Sprintf("isolate for block %q uses %.0f%% of its memory limit", is.BlockID, pct),
		})
	}
	totalMB := float64(s.TotalMemory) / (1 << 20)
	limitMB := float64(m.th.TotalMemoryBytes) / (1 << 20)
	raise("total-memory", totalMB > limitMB, Alert{
		Type: "total-memory", Value: totalMB, Threshold: limitMB,
		Message: fmt.Sprintf("supervisor and isolates use %.0f MB, above %.0f MB", totalMB, limitMB),
	})

	m.cpuHist = append(m.cpuHist, cpuPoint{at: s.Time, pct: s.System.CPUUsagePercent})
	cut := s.Time.Add(-m.th.CPUWindow)
	for len(m.cpuHist) > 0 && m.cpuHist[0].at.Before(cut) {
		m.cpuHist = m.cpuHist[1:]
	}
	sustained := len(m.cpuHist) > 1 && s.Time.Sub(m.cpuHist[0].at) >= m.th.CPUWindow-m.every
	var sum float64
	for _, p := range m.cpuHist {
		sum += p.pct
	}
	avg := sum / float64(max(len(m.cpuHist), 1))
	raise("cpu", sustained && avg > m.th.CPUPercent, Alert{
		Type: "cpu", Value: avg, Threshold: m.th.CPUPercent,
		Message: fmt.Sprintf("CPU averaged %.0f%% over %s", avg, m.th.CPUWindow),
	})

	if maxIsolates > 0 {
		pct := float64(inUse) / float64(maxIsolates) * 100
		raise("capacity", pct >= m.th.CapacityPercent, Alert{
			Type: "capacity", Value: float64(inUse), Threshold: m.th.CapacityPercent,
			Message: fmt.Sprintf("%d of %d isolates in use", inUse, maxIsolates),
		})
	}
	m.alerts = append(m.alerts, fired...)
	if n := len(m.alerts); n > keepAlerts {
		m.alerts = append([]Alert(nil), m.alerts[n-keepAlerts:]...)
	}
	return fired
}
