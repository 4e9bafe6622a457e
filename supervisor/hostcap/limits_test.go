package hostcap

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/symposium/symposium/ipc/sandboxpb"
	"github.com/symposium/symposium/storage/blockdata"
	"github.com/symposium/symposium/storage/kv/bolt"
	"github.com/symposium/symposium/supervisor/egress"
)

// gate is a Data whose Get blocks until released, recording how many calls
// were inside at once.
type gate struct {
	release      chan struct{}
	inside, peak atomic.Int32
}

func (g *gate) Get(ctx context.Context, _, _ string) ([]byte, error) {
	n := g.inside.Add(1)
	for {
		p := g.peak.Load()
		if n <= p || g.peak.CompareAndSwap(p, n) {
			break
		}
	}
	defer g.inside.Add(-1)
	select {
	case <-g.release:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return []byte(`1`), nil
}
func (g *gate) Save(context.Context, string, string, []byte) error { return nil }
func (g *gate) Delete(context.Context, string, string) error       { return nil }

func TestConcurrentCallsWaitTheirTurn(t *testing.T) {
	g := &gate{release: make(chan struct{})}
	h := New(g, nil, Classifier{}, nil).For("b")
	var wg sync.WaitGroup
	var ok atomic.Int32
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := h.GetData(context.Background(), &sandboxpb.GetDataRequest{Key: "k"}); err == nil {
				ok.Add(1)
			}
		}()
	}
	deadline := time.Now().Add(5 * time.Second)
	for g.inside.Load() < 6 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond) // room for a seventh to get in, if it could
	if n := g.inside.Load(); n != 6 {
		t.Fatalf("%d calls inside the store at once, want 6", n)
	}
	close(g.release)
	wg.Wait()
	if ok.Load() != 50 || g.peak.Load() != 6 {
		t.Fatalf("%d of 50 calls answered, peak %d at once; want all, 6", ok.Load(), g.peak.Load())
	}
}

func TestWaitingCallLeavesWithItsContext(t *testing.T) {
	g := &gate{release: make(chan struct{})}
	defer close(g.release)
	h := New(g, nil, Classifier{}, nil, WithLimits(Limits{Concurrent: 1})).For("b")
	go h.GetData(context.Background(), &sandboxpb.GetDataRequest{Key: "k"})
	for g.inside.Load() < 1 {
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := h.GetData(ctx, &sandboxpb.GetDataRequest{Key: "k"}); status.Code(err) != codes.DeadlineExceeded {
		t.Fatalf("a call waiting past its deadline: %v", err)
	}
}

func TestCallAndByteBudgets(t *testing.T) {
	ctx := context.Background()
	g := &gate{release: make(chan struct{})}
	close(g.release)
	h := New(g, nil, Classifier{}, nil, WithLimits(Limits{Calls: 10, Bytes: 100})).For("b")
	for i := range 10 {
		if _, err := h.GetData(ctx, &sandboxpb.GetDataRequest{Key: "k"}); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	_, err := h.GetData(ctx, &sandboxpb.GetDataRequest{Key: "k"})
	if status.Code(err) != codes.ResourceExhausted || !strings.Contains(status.Convert(err).Message(), "10 calls per execution") {
		t.Fatalf("11th call: %v", err)
	}
	h.(Execution).BeginExecution()
	if _, err := h.GetData(ctx, &sandboxpb.GetDataRequest{Key: "k"}); err != nil {
		t.Fatalf("first call of the next execution: %v", err)
	}
	// 100 bytes: one save of 99 passes, the next call is refused.
	if _, err := h.SaveData(ctx, &sandboxpb.SaveDataRequest{Key: "k", ValueJson: bytes.Repeat([]byte("1"), 97)}); err != nil {
		t.Fatal(err)
	}
	_, err = h.SaveData(ctx, &sandboxpb.SaveDataRequest{Key: "k", ValueJson: []byte("1")})
	if status.Code(err) != codes.ResourceExhausted || !strings.Contains(status.Convert(err).Message(), "100 bytes per execution") {
		t.Fatalf("over the byte budget: %v", err)
	}
}

func TestBudgetRenewsPerWindowWithoutExecutions(t *testing.T) {
	ctx := context.Background()
	g := &gate{release: make(chan struct{})}
	close(g.release)
	h := New(g, nil, Classifier{}, nil, WithLimits(Limits{Calls: 2, Window: 50 * time.Millisecond})).For("b")
	for range 2 {
		if _, err := h.GetData(ctx, &sandboxpb.GetDataRequest{Key: "k"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := h.GetData(ctx, &sandboxpb.GetDataRequest{Key: "k"}); status.Code(err) != codes.ResourceExhausted {
		t.Fatalf("3rd call in the window: %v", err)
	}
	time.Sleep(60 * time.Millisecond)
	if _, err := h.GetData(ctx, &sandboxpb.GetDataRequest{Key: "k"}); err != nil {
		t.Fatalf("after the window: %v", err)
	}
}

func rss(t *testing.T) int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		t.Skipf("no /proc/self/statm: %v", err)
	}
	var size, res int64
	fmt.Sscan(string(b), &size, &res)
	return res * int64(os.Getpagesize())
}

func heapObjects() int64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return int64(s[0].Value.Uint64())
}

// TestHostCallStormStaysSmall: one block's 1,000 fetches and 5,000 getData
// calls, all at once, with the block's data near 1 MiB (16 values of
// 60 kB) and a slow allowlisted host answering 128 kB, through the real
// block data store and the real egress fetcher. The supervisor's RSS and
// Go heap peak within 50 MB of where they started, with the default
// budget (most calls refused at once) and with a budget that admits every
// call (all wait their turn, 6 at a time).
func TestHostCallStormStaysSmall(t *testing.T) {
	for _, tc := range []struct {
		name   string
		limits Limits
		// rss: check RSS too. With every call admitted, 6,000 callers'
		// goroutine stacks (here the test's, in service gRPC's) are most
		// of the RSS; the heap shows that the buffers stay bounded.
		rss bool
	}{
		{"default", Limits{}, true},
		{"all admitted", Limits{Calls: 10000, Bytes: 1 << 40}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store, err := bolt.Open(filepath.Join(t.TempDir(), "kv.db"))
			if err != nil {
				t.Fatal(err)
			}
			defer store.Close()
			bd := blockdata.New(store)
			ctx := context.Background()
			for i := range 16 {
				v := `"` + strings.Repeat(fmt.Sprint(i%10), 60000) + `"`
				if err := bd.Save(ctx, "storm", fmt.Sprintf("k%02d", i), []byte(v)); err != nil {
					t.Fatal(err)
				}
			}
			body := bytes.Repeat([]byte("x"), 128<<10)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				time.Sleep(5 * time.Millisecond)
				w.Write(body)
			}))
			defer srv.Close()
			u, _ := url.Parse(srv.URL)
			f := New(data{bd}, fetch{egress.New([]egress.Rule{{Scheme: "http", Host: u.Hostname(), Port: port(u)}})},
				Classifier{NotFound: blockdata.ErrNotFound}, nil, WithLimits(tc.limits))
			h := f.For("storm")
			h.(Execution).BeginExecution()

			runtime.GC()
			baseRSS, baseHeap := rss(t), heapObjects()
			var peakRSS, peakHeap atomic.Int64
			stop := make(chan struct{})
			sampled := make(chan struct{})
			go func() {
				defer close(sampled)
				for {
					if r := rss(t); r > peakRSS.Load() {
						peakRSS.Store(r)
					}
					if hp := heapObjects(); hp > peakHeap.Load() {
						peakHeap.Store(hp)
					}
					select {
					case <-stop:
						return
					case <-time.After(2 * time.Millisecond):
					}
				}
			}()
			start := time.Now()
			var wg sync.WaitGroup
			var fetched, read, refused, failed atomic.Int32
			call := func(fn func() error, ok *atomic.Int32) {
				defer wg.Done()
				err := fn()
				switch {
				case err == nil:
					ok.Add(1)
				case status.Code(err) == codes.ResourceExhausted:
					refused.Add(1)
				default:
					failed.Add(1)
					t.Errorf("call failed: %v", err)
				}
			}
			for i := range 6000 {
				wg.Add(1)
				if i%6 == 0 {
					go call(func() error {
						r, err := h.Fetch(ctx, &sandboxpb.FetchRequest{Url: srv.URL + "/slow"})
						if err == nil && len(r.GetBody()) != len(body) {
							return fmt.Errorf("fetched %d bytes", len(r.GetBody()))
						}
						return err
					}, &fetched)
				} else {
					go call(func() error {
						r, err := h.GetData(ctx, &sandboxpb.GetDataRequest{Key: fmt.Sprintf("k%02d", i%16)})
						if err == nil && len(r.GetValueJson()) != 60002 {
							return fmt.Errorf("read %d bytes", len(r.GetValueJson()))
						}
						return err
					}, &read)
				}
			}
			wg.Wait()
			close(stop)
			<-sampled
			dRSS, dHeap := peakRSS.Load()-baseRSS, peakHeap.Load()-baseHeap
			t.Logf("%v: %d fetches and %d getData answered, %d refused; peak RSS +%.1f MB, peak heap +%.1f MB",
				time.Since(start).Round(time.Millisecond), fetched.Load(), read.Load(), refused.Load(), float64(dRSS)/1e6, float64(dHeap)/1e6)
			if fetched.Load()+read.Load()+refused.Load() != 6000 || failed.Load() != 0 {
				t.Fatalf("answers do not add up")
			}
			if (tc.rss && dRSS > 50e6) || dHeap > 50e6 {
				t.Fatalf("peak RSS +%d B, heap +%d B over idle; want within 50 MB", dRSS, dHeap)
			}
		})
	}
}
