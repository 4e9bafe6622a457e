package blocksvc

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/symposium/symposium/supervisor/isolate"
)

// tenantOf is the web layer's scoping: "<tenant>.<id>", unscoped = local.
func tenantOf(id string) string {
	if t, _, ok := strings.Cut(id, "."); ok {
		return t
	}
	return "local"
}

// holdRuntime is a concurrency-safe fake whose runs of a block named in
// hold wait until released.
type holdRuntime struct {
	mu    sync.Mutex
	live  map[string]bool
	ended []string
	hold  map[string]chan struct{}
	began chan string
}

func newHoldRuntime() *holdRuntime {
	return &holdRuntime{live: map[string]bool{}, hold: map[string]chan struct{}{}, began: make(chan string, 100)}
}

func (g *holdRuntime) Run(ctx context.Context, id string, code isolate.Code, _ []byte) (*isolate.Result, error) {
	g.mu.Lock()
	g.live[id] = true
	h := g.hold[id]
	g.mu.Unlock()
	g.began <- id
	if h != nil {
		select {
		case <-h:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return &isolate.Result{BlockID: id, HTML: "<p>" + code.JavaScript + "</p>", Kind: isolate.KindOK}, nil
}

func (g *holdRuntime) End(id string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.ended = append(g.ended, id)
	was := g.live[id]
	delete(g.live, id)
	return was
}

func (g *holdRuntime) LiveBlocks() map[string]bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := map[string]bool{}
	for k, v := range g.live {
		out[k] = v
	}
	return out
}

// gate makes the block's next runs wait for the returned channel, and
// forgets the runs begun so far.
func (g *holdRuntime) gate(id string) chan struct{} {
	g.mu.Lock()
	defer g.mu.Unlock()
	for len(g.began) > 0 {
		<-g.began
	}
	c := make(chan struct{})
	g.hold[id] = c
	return c
}

func TestTenantBlockAndByteQuotas(t *testing.T) {
	ctx := context.Background()
	s := New(newHoldRuntime(), WithTenantOf(tenantOf),
		WithTenantQuota(TenantQuota{Blocks: 2, Bytes: 8000, Isolates: -1, ExecutionsPerMinute: -1}))
	for _, id := range []string{"a.one", "a.two", "b.one"} {
		if _, err := s.Execute(ctx, Block{ID: id, Code: isolate.Code{JavaScript: "x"}}); err != nil {
			t.Fatalf("%s: %v", id, err)
		}
	}
	_, err := s.Execute(ctx, Block{ID: "a.three", Code: isolate.Code{JavaScript: "x"}})
	if !errors.Is(err, ErrQuota) || !strings.Contains(err.Error(), "TENANT_MAX_BLOCKS") {
		t.Fatalf("tenant a's third block of 2: %v", err)
	}
	// A draft is a stored block too.
	if err := s.Save(ctx, Block{ID: "a.draft"}); !errors.Is(err, ErrQuota) {
		t.Fatalf("tenant a's draft past its quota: %v", err)
	}
	// Tenant b is not held back by a, nor is a's known block.
	if _, err := s.Execute(ctx, Block{ID: "b.two", Code: isolate.Code{JavaScript: "x"}}); err != nil {
		t.Fatalf("tenant b: %v", err)
	}
	if _, err := s.Execute(ctx, Block{ID: "a.one", Code: isolate.Code{JavaScript: strings.Repeat("y", 3000)}}); err != nil {
		t.Fatalf("a known block within the bytes: %v", err)
	}
	// 3,000 bytes of code and 3,000 of output more pass a's 8,000.
	_, err = s.Execute(ctx, Block{ID: "a.two", Code: isolate.Code{JavaScript: strings.Repeat("z", 3000)}})
	if !errors.Is(err, ErrQuota) || !strings.Contains(err.Error(), "TENANT_MAX_STORAGE_MB") {
		t.Fatalf("over tenant a's bytes: %v", err)
	}
	u, err := s.Usage(ctx)
	if err != nil || u.Blocks != 4 || u.Tenants["a"].Blocks != 2 || u.Tenants["b"].Blocks != 2 ||
		u.Tenants["a"].Bytes+u.Tenants["b"].Bytes != u.Bytes {
		t.Fatalf("usage: %+v %v", u, err)
	}
	tu, err := s.TenantUsage(ctx, "a")
	if err != nil || tu.Blocks != 2 || tu.Bytes != u.Tenants["a"].Bytes || tu.MaxBlocks != 2 || tu.MaxBytes != 8000 {
		t.Fatalf("tenant a's usage: %+v %v", tu, err)
	}
	if err := s.Delete(ctx, "a.two"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Execute(ctx, Block{ID: "a.three", Code: isolate.Code{JavaScript: "x"}}); err != nil {
		t.Fatalf("after a delete freed room: %v", err)
	}
}

func TestTenantIsolateQuotaEndsIdleOnesFirst(t *testing.T) {
	ctx := context.Background()
	rt := newHoldRuntime()
	s := New(rt, WithTenantOf(tenantOf), WithTenantQuota(TenantQuota{Isolates: 2, ExecutionsPerMinute: -1}))
	clock := time.Unix(1000, 0)
	s.now = func() time.Time { clock = clock.Add(time.Second); return clock }
	run := func(id string) error {
		_, err := s.Execute(ctx, Block{ID: id, Code: isolate.Code{JavaScript: "x"}})
		return err
	}
	for _, id := range []string{"a.x", "a.y", "b.x", "a.x"} {
		if err := run(id); err != nil {
			t.Fatalf("%s: %v", id, err)
		}
	}
	// a holds x and y (y run least recently): a third block ends y, and
	// no isolate of b.
	if err := run("a.z"); err != nil {
		t.Fatal(err)
	}
	if len(rt.ended) != 1 || rt.ended[0] != "a.y" {
		t.Fatalf("ended %v; want [a.y]", rt.ended)
	}
	// With both of a's isolates executing, a new block is refused.
	release := []chan struct{}{rt.gate("a.x"), rt.gate("a.z")}
	defer func() { // unblock on failure
		for _, c := range release {
			select {
			case <-c:
			default:
				close(c)
			}
		}
	}()
	errs := make(chan error, 2)
	for _, id := range []string{"a.x", "a.z"} {
		go func() { errs <- run(id) }()
		<-rt.began
	}
	err := run("a.w")
	var qe *QuotaError
	if !errors.Is(err, ErrQuota) || !errors.Is(err, ErrTenantIsolates) || !errors.As(err, &qe) || qe.RetryAfter <= 0 ||
		!strings.Contains(err.Error(), "TENANT_MAX_ISOLATES") {
		t.Fatalf("a third block while 2 of 2 execute: %v", err)
	}
	if tu, _ := s.TenantUsage(ctx, "a"); tu.Isolates != 2 || tu.MaxIsolates != 2 {
		t.Fatalf("tenant a's isolates: %+v", tu)
	}
	// The running blocks themselves, and other tenants, go on.
	if err := run("b.y"); err != nil {
		t.Fatalf("tenant b while a is full: %v", err)
	}
	for _, c := range release {
		close(c)
	}
	release = nil
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if err := run("a.w"); err != nil {
		t.Fatalf("once a's runs finished: %v", err)
	}
}

func TestTenantExecutionRate(t *testing.T) {
	ctx := context.Background()
	s := New(newHoldRuntime(), WithTenantOf(tenantOf), WithTenantQuota(TenantQuota{Isolates: -1, ExecutionsPerMinute: 3}))
	clock := time.Unix(1000, 0)
	s.now = func() time.Time { return clock }
	run := func(id string) error {
		_, err := s.Execute(ctx, Block{ID: id, Code: isolate.Code{JavaScript: "x"}})
		return err
	}
	for range 3 {
		if err := run("a.x"); err != nil {
			t.Fatal(err)
		}
	}
	err := run("a.y")
	var qe *QuotaError
	if !errors.Is(err, ErrTenantRate) || !errors.As(err, &qe) || qe.RetryAfter != 20*time.Second ||
		!strings.Contains(err.Error(), "TENANT_EXECUTIONS_PER_MINUTE") {
		t.Fatalf("4th execution of 3 a minute: %v", err)
	}
	if err := run("b.x"); err != nil {
		t.Fatalf("another tenant: %v", err)
	}
	if tu, _ := s.TenantUsage(ctx, "a"); tu.ExecutionsLeft != 0 || tu.ExecutionsPerMinute != 3 {
		t.Fatalf("tenant a's executions: %+v", tu)
	}
	clock = clock.Add(20 * time.Second)
	if err := run("a.y"); err != nil {
		t.Fatalf("after the Retry-After: %v", err)
	}
	if err := run("a.y"); !errors.Is(err, ErrTenantRate) {
		t.Fatalf("right after: %v", err)
	}
}

// Two services on one store stand for two instances: a delete on one wins
// over an execution in flight on the other.
func TestDeleteOnAnotherInstanceWins(t *testing.T) {
	ctx := context.Background()
	st := newMemStore()
	rtA := newHoldRuntime()
	a, b := New(rtA, WithStore(st)), New(newHoldRuntime(), WithStore(st))
	if _, err := a.Execute(ctx, Block{ID: "x", Code: isolate.Code{JavaScript: "1"}}); err != nil {
		t.Fatal(err)
	}
	release := rtA.gate("x")
	done := make(chan error, 1)
	go func() {
		_, err := a.Execute(ctx, Block{ID: "x", Code: isolate.Code{JavaScript: "2"}})
		done <- err
	}()
	<-rtA.began
	if err := b.Delete(ctx, "x"); err != nil {
		t.Fatal(err)
	}
	close(release)
	if err := <-done; !errors.Is(err, ErrDeleted) {
		t.Fatalf("the execution in flight on A: %v; want ErrDeleted", err)
	}
	if _, ok, _ := st.LoadBlock(ctx, "x"); ok {
		t.Fatal("the block came back")
	}
	if _, ok, _ := st.LoadOutput(ctx, "x"); ok {
		t.Fatal("its output came back")
	}
	// A knows it is gone: a new execution creates it anew.
	if _, err := a.Execute(ctx, Block{ID: "x", Code: isolate.Code{JavaScript: "3"}}); err != nil {
		t.Fatal(err)
	}
	if blk, ok, _ := st.LoadBlock(ctx, "x"); !ok || blk.Code.JavaScript != "3" {
		t.Fatalf("recreated block: %+v %v", blk, ok)
	}
}

// idleRuntime can end only idle isolates; busy ones (a live session) stay.
type idleRuntime struct {
	*holdRuntime
	busy map[string]bool
}

func (r *idleRuntime) EndIdle(id string) bool {
	if r.busy[id] {
		return false
	}
	return r.End(id)
}

func TestTenantIsolateQuotaSparesBusyIsolates(t *testing.T) {
	ctx := context.Background()
	rt := &idleRuntime{holdRuntime: newHoldRuntime(), busy: map[string]bool{}}
	s := New(rt, WithTenantOf(tenantOf), WithTenantQuota(TenantQuota{Isolates: 1, ExecutionsPerMinute: 10}))
	if _, err := s.Execute(ctx, Block{ID: "a.x", Code: isolate.Code{JavaScript: "x"}}); err != nil {
		t.Fatal(err)
	}
	rt.busy["a.x"] = true
	_, err := s.Execute(ctx, Block{ID: "a.y", Code: isolate.Code{JavaScript: "x"}})
	if !errors.Is(err, ErrTenantIsolates) || len(rt.ended) != 0 {
		t.Fatalf("a new block while the only isolate holds a session: %v (ended %v)", err, rt.ended)
	}
	if tu, _ := s.TenantUsage(ctx, "a"); tu.ExecutionsLeft != 9 {
		t.Fatalf("the refused run spent an execution: %+v", tu)
	}
	rt.busy["a.x"] = false
	if _, err := s.Execute(ctx, Block{ID: "a.y", Code: isolate.Code{JavaScript: "x"}}); err != nil || len(rt.ended) != 1 {
		t.Fatalf("once idle: %v (ended %v)", err, rt.ended)
	}
}
