package hostcap

import (
	"context"
	"fmt"
	"sync"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Limits bound what one execution may ask of its host, so that no block can
// make the supervisor (which runs outside every cgroup) hold unbounded
// sockets, goroutines or buffers on its behalf.
type Limits struct {
	// Concurrent is how many calls run at once; the rest wait their turn,
	// like a browser's six connections per host.
	Concurrent int
	// Calls is how many calls one execution may make, waiting ones
	// included; later calls fail at once.
	Calls int
	// Bytes bounds the data one execution moves through its calls: values
	// saved, values read, URLs and fetched bodies. A call that starts over
	// it fails; a call in flight completes.
	Bytes int64
	// Window renews the budget when the isolate's executions are not told
	// apart (BeginExecution never called): a budget older than Window
	// starts over on the next call.
	Window time.Duration
}

// DefaultLimits: 6 at once, 1000 calls and 32 MiB per execution, a window of
// 10 s (twice the default execution timeout).
var DefaultLimits = Limits{Concurrent: 6, Calls: 1000, Bytes: 32 << 20, Window: 10 * time.Second}

// Execution is implemented by the servers For returns: BeginExecution
// starts a new budget, so bounds are per execution rather than per window.
// The isolate calls it before each ExecuteRequest.
type Execution interface {
	BeginExecution()
}

// budget is one server's counters. Calls are counted when they arrive, so
// a burst of thousands is refused without waiting for a slot.
type budget struct {
	limits Limits
	slots  chan struct{}

	mu      sync.Mutex
	started time.Time
	scoped  bool // BeginExecution has been called: no window renewal
	calls   int
	bytes   int64
}

func newBudget(l Limits) *budget {
	return &budget{limits: l, slots: make(chan struct{}, l.Concurrent)}
}

func (b *budget) reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.scoped, b.started, b.calls, b.bytes = true, time.Now(), 0, 0
}

// enter charges one call of reqBytes and waits for a slot. done releases the
// slot and charges the bytes the call brought back.
func (b *budget) enter(ctx context.Context, reqBytes int) (done func(respBytes int), err error) {
	if err := b.charge(reqBytes); err != nil {
		return nil, err
	}
	select {
	case b.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, status.Error(codes.DeadlineExceeded, "host call timed out waiting for its turn")
	}
	var once sync.Once
	return func(respBytes int) {
		once.Do(func() {
			<-b.slots
			b.mu.Lock()
			b.bytes += int64(respBytes)
			b.mu.Unlock()
		})
	}, nil
}

func (b *budget) charge(reqBytes int) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if now := time.Now(); !b.scoped && now.Sub(b.started) >= b.limits.Window {
		b.started, b.calls, b.bytes = now, 0, 0
	}
	if b.calls >= b.limits.Calls {
		return status.Error(codes.ResourceExhausted, fmt.Sprintf(
			"host call limit reached: %d calls per execution (symposium.* calls, waiting ones included)", b.limits.Calls))
	}
	if b.bytes >= b.limits.Bytes {
		return status.Error(codes.ResourceExhausted, fmt.Sprintf(
			"host data limit reached: %d bytes per execution moved through symposium.* calls", b.limits.Bytes))
	}
	b.calls++
	b.bytes += int64(reqBytes)
	return nil
}
