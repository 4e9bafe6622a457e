package isolate

import (
	"context"
	"sync"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/symposium/symposium/ipc"
	"github.com/symposium/symposium/ipc/sandboxpb"
	"github.com/symposium/symposium/supervisor/hostcap"
)

type memData struct {
	mu sync.Mutex
	m  map[string][]byte
}

func (d *memData) Save(_ context.Context, block, key string, v []byte) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.m[block+"/"+key] = v
	return nil
}

func (d *memData) Get(_ context.Context, block, key string) ([]byte, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.m[block+"/"+key], nil
}

func (d *memData) Delete(_ context.Context, block, key string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.m, block+"/"+key)
	return nil
}

// The runtime starts a new host-call budget before every execution: a
// block that spent its calls in one run has them all again in the next.
func TestHostBudgetPerExecution(t *testing.T) {
	w := newFake(t, Config{MaxIsolates: 2, PoolSize: 1})
	f := hostcap.New(&memData{m: map[string][]byte{}}, nil, hostcap.Classifier{}, nil, hostcap.WithLimits(hostcap.Limits{Calls: 3}))
	var (
		mu   sync.Mutex
		host ipc.HostServer
	)
	w.rt.host = func(block string) ipc.HostServer {
		mu.Lock()
		defer mu.Unlock()
		host = f.For(block)
		return host
	}
	ctx := context.Background()
	spend := func() error {
		mu.Lock()
		h := host
		mu.Unlock()
		for range 3 {
			if _, err := h.GetData(ctx, &sandboxpb.GetDataRequest{Key: "k"}); err != nil {
				return err
			}
		}
		_, err := h.GetData(ctx, &sandboxpb.GetDataRequest{Key: "k"})
		if status.Code(err) != codes.ResourceExhausted {
			t.Fatalf("4th call of 3 allowed: %v, want ResourceExhausted", err)
		}
		return nil
	}
	for i := range 3 {
		if _, err := w.run(t, "b", "1"); err != nil {
			t.Fatal(err)
		}
		if err := spend(); err != nil {
			t.Fatalf("execution %d: its budget did not start over: %v", i, err)
		}
	}
}
