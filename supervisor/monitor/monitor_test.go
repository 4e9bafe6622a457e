package monitor

import (
	"fmt"
	"testing"
	"time"

	"github.com/symposium/symposium/supervisor/cgroup"
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
	return IsolateSample{ID: id, BlockID: "block-" + id, Stats: cgroup.Stats{MemoryCurrent: cur, MemoryLimit: limit}}
}

func TestAlertsFireOnceAtTheSeedThresholds(t *testing.T) {
	m := &Monitor{th: DefaultThresholds(), every: time.Second, prevCPU: map[string]cpuMark{}, active: map[string]bool{}}
	t0 := time.Now()
	// An isolate at 79% of its limit is fine; at 85% it alerts, once.
	if a := m.evaluate(sample(t0, 10, iso("a", 79<<20, 100<<20)), 1, 10); len(a) != 0 {
		t.Fatalf("alert below threshold: %+v", a)
	}
	a := m.evaluate(sample(t0.Add(time.Second), 10, iso("a", 85<<20, 100<<20)), 1, 10)
	if len(a) != 1 || a[0].Type != "isolate-memory" || a[0].BlockID != "block-a" {
		t.Fatalf("want one isolate-memory alert, got %+v", a)
	}
	if a := m.evaluate(sample(t0.Add(2*time.Second), 10, iso("a", 90<<20, 100<<20)), 1, 10); len(a) != 0 {
		t.Fatalf("a raised alert fired again: %+v", a)
	}
	// Back below re-arms it.
	m.evaluate(sample(t0.Add(3*time.Second), 10, iso("a", 10<<20, 100<<20)), 1, 10)
	if a := m.evaluate(sample(t0.Add(4*time.Second), 10, iso("a", 95<<20, 100<<20)), 1, 10); len(a) != 1 {
		t.Fatalf("alert not re-armed: %+v", a)
	}

	// Total memory above 500 MB (supervisor RSS 50 MB + isolates).
	var many []IsolateSample
	for i := 0; i < 5; i++ {
		many = append(many, iso(fmt.Sprint(i), 95<<20, 128<<20))
	}
	a = m.evaluate(sample(t0.Add(5*time.Second), 10, many...), 5, 10)
	if !hasType(a, "total-memory") {
		t.Fatalf("want total-memory alert at %d MB, got %+v", (50 + 5*95), a)
	}

	// 8 of 10 isolates in use.
	if a := m.evaluate(sample(t0.Add(6*time.Second), 10), 7, 10); hasType(a, "capacity") {
		t.Fatal("capacity alert at 70%")
	}
	if a := m.evaluate(sample(t0.Add(7*time.Second), 10), 8, 10); !hasType(a, "capacity") {
		t.Fatalf("want capacity alert at 8 of 10, got %+v", a)
	}
}

func TestCPUAlertNeedsSustainedLoad(t *testing.T) {
	m := &Monitor{th: DefaultThresholds(), every: time.Second, prevCPU: map[string]cpuMark{}, active: map[string]bool{}}
	t0 := time.Now()
	// A 10-second spike is not sustained.
	for i := 0; i < 10; i++ {
		if a := m.evaluate(sample(t0.Add(time.Duration(i)*time.Second), 100), 0, 10); hasType(a, "cpu") {
			t.Fatalf("cpu alert after %d s", i)
		}
	}
	fired := false
	for i := 10; i <= 31; i++ {
		fired = fired || hasType(m.evaluate(sample(t0.Add(time.Duration(i)*time.Second), 90), 0, 10), "cpu")
	}
	if !fired {
		t.Fatal("no cpu alert after 30 s above 70%")
	}
}

func TestKeepsTheLast50Alerts(t *testing.T) {
	m := &Monitor{th: DefaultThresholds(), every: time.Second, prevCPU: map[string]cpuMark{}, active: map[string]bool{}}
	t0 := time.Now()
	for i := 0; i < 60; i++ {
		m.evaluate(sample(t0, 0, iso(fmt.Sprint(i), 99, 100)), 0, 10)
	}
	got := m.Alerts()
	if len(got) != keepAlerts || got[len(got)-1].IsolateID != "59" || got[0].IsolateID != "10" {
		t.Fatalf("kept %d alerts, first %s last %s", len(got), got[0].IsolateID, got[len(got)-1].IsolateID)
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
