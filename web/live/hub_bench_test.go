package live

import (
	"fmt"
	"testing"
	"time"

	"github.com/symposium/symposium/supervisor/monitor"
)

// BenchmarkSampleFanOut measures one metrics push (encode once, queue to
// every tab) with 100 tabs whose writers drain their queues.
func BenchmarkSampleFanOut(b *testing.B) {
	h := New(WithQueueSize(1024))
	defer h.Close()
	for range 100 {
		c := &client{send: make(chan []byte, 1024), done: make(chan struct{})}
		c.topics.Store(uint32(allTopics))
		h.clients[c] = struct{}{}
		go func() {
			for {
				select {
				case <-c.send:
				case <-c.done:
					return
				}
			}
		}()
	}
	s := monitor.Sample{Time: time.Now()}
	for i := range 10 {
		s.Isolates = append(s.Isolates, monitor.IsolateSample{ID: fmt.Sprint("iso-", i), BlockID: fmt.Sprint("block-", i), PID: 1000 + i})
	}
	b.ReportAllocs()
	for b.Loop() {
		h.Sample(s)
	}
	for c := range h.clients {
		c.kill(0, "")
	}
}
