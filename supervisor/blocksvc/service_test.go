package blocksvc

import (
	"context"
	"errors"
	"testing"

	"github.com/symposium/symposium/supervisor/isolate"
)

// fakeRuntime stands in for the isolate runtime: no root, no processes.
type fakeRuntime struct {
	runs  int
	err   error
	live  map[string]bool
	ended []string
}

func (f *fakeRuntime) Run(_ context.Context, id string, code isolate.Code, _ []byte) (*isolate.Result, error) {
	if f.err != nil {
		return nil, f.err
	}
	f.runs++
	f.live[id] = true
	return &isolate.Result{BlockID: id, HTML: "<p>" + code.JavaScript + "</p>", CSS: code.CSS, Kind: isolate.KindOK}, nil
}

func (f *fakeRuntime) End(id string) bool {
	f.ended = append(f.ended, id)
	was := f.live[id]
	delete(f.live, id)
	return was
}

func (f *fakeRuntime) LiveBlocks() map[string]bool { return f.live }

// countingStore counts writes and can fail.
type countingStore struct {
	*memStore
	writes int
	fail   error
}

func (c *countingStore) SaveRun(ctx context.Context, b Block, r *isolate.Result) error {
	if c.fail != nil {
		return c.fail
	}
	c.writes++
	return c.memStore.SaveRun(ctx, b, r)
}

func (c *countingStore) SaveOutput(ctx context.Context, id string, r *isolate.Result) error {
	if c.fail != nil {
		return c.fail
	}
	c.writes++
	return c.memStore.SaveOutput(ctx, id, r)
}

func (c *countingStore) SaveRunAt(ctx context.Context, b Block, r *isolate.Result, epoch uint64) error {
	if c.fail != nil {
		return c.fail
	}
	c.writes++
	return c.memStore.SaveRunAt(ctx, b, r, epoch)
}

func (c *countingStore) SaveOutputAt(ctx context.Context, id string, r *isolate.Result, epoch uint64) error {
	if c.fail != nil {
		return c.fail
	}
	c.writes++
	return c.memStore.SaveOutputAt(ctx, id, r, epoch)
}

func (c *countingStore) Epoch(ctx context.Context, id string) (uint64, error) {
	if c.fail != nil {
		return 0, c.fail
	}
	return c.memStore.Epoch(ctx, id)
}

func (c *countingStore) LoadBlock(ctx context.Context, id string) (Block, bool, error) {
	if c.fail != nil {
		return Block{}, false, c.fail
	}
	return c.memStore.LoadBlock(ctx, id)
}

func TestServiceKeepsBlocksAndWritesOnlyChanges(t *testing.T) {
	rt := &fakeRuntime{live: map[string]bool{}}
	st := &countingStore{memStore: newMemStore()}
	s := New(rt, WithStore(st))
	ctx := context.Background()
	b := Block{ID: "a", Code: isolate.Code{JavaScript: "x", CSS: "p{}"}}
	for range 3 {
		if _, err := s.Execute(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	if rt.runs != 3 || st.writes != 1 {
		t.Fatalf("3 unchanged runs: %d runs, %d writes; want 3 and 1", rt.runs, st.writes)
	}
	if err := s.Rename(ctx, "a", "Alpha"); err != nil {
		t.Fatal(err)
	}
	js := "y"
	res, err := s.Update(ctx, "a", Patch{JavaScript: &js})
	if err != nil || res.HTML != "<p>y</p>" || res.CSS != "p{}" {
		t.Fatalf("update: %v %+v", err, res)
	}
	list, _ := s.List(ctx)
	if len(list) != 1 || list[0].Name != "Alpha" || !list[0].Live || list[0].Code.JavaScript != "y" {
		t.Fatalf("list: %+v", list)
	}
	if out, err := s.Output(ctx, "a"); err != nil || out.HTML != "<p>y</p>" {
		t.Fatalf("output: %v %+v", err, out)
	}
	if err := s.Delete(ctx, "a"); err != nil || len(rt.ended) != 1 {
		t.Fatalf("delete: %v %v", err, rt.ended)
	}
	for _, err := range []error{s.Delete(ctx, "a"), s.Rename(ctx, "a", "x")} {
		if !errors.Is(err, ErrUnknownBlock) {
			t.Fatalf("after delete: %v, want ErrUnknownBlock", err)
		}
	}
	if _, err := s.Update(ctx, "a", Patch{}); !errors.Is(err, ErrUnknownBlock) {
		t.Fatalf("update after delete: %v", err)
	}
	if _, err := s.Output(ctx, "a"); !errors.Is(err, ErrUnknownBlock) {
		t.Fatalf("output after delete: %v", err)
	}
}

// What the author typed is kept even when the run is refused.
func TestRefusedRunStillKeepsTheCode(t *testing.T) {
	rt := &fakeRuntime{live: map[string]bool{}, err: isolate.ErrCapacity}
	s := New(rt)
	ctx := context.Background()
	if _, err := s.Execute(ctx, Block{ID: "r", Code: isolate.Code{JavaScript: "typed"}}); !errors.Is(err, isolate.ErrCapacity) {
		t.Fatalf("want ErrCapacity through, got %v", err)
	}
	rt.err = nil
	res, err := s.Update(ctx, "r", Patch{})
	if err != nil || res.HTML != "<p>typed</p>" {
		t.Fatalf("the refused block's code was lost: %v %+v", err, res)
	}
}

func TestStorageOutageIsErrStorage(t *testing.T) {
	st := &countingStore{memStore: newMemStore(), fail: errors.New("connection refused")}
	s := New(&fakeRuntime{live: map[string]bool{}}, WithStore(st))
	ctx := context.Background()
	if _, err := s.Execute(ctx, Block{ID: "s"}); !errors.Is(err, ErrStorage) {
		t.Fatalf("execute: %v", err)
	}
	if _, err := s.Update(ctx, "s", Patch{}); !errors.Is(err, ErrStorage) {
		t.Fatalf("update: %v", err)
	}
	if err := s.Delete(ctx, "s"); !errors.Is(err, ErrStorage) {
		t.Fatalf("delete: %v", err)
	}
}

func TestValidID(t *testing.T) {
	for id, ok := range map[string]bool{"a": true, "A-b_9": true, "": false, "../x": false, "a b": false, string(make([]byte, 65)): false} {
		if ValidID(id) != ok {
			t.Errorf("ValidID(%q) = %v", id, !ok)
		}
	}
}
