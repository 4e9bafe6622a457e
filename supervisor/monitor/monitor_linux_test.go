package monitor

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/symposium/symposium/supervisor/cgroup"
	"github.com/symposium/symposium/supervisor/isolate"
	"github.com/symposium/symposium/supervisor/isolate/isolatetest"
)

// A real isolate filling its memory raises the alert from kernel figures.
func TestIsolateMemoryAlertFromKernelFigures(t *testing.T) {
	isolatetest.NeedRoot(t)
	runner, cleanup, err := isolatetest.Runner()
	if err != nil {
		t.Fatal(err)
	}
	defer cleanup()
	name := fmt.Sprintf("symposium-montest-%d", os.Getpid())
	cg, err := cgroup.New(cgroup.WithName(name))
	if err != nil {
		t.Fatal(err)
	}
	defer cg.Close()
	rt, err := isolate.New(isolate.Config{RunnerPath: runner, RunDir: "/run/" + name, NoPool: true, SampleInterval: 100 * time.Millisecond,
		ExecTimeout: 10 * time.Second, Limits: cgroup.Limits{MemoryBytes: 96 << 20, CPU: 1, Pids: 32}}, cg)
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	alerts := make(chan Alert, 10)
	// The runner keeps its JavaScript heap below 3/4 of the cgroup limit (its
	// soft limit stops a script there): alert at half.
	th := DefaultThresholds()
	th.IsolateMemoryPercent = 50
	mon := New(rt, th, OnAlert(func(a Alert) { alerts <- a }))

	done := make(chan *isolate.Result, 1)
	go func() {
		res, _ := rt.Run(context.Background(), "hog", isolate.Code{JavaScript: `
			const keep = []; for (let i = 0; i < 40; i++) keep.push(new Array(1 << 17).fill(i));
			const end = Date.now() + 2500; while (Date.now() < end) {}
			console.log(keep.length)`}, nil)
		done <- res
	}()
	deadline := time.After(8 * time.Second)
	for {
		mon.Sample()
		select {
		case a := <-alerts:
			if a.Type != "isolate-memory" || a.BlockID != "hog" || a.Value <= 50 {
				t.Fatalf("unexpected alert %+v", a)
			}
			latest := mon.Latest()
			if len(latest.Isolates) != 1 || latest.Isolates[0].Stats.MemoryCurrent < 48<<20 {
				t.Fatalf("sample does not show the kernel's figure: %+v", latest.Isolates)
			}
			<-done
			return
		case res := <-done:
			t.Fatalf("block finished (%s) without an alert; last sample %+v", res.Kind, mon.Latest().Isolates)
		case <-deadline:
			t.Fatal("no alert")
		case <-time.After(100 * time.Millisecond):
		}
	}
}
