package engine

import (
	"context"
	"runtime"
	"testing"
	"time"
)

// BenchmarkSessionClick is one counter click through a live session, as a
// viewer's click costs the runner: the dispatch, the handler, the
// annotated body HTML of the new page. The target is well under 1 ms.
func BenchmarkSessionClick(b *testing.B) {
	blk := Block{HTML: `<div class="counter"><button id="inc">+</button> <span id="count">0</span></div>`, JavaScript: `
		let n = 0;
		document.addEventListener('DOMContentLoaded', () => {
			document.getElementById('inc').addEventListener('click', () => {
				document.getElementById('count').textContent = ++n;
			});
		});`}
	s, res := OpenSession(context.Background(), blk, Options{}, true)
	if s == nil || res.Error != nil {
		b.Fatalf("open: %+v", res)
	}
	defer s.Close()
	ev := Event{Type: "click", Target: "#inc"}
	b.ReportAllocs()
	for b.Loop() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		res, err := s.Dispatch(ctx, ev)
		cancel()
		if err != nil || res.Error != nil || res.HTML == "" {
			b.Fatalf("%v %+v", err, res)
		}
	}
}

// BenchmarkSessionOpen opens a counter page as a live session and keeps
// it, reporting the Go heap each live session holds (heap-B/session), the
// figure that bounds how many sessions one isolate can keep.
func BenchmarkSessionOpen(b *testing.B) {
	blk := Block{HTML: `<div class="counter"><button id="inc">+</button> <span id="count">0</span></div>`, JavaScript: `
		let n = 0;
		document.getElementById('inc').addEventListener('click', () => { document.getElementById('count').textContent = ++n; });`}
	var kept []*Session
	defer func() {
		for _, s := range kept {
			s.Close()
		}
	}()
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for b.Loop() {
		s, res := OpenSession(context.Background(), blk, Options{}, true)
		if s == nil || res.Error != nil {
			b.Fatalf("open: %+v", res)
		}
		// One click, so the event machinery is part of the figure.
		if _, err := s.Dispatch(context.Background(), Event{Type: "click", Target: "#inc"}); err != nil {
			b.Fatal(err)
		}
		kept = append(kept, s)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(len(kept)), "heap-B/session")
}
