package isolate

import (
	"sync"
	"time"

	"github.com/symposium/symposium/supervisor/cgroup"
)

// IsolateSample is one isolate's figures at a moment: the kernel's (its
// cgroup), its confinement as /proc reported it after the handshake, and
// the runtime's own.
type IsolateSample struct {
	ID         string        `json:"id"`
	BlockID    string        `json:"blockId"`
	PID        int           `json:"pid"`
	State      State         `json:"state"`
	Executions int64         `json:"executions"`
	Sessions   int           `json:"sessions"` // live sessions it holds
	Created    time.Time     `json:"created"`
	LastUsed   time.Time     `json:"lastUsed"`
	CgroupMode cgroup.Mode   `json:"cgroupMode"`
	CgroupPath string        `json:"cgroupPath"`
	Limits     cgroup.Limits `json:"limits"`
	Stats      cgroup.Stats  `json:"stats"`
	StatsOK    bool          `json:"statsOk"` // false: no kernel figures (no cgroups)
	CPUPercent float64       `json:"cpuPercent"`
	Seccomp    ProcessStatus `json:"seccomp"`
	SeccompOK  bool          `json:"seccompOk"`
}

// Sample is one round of the runtime's figures, read once for every reader
// (the monitor, the dashboard, /api/metrics, /metrics, isolate stats).
type Sample struct {
	Time        time.Time       `json:"time"`
	Isolates    []IsolateSample `json:"isolates"` // bound to blocks, by block id
	Pooled      int             `json:"pooled"`
	PoolTarget  int             `json:"poolTarget"`
	Executing   int             `json:"executing"`
	MaxIsolates int             `json:"maxIsolates"`
	MemoryBytes uint64          `json:"memoryBytes"` // summed memory.current of the bound isolates
	Outcomes    []Outcome       `json:"outcomes"`
	Health      Health          `json:"health"`
}

type sampler struct {
	mu      sync.Mutex
	last    Sample
	lastVer uint64
	prevCPU map[string]cpuMark
}

type cpuMark struct {
	usec uint64
	at   time.Time
}

// Sample returns the runtime's figures, at most SampleInterval old and never
// older than the last change of the table: the kernel files are read once
// per interval however many readers ask.
func (r *Runtime) Sample() Sample {
	r.sampler.mu.Lock()
	defer r.sampler.mu.Unlock()
	r.mu.Lock()
	ver := r.ver
	r.mu.Unlock()
	now := time.Now()
	if !r.sampler.last.Time.IsZero() && now.Sub(r.sampler.last.Time) < r.cfg.SampleInterval && ver == r.sampler.lastVer {
		// The kernel's figures may be an interval old; the runtime's own
		// counters cost nothing to read and are always current.
		s := r.sampler.last.clone()
		s.Outcomes, s.Health = r.outcomes.snapshot(), r.Health()
		if r.pool != nil {
			s.Pooled, s.PoolTarget = r.pool.size()
		}
		return s
	}
	s := Sample{Time: now, MaxIsolates: r.cfg.MaxIsolates, Outcomes: r.outcomes.snapshot(), Health: r.Health()}
	if r.pool != nil {
		s.Pooled, s.PoolTarget = r.pool.size()
	}
	seen := map[string]cpuMark{}
	for _, iso := range r.isolates() {
		is := IsolateSample{ID: iso.ID, BlockID: iso.BlockID(), PID: iso.PID(), State: iso.State(), Executions: iso.Executions(),
			Sessions: iso.Sessions(), Created: iso.Created, LastUsed: iso.LastUsed(), CgroupMode: iso.mode, Limits: iso.limits,
			Seccomp: iso.seccomp, SeccompOK: iso.secOK}
		if is.State == StateRunning {
			s.Executing++
		}
		if iso.group != nil {
			is.CgroupPath = iso.group.Path()
			if st, err := iso.group.Stats(); err == nil {
				is.Stats, is.StatsOK = st, true
			}
		}
		if is.StatsOK {
			if prev, ok := r.sampler.prevCPU[iso.ID]; ok && now.After(prev.at) && is.Stats.CPUUsageUsec >= prev.usec {
				is.CPUPercent = float64(is.Stats.CPUUsageUsec-prev.usec) / float64(now.Sub(prev.at).Microseconds()) * 100
			}
			seen[iso.ID] = cpuMark{usec: is.Stats.CPUUsageUsec, at: now}
			s.MemoryBytes += is.Stats.MemoryCurrent
		}
		s.Isolates = append(s.Isolates, is)
	}
	r.sampler.prevCPU = seen
	r.sampler.last, r.sampler.lastVer = s, ver
	return s.clone()
}

func (s Sample) clone() Sample {
	s.Isolates = append([]IsolateSample(nil), s.Isolates...)
	s.Outcomes = append([]Outcome(nil), s.Outcomes...)
	return s
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

// LatencyBuckets are the upper bounds, in seconds, of the execution latency
// histogram.
var LatencyBuckets = []float64{.0002, .0005, .001, .002, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// Outcome counts the executions that ended one way, whichever transport
// asked for them, with their latency histogram.
type Outcome struct {
	Kind       Kind     `json:"kind"`
	Count      uint64   `json:"count"`
	SumSeconds float64  `json:"sumSeconds"`
	Buckets    []uint64 `json:"buckets"` // cumulative, one per LatencyBuckets bound
}

type outcomes struct {
	mu    sync.Mutex
	kinds map[Kind]*Outcome
}

func (o *outcomes) init() {
	o.kinds = map[Kind]*Outcome{}
	for _, k := range Kinds {
		o.kinds[k] = &Outcome{Kind: k, Buckets: make([]uint64, len(LatencyBuckets))}
	}
}

func (o *outcomes) observe(res *Result) {
	sec := res.Duration / 1000
	o.mu.Lock()
	defer o.mu.Unlock()
	oc, ok := o.kinds[res.Kind]
	if !ok {
		oc = &Outcome{Kind: res.Kind, Buckets: make([]uint64, len(LatencyBuckets))}
		o.kinds[res.Kind] = oc
	}
	oc.Count++
	oc.SumSeconds += sec
	for i, b := range LatencyBuckets {
		if sec <= b {
			oc.Buckets[i]++
		}
	}
}

func (o *outcomes) snapshot() []Outcome {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := make([]Outcome, 0, len(o.kinds))
	for _, k := range Kinds {
		oc := *o.kinds[k]
		oc.Buckets = append([]uint64(nil), oc.Buckets...)
		out = append(out, oc)
	}
	return out
}
