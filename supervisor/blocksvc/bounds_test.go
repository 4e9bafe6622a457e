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

// bigRuntime renders as much HTML as the block's JavaScript says.
type bigRuntime struct{ fakeRuntime }

func (f *bigRuntime) Run(ctx context.Context, id string, code isolate.Code, data []byte) (*isolate.Result, error) {
	res, err := f.fakeRuntime.Run(ctx, id, code, data)
	if err == nil && code.JavaScript == "20MB" {
		res.HTML = strings.Repeat("<p>0123456789</p>", (20<<20)/17)
	}
	return res, err
}

func TestOutputTooLargeIsRefusedAndNotStored(t *testing.T) {
	rt := &bigRuntime{fakeRuntime{live: map[string]bool{}}}
	st := &countingStore{memStore: newMemStore()}
	s := New(rt, WithStore(st))
	ctx := context.Background()
	res, err := s.Execute(ctx, Block{ID: "big", Code: isolate.Code{JavaScript: "20MB"}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Kind != isolate.KindOutputTooLarge || res.HTML != "" || !strings.Contains(res.Message, "MAX_OUTPUT_HTML_BYTES") || !strings.Contains(res.Message, "2097152") {
		t.Fatalf("20 MB output: kind %q, %d bytes of HTML, %q", res.Kind, len(res.HTML), res.Message)
	}
	if _, ok, _ := st.LoadOutput(ctx, "big"); ok || st.writes != 0 {
		t.Fatalf("an output was stored (%d output writes)", st.writes)
	}
	if b, ok, _ := st.LoadBlock(ctx, "big"); !ok || b.Code.JavaScript != "20MB" {
		t.Fatal("the block's code should be kept, as typed")
	}

	// CSS and logs have their own limits.
	s = New(rt, WithStore(st), WithLimits(Limits{CSSBytes: 10, LogBytes: 10}))
	res, _ = s.Execute(ctx, Block{ID: "css", Code: isolate.Code{JavaScript: "x", CSS: strings.Repeat("a", 11)}})
	if res.Kind != isolate.KindOutputTooLarge || !strings.Contains(res.Message, "MAX_OUTPUT_CSS_BYTES") {
		t.Fatalf("11 bytes of CSS over 10: %q %q", res.Kind, res.Message)
	}
	res, _ = s.Execute(ctx, Block{ID: "ok", Code: isolate.Code{JavaScript: "x", CSS: strings.Repeat("a", 10)}})
	if !res.OK() {
		t.Fatalf("10 bytes of CSS at a limit of 10: %q %q", res.Kind, res.Message)
	}
}

func TestBlockSizeCheckedBeforeRunning(t *testing.T) {
	rt := &fakeRuntime{live: map[string]bool{}}
	s := New(rt)
	ctx := context.Background()
	// 180 kB of markup: under the limit as stored (no HTML escaping).
	html := strings.Repeat("<b></b>", 180_000/7)
	if _, err := s.Execute(ctx, Block{ID: "b180", Code: isolate.Code{HTML: html}}); err != nil {
		t.Fatalf("180 kB block: %v", err)
	}
	if n := StoredSize(Block{ID: "b180", Code: isolate.Code{HTML: html}}); n > 200_000 {
		t.Fatalf("180 kB of markup takes %d bytes stored", n)
	}
	// Control characters take six bytes each once encoded: 200 kB of them
	// is over 1 MiB stored, and is refused without running.
	_, err := s.Execute(ctx, Block{ID: "ctl", Code: isolate.Code{JavaScript: strings.Repeat("\x01", 200_000)}})
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "MAX_BLOCK_BYTES") || rt.runs != 1 {
		t.Fatalf("block over the stored limit: %v after %d runs; want ErrTooLarge and no run", err, rt.runs)
	}
}

// gatedRuntime's executions wait until End is called for their block (a
// delete), then finish normally: the execution's store step races the
// delete's.
type gatedRuntime struct {
	mu      sync.Mutex
	started chan string
	waiting map[string]chan struct{}
}

func (g *gatedRuntime) Run(_ context.Context, id string, code isolate.Code, _ []byte) (*isolate.Result, error) {
	ch := make(chan struct{})
	g.mu.Lock()
	g.waiting[id] = ch
	g.mu.Unlock()
	g.started <- id
	select {
	case <-ch:
	case <-time.After(5 * time.Second):
	}
	return &isolate.Result{BlockID: id, HTML: "<p>" + code.JavaScript + "</p>", Kind: isolate.KindOK}, nil
}

func (g *gatedRuntime) End(id string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	ch, ok := g.waiting[id]
	if ok {
		close(ch)
		delete(g.waiting, id)
	}
	return ok
}

func (g *gatedRuntime) LiveBlocks() map[string]bool { return map[string]bool{} }

func TestDeleteDuringExecutionWins(t *testing.T) {
	rt := &gatedRuntime{started: make(chan string), waiting: map[string]chan struct{}{}}
	st := newMemStore()
	s := New(rt, WithStore(st))
	ctx := context.Background()
	for i := range 100 {
		// Known from a previous run, as in the report: the block exists.
		_ = st.SaveBlock(ctx, Block{ID: "d", Code: isolate.Code{JavaScript: "old"}})
		done := make(chan error, 1)
		go func() {
			_, err := s.Execute(ctx, Block{ID: "d", Code: isolate.Code{JavaScript: "new"}})
			done <- err
		}()
		<-rt.started
		if err := s.Delete(ctx, "d"); err != nil {
			t.Fatalf("try %d: delete: %v", i, err)
		}
		if err := <-done; !errors.Is(err, ErrDeleted) {
			t.Fatalf("try %d: the execution answered %v, want ErrDeleted", i, err)
		}
		if _, ok, _ := st.LoadBlock(ctx, "d"); ok {
			t.Fatalf("try %d: the deleted block came back", i)
		}
		if _, ok, _ := st.LoadOutput(ctx, "d"); ok {
			t.Fatalf("try %d: the deleted block's output came back", i)
		}
	}
	// After the delete, the block can be created again.
	go func() { <-rt.started; rt.End("d") }()
	if _, err := s.Execute(ctx, Block{ID: "d", Code: isolate.Code{JavaScript: "again"}}); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := st.LoadBlock(ctx, "d"); !ok {
		t.Fatal("a block executed after its delete should be stored")
	}
	if len(s.gate.blocks) != 0 {
		t.Fatalf("%d gate entries left with nothing in flight", len(s.gate.blocks))
	}
}
