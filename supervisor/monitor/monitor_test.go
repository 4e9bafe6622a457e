package monitor

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/symposium/symposium/supervisor/cgroup"
	"github.com/symposium/symposium/supervisor/isolate"
)

func sample(at time.Time, cpu float64, isos ...IsolateSample) Sample {
	s := Sample{Time: at, System: System{CPUUsagePercent: cpu, RSS: 50 << 20}, Isolates: isos}
	for _, is := range isos {
		s.IsolateMem += is.Stats.MemoryCurrent
	}
	s.TotalMemory = s.System.RSS + s.IsolateMem
	return s
}

func iso(id string, cur, limit uint64) IsolateSample {
	return IsolateSample{ID: id, BlockID: "block-" + id, StatsOK: true, Stats: cgroup.Stats{MemoryCurrent: cur, MemoryLimit: limit}}
}

// evaluator is a monitor for feeding evaluate samples directly.
func evaluator() *Monitor {
	m := &Monitor{th: DefaultThresholds(), every: time.Second}
	m.init()
	return m
}

func sec(t0 time.Time, i int) time.Time { return t0.Add(time.Duration(i) * time.Second) }

func TestAlertsFireOnceAtTheSeedThresholds(t *testing.T) {
	m := evaluator()
	t0 := time.Now()
	// An isolate at 79% of its limit is fine; at 85% it alerts, once.
	if a := m.evaluate(sample(t0, 10, iso("a", 79<<20, 100<<20)), 1, 10); len(a) != 0 {
		t.Fatalf("alert below threshold: %+v", a)
	}
	a := m.evaluate(sample(sec(t0, 1), 10, iso("a", 85<<20, 100<<20)), 1, 10)
	if len(a) != 1 || a[0].Type != "isolate-memory" || a[0].BlockID != "block-a" || a[0].State != Raised {
		t.Fatalf("want one raised isolate-memory alert, got %+v", a)
	}
	if a := m.evaluate(sample(sec(t0, 2), 10, iso("a", 90<<20, 100<<20)), 1, 10); len(a) != 0 {
		t.Fatalf("a raised alert fired again: %+v", a)
	}

	// Total memory above 500 MB (supervisor RSS 50 MB + isolates).
	var many []IsolateSample
	for i := 0; i < 5; i++ {
		many = append(many, iso(fmt.Sprint(i), 95<<20, 128<<20))
	}
	a = m.evaluate(sample(sec(t0, 5), 10, many...), 5, 10)
	if !hasType(a, "total-memory") {
		t.Fatalf("want total-memory alert at %d MB, got %+v", (50 + 5*95), a)
	}

	// 8 of 10 isolates in use.
	if a := m.evaluate(sample(sec(t0, 6), 10), 7, 10); hasType(a, "capacity") {
		t.Fatal("capacity alert at 70%")
	}
	if a := m.evaluate(sample(sec(t0, 7), 10), 8, 10); !hasType(a, "capacity") {
		t.Fatalf("want capacity alert at 8 of 10, got %+v", a)
	}
}

// A figure hovering at the threshold raises one alert; it clears once,
// after staying below the threshold less the margin for ClearAfter.
func TestIsolateMemoryAlertHasHysteresis(t *testing.T) {
	m := evaluator()
	t0 := time.Now()
	var got []Alert
	feed := func(i int, pct uint64) {
		got = append(got, m.evaluate(sample(sec(t0, i), 10, iso("a", pct<<20, 100<<20)), 1, 10)...)
	}
	i := 0
	// 40 s alternating 78% and 85%: over, under (but above the 72% clear line), over...
	for ; i < 40; i++ {
		feed(i, []uint64{85, 78}[i%2])
	}
	if len(got) != 1 || got[0].State != Raised {
		t.Fatalf("flapping at the threshold: want one raised alert, got %d: %+v", len(got), got)
	}
	// Below the clear line for less than ClearAfter, then back over: still the one alert.
	for j := 0; j < 9; j++ {
		feed(i, 10)
		i++
	}
	feed(i, 85)
	i++
	if len(got) != 1 {
		t.Fatalf("cleared before ClearAfter or raised again: %+v", got[1:])
	}
	// Below for ClearAfter: cleared, once.
	for j := 0; j < 30; j++ {
		feed(i, 10)
		i++
	}
	if len(got) != 2 || got[1].State != Cleared || got[1].Level != "info" || got[1].BlockID != "block-a" ||
		!got[1].RaisedAt.Equal(got[0].Time) || got[1].Time.Sub(got[1].RaisedAt) < m.th.ClearAfter {
		t.Fatalf("want one clearing after %s below, got %+v", m.th.ClearAfter, got)
	}
	// And then it can be raised again.
	feed(i, 95)
	if len(got) != 3 || got[2].State != Raised {
		t.Fatalf("alert not re-armed after clearing: %+v", got)
	}
	if n := len(m.Alerts()); n != 3 {
		t.Fatalf("kept %d alerts, want the 3 fired", n)
	}
}

func TestAlertOfAnEndedIsolateClears(t *testing.T) {
	m := evaluator()
	t0 := time.Now()
	if a := m.evaluate(sample(t0, 10, iso("a", 90<<20, 100<<20)), 1, 10); len(a) != 1 {
		t.Fatalf("want one alert, got %+v", a)
	}
	a := m.evaluate(sample(sec(t0, 1), 10), 0, 10)
	if len(a) != 1 || a[0].State != Cleared || a[0].IsolateID != "a" || !strings.Contains(a[0].Message, "ended") {
		t.Fatalf("want the ended isolate's alert cleared, got %+v", a)
	}
	if len(m.active) != 0 {
		t.Fatalf("still active: %v", m.active)
	}
}

func TestKeepsTheLast50Alerts(t *testing.T) {
	m := evaluator()
	t0 := time.Now()
	var isos []IsolateSample
	for i := 0; i < 60; i++ {
		isos = append(isos, iso(fmt.Sprint(i), 99, 100))
		m.evaluate(sample(sec(t0, i), 0, isos...), 0, 10)
	}
	got := m.Alerts()
	if len(got) != keepAlerts || got[len(got)-1].IsolateID != "59" || got[0].IsolateID != "10" {
		t.Fatalf("kept %d alerts, first %s last %s", len(got), got[0].IsolateID, got[len(got)-1].IsolateID)
	}
}

// fakeCPU is a machine whose load the test sets, and a supervisor that
// uses a fixed share of one core.
type fakeCPU struct {
	mu      sync.Mutex
	machine float64
	proc    time.Duration
}

func (f *fakeCPU) MachinePercent() (float64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.machine, nil
}

func (f *fakeCPU) ProcessTime() (time.Duration, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.proc, nil
}

type fakeRuntime struct{ s isolate.Sample }

func (f fakeRuntime) Sample() isolate.Sample { return f.s }

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

// The alert for a sustained CPU load appears once: a load over the window
// raises exactly one alert, a load hovering at the threshold neither clears
// nor re-raises it, and its end clears it once.
func TestSustainedCPULoadAlertsOnce(t *testing.T) {
	cpu := &fakeCPU{}
	clk := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	rt := fakeRuntime{s: isolate.Sample{MaxIsolates: 10, Isolates: []IsolateSample{{ID: "i1", BlockID: "hog", CPUPercent: 100}}}}
	var alerts []Alert
	m := New(rt, DefaultThresholds(), WithCPUSource(cpu), WithClock(clk.now), OnAlert(func(a Alert) { alerts = append(alerts, a) }))
	if len(m.Alerts()) != 0 {
		t.Fatal("a new monitor (a restarted server) starts with alerts")
	}
	second := 0
	run := func(n int, load func(i int) float64) {
		for i := 0; i < n; i++ {
			cpu.mu.Lock()
			cpu.machine = load(i)
			cpu.proc += 200 * time.Millisecond // the supervisor: 20% of one core
			cpu.mu.Unlock()
			m.Sample()
			clk.t = clk.t.Add(time.Second)
			second++
		}
	}
	run(25, func(int) float64 { return 95 })
	if len(alerts) != 0 {
		t.Fatalf("cpu alert before the %s window: %+v", m.th.CPUWindow, alerts)
	}
	run(35, func(int) float64 { return 95 })
	if len(alerts) != 1 || alerts[0].Type != "cpu" || alerts[0].State != Raised {
		t.Fatalf("60 s at 95%%: want one raised cpu alert, got %+v", alerts)
	}
	raisedAt := alerts[0].Time.Sub(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	if raisedAt < m.th.CPUWindow-time.Second || raisedAt > m.th.CPUWindow+time.Second {
		t.Fatalf("raised after %s, want the %s window", raisedAt, m.th.CPUWindow)
	}
	// The machine figure counts every process; the alert says how much was ours.
	a := alerts[0]
	cores := float64(runtime.NumCPU())
	if a.SupervisorCPUPercent == nil || a.IsolatesCPUPercent == nil ||
		abs(*a.SupervisorCPUPercent-20/cores) > 0.5 || abs(*a.IsolatesCPUPercent-100/cores) > 0.5 ||
		!strings.Contains(a.Message, "other processes") {
		t.Fatalf("cpu alert does not split the load: %+v", a)
	}
	// 60 s hovering at the threshold (66/74, around 70, above the 63 clear line).
	run(60, func(i int) float64 { return []float64{66, 74}[i%2] })
	if len(alerts) != 1 {
		t.Fatalf("load at the threshold flapped the alert: %+v", alerts[1:])
	}
	// The load ends: cleared once, when the 30 s average has been below 63% for 10 s.
	run(90, func(int) float64 { return 5 })
	if len(alerts) != 2 || alerts[1].Type != "cpu" || alerts[1].State != Cleared {
		t.Fatalf("load ended: want one clearing, got %+v", alerts)
	}
	if got := m.Alerts(); len(got) != 2 {
		t.Fatalf("kept %d alerts, want 2", len(got))
	}
	// Below the threshold it stays quiet.
	run(60, func(i int) float64 { return []float64{60, 78}[i%2] })
	if len(alerts) != 2 {
		t.Fatalf("an average of 69%% alerted: %+v", alerts[2:])
	}
}

func abs(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}

// The sample the dashboard gets has the supervisor's own CPU apart from
// the machine's.
func TestSupervisorCPUIsReportedApart(t *testing.T) {
	cpu := &fakeCPU{machine: 90}
	clk := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	m := New(fakeRuntime{s: isolate.Sample{Isolates: []IsolateSample{{ID: "i1", BlockID: "b", CPUPercent: 50}}}},
		DefaultThresholds(), WithCPUSource(cpu), WithClock(clk.now))
	m.Sample()
	clk.t = clk.t.Add(time.Second)
	cpu.proc += 300 * time.Millisecond
	s := m.Sample()
	cores := float64(runtime.NumCPU())
	if s.System.CPUUsagePercent != 90 || abs(s.System.SupervisorCPUPercent-30/cores) > 1e-6 || abs(s.System.IsolatesCPUPercent-50/cores) > 1e-6 {
		t.Fatalf("machine %.2f supervisor %.2f isolates %.2f; want 90, %.2f, %.2f", s.System.CPUUsagePercent,
			s.System.SupervisorCPUPercent, s.System.IsolatesCPUPercent, 30/cores, 50/cores)
	}
	// An extra sample 10 ms later (an API call) keeps the figure instead of a noisy one.
	clk.t = clk.t.Add(10 * time.Millisecond)
	cpu.proc += 10 * time.Millisecond
	if got := m.Sample().System.SupervisorCPUPercent; abs(got-30/cores) > 1e-6 {
		t.Fatalf("supervisor CPU after a 10 ms interval: %.2f", got)
	}
}

func hasType(as []Alert, typ string) bool {
	for _, a := range as {
		if a.Type == typ {
			return true
		}
	}
	return false
}

// The default CPU source reads this process's own CPU time.
func TestProcessTimeIsThisProcess(t *testing.T) {
	src := New(fakeRuntime{}, DefaultThresholds()).cpu
	if _, err := src.MachinePercent(); err != nil {
		t.Fatal(err)
	}
	before, err := src.ProcessTime()
	if err != nil {
		t.Fatal(err)
	}
	// Spin until the kernel has counted 50 ms more (bounded: a busy
	// machine may give this goroutine little time).
	deadline := time.Now().Add(10 * time.Second)
	x := 0
	for time.Now().Before(deadline) {
		for i := 0; i < 1e6; i++ {
			x += i
		}
		if now, _ := src.ProcessTime(); now-before >= 50*time.Millisecond {
			return
		}
	}
	t.Fatalf("process CPU time did not grow by 50 ms while spinning (%d)", x)
}
